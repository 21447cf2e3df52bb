"""k-medians: L1 assignment, coordinate-wise (weighted) median update.

The shared loop runs with :class:`MedianRule`: a sweep assigns each row to
the nearest centre in L1 (city-block) distance (Cython kernel,
``kmeanskit._ext._cityblock``), and the update takes, per cluster and per
feature, the weighted median of its rows.  The medians need the rows of
each cluster sorted, so everything runs on the host (see the Notes of
:func:`kmedians`).
"""

import dataclasses

import numpy as np

from .._backends._engines import PassResult, get_engine, top_rows
from .._base import _validate
from .._base._docstrings import fill_doc
from .._core import _magnitude, _variants
from .._core._lloyd import MeanRule
from .._core._passes import Passes
from .._ext import _cityblock

__all__ = ["kmedians", "weighted_median"]


def weighted_median(values, weights):
    """Column-wise weighted median of ``values`` (m, d) with ``weights`` (m,).

    The median of the multiset in which row i appears ``weights[i]`` times:
    the value where the cumulative weight first exceeds half the total, or,
    when it reaches exactly half at a value, the midpoint between that value
    and the next one of positive weight (NumPy's median of the repeated
    rows, for integer weights).  Rows of weight 0 are ignored.
    """
    order = np.argsort(values, axis=0, kind="stable")
    ordered = np.take_along_axis(values, order, axis=0)
    cumulative = np.cumsum(weights[order], axis=0)
    half = 0.5 * cumulative[-1]
    columns = np.arange(values.shape[1])
    low = np.argmax(cumulative >= half, axis=0)
    high = np.argmax(cumulative > half, axis=0)
    return 0.5 * (ordered[low, columns].astype(np.float64)
                  + ordered[high, columns])


def _assign(x, centres, n_threads):
    labels = np.empty(x.shape[0], dtype=np.int32)
    dist = np.empty(x.shape[0], dtype=np.float64)
    _cityblock.assign(x, np.ascontiguousarray(centres, dtype=x.dtype), labels, dist,
                      n_threads)
    return labels, dist


class _CityBlockPasses(Passes):
    """L1 sweeps; labels always kept (the median update needs them)."""

    def __init__(self, engine, x, n_threads):
        super().__init__(engine, x)
        self.n_threads = n_threads

    def run(self, centres, weights, return_labels):
        labels, dist = _assign(self.x, centres, self.n_threads)
        k = centres.shape[0]
        if weights is None:
            counts = np.bincount(labels, minlength=k).astype(np.float64)
            total = float(dist.sum())
        else:
            counts = np.bincount(labels, weights=weights, minlength=k)
            total = float(weights @ dist)
        return PassResult(None, counts, total, total, labels)


class MedianRule(MeanRule):
    """The k-medians sweep and update, over host data ``x`` and ``weights``."""

    compiled_iterations = False

    def __init__(self, x, weights, n_threads):
        self.x = x
        self.weights = np.ones(x.shape[0]) if weights is None else weights
        self.n_threads = n_threads

    def passes(self, engine, x, algorithm, n_centres):
        return _CityBlockPasses(engine, x, self.n_threads)

    def sweep(self, engine, x, centres, weights, return_labels):
        return _CityBlockPasses(engine, x, self.n_threads).run(centres, weights, True)

    def update(self, result, previous, dtype):
        centres = np.array(previous, dtype=dtype, copy=True)
        nonempty = result.counts > 0
        order = np.argsort(result.labels, kind="stable")
        bounds = np.searchsorted(result.labels[order],
                                 np.arange(previous.shape[0] + 1))
        for j in np.flatnonzero(nonempty):
            rows = order[bounds[j]:bounds[j + 1]]
            centres[j] = weighted_median(self.x[rows], self.weights[rows])
        return centres, nonempty

    def farthest(self, engine, x, centres, m, weights, within=None):
        labels, dist = _assign(x, centres, self.n_threads)
        if weights is not None:
            dist[weights <= 0] = -1.0
        if within is not None:
            dist[labels != within] = -1.0
        return top_rows(dist, m)


