"""From the caller's array library to an engine: which route a call takes.

The one place that knows about array libraries.  :func:`dispatch` finds the
namespace of a call's arrays (``array_api_compat.array_namespace``), picks
the route their data takes, and returns one of the route classes of
:mod:`kmeanskit._backends._routes`, which holds the arrays as the engine
wants them and converts results back (the table there).

scipy.sparse data (any format) takes the sparse route to the compiled
engine's CSR kernels, for the functions that take it
(:mod:`kmeanskit._backends._sparse_data`); the others raise a ``TypeError``
saying why and what to use.  PyTorch sparse tensors and Dask arrays of
sparse blocks are refused with a ``TypeError``.

On the Dask route the data is never computed here: it reaches the Dask
engine as a lazy array with whole rows per block (column-chunked data is
rechunked once, with a warning), checks of its values (``check_finite``) are
deferred to the engine's first pass, and results that the engine leaves lazy
(labels, distances) come back as they are.

(See :mod:`kmeanskit._backends._capabilities` for what each function does per backend.)

Plain ``numpy.ndarray`` inputs take a fast path that imports and inspects
nothing else.
"""

import contextlib
import numbers

import numpy as np

from . import _sparse_data
from ._routes import DaskRoute, PortableRoute, Route, SparseRoute, TorchRoute, is_dask

__all__ = ["Route", "dispatch", "force_portable"]

_FORCE_PORTABLE = False


@contextlib.contextmanager
def force_portable(enabled=True):
    """Send NumPy and CPU PyTorch data through the portable engine.

    For tests: it runs, on a CPU, the code path that GPU arrays take.
    Not thread-safe.
    """
    global _FORCE_PORTABLE
    previous = _FORCE_PORTABLE
    _FORCE_PORTABLE = enabled
    try:
        yield
    finally:
        _FORCE_PORTABLE = previous


_SCALARS = (numbers.Number, np.generic)


def _is_scalar(a):
    """Python and NumPy scalars: never an array of some namespace."""
    return isinstance(a, _SCALARS)


def dispatch(func, *arrays, names, native=False):
    """The :class:`Route` for a call of public function ``func``.

    Parameters
    ----------
    func : str
        Public function name (error messages, capabilities).
    *arrays : array_like, scalar or None
        The call's array arguments.
    names : tuple of str
        Their parameter names, for error messages.
    native : bool
        Keep every library's arrays in its own namespace (no compiled route):
        for functions written entirely in the Array API (``whiten``).

    Raises
    ------
    TypeError
        Arrays of two libraries, or traced JAX arrays given to a function
        that cannot run inside ``jax.jit``.
    ValueError
        Arrays of one library on two devices.
    """
    # Fast path: NumPy arrays, scalars, None.
    if all(type(a) is np.ndarray or a is None or _is_scalar(a) for a in arrays) \
            and not _FORCE_PORTABLE:
        return Route(tuple(
            a if a is None or type(a) is np.ndarray else np.asarray(a)
            for a in arrays))
    return _dispatch_general(func, arrays, names, native)


def _namespace(func, arrays, names):
    """The caller's namespace (None: NumPy / array-likes only) and the arrays
    that belong to it."""
    import array_api_compat as compat

    found = []
    for name, a in zip(names, arrays, strict=True):
        if a is None or _is_scalar(a) or isinstance(a, list | tuple):
            continue
        if isinstance(a, np.ndarray) or not compat.is_array_api_obj(a):
            # ndarray subclasses and other array-likes: NumPy's business.
            found.append((name, a, None))
            continue
        found.append((name, a, compat.array_namespace(a)))
    libraries = []
    for _, _, xp in found:
        library = "numpy" if xp is None or compat.is_numpy_namespace(xp) else xp
        if library not in libraries:
            libraries.append(library)
    if len(libraries) > 1:
        described = ", ".join(f"{name} is a {type(a).__module__}.{type(a).__name__}"
                              for name, a, _ in found)
        raise TypeError(
            f"{func}() got arrays from different array libraries ({described}); "
            "pass all arrays from one library (and on one device)."
        )
    xp = next((xp for _, _, xp in found if xp is not None), None)
    if xp is not None and compat.is_numpy_namespace(xp):
        xp = None
    return xp, [(name, a) for name, a, _ in found]


