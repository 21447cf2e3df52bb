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
opaque object.  Seeding reads such "row values" only through the module
functions below (:func:`potential`, :func:`d2_draw`, :func:`d2_search`,
:func:`sample_rows`, :func:`row_values`), whose defaults work on NumPy arrays
and which defer to an engine method of the same name where there is one.
"""

import numpy as np

from .._arrays import numpy_dtype
from ._interface import (
    BoundsState,
    Engine,
    PassResult,
    assignment_method,
    row_uniforms,
    spread_dof,
    top_rows,
)

__all__ = [
    "BoundsState",
    "Engine",
    "PassResult",
    "assignment_method",
    "candidate_potentials",
    "d2_draw",
    "d2_search",
    "get_engine",
    "host_dtype",
    "moments",
    "potential",
    "row_uniforms",
    "row_values",
    "sample_rows",
    "scale_rows",
    "spread_dof",
    "take",
    "to_host",
    "top_rows",
    "weighted_moments",
]


def get_engine(xp=None, *, workers=None, device=None):
    """Return the engine for arrays of namespace ``xp`` on ``device``.

    ``xp=None`` (or NumPy itself) gives the compiled engine, Dask's namespace
    the Dask engine, any other namespace the portable one.  ``workers``
    follows SciPy's convention (None: default, -1: every core) and is
    validated for every engine; only the compiled kernels use threads (on
    Dask, per task: one by default, since the workers run tasks in parallel).
    """
    from .._threads import resolve_workers

    n_threads = resolve_workers(workers)
    if xp is None or xp is np:
        from .compiled import CompiledEngine

        return CompiledEngine(n_threads=n_threads)
    import array_api_compat as compat

    if compat.is_dask_namespace(xp):
        from .dask import DaskEngine

        return DaskEngine(n_threads=None if workers is None else n_threads)
    from .portable import PortableEngine

    return PortableEngine(xp, device)


def candidate_potentials(engine, x, candidates, current, weights=None):
    """See ``Engine.candidate_potentials``; engines without it get one
    ``min_sqdist`` sweep per candidate."""
    method = getattr(engine, "candidate_potentials", None)
    if method is not None:
        return method(x, candidates, current, weights)
    potentials = np.empty(candidates.shape[0], dtype=np.float64)
    for j in range(candidates.shape[0]):
        # min_sqdist may lower ``current`` in place: give it a copy.
        trial = engine.min_sqdist(x, candidates[j:j + 1], current.copy())
        potentials[j] = trial.sum() if weights is None else trial @ weights
    return potentials


def take(engine, x, index):
    """Rows ``index`` of the data ``x`` as a NumPy array (a copy)."""
    method = getattr(engine, "take", None)
    if method is None:
        return x[index]
    return method(x, index)


def to_host(engine, x):
    """The data ``x`` as a NumPy array."""
    method = getattr(engine, "to_host", None)
    return x if method is None else method(x)


def moments(engine, x, spread=None, weights=None):
    """``(mean, spread)`` of the rows of ``x`` in float64 (see Engine.moments).

    NumPy data: the mean with ``dtype=float64``, ``numpy.var`` with
    ``ddof=1`` and ``numpy.cov``, the computations SciPy's own draws are
    compared against.
    """
    method = getattr(engine, "moments", None)
    if method is not None:
        return method(x, spread, weights)
    if weights is not None:
        return weighted_moments(x, spread, weights)
    mean = x.mean(axis=0, dtype=np.float64)
    if spread == "var":
        return mean, float(np.var(x[:, 0], ddof=1, dtype=np.float64))
    if spread == "cov":
        return mean, np.atleast_2d(np.cov(x, rowvar=False))
    return mean, None


def weighted_moments(x, spread, weights):
    """:func:`moments` of NumPy data ``x`` whose row i counts ``weights[i]``
    times (frequency weights)."""
    total = float(np.sum(weights))
    mean = (weights @ x.astype(np.float64, copy=False)) / total
    if spread is None:
        return mean, None
    centred = x.astype(np.float64) - mean
    if spread == "var":
        return mean, float(weights @ (centred[:, 0] ** 2) / spread_dof(total))
    return mean, np.atleast_2d((centred.T * weights) @ centred / spread_dof(total))


def host_dtype(x):
    """The NumPy dtype of the data ``x`` (of any namespace)."""
    dtype = x.dtype
    if isinstance(dtype, np.dtype):
        return dtype
    return numpy_dtype(dtype)


# --------------------------------------------------------------------------
# Row values: what seeding keeps per row (see the module docstring)

def row_values(engine, x, values):
    """Per-row ``values`` (e.g. weights, NumPy or the engine's kind) as the
    engine's row values for the data ``x``."""
    method = getattr(engine, "row_values", None)
    if method is not None:
        return method(x, values)
    return np.asarray(values, dtype=np.float64)


def potential(engine, values, weights=None):
    """``sum(weights * values)`` of row values (``weights`` None: all 1)."""
    method = getattr(engine, "potential", None)
    if method is not None:
        return method(values, weights)
    return values.sum() if weights is None else float(np.dot(weights, values))


def d2_draw(engine, values, total, u):
    """SciPy's k-means++ draw: the row where the cumulative sum of
    ``values / total`` first reaches ``u`` (a left ``searchsorted``), at most
    the last row with a positive value (rounding can leave the cumulative
    sum a hair below 1)."""
    method = getattr(engine, "d2_draw", None)
    if method is not None:
        return method(values, total, u)
    cumulative = np.cumsum(values / total)
    index = int(np.searchsorted(cumulative, u))
    return min(index, int(np.flatnonzero(values)[-1]))


def d2_search(engine, values, targets):
    """Rows where the cumulative sum of ``values`` first reaches each of
    ``targets`` (scikit-learn's greedy k-means++ draw), at most the last row
    with a positive value (so a row of zero weight is never drawn)."""
    method = getattr(engine, "d2_search", None)
    if method is not None:
        return method(values, targets)
    found = np.searchsorted(np.cumsum(values), targets)
    return np.minimum(found, int(np.flatnonzero(values)[-1]))


def scale_rows(engine, values, weights):
    """Per-row ``values`` (as ``min_sqdist`` returns them) times host
    ``weights``, in the same form: weighted k-means++ draws from it."""
    method = getattr(engine, "scale_rows", None)
    if method is not None:
        return method(values, weights)
    return values * weights


def sample_rows(engine, values, weights, scale, seed):
    """Indices of the rows kept by independent draws with probability
    ``min(1, scale * weights * values)`` (k-means|| oversampling).

    Row ``i`` compares its own uniform number, ``row_uniforms(seed, i, 1)``,
    with its probability, so the rows drawn do not depend on how the data
    is split into chunks, nor on the engine.
    """
    method = getattr(engine, "sample_rows", None)
    if method is not None:
        return method(values, weights, scale, seed)
    p = scale * values if weights is None else scale * (weights * values)
    return np.flatnonzero(row_uniforms(seed, 0, values.shape[0]) < p)
