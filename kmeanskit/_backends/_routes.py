"""Routes: the arrays of one call as the engine wants them, and the way back.

One small class per kind of input, each overriding only what differs from
:class:`Route`, the NumPy route (compiled engine, results as they are):

=================  ==========================================  ================
route              what the engine gets                        results back
=================  ==========================================  ================
``Route``          NumPy arrays (compiled engine)              NumPy
``TorchRoute``     zero-copy NumPy views (compiled engine)     torch tensors
``DaskRoute``      the Dask arrays (Dask engine: row blocks)   Dask arrays
``PortableRoute``  the arrays themselves (portable engine)     the same library
``SparseRoute``    CSR matrices (compiled engine, CSR kernels) NumPy
=================  ==========================================  ================

:func:`kmeanskit._backends._dispatch.dispatch` picks the route.  The public
functions work with ``route.arrays`` and ``route.xp`` (NumPy itself on the
compiled routes, the caller's namespace on the portable one) and these
helpers, never with a library directly.
"""

import numpy as np

from .._base import _validate
from . import _sparse_data
from ._arrays import has_float64, numpy_dtype, to_host
from ._engines import get_engine

__all__ = ["DaskRoute", "PortableRoute", "Route", "SparseRoute", "TorchRoute",
           "contiguous", "is_dask"]


def is_dask(a):
    """Whether ``a`` is a Dask array (without importing Dask)."""
    return type(a).__module__.startswith("dask.") and hasattr(a, "dask")


def contiguous(result):
    """NumPy array (0-d for scalars) with C-contiguous memory."""
    result = np.asarray(result)
    return result if result.flags.c_contiguous else np.ascontiguousarray(result)


def _lazy(a):
    import array_api_compat as compat

    return compat.is_lazy_array(a)


class Route:
    """The NumPy route; the base of every other.

    Attributes
    ----------
    kind : {'numpy', 'torch', 'dask', 'portable', 'sparse'}
    arrays : tuple
        The call's arguments: ``None`` kept, scalars as 0-d NumPy arrays,
        arrays as the engine wants them.
    xp : namespace
        ``numpy`` on the compiled routes, the caller's (array-api-compat)
        namespace on the portable route.
    device : object
        The caller's device (portable route), else None.
    """

    kind = "numpy"
    __slots__ = ("arrays", "xp", "device")

    def __init__(self, arrays, xp=np, device=None):
        self.arrays = arrays
        self.xp = xp
        self.device = device

    def engine(self, workers=None):
        """The engine for this call (``workers`` is validated either way)."""
        return get_engine(workers=workers)

    def check_supports(self, what):
        """``TypeError`` if this route's data cannot do ``what`` (a function
        name or a feature of one); every route but the sparse one can."""

    # -- array helpers used by the public functions -----------------------------

    def dtype(self, a):
        """NumPy dtype of array ``a`` (for validation and messages)."""
        return a.dtype

    def size(self, a):
        """Number of elements of ``a``."""
        return a.size

    def item(self, a):
        """The single element of size-1 array ``a`` as a Python number."""
        return a.item()

    def has_float64(self):
        """Whether results can be float64 (the portable route may lack it)."""
        return True

    def default_float(self):
        """The caller's library's default real floating dtype (a NumPy dtype):
        float64 for NumPy, ``torch.get_default_dtype()`` for PyTorch, ..."""
        return np.dtype(np.float64)

    def default_int(self):
        """The caller's library's default integer dtype (a NumPy dtype)."""
        return np.dtype(np.int64)

    def is_lazy(self, a):
        """Whether reading ``a``'s values may be impossible or expensive
        (Dask, JAX): then checks that read values are off by default."""
        return False

    def float_dtype(self, dtype):
        """Compute dtype for NumPy float dtype ``dtype`` on this route: float64
        becomes float32 where the device has no float64."""
        if dtype == np.float64 and not self.has_float64():
            return np.dtype(np.float32)
        return dtype

    def astype(self, a, dtype):
        """``a`` in NumPy dtype ``dtype`` (no copy when it already is)."""
        return a.astype(dtype, copy=False)

    def to_2d(self, a):
        """(n, d) form of 1-D or 2-D ``a``, as the engine reads it."""
        return _validate.to_2d(a)

    def check_finite(self, a, name):
        """Raise ``ValueError`` if ``a`` holds an inf or a NaN."""
        _validate.check_finite_array(a, name)

    def column_std(self, a):
        """Population standard deviation along axis 0."""
        return a.std(axis=0)

    def divide_columns(self, a, divisors):
        """``a`` with each column divided by ``divisors``."""
        return a / divisors

    def row_norms(self, a):
        """L2 norm of each row of 2-D ``a``, in its dtype and namespace."""
        xp = self.xp
        return xp.sqrt(xp.sum(a * a, axis=1))

    def divide_rows(self, a, divisors):
        """2-D ``a`` with each row divided by ``divisors`` (from ``row_norms``)."""
        return a / self.xp.expand_dims(divisors, axis=1)

    def any(self, a):
        """Whether any element of boolean array ``a`` is true (reads values)."""
        return bool(a.any())

    def unit_rows(self, a):
        """``(unit, zero)``: the rows of 2-D ``a`` scaled to unit L2 norm,
        and None; or, when some row is all zeros, None and a host boolean
        mask of those rows."""
        norms = self.row_norms(a)
        zero = norms == 0
        if self.any(zero):
            return None, self.to_host(zero)
        return self.divide_rows(a, norms), None

    def to_host(self, a):
        """A NumPy array of ``a``'s values (for small arrays: code books)."""
        if isinstance(a, np.ndarray):
            return a
        return to_host(a)

    def host_data(self, a):
        """``a`` in memory as the compiled engine reads it (C-contiguous
        NumPy; CSR on the sparse route): for small arrays (a mini-batch)."""
        return np.ascontiguousarray(self.to_host(a))

    def host_engine(self, workers=None):
        """The compiled engine for :meth:`host_data` arrays."""
        return get_engine(workers=workers)

    def as_data(self, a, name, *, check_finite, integers="raise", min_ndim=1,
                max_ndim=2):
        """:func:`kmeanskit._base._validate.as_data` on this route's arrays."""
        return _validate.as_data(a, name, check_finite=check_finite,
                                 integers=integers, min_ndim=min_ndim,
                                 max_ndim=max_ndim)

    def _as_data_in_namespace(self, a, name, *, check_finite, integers,
                              min_ndim, max_ndim):
        """``as_data`` through this route's helpers (arrays not NumPy's)."""
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
        return result


