"""Partition metrics: inertia, Calinski-Harabasz, Davies-Bouldin, BIC/AIC
and the silhouette (exact, simplified, sampled).

Each public function validates once, then works on the data where it lives
(see :mod:`kmeanskit._backends._dispatch`): per-cluster sums come from
:func:`kmeanskit._core._partition.cluster_stats` (two chunked sweeps), and the
exact silhouette from a compiled blocked kernel on NumPy data (CPU PyTorch
through its NumPy view) or chunked Array API code on any other library.

The ``*_from_stats`` functions compute a criterion from
:class:`~kmeanskit._core._partition.ClusterStats`; :func:`kmeanskit.choose_k`
uses them to get every criterion of a fit from one pair of sweeps.
"""

import math

import numpy as np
from scipy.spatial.distance import cdist

from .._backends._arrays import has_float64, to_host
from .._backends._dispatch import dispatch
from .._backends._sparse_data import is_sparse
from .._base._docstrings import fill_doc
from .._base._rng import as_generator
from .._base._validate import check_count, check_option
from .._core import _magnitude
from .._core._partition import (
    chunks,
    cluster_stats,
    encode_labels,
    namespace,
    rows_per_chunk,
)
from .._core._sparse_partition import sparse_centroid_distances, sparse_distance_sums

__all__ = [
    "aic_from_stats",
    "bic_from_stats",
    "calinski_harabasz_from_stats",
    "calinski_harabasz_score",
    "davies_bouldin_from_stats",
    "davies_bouldin_score",
    "inertia",
    "kmeans_aic",
    "kmeans_bic",
    "silhouette_samples",
    "silhouette_score",
    "silhouette_values",
]

SILHOUETTE_METHODS = ("exact", "simplified")


# --------------------------------------------------------------------------
# Input

def _prepare(func, data, labels, check_finite):
    """``(route, x, encoded labels, e)`` of a metric call.

    ``x`` is the data times ``2**-e`` (see :mod:`kmeanskit._core._magnitude`):
    data near the float limits is scaled into range, where squared
    distances neither overflow nor underflow.  The scores that do not
    depend on the scale (silhouette, Calinski-Harabasz, Davies-Bouldin)
    use it as is; inertia, BIC and AIC are converted back.
    """
    route = dispatch(func, data, labels, names=("data", "labels"))
    data_arr, labels_arr = route.arrays
    if labels_arr is None:
        raise TypeError(f"{func}() needs labels, got None.")
    values = route.as_data(data_arr, "data", check_finite=check_finite)
    if route.size(values) < 1:
        raise ValueError(f"data is empty (shape {tuple(values.shape)}).")
    x, exponent = _magnitude.into_range(route, route.to_2d(values))
    encoded = encode_labels(route.to_host(labels_arr), x.shape[0])
    return route, x, encoded, exponent


def _criterion(func, data, labels, check_finite, from_stats, *,
               compares_clusters=False, scale_free=True):
    """A criterion computed by ``from_stats`` from the partition's statistics.

    ``compares_clusters``: defined for 2 to n - 1 clusters only
    (scikit-learn's rule).  ``scale_free``: the value does not depend on the
    data's scale; otherwise it is converted back from the scaled data.
    """
    _, x, encoded, exponent = _prepare(func, data, labels, check_finite)
    if compares_clusters:
        _check_cluster_count(encoded.k, x.shape[0], func)
    stats = cluster_stats(x, encoded)
    value = from_stats(stats)
    return value if scale_free else _unscaled_criterion(value, stats, exponent)


def _unscaled_criterion(value, stats, exponent):
    """BIC or AIC of data scaled by ``2**-e`` in the original units.

    The shared variance scales by ``4**e``, which shifts the log-likelihood
    by ``-n d e log 2``, so -2 log L (and the criterion) by ``+2 n d e log 2``.
    """
    return value + 2.0 * stats.n * stats.d * exponent * math.log(2.0)


def _check_cluster_count(k, n, func):
    """scikit-learn's rule for metrics that compare clusters: 2 <= k <= n-1."""
    if not 2 <= k <= n - 1:
        raise ValueError(
            f"{func}() is defined for 2 to n_samples - 1 = {n - 1} clusters; "
            f"labels name {k}."
        )


# --------------------------------------------------------------------------
# Criteria from per-cluster statistics

