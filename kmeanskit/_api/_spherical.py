"""Spherical k-means: clusters of directions, by cosine similarity.

Rows are scaled to unit length; for unit vectors ``|x - c|^2 = 2 - 2 cos``,
so the nearest centre in Euclidean distance is the most similar in cosine
and every engine's Lloyd pass (and Hamerly's bounds) does the assignment
unchanged.  Only the update differs: the mean of a cluster's unit rows,
scaled back to unit length (Dhillon & Modha, 2001).
"""

import numpy as np

from .._base import _validate
from .._base._docstrings import fill_doc
from .._core import _magnitude, _variants
from .._core._lloyd import ALGORITHM_CHOICES, MeanRule

__all__ = ["spherical_kmeans"]


def _unit_rows(a):
    """Rows of NumPy array ``a`` scaled to unit L2 norm (a new array)."""
    norms = np.sqrt(np.sum(a.astype(np.float64) ** 2, axis=1, keepdims=True))
    return (a / norms).astype(a.dtype)


class SphericalRule(MeanRule):
    """Lloyd's sweep; the update renormalises each cluster's mean."""

    compiled_iterations = False
    unit_rows = True

    def update(self, result, previous, dtype):
        length = np.sqrt(np.sum(result.sums * result.sums, axis=1))
        # A cluster whose rows cancel out has no mean direction: like an
        # empty one, it keeps its centre (and counts as empty for repair).
        nonempty = (result.counts > 0) & (length > 0)
        centres = np.array(previous, dtype=dtype, copy=True)
        centres[nonempty] = (result.sums[nonempty]
                             / length[nonempty, np.newaxis]).astype(dtype)
        return centres, nonempty


def _normalise(route, x):
    """Unit-length rows of ``x`` in the route's namespace; zero rows raise."""
    unit, zero = route.unit_rows(x)
    if zero is not None:
        verb = "is" if np.count_nonzero(zero) == 1 else "are"
        raise ValueError(
            f"data {_validate.positions(zero)} {verb} all zeros: "
            "the direction (and cosine similarity) of a zero row is undefined; "
            "drop such rows, or replace them and give them weight 0.")
    return unit


