"""Engines: the per-row work of k-means, behind one small interface.

Everything above this package (the Lloyd loop, seeding, the public functions)
is written once against :class:`Engine`; an engine only computes, chunked over
rows so that no n-by-k matrix is ever held.  It never validates user input
and never decides convergence.

Three engines exist: ``compiled`` (NumPy arrays, and CPU PyTorch tensors
through a zero-copy NumPy view, into the Cython kernels), ``portable`` (any
Array API namespace, on the caller's device) and ``dask`` (Dask arrays: the
other two mapped over row blocks on the workers).  Which one a call uses is
decided by :mod:`kmeanskit._backends._dispatch`.

Whatever the engine, the data ``x`` stays in the engine's namespace and
everything of size k (centres, sums, counts) is a small NumPy array on the
host: the Lloyd loop and seeding only ever handle the latter.

Seeding also keeps one value per row (the squared distance to the nearest
centre chosen so far).  The compiled and portable engines hold it as a
float64 NumPy array; the Dask engine keeps it on its workers and hands out an
opaque object.  Seeding reads such "row values" and rows of the data only
through the methods of :class:`EngineBase` (``take``, ``potential``,
``d2_draw``, ``d2_search``, ``sample_rows``, ``row_values``...), which every
engine subclasses: its defaults work on NumPy arrays, and an engine whose
data or row values live elsewhere overrides them.
"""

import numpy as np

from .._arrays import numpy_dtype
from ._interface import (
    BoundsState,
    D2State,
    Engine,
    EngineBase,
    PassResult,
    assignment_method,
    group_count,
    row_uniforms,
    spread_dof,
    top_rows,
    weighted_moments,
)

__all__ = [
    "BoundsState",
    "D2State",
    "Engine",
    "EngineBase",
    "PassResult",
    "assignment_method",
    "get_engine",
    "group_count",
    "host_dtype",
    "row_uniforms",
    "spread_dof",
    "top_rows",
    "weighted_moments",
]


def get_engine(xp=None, *, workers=None, device=None, sparse=False):
    """Return the engine for arrays of namespace ``xp`` on ``device``.

    ``xp=None`` (or NumPy itself) gives the compiled engine, Dask's namespace
    the Dask engine, any other namespace the portable one.  ``workers``
    follows SciPy's convention (None: default, -1: every core) and is
    validated for every engine; only the compiled kernels use threads (on
    Dask, per task: one by default, since the workers run tasks in parallel).
    ``sparse=True``: the compiled engine for scipy.sparse CSR data.
    """
    from .._threads import resolve_workers

    n_threads = resolve_workers(workers)
    if sparse:
        from .sparse import SparseEngine

        return SparseEngine(n_threads=n_threads)
    if xp is None or xp is np:
        from .compiled import CompiledEngine

        return CompiledEngine(n_threads=n_threads)
    import array_api_compat as compat

    if compat.is_dask_namespace(xp):
        from .dask import DaskEngine

        return DaskEngine(n_threads=None if workers is None else n_threads)
    from .portable import PortableEngine

    return PortableEngine(xp, device)


def host_dtype(x):
    """The NumPy dtype of the data ``x`` (of any namespace)."""
    dtype = x.dtype
    if isinstance(dtype, np.dtype):
        return dtype
    return numpy_dtype(dtype)