def calinski_harabasz_from_stats(stats):
    """Calinski-Harabasz index of :class:`ClusterStats` ``stats`` (k >= 2)."""
    n, k = stats.n, stats.k
    between = float(stats.counts @ np.sum((stats.centroids - stats.mean) ** 2, axis=1))
    within = stats.inertia
    if within == 0.0:
        return 1.0  # scikit-learn's value for clusters that are points
    return between * (n - k) / (within * (k - 1))


def davies_bouldin_from_stats(stats):
    """Davies-Bouldin index of :class:`ClusterStats` ``stats`` (k >= 2)."""
    scatter = stats.spread / stats.counts
    separation = cdist(stats.centroids, stats.centroids)
    if np.allclose(scatter, 0.0) or np.allclose(separation, 0.0):
        return 0.0  # scikit-learn's convention for degenerate partitions
    separation[separation == 0.0] = np.inf
    ratio = (scatter[:, np.newaxis] + scatter[np.newaxis, :]) / separation
    return float(np.mean(np.max(ratio, axis=1)))


def _log_likelihood(stats):
    """Log-likelihood of the spherical Gaussian mixture with one shared
    variance fitted by hard assignment (X-means, Pelleg & Moore 2000)."""
    n, d, k = stats.n, stats.d, stats.k
    if n <= k:
        raise ValueError(
            f"BIC and AIC need more observations than clusters (n={int(n)}, k={k})."
        )
    sse = stats.inertia
    if sse <= 0.0:
        return math.inf
    variance = sse / (d * (n - k))
    counts = stats.counts[stats.counts > 0]
    return float(np.sum(counts * np.log(counts / n))
                 - 0.5 * n * d * math.log(2.0 * math.pi * variance)
                 - 0.5 * d * (n - k))


def _n_parameters(stats):
    """k - 1 mixing weights, k*d means and one variance."""
    return (stats.k - 1) + stats.k * stats.d + 1


def bic_from_stats(stats):
    """BIC (lower is better) of :class:`ClusterStats` ``stats``."""
    return -2.0 * _log_likelihood(stats) + _n_parameters(stats) * math.log(stats.n)


def aic_from_stats(stats):
    """AIC (lower is better) of :class:`ClusterStats` ``stats``."""
    return -2.0 * _log_likelihood(stats) + 2.0 * _n_parameters(stats)


# --------------------------------------------------------------------------
# Silhouette