@fill_doc
def spherical_kmeans(data, k, *, max_iter=300, tol=1e-4, init=_variants.DEFAULT_INIT,
                     n_init=1, empty="farthest", rng=None, weights=None,
                     algorithm="lloyd", check_finite=True, workers=None,
                     minit=_validate.NOT_GIVEN):
    """Cluster directions: spherical k-means by cosine similarity.

    Each observation is scaled to unit length and assigned to the centre of
    highest cosine similarity; each centre is the mean direction of its
    cluster (the mean of its unit rows, scaled to unit length).  The usual
    choice for text and embedding vectors, whose length carries no meaning.

    Parameters
    ----------
    data : array_like or sparse matrix, shape (M, N)
        Observations, one per row, float32 or float64, of any supported
        array library; no row may be all zeros.
    k : int
        Number of clusters.
    {{max_iter}}
    tol : float or None, optional
        Stop when the squared shift of the centres, summed, is at most `tol`
        times the mean per-feature variance of the unit rows (the rule of
        :func:`~kmeanskit.kmeans2`).  None: run `max_iter` iterations.
        Default: 1e-4.
    init : {'greedy++', '++', 'points', 'random', '||'} or array_like, optional
        Seeding on the unit rows, then scaled to unit length: greedy k-means++
        (default; ``2 + int(log k)`` candidates per centre, scikit-learn's),
        plain k-means++ (SciPy's draws), k distinct rows at random, Gaussian
        draws (kmeans2's ``minit='random'``), k-means||
        (``kpp_init(method='||')``), or the initial centres, shape (k, N)
        (scaled to unit length) (`n_init` is then 1).
    n_init : int, optional
        Number of starts; the one of least objective is kept.  Start ``i``
        draws from ``rng.spawn(n_init)[i]`` as in :func:`~kmeanskit.kmeans2`.
        Default: 1.
    empty : {'farthest', 'split', 'keep'}, optional
        What to do with a cluster left empty: move its centre onto the row
        least similar to its centre (default), split the heaviest cluster,
        or keep the centre where it is.
    rng : {None, int, numpy.random.Generator}, optional
        Source of the seeding, normalised by :func:`numpy.random.default_rng`.
    weights : array_like, shape (M,), optional
        Non-negative weights meaning replication: a row of integer weight w
        counts as w copies of it.  Default: all ones.
    algorithm : {'lloyd', 'hamerly', 'yinyang', 'auto'}, optional
        How the nearest centres are found, as in :func:`~kmeanskit.kmeans2`
        (the same labels either way).
    {{check_finite_infs}}
    {{workers}}
    {{minit_deprecated}}

    Returns
    -------
    centroid : array, shape (k, N)
        Unit-length centres, in the data's dtype, library and device.
    label : array, shape (M,)
        int32 index of each observation's most similar centre.
    info : KMeansInfo
        ``inertia``: the weighted sum of cosine dissimilarities
        ``1 - cos(x, c)`` to the returned centres (``metric='cosine'``),
        the iterations, convergence and per-start objectives.

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), data that is not 2-D, a row
        of zeros, k < 1 or more clusters than observations, an unknown
        `init`, `empty` or `algorithm`, centres of the wrong shape, a
        negative `tol`, or bad `weights`.
    TypeError
        On integer or non-numeric data, or non-integer `max_iter` or
        `n_init`.

    See Also
    --------
    kmeans2 : Euclidean k-means.

    Notes
    -----
    Why a function and not ``kmeans2(..., metric='cosine')``: ``kmeans2``
    keeps SciPy's signature and semantics (fixed iterations, Gaussian
    'random' seeding, labels made before the last update, the centroids of
    the raw data), and none of that carries over: spherical k-means works
    on the unit rows, returns unit centres and minimises another objective.
    A separate function states that in its name, its defaults (convergence
    by `tol`, k-means++) and its result, instead of a keyword that changes
    the meaning of every other one.

    Because ``|x - c|^2 = 2 (1 - cos(x, c))`` for unit vectors, the
    assignment is the Euclidean one on the unit rows, computed by the
    same engines and kernels as :func:`~kmeanskit.kmeans2` on every array
    library; ``info.inertia`` is half the squared-Euclidean inertia of the
    unit rows.

    References
    ----------
    .. [1] I. S. Dhillon and D. S. Modha, "Concept decompositions for large
       sparse text data using clustering", Machine Learning 42, 143-175
       (2001).

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import spherical_kmeans
    >>> data = np.array([[1.0, 0.1], [5.0, 0.4], [0.2, 3.0], [0.1, 0.9]])
    >>> centroid, label, info = spherical_kmeans(data, 2, rng=0)
    >>> label
    array([1, 1, 0, 0], dtype=int32)
    >>> np.round(np.linalg.norm(centroid, axis=1), 12)
    array([1., 1.])
    >>> round(info.inertia, 6), info.metric
    (0.000584, 'cosine')
    """
    func = "spherical_kmeans"
    init = _variants.resolve_init(func, init, minit)
    max_iter, tol, n_init = _variants.check_options(
        max_iter=max_iter, tol=tol, empty=empty, n_init=n_init)
    _validate.check_option(algorithm, "algorithm", ALGORITHM_CHOICES)
    route, values, count, weights_arr, book = _variants.check_inputs(
        func, data, k, weights, init, check_finite=check_finite)
    if book is not None and (np.sum(book * book, axis=1) == 0).any():
        raise ValueError("init centroids must not hold a row of zeros.")
    # Directions do not depend on the scale: data near the float limits is
    # scaled by a power of two first, so that squared norms stay in range.
    x = _normalise(route, _magnitude.scale_free(route, values))
    engine = route.engine(workers)
    kept = _variants.fit(engine, x, count, SphericalRule(), init=init, given=book,
                         max_iter=max_iter, tol=tol, empty=empty, n_init=n_init,
                         generator=np.random.default_rng(rng), weights=weights_arr,
                         prepare=_unit_rows, algorithm=algorithm)
    outcome = kept.outcome
    # Unit vectors: |x - c|^2 = 2 (1 - cos), so the objective is half.
    return (route.back(outcome.centroids), route.back(outcome.labels),
            _variants.info(kept, n_init, "cosine", scale=0.5))
