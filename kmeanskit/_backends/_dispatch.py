"""From the caller's array library to an engine, and the results back.

The one place that knows about array libraries.  :func:`dispatch` finds the
namespace of a call's arrays (``array_api_compat.array_namespace``), picks
the route their data takes, and returns a :class:`Route` that holds the
arrays as the engine wants them and converts results back:

=================  ==========================================  ================
caller's arrays    what the engine gets                        results back
=================  ==========================================  ================
NumPy, lists       the arrays (compiled engine)                NumPy
PyTorch on CPU     zero-copy NumPy views (compiled engine)     torch tensors
Dask               the Dask arrays (Dask engine: row blocks)   Dask arrays
anything else      the arrays themselves (portable engine)     the same library
=================  ==========================================  ================

On the Dask route the data is never computed here: it reaches the Dask
engine as a lazy array with whole rows per block (column-chunked data is
rechunked once, with a warning), checks of its values (``check_finite``) are
deferred to the engine's first pass, and results that the engine leaves lazy
(labels, distances) come back as they are.

(See :mod:`kmeanskit._backends._capabilities` for what each function does per backend.)

The public functions then work with ``route.arrays`` and ``route.xp`` (NumPy
itself on the compiled routes, the caller's namespace on the portable one)
and the route's helpers, never with a library directly.

Plain ``numpy.ndarray`` inputs take a fast path that imports and inspects
nothing else.
"""

import contextlib
import numbers

import numpy as np

from .._base import _validate
from ._arrays import has_float64, numpy_dtype, to_host
from ._engines import get_engine

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