class TorchRoute(Route):
    """CPU PyTorch tensors, as zero-copy NumPy views; results as tensors."""

    kind = "torch"
    __slots__ = ()

    def default_float(self):
        import torch

        return np.dtype(str(torch.get_default_dtype()).rsplit(".", 1)[-1])

    def is_lazy(self, a):
        return _lazy(a)

    def back(self, result):
        import torch

        return torch.from_numpy(contiguous(result))


class DaskRoute(Route):
    """Dask arrays, kept lazy for the Dask engine (see :mod:`._dispatch`)."""

    kind = "dask"
    __slots__ = ("_row_chunks", "_names", "_unchecked")

    def __init__(self, arrays, xp, row_chunks=None, names=()):
        super().__init__(arrays, xp)
        self._row_chunks = row_chunks
        self._names = names
        self._unchecked = set()  # Dask arrays whose finiteness the engine checks

    def engine(self, workers=None):
        engine = get_engine(self.xp, workers=workers)
        data, *others = self._names
        engine.check_finite_in_first_pass(
            data if data in self._unchecked else None,
            next((name for name in others if name in self._unchecked), None))
        return engine

    def item(self, a):
        if isinstance(a, np.ndarray):
            return a.item()
        return self.to_host(a).reshape(-1)[0].item()

    def is_lazy(self, a):
        return _lazy(a)

    def to_2d(self, a):
        """(n, d) form with one block along the columns (Dask arrays)."""
        if is_dask(a):
            return _dask_rows(a)
        return super().to_2d(a)

    def check_finite(self, a, name):
        """Dask arrays are not read here: the engine checks them in its first
        pass over them, and raises then (see :meth:`engine`)."""
        if is_dask(a):
            self._unchecked.add(name)
            return
        super().check_finite(a, name)

    def unit_rows(self, a):
        """``Route.unit_rows``; for data persisted on a cluster, the unit
        rows persisted and checked for zero rows in one round trip."""
        from ._engines._dask_shards import persisted_unit_rows

        if is_dask(a):
            found = persisted_unit_rows(a, self.row_norms(a))
            if found is not None:
                return found
        return super().unit_rows(a)

    def divide_rows(self, a, divisors):
        """``Route.divide_rows``, persisted on the cluster when ``a`` is
        (every later pass reads the result: spherical k-means's unit rows),
        instead of recomputed from ``a`` in every pass."""
        from ._engines._dask_shards import persist_like

        return persist_like(a, super().divide_rows(a, divisors))

    def as_data(self, a, name, *, check_finite, integers="raise", min_ndim=1,
                max_ndim=2):
        if not is_dask(a):
            return super().as_data(a, name, check_finite=check_finite,
                                   integers=integers, min_ndim=min_ndim,
                                   max_ndim=max_ndim)
        return self._as_data_in_namespace(a, name, check_finite=check_finite,
                                          integers=integers, min_ndim=min_ndim,
                                          max_ndim=max_ndim)

    def back(self, result):
        if is_dask(result):
            return result  # left lazy by the engine
        import dask.array as da

        # In-memory results, rows chunked as the data was.
        result = contiguous(result)
        chunks = -1
        if self._row_chunks is not None and result.ndim >= 1 \
                and result.shape[0] == sum(self._row_chunks):
            chunks = (self._row_chunks,) + tuple(-1 for _ in result.shape[1:])
        return da.from_array(result, chunks=chunks)