def _dispatch_general(func, arrays, names, native):
    import array_api_compat as compat

    if arrays and _sparse_data.is_sparse(arrays[0]):
        # Sparse data; the call's other arrays (code books, weights) are
        # small and become NumPy, sparse or not.
        _sparse_data.check_supported(func)
        return SparseRoute((arrays[0], *(_host_array(a) for a in arrays[1:])))
    xp, members = _namespace(func, arrays, names)
    _refuse_sparse_blocks(func, members)
    if xp is None:
        host = tuple(_host_array(a) for a in arrays)
        if not _FORCE_PORTABLE:
            return Route(host)
        return PortableRoute(host, xp=compat.array_namespace(np.empty(0)),
                             device="cpu")

    device = _common_device(func, members)
    traced = compat.is_jax_namespace(xp) and _any_traced(a for _, a in members)
    if traced:
        from ._capabilities import jit_capability

        if jit_capability(func) is False:
            raise TypeError(
                f"{func}() cannot run inside jax.jit: its loop stops on the "
                "values it computes and draws its random numbers on the host. "
                "Call it on concrete JAX arrays (outside jit)."
            )

    if native:
        return PortableRoute(_in_namespace(arrays, xp, device), xp=xp,
                             device=device, traced=traced)

    if compat.is_torch_namespace(xp) and not _FORCE_PORTABLE \
            and getattr(device, "type", None) == "cpu":
        return TorchRoute(tuple(_torch_view(a) for a in arrays))

    if compat.is_dask_namespace(xp):
        _check_known_sizes(func, members)
        return DaskRoute(_host_or_dask(arrays), xp=xp,
                         row_chunks=_row_chunks(members), names=names)

    return PortableRoute(_in_namespace(arrays, xp, device), xp=xp,
                         device=device, traced=traced)


def _refuse_sparse_blocks(func, members):
    """``TypeError`` for PyTorch sparse tensors and Dask arrays of
    scipy.sparse blocks: neither engine takes them."""
    for name, a in members:
        layout = getattr(a, "layout", None)
        if layout is not None and type(a).__module__.startswith("torch") \
                and str(layout) != "torch.strided":
            raise TypeError(
                f"{func}() does not take PyTorch sparse tensors ({name} has "
                f"layout {layout}): pass a dense tensor (.to_dense()) or a "
                "scipy.sparse CSR matrix (e.g. built from the tensor's "
                "crow_indices(), col_indices() and values())."
            )
        if is_dask(a) and _sparse_data.is_sparse(getattr(a, "_meta", None)):
            raise TypeError(
                f"{func}() does not take Dask arrays of scipy.sparse blocks "
                f"({name}): compute it into one scipy.sparse CSR matrix "
                "(scipy.sparse.vstack of the blocks), or map dense blocks."
            )


def _host_array(a):
    """NumPy array-likes, pandas objects and small sparse arguments as NumPy
    arrays (None kept)."""
    if a is None or type(a) is np.ndarray:
        return a
    if _sparse_data.is_sparse(a):
        return a.toarray()  # a small argument (code book, centres, weights)
    if type(a).__module__.partition(".")[0] == "pandas" and hasattr(a, "to_numpy"):
        return _from_pandas(a)
    return np.asarray(a)