class Route:
    """The arrays of one call, as the engine wants them, and the way back.

    Attributes
    ----------
    kind : {'numpy', 'torch', 'dask', 'portable'}
    arrays : tuple
        The call's arguments: ``None`` kept, scalars as 0-d NumPy arrays,
        arrays as the engine wants them (NumPy on the compiled routes, the
        caller's arrays on the portable route).
    xp : namespace
        ``numpy`` on the compiled routes, the caller's (array-api-compat)
        namespace on the portable route.
    device : object
        The caller's device (portable route), else None.
    """

    __slots__ = ("kind", "arrays", "xp", "device", "_traced", "_row_chunks",
                 "_names", "_unchecked")

    def __init__(self, kind, arrays, xp=np, device=None, traced=False,
                 row_chunks=None, names=()):
        self.kind = kind
        self.arrays = arrays
        self.xp = xp
        self.device = device
        self._traced = traced
        self._row_chunks = row_chunks
        self._names = names
        self._unchecked = set()  # Dask arrays whose finiteness the engine checks

    # -- engine ---------------------------------------------------------------

    def engine(self, workers=None):
        """The engine for this call (``workers`` is validated either way)."""
        if self.kind == "portable":
            return get_engine(self.xp, workers=workers, device=self.device)
        if self.kind == "dask":
            engine = get_engine(self.xp, workers=workers)
            data, *others = self._names
            engine.check_finite_in_first_pass(
                data if data in self._unchecked else None,
                next((name for name in others if name in self._unchecked), None))
            return engine
        return get_engine(workers=workers)

    # -- array helpers used by the public functions -----------------------------

    def dtype(self, a):
        """NumPy dtype of array ``a`` (for validation and messages)."""
        if self.kind != "portable":
            return a.dtype

        return numpy_dtype(a.dtype)

    def size(self, a):
        """Number of elements of ``a``."""
        if self.kind != "portable":
            return a.size
        size = 1
        for extent in a.shape:
            size *= extent
        return size

    def item(self, a):
        """The single element of size-1 array ``a`` as a Python number."""
        if isinstance(a, np.ndarray) or self.kind not in ("portable", "dask"):
            return a.item()
        return self.to_host(a).reshape(-1)[0].item()

    def has_float64(self):
        """Whether results can be float64 (the portable route may lack it)."""
        if self.kind != "portable":
            return True

        return has_float64(self.xp, self.device)

    def _default_dtype(self, kind):
        info = self.xp.__array_namespace_info__()

        return numpy_dtype(info.default_dtypes(device=self.device)[kind])

    def default_float(self):
        """The caller's library's default real floating dtype (a NumPy dtype):
        float64 for NumPy, ``torch.get_default_dtype()`` for PyTorch, ..."""
        if self.kind == "numpy" or self.kind == "dask":
            return np.dtype(np.float64)
        if self.kind == "torch":
            import torch

            return np.dtype(str(torch.get_default_dtype()).rsplit(".", 1)[-1])
        return self._default_dtype("real floating")

    def default_int(self):
        """The caller's library's default integer dtype (a NumPy dtype)."""
        if self.kind != "portable":
            return np.dtype(np.int64)
        return self._default_dtype("integral")

    def is_lazy(self, a):
        """Whether reading ``a``'s values may be impossible or expensive
        (Dask, JAX): then checks that read values are off by default."""
        if self.kind == "numpy":
            return False
        import array_api_compat as compat

        return compat.is_lazy_array(a)

    def float_dtype(self, dtype):
        """Compute dtype for NumPy float dtype ``dtype`` on this route: float64
        becomes float32 where the device has no float64."""
        if dtype == np.float64 and not self.has_float64():
            return np.dtype(np.float32)
        return dtype

    def astype(self, a, dtype):
        """``a`` in NumPy dtype ``dtype`` (no copy when it already is)."""
        if self.kind != "portable":
            return a.astype(dtype, copy=False)
        if self.dtype(a) == dtype:
            return a
        return self.xp.astype(a, getattr(self.xp, np.dtype(dtype).name))

    def to_2d(self, a):
        """(n, d) form of 1-D or 2-D ``a`` (C-contiguous for the compiled
        engine; one block along the columns for the Dask engine)."""
        if self.kind == "dask" and _is_dask(a):
            return _dask_rows(a)
        if self.kind != "portable":
            return _validate.to_2d(a)
        if a.ndim == 1:
            return self.xp.reshape(a, (a.shape[0], 1))
        return a

    def check_finite(self, a, name):
        """Raise ``ValueError`` if ``a`` holds an inf or a NaN.

        Dask arrays are not read here: the engine checks them in its first
        pass over them, and raises then (see :meth:`engine`).
        """
        if self.kind == "dask" and _is_dask(a):
            self._unchecked.add(name)
            return
        if self.kind != "portable":
            _validate.check_finite_array(a, name)
            return
        if self._traced:
            raise TypeError(
                f"{name} is traced by jax.jit, so check_finite=True cannot read "
                "its values; pass check_finite=False inside jax.jit."
            )
        xp = self.xp
        if not bool(xp.all(xp.isfinite(a))):
            _validate.raise_not_finite(name)

    def column_std(self, a):
        """Population standard deviation along axis 0."""
        if self.kind != "portable":
            return a.std(axis=0)
        return self.xp.std(a, axis=0)

    def any(self, a):
        """Whether any element of boolean array ``a`` is true (reads values)."""
        if self.kind != "portable":
            return bool(a.any())
        return bool(self.xp.any(a))

    def to_host(self, a):
        """A NumPy array of ``a``'s values (for small arrays: code books)."""
        if isinstance(a, np.ndarray):
            return a

        return to_host(a)

    def as_data(self, a, name, *, check_finite, integers="raise", min_ndim=1,
                max_ndim=2):
        """:func:`kmeanskit._base._validate.as_data` on this route's arrays."""
        if self.kind != "portable" and not _is_dask(a):
            return _validate.as_data(a, name, check_finite=check_finite,
                                     integers=integers, min_ndim=min_ndim,
                                     max_ndim=max_ndim)
        if not min_ndim <= a.ndim <= max_ndim:
            _validate.raise_bad_ndim(a, name, min_ndim, max_ndim)
        if a.ndim == 2 and a.shape[1] == 0:
            _validate.raise_no_features(a, name)
        source = self.dtype(a)
        dtype = self.float_dtype(
            _validate.floating_dtype(source, name, integers=integers))
        if check_finite and source.kind in "fc":
            self.check_finite(a, name)
        return self.astype(a, dtype)

    # -- results --------------------------------------------------------------

    def back(self, result):
        """``result`` (NumPy, or already in the engine's namespace) converted
        to the caller's namespace and device."""
        kind = self.kind
        if kind == "numpy":
            return result
        if kind == "portable":
            if isinstance(result, np.ndarray | np.generic):
                return self.xp.asarray(_contiguous(result), device=self.device)
            return result
        if kind == "dask" and _is_dask(result):
            return result  # left lazy by the engine
        result = _contiguous(result)
        if kind == "torch":
            import torch

            return torch.from_numpy(result)
        # Dask: in-memory results, rows chunked as the data was.
        import dask.array as da

        chunks = -1
        if self._row_chunks is not None and result.ndim >= 1 \
                and result.shape[0] == sum(self._row_chunks):
            chunks = (self._row_chunks,) + tuple(-1 for _ in result.shape[1:])
        return da.from_array(result, chunks=chunks)


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
        return Route("numpy", tuple(
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

    xp, members = _namespace(func, arrays, names)
    if xp is None:
        host = tuple(_host_array(a) for a in arrays)
        if not _FORCE_PORTABLE:
            return Route("numpy", host)
        return Route("portable", host, xp=compat.array_namespace(np.empty(0)),
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
        return Route("portable", _in_namespace(arrays, xp, device), xp=xp,
                     device=device, traced=traced)

    if compat.is_torch_namespace(xp) and not _FORCE_PORTABLE \
            and getattr(device, "type", None) == "cpu":
        return Route("torch", tuple(_torch_view(a) for a in arrays))

    if compat.is_dask_namespace(xp):
        _check_known_sizes(func, members)
        return Route("dask", _host_or_dask(arrays), xp=xp,
                     row_chunks=_row_chunks(members), names=names)

    return Route("portable", _in_namespace(arrays, xp, device), xp=xp,
                 device=device, traced=traced)


def _host_array(a):
    """NumPy array-likes and pandas objects as NumPy arrays (None kept)."""
    if a is None or type(a) is np.ndarray:
        return a
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


def _contiguous(result):
    """NumPy array (0-d for scalars) with C-contiguous memory."""
    result = np.asarray(result)
    return result if result.flags.c_contiguous else np.ascontiguousarray(result)


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


def _is_dask(a):
    return type(a).__module__.startswith("dask.") and hasattr(a, "dask")


def _host_or_dask(arrays):
    """Dask arrays kept lazy; everything else (lists, scalars) as NumPy."""
    return tuple(a if a is None or isinstance(a, np.ndarray) or _is_dask(a)
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
        if _is_dask(a) and any(np.isnan(s) for s in shape) and name not in allowed:
            raise ValueError(
                f"{name} is a Dask array of unknown chunk sizes (shape "
                f"{shape}), and {func}() needs its number of rows. Call "
                f"{name}.compute_chunk_sizes() first (one pass over the data), "
                "or build it with known sizes (e.g. "
                "dask.dataframe's to_dask_array(lengths=True))."
            )


def _dask_rows(a):
    """(n, d) Dask array with one block along the columns.

    Column-chunked data is rechunked here, once per call, with a
    ``PerformanceWarning``: every pass then re-joins the column blocks
    (unless the caller rechunks, and persists, the data first).
    """
    if a.ndim == 1:
        return a[:, np.newaxis]
    if a.numblocks[1] > 1:
        from dask.array import PerformanceWarning

        from .._base._warnings import warn_external

        warn_external(
            f"A Dask array of shape {a.shape} is split into {a.numblocks[1]} "
            "blocks along its columns; k-means needs whole rows in each "
            "block, so it is rechunked to one column block (chunks "
            "{1: -1}) for this call, and every pass re-joins the column "
            "blocks. Rechunk (and persist) it yourself to avoid that.",
            PerformanceWarning,
        )
        return a.rechunk({1: -1})
    return a


def _row_chunks(members):
    for _, a in members:
        chunks = getattr(a, "chunks", None)
        if chunks:
            return tuple(chunks[0])
    return None