class PortableRoute(Route):
    """Any other Array API library, computed in its namespace on its device."""

    kind = "portable"
    __slots__ = ("_traced",)

    def __init__(self, arrays, xp, device=None, traced=False):
        super().__init__(arrays, xp, device)
        self._traced = traced

    def engine(self, workers=None):
        return get_engine(self.xp, workers=workers, device=self.device)

    def dtype(self, a):
        return numpy_dtype(a.dtype)

    def size(self, a):
        size = 1
        for extent in a.shape:
            size *= extent
        return size

    def item(self, a):
        if isinstance(a, np.ndarray):
            return a.item()
        return self.to_host(a).reshape(-1)[0].item()

    def has_float64(self):
        return has_float64(self.xp, self.device)

    def _default_dtype(self, kind):
        info = self.xp.__array_namespace_info__()
        return numpy_dtype(info.default_dtypes(device=self.device)[kind])

    def default_float(self):
        return self._default_dtype("real floating")

    def default_int(self):
        return self._default_dtype("integral")

    def is_lazy(self, a):
        return _lazy(a)

    def astype(self, a, dtype):
        if self.dtype(a) == dtype:
            return a
        return self.xp.astype(a, getattr(self.xp, np.dtype(dtype).name))

    def to_2d(self, a):
        if a.ndim == 1:
            return self.xp.reshape(a, (a.shape[0], 1))
        return a

    def check_finite(self, a, name):
        if self._traced:
            raise TypeError(
                f"{name} is traced by jax.jit, so check_finite=True cannot read "
                "its values; pass check_finite=False inside jax.jit."
            )
        xp = self.xp
        if not bool(xp.all(xp.isfinite(a))):
            _validate.raise_not_finite(name)

    def column_std(self, a):
        return self.xp.std(a, axis=0)

    def any(self, a):
        return bool(self.xp.any(a))

    def as_data(self, a, name, *, check_finite, integers="raise", min_ndim=1,
                max_ndim=2):
        return self._as_data_in_namespace(a, name, check_finite=check_finite,
                                          integers=integers, min_ndim=min_ndim,
                                          max_ndim=max_ndim)

    def back(self, result):
        if isinstance(result, np.ndarray | np.generic):
            return self.xp.asarray(contiguous(result), device=self.device)
        return result


class SparseRoute(Route):
    """scipy.sparse data as CSR for the compiled engine's CSR kernels (see
    :mod:`._sparse_data`); the other arrays of the call as NumPy."""

    kind = "sparse"
    __slots__ = ()

    def engine(self, workers=None):
        return get_engine(workers=workers, sparse=True)

    def check_supports(self, what):
        _sparse_data.check_supported(what)

    def size(self, a):
        if _sparse_data.is_sparse(a):
            return a.shape[0] * a.shape[1]
        return a.size

    def to_2d(self, a):
        """Sparse ``a`` as the CSR the kernels read (already validated)."""
        if _sparse_data.is_sparse(a):
            return _sparse_data.as_csr(a, "data", check_finite=False)
        return super().to_2d(a)

    def check_finite(self, a, name):
        if _sparse_data.is_sparse(a):
            _sparse_data.check_finite_values(a, name)
            return
        super().check_finite(a, name)

    def column_std(self, a):
        if _sparse_data.is_sparse(a):
            return _sparse_data.column_std(a)
        return super().column_std(a)

    def divide_columns(self, a, divisors):
        if _sparse_data.is_sparse(a):
            return _sparse_data.divide_columns(a, divisors)
        return super().divide_columns(a, divisors)

    def row_norms(self, a):
        if _sparse_data.is_sparse(a):
            return _sparse_data.row_norms(a)
        return super().row_norms(a)

    def divide_rows(self, a, divisors):
        if _sparse_data.is_sparse(a):
            return _sparse_data.divide_rows(a, divisors)
        return super().divide_rows(a, divisors)

    def to_host(self, a):
        """Dense values of a small array (a sparse code book: densified)."""
        if _sparse_data.is_sparse(a):
            return a.toarray()
        return super().to_host(a)

    def host_data(self, a):
        if _sparse_data.is_sparse(a):
            return a
        return super().host_data(a)

    def host_engine(self, workers=None):
        return self.engine(workers)

    def as_data(self, a, name, *, check_finite, integers="raise", min_ndim=1,
                max_ndim=2):
        if _sparse_data.is_sparse(a):
            return _sparse_data.as_csr(a, name, check_finite=check_finite,
                                       integers=integers)
        return super().as_data(a, name, check_finite=check_finite,
                               integers=integers, min_ndim=min_ndim,
                               max_ndim=max_ndim)


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