def _from_pandas(a):
    """A DataFrame or Series as NumPy, its nullable columns included.

    ``numpy.asarray`` turns pandas' nullable dtypes (``Float64``, ``Int64``,
    ``boolean``, pyarrow-backed numbers) into an object array.  They get the
    NumPy dtype of their values instead, and missing values (``pd.NA``)
    become NaN, as scikit-learn converts them: the usual checks then apply
    (NaN fails ``check_finite``; integer data where floats are required is
    a ``TypeError``).  Other dtypes (strings, categories) stay as NumPy
    converts them.
    """
    dtypes = list(a.dtypes) if hasattr(a, "columns") else [a.dtype]
    if all(isinstance(d, np.dtype) for d in dtypes):
        return np.asarray(a)
    values = [d if isinstance(d, np.dtype) else getattr(d, "numpy_dtype", None)
              for d in dtypes]
    if any(v is None or v.kind not in "biuf" for v in values):
        return np.asarray(a)
    dtype = np.result_type(*values)
    if dtype.kind != "f":
        if not a.isna().to_numpy().any():
            return a.to_numpy(dtype=dtype)
        dtype = np.dtype(np.float64)  # integers with gaps: NaN needs floats
    return a.to_numpy(dtype=dtype, na_value=np.nan)


def _common_device(func, members):
    import array_api_compat as compat

    devices = []
    for name, a in members:
        if isinstance(a, list | tuple):
            continue
        dev = compat.device(a)
        if dev is None:
            continue  # not known (a JAX array traced by jit)
        if all(dev != other for _, other in devices):
            devices.append((name, dev))
    if len(devices) > 1:
        described = ", ".join(f"{name} on {dev!r}" for name, dev in devices)
        raise ValueError(
            f"{func}() got arrays on different devices ({described}); move them "
            "to one device first."
        )
    return devices[0][1] if devices else None


def _any_traced(arrays):
    import jax

    return any(isinstance(a, jax.core.Tracer) for a in arrays)


def _in_namespace(arrays, xp, device):
    """Arrays kept as they are; array-likes and scalars into ``xp`` (lists
    through NumPy, so that float64 values keep their precision)."""
    out = []
    for a in arrays:
        if a is None or hasattr(a, "__array_namespace__") or _is_array(a):
            out.append(a)
        elif _is_scalar(a):
            out.append(np.asarray(a))
        else:
            out.append(xp.asarray(np.asarray(a), device=device))
    return tuple(out)


def _is_array(a):
    import array_api_compat as compat

    return compat.is_array_api_obj(a) and not isinstance(a, np.generic)


def _torch_view(a):
    """A zero-copy NumPy view of CPU tensor ``a`` (detached from autograd)."""
    if a is None or isinstance(a, np.ndarray):
        return a
    import torch

    if not isinstance(a, torch.Tensor):
        return np.asarray(a)
    a = a.detach()
    if a.dtype == torch.bfloat16:
        a = a.to(torch.float32)  # NumPy has no bfloat16; computed in float32
    return a.resolve_conj().resolve_neg().numpy()


def _host_or_dask(arrays):
    """Dask arrays kept lazy; everything else (lists, scalars) as NumPy."""
    return tuple(a if a is None or isinstance(a, np.ndarray) or is_dask(a)
                 else np.asarray(a) for a in arrays)


# Functions that run on Dask arrays of unknown row count (``vq`` maps over
# the blocks); the others need n (to draw rows, to average).
_UNKNOWN_ROWS_OK = {"vq": ("obs",)}


def _check_known_sizes(func, members):
    """``ValueError`` for a Dask array of unknown chunk sizes where ``func``
    needs its shape."""
    allowed = _UNKNOWN_ROWS_OK.get(func, ())
    for name, a in members:
        shape = getattr(a, "shape", ())
        if is_dask(a) and any(np.isnan(s) for s in shape) and name not in allowed:
            raise ValueError(
                f"{name} is a Dask array of unknown chunk sizes (shape "
                f"{shape}), and {func}() needs its number of rows. Call "
                f"{name}.compute_chunk_sizes() first (one pass over the data), "
                "or build it with known sizes (e.g. "
                "dask.dataframe's to_dask_array(lengths=True))."
            )


def _row_chunks(members):
    for _, a in members:
        chunks = getattr(a, "chunks", None)
        if chunks:
            return tuple(chunks[0])
    return None