def silhouette_values(x, labels, *, method="exact", rows=None, stats=None,
                      n_threads=None):
    """float64 NumPy silhouette of the rows ``rows`` (default: all) of data
    ``x`` partitioned by :class:`Labels` ``labels`` (k >= 2).

    'exact' compares each row with every row of ``x``; 'simplified' with the
    cluster means (``stats`` when given, else computed).
    """
    counts = labels.counts()
    codes = labels.codes if rows is None else labels.codes[rows]
    if method == "simplified":
        if stats is None:
            stats = cluster_stats(x, labels)
        sums = _centroid_distances(x, stats.centroids, rows)
        own_size = np.ones(labels.k)  # a(i) is the distance to the own mean
        other_size = np.ones(labels.k)
    else:
        sums = _cluster_distance_sums(x, labels, rows, n_threads)
        own_size = counts - 1.0
        other_size = counts
    index = np.arange(codes.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_to = sums / other_size
        a = sums[index, codes] / own_size[codes]
        mean_to[index, codes] = np.inf
        b = np.min(mean_to, axis=1)
        s = (b - a) / np.maximum(a, b)
    # Rows alone in their cluster, and rows with a == b == 0, score 0
    # (Rousseeuw's convention, and scikit-learn's).
    s[(counts[codes] <= 1) | ~np.isfinite(s)] = 0.0
    return s


def _cluster_distance_sums(x, labels, rows, n_threads):
    """(m, k) float64: sum of distances from each query row to each cluster."""
    if is_sparse(x):
        return sparse_distance_sums(x, labels, rows)
    if isinstance(x, np.ndarray):
        from .._backends._threads import resolve_workers
        from .._ext import _silhouette

        query = x if rows is None else np.ascontiguousarray(x[rows])
        out = np.empty((query.shape[0], labels.k))
        _silhouette.cluster_distance_sums(
            query, x, labels.codes, out,
            resolve_workers(None) if n_threads is None else n_threads)
        return out
    return _portable_distance_sums(x, labels, rows)


def _portable_distance_sums(x, labels, rows):
    """:func:`_cluster_distance_sums` in the Array API: query rows in chunks,
    each compared with all of ``x`` by direct differences (a chunk-by-n-by-d
    temporary of bounded size), distances summed per cluster by one matrix
    product with the (n, k) membership matrix."""
    import array_api_extra as xpx


    xp, device = namespace(x)
    acc = xp.float64 if has_float64(xp, device) else xp.float32
    n, d = x.shape
    data = xp.astype(x, acc)
    member = xpx.one_hot(xp.asarray(labels.codes, device=device), labels.k,
                         dtype=acc, xp=xp)
    if rows is not None:
        query = xp.take(data, xp.asarray(np.asarray(rows), device=device), axis=0)
    else:
        query = data
    m = query.shape[0]
    out = np.empty((m, labels.k))
    step = rows_per_chunk(m, n * d)
    for start, stop in chunks(m, step):
        diff = (xp.expand_dims(query[start:stop, ...], axis=1)
                - xp.expand_dims(data, axis=0))
        dist = xp.sqrt(xp.sum(diff * diff, axis=2))
        out[start:stop] = to_host(xp.matmul(dist, member))
    return out


def _centroid_distances(x, centroids, rows):
    """(m, k) float64 distances from the (query) rows of ``x`` to ``centroids``,
    by direct differences in chunks (sparse data: by the identity)."""
    if is_sparse(x):
        return sparse_centroid_distances(x, centroids, rows)

    xp, device = namespace(x)
    acc = xp.float64 if has_float64(xp, device) else xp.float32
    k, d = centroids.shape
    centres = xp.asarray(np.ascontiguousarray(centroids), device=device)
    centres = xp.astype(centres, acc)
    query = x if rows is None else xp.take(
        x, xp.asarray(np.asarray(rows), device=device), axis=0)
    m = query.shape[0]
    out = np.empty((m, k))
    for start, stop in chunks(m, rows_per_chunk(m, k * d)):
        diff = (xp.expand_dims(xp.astype(query[start:stop, ...], acc), axis=1)
                - xp.expand_dims(centres, axis=0))
        out[start:stop] = to_host(xp.sqrt(xp.sum(diff * diff, axis=2)))
    return out


def sampled_rows(n, sample_size, rng):
    """Rows of a sampled silhouette: ``sample_size`` distinct rows drawn
    uniformly by ``numpy.random.default_rng(rng).choice(n, sample_size,
    replace=False)``, sorted."""
    sample_size = check_count(sample_size, "sample_size", minimum=2)
    if sample_size >= n:
        return None
    return np.sort(as_generator(rng).choice(n, sample_size, replace=False))


def sampled_mean(values, n):
    """Mean of ``values`` (a sample of ``n`` values drawn without replacement)
    and its standard error, with the finite-population correction."""
    m = values.shape[0]
    mean = float(np.mean(values))
    if m >= n or m < 2:
        return mean, 0.0
    stderr = float(np.std(values, ddof=1) / math.sqrt(m) * math.sqrt(1.0 - m / n))
    return mean, stderr


# --------------------------------------------------------------------------
# Public functions

@fill_doc
def inertia(data, labels, *, check_finite=True):
    """Within-cluster sum of squares of a partition.

    Parameters
    ----------
    {{observations_sparse}}
    labels : array_like of int, shape (M,)
        Cluster of each observation (any integers; each distinct value is a
        cluster).
    {{check_finite}}

    Returns
    -------
    inertia : float
        :math:`W = \\sum_j \\sum_{i \\in C_j} \\lVert x_i - \\bar{x}_j \\rVert^2`,
        with :math:`\\bar{x}_j` the mean of cluster :math:`C_j`.

    Raises
    ------
    ValueError
        If `labels` does not have one entry per observation, or on empty or
        non-finite data.
    {{labels_type_error}}

    See Also
    --------
    KMeansInfo : ``info.inertia`` of a fit is this sum measured against the
        returned centroids.

    Notes
    -----
    Computed in two sweeps over the data in chunks (the means, then the
    squared distances to them), accumulated in float64 where the array
    library has it, so no catastrophic cancellation occurs.  For the labels
    of a converged k-means fit it equals ``KMeansInfo.inertia`` (the
    centroids are then the cluster means).

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import inertia
    >>> data = np.array([[0.0], [2.0], [10.0], [12.0]])
    >>> inertia(data, [0, 0, 1, 1])
    4.0
    """
    _, x, encoded, exponent = _prepare("inertia", data, labels, check_finite)
    return _magnitude.restore(cluster_stats(x, encoded).inertia, exponent, 2)


@fill_doc
def calinski_harabasz_score(data, labels, *, check_finite=True):
    """Calinski-Harabasz index (variance ratio criterion) of a partition.

    Parameters
    ----------
    {{observations_sparse}}
    {{compared_labels}}
    {{check_finite}}

    Returns
    -------
    score : float
        Higher is better.

    Raises
    ------
    ValueError
        If `labels` names fewer than 2 or more than M - 1 clusters, or does
        not have one entry per observation.
    {{labels_type_error}}

    Notes
    -----
    With :math:`n` observations in :math:`k` clusters of sizes :math:`n_j`
    and means :math:`\\bar{x}_j`, overall mean :math:`\\bar{x}` and
    within-cluster sum of squares :math:`W`,

    .. math::

        CH = \\frac{B / (k - 1)}{W / (n - k)}, \\qquad
        B = \\sum_j n_j \\lVert \\bar{x}_j - \\bar{x} \\rVert^2 .

    Equal to :func:`sklearn.metrics.calinski_harabasz_score` (which returns
    1 when :math:`W = 0`; so does this function).

    References
    ----------
    .. [1] T. Calinski and J. Harabasz, "A dendrite method for cluster
       analysis", Communications in Statistics 3(1), 1974.

    Examples
    --------
    >>> from kmeanskit import calinski_harabasz_score
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, truth = grid_blobs(rng=0)
    >>> round(calinski_harabasz_score(data, truth), 1)
    7597.0
    """
    return _criterion("calinski_harabasz_score", data, labels, check_finite,
                      calinski_harabasz_from_stats, compares_clusters=True)


@fill_doc
def davies_bouldin_score(data, labels, *, check_finite=True):
    """Davies-Bouldin index of a partition.

    Parameters
    ----------
    {{observations_sparse}}
    {{compared_labels}}
    {{check_finite}}

    Returns
    -------
    score : float
        Lower is better; 0 is the minimum.

    Raises
    ------
    ValueError
        If `labels` names fewer than 2 or more than M - 1 clusters, or does
        not have one entry per observation.
    {{labels_type_error}}

    Notes
    -----
    With :math:`s_j` the mean distance from the points of cluster :math:`j`
    to its mean :math:`\\bar{x}_j`,

    .. math::

        DB = \\frac{1}{k} \\sum_i \\max_{j \\ne i}
             \\frac{s_i + s_j}{\\lVert \\bar{x}_i - \\bar{x}_j \\rVert} .

    Equal to :func:`sklearn.metrics.davies_bouldin_score`, conventions
    included (0 when every :math:`s_j` or every distance between means is
    0; coinciding means are ignored).

    References
    ----------
    .. [1] D. L. Davies and D. W. Bouldin, "A cluster separation measure",
       IEEE Transactions on Pattern Analysis and Machine Intelligence 1(2),
       1979.

    Examples
    --------
    Merging the grid's blobs three by three makes the index worse:

    >>> from kmeanskit import davies_bouldin_score
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, truth = grid_blobs(rng=0)
    >>> [round(davies_bouldin_score(data, labels), 3) for labels in (truth, truth // 3)]
    [0.254, 1.406]
    """
    return _criterion("davies_bouldin_score", data, labels, check_finite,
                      davies_bouldin_from_stats, compares_clusters=True)


@fill_doc
def kmeans_bic(data, labels, *, check_finite=True):
    """Bayesian information criterion of a k-means partition.

    Parameters
    ----------
    {{observations_sparse}}
    labels : array_like of int, shape (M,)
        Cluster of each observation; fewer clusters than observations (one
        cluster is allowed).
    {{check_finite}}

    Returns
    -------
    bic : float
        Lower is better.  ``-inf`` when every cluster is a single point
        repeated (zero within-cluster sum of squares).

    Raises
    ------
    {{too_many_clusters_error}}
    {{labels_type_error}}

    See Also
    --------
    kmeans_aic : the same likelihood with the AIC penalty.

    Notes
    -----
    The model of X-means [1]_: a mixture of :math:`k` spherical Gaussians
    with one shared variance, fitted by the hard assignment.  With :math:`R`
    observations in :math:`M` dimensions, :math:`R_j` of them in cluster
    :math:`j`, and the within-cluster sum of squares :math:`W`,

    .. math::

        \\hat\\sigma^2 = \\frac{W}{M (R - k)}, \\qquad
        \\log L = \\sum_j R_j \\log\\frac{R_j}{R}
                  - \\frac{R M}{2} \\log(2 \\pi \\hat\\sigma^2)
                  - \\frac{M (R - k)}{2},

    with :math:`p = (k - 1) + k M + 1` free parameters (mixing weights,
    means, the variance), and

    .. math:: \\mathrm{BIC} = -2 \\log L + p \\log R .

    This is the usual "lower is better" scale: Pelleg and Moore's score,
    to be maximised, is :math:`-\\mathrm{BIC}/2`.  :math:`\\hat\\sigma^2`
    is the unbiased pooled variance per dimension (the paper prints it
    without the division by :math:`M`, which changes the values, not the
    chosen k on the data sets we checked).  Defined at :math:`k = 1`, which
    lets BIC say "no cluster structure".

    References
    ----------
    .. [1] D. Pelleg and A. Moore, "X-means: Extending K-means with
       efficient estimation of the number of clusters", ICML 2000.
    .. [2] G. Schwarz, "Estimating the dimension of a model", Annals of
       Statistics 6(2), 1978.

    Examples
    --------
    >>> from kmeanskit import kmeans_bic
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, truth = grid_blobs(rng=0)
    >>> bool(kmeans_bic(data, truth) < kmeans_bic(data, truth // 3))
    True
    """
    return _criterion("kmeans_bic", data, labels, check_finite, bic_from_stats,
                      scale_free=False)


@fill_doc
def kmeans_aic(data, labels, *, check_finite=True):
    """Akaike information criterion of a k-means partition.

    Parameters
    ----------
    {{observations_sparse}}
    labels : array_like of int, shape (M,)
        Cluster of each observation; fewer clusters than observations.
    {{check_finite}}

    Returns
    -------
    aic : float
        Lower is better.

    Raises
    ------
    {{too_many_clusters_error}}
    {{labels_type_error}}

    See Also
    --------
    kmeans_bic : the likelihood and parameter count used here.

    Notes
    -----
    :math:`\\mathrm{AIC} = -2 \\log L + 2 p` with the log-likelihood
    :math:`\\log L` and parameter count :math:`p` of :func:`kmeans_bic`.
    Its penalty does not grow with the number of observations, so on large
    data it favours more clusters than BIC.

    References
    ----------
    .. [1] H. Akaike, "A new look at the statistical model identification",
       IEEE Transactions on Automatic Control 19(6), 1974.

    Examples
    --------
    >>> from kmeanskit import kmeans_aic
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, truth = grid_blobs(rng=0)
    >>> bool(kmeans_aic(data, truth) < kmeans_aic(data, truth // 3))
    True
    """
    return _criterion("kmeans_aic", data, labels, check_finite, aic_from_stats,
                      scale_free=False)


@fill_doc
def silhouette_samples(data, labels, *, method="exact", check_finite=True,
                       workers=None):
    """Silhouette coefficient of every observation.

    Parameters
    ----------
    {{observations_sparse}}
    {{compared_labels}}
    method : {'exact', 'simplified'}, optional
        'exact' (default): Rousseeuw's silhouette, from the distances to
        every other observation, O(M^2 N) time and O(M k) memory.
        'simplified': from the distances to the cluster means, O(M k N).
    {{check_finite}}
    {{workers}}

    Returns
    -------
    silhouette : array, shape (M,)
        Values in [-1, 1], in the data's floating dtype (float32 stays
        float32), array library and device.

    Raises
    ------
    ValueError
        If `labels` names fewer than 2 or more than M - 1 clusters, or does
        not have one entry per observation, or on an unknown `method`.
    {{labels_type_error}}

    See Also
    --------
    silhouette_score : the mean, exact or estimated from a sample.

    Notes
    -----
    For observation :math:`i` in cluster :math:`A`, with :math:`d` the
    Euclidean distance,

    .. math::

        a(i) = \\frac{1}{|A| - 1} \\sum_{j \\in A} d(i, j), \\quad
        b(i) = \\min_{C \\ne A} \\frac{1}{|C|} \\sum_{j \\in C} d(i, j), \\quad
        s(i) = \\frac{b(i) - a(i)}{\\max(a(i), b(i))},

    and :math:`s(i) = 0` when :math:`|A| = 1`.  The simplified silhouette
    [2]_ replaces both means by the distance to the cluster's mean
    (:math:`a(i) = d(i, \\bar{x}_A)`, :math:`b(i) = \\min_{C \\ne A} d(i,
    \\bar{x}_C)`).

    The exact values equal :func:`sklearn.metrics.silhouette_samples`.
    Unlike it, the distances are never held as a matrix: for NumPy data a
    compiled kernel sums, for blocks of rows, the distances to every
    cluster (direct differences in float64), so memory is O(M k) however
    large M is; other array libraries work in row chunks of bounded size on
    their own device.

    References
    ----------
    .. [1] P. J. Rousseeuw, "Silhouettes: a graphical aid to the
       interpretation and validation of cluster analysis", Journal of
       Computational and Applied Mathematics 20, 1987.
    .. [2] E. R. Hruschka, L. N. de Castro and R. J. G. B. Campello,
       "Evolutionary algorithms for clustering gene-expression data",
       ICDM 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import silhouette_samples
    >>> data = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> silhouette_samples(data, [0, 0, 1, 1])
    array([0.9047619 , 0.89473684, 0.89473684, 0.9047619 ])
    """
    check_option(method, "method", SILHOUETTE_METHODS)
    route, x, encoded, _ = _prepare("silhouette_samples", data, labels,
                                    check_finite)
    _check_cluster_count(encoded.k, x.shape[0], "silhouette_samples")
    from .._backends._threads import resolve_workers

    values = silhouette_values(x, encoded, method=method,
                               n_threads=resolve_workers(workers))
    return route.back(values.astype(route.dtype(x), copy=False))


@fill_doc
def silhouette_score(data, labels, *, method="exact", sample_size=None, rng=None,
                     return_stderr=False, check_finite=True, workers=None):
    """Mean silhouette coefficient, exact or estimated from a sample.

    Parameters
    ----------
    {{observations_sparse}}
    {{compared_labels}}
    method : {'exact', 'simplified'}, optional
        See :func:`silhouette_samples`.  Default: 'exact'.
    sample_size : int, optional
        Estimate the mean from this many observations drawn at random
        without replacement; each one's silhouette is computed exactly
        against *all* observations.  Default (None): every observation.
    rng : {None, int, numpy.random.Generator}, optional
        Source of the sample (``numpy.random.default_rng(rng).choice(M,
        sample_size, replace=False)``).
    return_stderr : bool, optional
        Also return the standard error of the estimate.  Default: False.
    {{check_finite}}
    {{workers}}

    Returns
    -------
    score : float
        Mean silhouette (the estimate, with `sample_size`).
    stderr : float
        Only with ``return_stderr=True``: its standard error (0 when every
        observation is used).

    Raises
    ------
    ValueError
        If `labels` names fewer than 2 or more than M - 1 clusters, or does
        not have one entry per observation, on an unknown `method`, or
        ``sample_size < 2``.
    TypeError
        If `labels` are not integers, on integer or non-numeric data, or a
        non-integer `sample_size`.

    See Also
    --------
    silhouette_samples : the per-observation values and their definition.

    Notes
    -----
    The sampled estimate is the mean :math:`\\bar{s}` of :math:`m` values
    drawn without replacement from the :math:`M` exact silhouettes, so it is
    unbiased, and its standard error is
    :math:`\\mathrm{sd}(s)/\\sqrt{m}\\,\\sqrt{1 - m/M}` (sample standard
    deviation, finite-population correction).  It costs :math:`O(m M N)`.
    scikit-learn's ``sample_size`` instead computes the silhouette *within*
    the sample (every distance to the rest of the data is dropped), which
    estimates a different, noisier quantity and reports no error.

    Examples
    --------
    >>> from kmeanskit import silhouette_score
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, truth = grid_blobs(rng=0)
    >>> round(silhouette_score(data, truth), 3)
    0.807
    >>> score, stderr = silhouette_score(data, truth, sample_size=200, rng=0,
    ...                                  return_stderr=True)
    >>> bool(abs(score - 0.807) < 3 * stderr)
    True
    """
    check_option(method, "method", SILHOUETTE_METHODS)
    if not isinstance(return_stderr, bool):
        raise TypeError(f"return_stderr must be a bool, got {return_stderr!r}.")
    _, x, encoded, _ = _prepare("silhouette_score", data, labels, check_finite)
    _check_cluster_count(encoded.k, x.shape[0], "silhouette_score")
    from .._backends._threads import resolve_workers

    n = x.shape[0]
    rows = None if sample_size is None else sampled_rows(n, sample_size, rng)
    values = silhouette_values(x, encoded, method=method, rows=rows,
                               n_threads=resolve_workers(workers))
    score, stderr = sampled_mean(values, n)
    return (score, stderr) if return_stderr else score