@fill_doc
def kmedians(data, k, *, max_iter=300, tol=1e-4, init=_variants.DEFAULT_INIT,
             n_init=1, empty="farthest", rng=None, weights=None, check_finite=True,
             workers=None, minit=_validate.NOT_GIVEN):
    """Cluster observations by k-medians: L1 distance, median centres.

    Each observation goes to the centre nearest in L1 (city-block)
    distance, and each centre moves to the coordinate-wise median of its
    cluster.  This minimises the sum of L1 distances, which an outlier
    pulls far less than k-means's sum of squares.

    Parameters
    ----------
    data : array_like, shape (M, N) or (M,)
        Observations, one per row, float32 or float64 (1-D: M observations
        of one feature).
    k : int
        Number of clusters.
    {{max_iter}}
    tol : float or None, optional
        Stop when the squared shift of the centres, summed, is at most `tol`
        times the mean per-feature variance of the data (the rule of
        :func:`~kmeanskit.kmeans2`; 0 stops at an exact fixed point).
        None: run `max_iter` iterations.  Default: 1e-4.
    init : {'greedy++', '++', 'points', 'random', '||'} or array_like, optional
        Seeding (k-means++ in squared Euclidean distance): greedy k-means++
        (default; ``2 + int(log k)`` candidates per centre, scikit-learn's),
        plain k-means++ (SciPy's draws), k distinct rows at random, Gaussian
        draws (kmeans2's ``minit='random'``), k-means||
        (``kpp_init(method='||')``), or the initial centres, shape (k, N)
        (`n_init` is then 1).
    n_init : int, optional
        Number of starts; the one of least total L1 distance is kept.
        Start ``i`` draws from ``rng.spawn(n_init)[i]`` as in
        :func:`~kmeanskit.kmeans2`.  Default: 1.
    empty : {'farthest', 'split', 'keep'}, optional
        What to do with a cluster left empty: move its centre onto the row
        farthest (in L1) from its centre (default), split the heaviest
        cluster, or keep the centre where it is.
    rng : {None, int, numpy.random.Generator}, optional
        Source of the seeding, normalised by :func:`numpy.random.default_rng`.
    weights : array_like, shape (M,), optional
        Non-negative weights meaning replication: the medians are those of
        the data with each row repeated w times (see
        :func:`~kmeanskit._api._medians.weighted_median`).  Default: all ones.
    {{check_finite_infs}}
    {{workers}}
    {{minit_deprecated}}

    Returns
    -------
    centroid : array, shape (k, N) or (k,)
        The medians, in the data's dtype and array library.
    label : array, shape (M,)
        int32 index of each observation's nearest centre (L1), against the
        returned centres.
    info : KMeansInfo
        ``inertia``: the weighted sum of L1 distances to the returned
        centres (``metric='cityblock'``), the iterations, convergence and
        per-start objectives.

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), data of more than two
        dimensions, k < 1 or more clusters than observations, an unknown
        `init` or `empty`, centres of the wrong shape, a negative `tol`,
        or bad `weights`.
    TypeError
        On integer or non-numeric data, or non-integer `max_iter` or
        `n_init`.

    See Also
    --------
    kmedoids : centres restricted to observations, any dissimilarity.
    kmeans2 : squared Euclidean distance, mean centres.

    Notes
    -----
    The median of two middle values is their midpoint (as
    :func:`numpy.median`); with weights, the median of the repeated data.
    Each iteration sorts every cluster's rows per feature, O(M N log M).

    Where it runs: the exact median needs each cluster's values sorted,
    which does not reduce chunk by chunk, so the data is brought to the
    host once: Dask arrays are computed into memory (the exact result, not
    an approximation), arrays of other libraries are copied, and the
    results go back to the caller's library.  Seeding (k-means++) uses
    squared Euclidean distances, as for k-means.

    References
    ----------
    .. [1] P. S. Bradley, O. L. Mangasarian and W. N. Street, "Clustering
       via concave minimization", Advances in Neural Information Processing
       Systems 9 (1997).

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import kmedians
    >>> data = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [100.0, 0.0],
    ...                  [10.0, 10.0], [11.0, 10.0], [10.0, 11.0]])
    >>> centroid, label, info = kmedians(data, 2, init=data[[0, 4]])
    >>> centroid
    array([[ 0.5,  0. ],
           [10. , 10. ]])
    >>> label
    array([0, 0, 0, 0, 1, 1, 1], dtype=int32)
    >>> info.inertia, info.metric
    (104.0, 'cityblock')

    The outlier at (100, 0) joins the first cluster and moves its median
    by half a unit; it would drag a mean by 25.
    """
    func = "kmedians"
    init = _variants.resolve_init(func, init, minit)
    max_iter, tol, n_init = _variants.check_options(
        max_iter=max_iter, tol=tol, empty=empty, n_init=n_init)
    route, values, count, weights_arr, book = _variants.check_inputs(
        func, data, k, weights, init, check_finite=check_finite,
        one_dimensional=True)
    x = np.ascontiguousarray(route.to_host(route.to_2d(values)))
    # Data near the float limits is clustered scaled by 2**-exponent (exact).
    if book is None:
        x, exponent = _magnitude.into_range(route, x)
    else:
        x, book, exponent = _magnitude.into_range(route, x, book)
    engine = get_engine(workers=workers)
    rule = MedianRule(x, weights_arr, engine.n_threads)
    kept = _variants.fit(engine, x, count, rule, init=init, given=book,
                         max_iter=max_iter, tol=tol, empty=empty, n_init=n_init,
                         generator=np.random.default_rng(rng), weights=weights_arr)
    centroid = _magnitude.restore(kept.outcome.centroids, exponent)
    if values.ndim == 1:
        centroid = centroid[:, 0]
    info = _variants.info(kept, n_init, "cityblock")
    if exponent:  # L1 distances scale with the data (power 1)
        info = dataclasses.replace(
            info, inertia=_magnitude.restore(info.inertia, exponent),
            inertias_per_start=None if info.inertias_per_start is None else tuple(
                _magnitude.restore(v, exponent) for v in info.inertias_per_start))
    return (route.back(centroid), route.back(kept.outcome.labels), info)
