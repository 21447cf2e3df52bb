"""k-medoids: FasterPAM and the alternating method, with CLARA sampling.

:func:`kmedoids` validates its arguments, brings the data to the host (the
kernels run on the CPU), builds the dissimilarity matrix when given data and
a metric (a row block at a time), and runs the kernels of
``kmeanskit._api._medoids`` (Cython).  When the data has too many rows for an
M-by-M matrix, CLARA fits samples of rows and keeps the medoids of least
total deviation over all the data, computed a block of rows at a time.
"""


import numpy as np
from scipy.spatial.distance import cdist

from .._backends._dispatch import dispatch
from .._base import _validate
from .._core import _magnitude
from .._core._result import KMeansInfo
from .._core._seeding import check_seeding
from .._ext import _pam

__all__ = ["kmedoids"]

METHODS = ("fasterpam", "alternate")
# How each metric's dissimilarities scale with the data (the others: 1).
_METRIC_POWER = {"sqeuclidean": 2, "cosine": 0}
INITS = ("++", "build", "points")
METRICS = ("euclidean", "sqeuclidean", "cityblock", "cosine", "chebyshev",
           "precomputed")

FULL_MATRIX_MAX_ROWS = 12_000
"""Data with more rows than this (and no ``sample_size``) is fitted by CLARA:
the full matrix would take more than 1.15 GB in float64."""

REL_TOL = 1e-12
"""A FasterPAM swap must lower the total deviation by more than this
fraction of it; smaller changes are float64 rounding, not gains."""

_BLOCK_BYTES = 1 << 24
"""Size of one block of dissimilarities computed at a time (16 MiB)."""


def _block_rows(n, itemsize=8):
    return max(1, _BLOCK_BYTES // max(1, n * itemsize))


class _Matrix:
    """Dissimilarities given as a precomputed (M, M) matrix."""

    def __init__(self, matrix):
        self.d = matrix
        self.n = matrix.shape[0]

    def square(self, rows=None):
        """The square matrix among ``rows`` (all rows: the matrix itself)."""
        if rows is None:
            return self.d
        return np.ascontiguousarray(self.d[np.ix_(rows, rows)])

    def nearest(self, medoids):
        """Label (slot) and dissimilarity of every row to ``medoids``."""
        labels = np.empty(self.n, dtype=np.int32)
        dist = np.empty(self.n, dtype=np.float64)
        _pam.assign(self.d, medoids, labels, dist)
        return labels, dist


class _FromData:
    """Dissimilarities computed from the data by ``scipy.spatial.distance.cdist``,
    a block of rows at a time, stored in the data's dtype."""

    def __init__(self, x, metric):
        self.x = x
        self.n = x.shape[0]
        self.metric = metric

    def _distances(self, a, b):
        block = cdist(a, b, metric=self.metric)
        if not np.isfinite(block).all():
            raise ValueError(
                f"metric={self.metric!r} gave an inf or NaN dissimilarity (for "
                "'cosine': a row of zeros, whose angle is undefined).")
        return block

    def square(self, rows=None):
        x = self.x if rows is None else self.x[rows]
        n = x.shape[0]
        out = np.empty((n, n), dtype=x.dtype)
        step = _block_rows(n)
        for start in range(0, n, step):
            out[start:start + step] = self._distances(x[start:start + step], x)
        return out

    def nearest(self, medoids):
        centres = self.x[medoids]
        labels = np.empty(self.n, dtype=np.int32)
        dist = np.empty(self.n, dtype=np.float64)
        step = _block_rows(centres.shape[0])
        for start in range(0, self.n, step):
            block = self._distances(self.x[start:start + step], centres)
            labels[start:start + step] = np.argmin(block, axis=1)
            dist[start:start + step] = block[np.arange(block.shape[0]),
                                             labels[start:start + step]]
        return labels, dist


def _check_matrix(d, name):
    """A precomputed dissimilarity matrix: square, >= 0 and symmetric."""
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(
            f"{name} must be a square (M, M) dissimilarity matrix with "
            f"metric='precomputed', got shape {tuple(d.shape)}.")
    # Matrices computed by the GEMM identity are symmetric only to about
    # sqrt(eps) relative (cancellation near zero distance): allow that much.
    scale = max(float(d.max()), -float(d.min())) if d.size else 0.0
    atol = float(np.sqrt(np.finfo(d.dtype).eps)) * scale
    defect, i, j = _pam.check_matrix(d, atol)
    if defect == 1:
        raise ValueError(
            f"{name} must hold dissimilarities >= 0, got {float(d[i, j])!r} "
            f"at [{i}, {j}].")
    if defect == 2:
        raise ValueError(
            f"{name} must be symmetric: [{i}, {j}] is {float(d[i, j])!r} but "
            f"[{j}, {i}] is {float(d[j, i])!r}.")


def _check_init(init, n, k, weights):
    """``init``: a method name, or k distinct row indices (int64)."""
    if isinstance(init, str):
        return check_seeding(init, "init", INITS)
    index = np.asarray(init)
    if index.dtype.kind not in "iu" or index.shape != (k,):
        raise ValueError(
            f"init must be one of {', '.join(map(repr, INITS))} or {k} row "
            f"indices (integers), got {init!r}.")
    if index.min() < 0 or index.max() >= n:
        raise ValueError(f"init indices must lie in [0, {n}), got {init!r}.")
    if np.unique(index).size != k:
        raise ValueError(f"init indices must be distinct, got {init!r}.")
    if weights is not None and (weights[index] <= 0).any():
        raise ValueError("init indices must name rows of positive weight (a "
                         "row of weight 0 stands for no observation), got "
                         f"{init!r}.")
    return index.astype(np.int64)


def _start(d, w, k, init, rng):
    """Initial medoids (row indices into ``d``, int64)."""
    n = d.shape[0]
    if not isinstance(init, str):
        return init.copy()
    if init == "points":
        return rng.choice(n, size=k, replace=False, p=w / w.sum()).astype(np.int64)
    medoids = np.empty(k, dtype=np.int64)
    if init == "build":
        _pam.build(d, w, medoids)
        return medoids
    # k-medoids++: each next medoid drawn with probability proportional to
    # the weighted dissimilarity to the nearest one so far (the objective is
    # linear in the dissimilarity, as k-means's is in the squared distance).
    chosen = np.zeros(n, dtype=bool)
    nearest = np.full(n, np.inf)
    for j in range(k):
        mass = w if j == 0 else w * nearest
        mass = np.where(chosen, 0.0, mass)
        if not mass.sum() > 0:  # every row sits on a medoid: any free one
            mass = np.where(chosen | (w <= 0), 0.0, 1.0)
        cumulative = np.cumsum(mass)
        index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1],
                                    side="right"))
        index = min(index, int(np.flatnonzero(mass)[-1]))
        medoids[j] = index
        chosen[index] = True
        nearest = np.minimum(nearest, d[index])
    return medoids


def _fit(d, w, k, method, init, max_iter, rng):
    """Medoids of the square matrix ``d``: ``(medoids, n_iter, converged)``."""
    if k == 1:
        # One medoid: the exact optimum, the row of least weighted sum.
        cost = d @ w
        cost[w <= 0] = np.inf
        return np.array([np.argmin(cost)], dtype=np.int64), 1, True
    medoids = _start(d, w, k, init, rng)
    if method == "fasterpam":
        n_iter, _, converged = _pam.fasterpam(d, w, medoids, max_iter, REL_TOL)
    else:
        n_iter, converged = _pam.alternate(d, w, medoids, max_iter)
    return medoids, int(n_iter), bool(converged)


def _clara(source, w, k, method, init, max_iter, rng, sample_size, n_samples):
    """CLARA: fit samples, keep the medoids of least total deviation."""
    rows = np.flatnonzero(w > 0)
    best, deviations = None, []
    for s in range(n_samples):
        if best is None:
            sample = rng.choice(rows, size=min(sample_size, rows.size), replace=False)
        else:
            # The best medoids so far join every later sample, as in CLARA.
            others = np.setdiff1d(rows, best[0], assume_unique=True)
            extra = rng.choice(others, size=min(sample_size, rows.size) - k,
                               replace=False)
            sample = np.concatenate([best[0], extra])
        sample = np.sort(sample)
        local, n_iter, converged = _fit(source.square(sample), w[sample], k,
                                        method, init, max_iter, rng)
        medoids = sample[local]
        labels, dist = source.nearest(medoids)
        deviation = float(w @ dist)
        deviations.append(deviation)
        if best is None or deviation < best[3]:
            best = (medoids, labels, n_iter, deviation, converged, s)
    return best, tuple(deviations)


def kmedoids(data, k, *, metric="euclidean", method="fasterpam", init="++",
             max_iter=100, sample_size=None, n_samples=5, rng=None,
             weights=None, check_finite=True):
    """Cluster observations around k medoids (FasterPAM or alternating).

    A medoid is an observation itself, the member of its cluster of least
    total dissimilarity to the others; k-medoids minimises the total
    deviation, the (weighted) sum of dissimilarities from each observation
    to its nearest medoid.  Any dissimilarity works, and outliers pull less
    than in k-means.

    Parameters
    ----------
    data : array_like, shape (M, N), (M,) or (M, M)
        Observations, one per row, or with ``metric='precomputed'`` a
        symmetric matrix of non-negative dissimilarities between them.
        Integers are converted to float64.
    k : int
        Number of medoids, at most the number of observations.
    metric : str, optional
        'euclidean' (default), 'sqeuclidean', 'cityblock', 'cosine',
        'chebyshev' (computed by :func:`scipy.spatial.distance.cdist`), or
        'precomputed'.
    method : {'fasterpam', 'alternate'}, optional
        'fasterpam' (default): PAM's swap search with FasterPAM's O(k)
        speed-up and eager swaps [1]_; 'alternate': the k-means-style
        iteration (assign, then each cluster's medoid), faster per pass but
        stuck in worse local optima.
    init : {'++', 'build', 'points'} or array_like of int, optional
        Initial medoids: k-medoids++ (default: drawn with probability
        proportional to the weighted dissimilarity to the nearest medoid so
        far), PAM's greedy BUILD (deterministic, O(M^2 k)), k distinct rows
        at random (in proportion to the weights), or k row indices.
        Only seedings that return data rows are offered; 'random', the old
        spelling of 'points', raises a ``ValueError`` naming 'points' for
        one release.
    max_iter : int, optional
        Largest number of passes: cycles over the candidates for
        FasterPAM, assignment-and-update rounds for 'alternate'.
        Default: 100.
    sample_size : int, optional
        Fit CLARA samples of this many rows instead of the whole data.
        Default: the whole data when M <= 12 000 or the matrix is given,
        else ``80 + 4 k`` rows (twice the classic CLARA's ``40 + 2 k``).
    n_samples : int, optional
        Number of CLARA samples.  Default: 5.
    rng : {None, int, numpy.random.Generator}, optional
        Source of the initial medoids and the samples, normalised by
        :func:`numpy.random.default_rng`.
    weights : array_like, shape (M,), optional
        Non-negative weights meaning replication: a row of integer weight w
        counts as w copies of it in the total deviation (and a row of
        weight 0 as absent: it is never a medoid).  Default: all ones.
    check_finite : bool, optional
        Whether to check the input for infs and NaNs.  Default: True.

    Returns
    -------
    medoids : array, shape (k,)
        int64 row indices of the medoids, in the caller's array library.
    label : array, shape (M,)
        int32 index (into `medoids`) of each observation's nearest medoid
        (the lowest index on ties).
    info : KMeansInfo
        ``inertia``: the total deviation (``metric`` says which
        dissimilarity); ``n_iter`` and ``converged`` of the kept fit; with
        CLARA, the total deviation of each sample's medoids over all the
        data in ``inertias_per_start``, and the kept one in ``best_start``.

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), a precomputed matrix that is
        not square, has a negative entry or is not symmetric, k < 1 or
        more medoids than observations (of positive weight), an unknown
        `metric`, `method` or `init`, bad `init` indices, `sample_size`
        below k + 1, bad `weights`, or indices with CLARA.
    TypeError
        On non-numeric data or non-integer `max_iter`, `n_samples` or
        `sample_size`.

    See Also
    --------
    kmedians : centres at coordinate-wise medians (L1), not observations.

    Notes
    -----
    Memory: with data and a metric, the M-by-M matrix is built in the
    data's dtype (float64: 8 M^2 bytes, 0.8 GB for M = 10 000), a block of
    16 MiB of rows at a time; a precomputed C-contiguous float32/float64
    matrix is used in place.  CLARA holds one ``sample_size`` square
    matrix and computes the total deviation over all the data a block of
    rows at a time.  Everything runs on the CPU: arrays of other libraries
    are copied to the host, and results go back to the caller's library.

    FasterPAM visits the candidates in row order and compares each with all
    k medoids at once: the loss of removing each medoid (its members fall
    back to their second-nearest medoid) plus the candidate's gain, O(M)
    per candidate instead of PAM's O(k M), and makes the best swap at once
    if it lowers the total deviation.  It stops after a whole cycle without
    a swap, at a local optimum of PAM's swap neighbourhood: no exchange of
    one medoid for one other observation lowers the total deviation (by
    more than a relative 1e-12: smaller changes are rounding).  The
    alternating method stops when no medoid changes.  With ``k = 1`` both
    return the exact optimum.

    References
    ----------
    .. [1] E. Schubert and P. J. Rousseeuw, "Fast and eager k-medoids
       clustering: O(k) runtime improvement of the PAM, CLARA, and CLARANS
       algorithms", Information Systems 101, 101804 (2021).
    .. [2] L. Kaufman and P. J. Rousseeuw, "Finding Groups in Data: An
       Introduction to Cluster Analysis", Wiley (1990): PAM, BUILD, CLARA.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import kmedoids
    >>> data = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.2, 0.2],
    ...                  [10.0, 10.0], [10.0, 11.0], [11.0, 10.0],
    ...                  [10.2, 10.2], [40.0, 40.0]])
    >>> medoids, label, info = kmedoids(data, 2, rng=0)
    >>> data[medoids]
    array([[10.2, 10.2],
           [ 0.2,  0.2]])
    >>> label
    array([1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=int32)
    >>> round(info.inertia, 3), info.metric
    (46.008, 'euclidean')

    The outlier at (40, 40) joins the second cluster without moving its
    medoid.  With a precomputed matrix (here of city-block distances):

    >>> from scipy.spatial.distance import cdist
    >>> matrix = cdist(data, data, 'cityblock')
    >>> medoids, label, info = kmedoids(matrix, 2, metric='precomputed',
    ...                                 init='build')
    >>> medoids, info.inertia
    (array([7, 0]), 64.4)
    """
    func = "kmedoids"
    _validate.check_option(metric, "metric", METRICS)
    _validate.check_option(method, "method", METHODS)
    max_iter = _validate.check_count(max_iter, "max_iter")
    n_samples = _validate.check_count(n_samples, "n_samples")
    route = dispatch(func, data, weights, names=("data", "weights"))
    data_arr, weights_arr = route.arrays
    values = route.as_data(data_arr, "data", check_finite=check_finite,
                           integers="float64")
    x = np.ascontiguousarray(route.to_host(route.to_2d(values)))
    precomputed = metric == "precomputed"
    if precomputed:
        _check_matrix(x, "data")
    n = x.shape[0]
    count = _validate.check_k_count(k, n, points_needed=True)
    w = (np.ones(n) if weights_arr is None else
         _validate.check_weights(route.to_host(weights_arr), n, at_least=count))
    init = _check_init(init, n, count, None if weights_arr is None else w)
    if sample_size is None:
        clara = not precomputed and n > FULL_MATRIX_MAX_ROWS
        size = min(n, 80 + 4 * count)
    else:
        size = _validate.check_count(sample_size, "sample_size", minimum=count + 1)
        clara = size < n
    if clara and not isinstance(init, str):
        raise ValueError("init indices need the whole data: with CLARA "
                         f"(sample_size={size} < {n} rows) give an init method.")
    generator = np.random.default_rng(rng)
    exponent = 0
    if not precomputed:
        # Data near the float limits is scaled by 2**-exponent (exact): the
        # medoids do not change, dissimilarities stay in the float range.
        x, exponent = _magnitude.into_range(route, x)
    source = _Matrix(x) if precomputed else _FromData(x, metric)

    if clara:
        (medoids, labels, n_iter, deviation, converged, kept), deviations = _clara(
            source, w, count, method, init, max_iter, generator, size, n_samples)
    else:
        d = source.square()
        medoids, n_iter, converged = _fit(d, w, count, method, init, max_iter,
                                          generator)
        labels, dist = _Matrix(d).nearest(medoids)
        deviation, deviations, kept = float(w @ dist), None, 0
    power = _METRIC_POWER.get(metric, 1)
    info = KMeansInfo(
        inertia=_magnitude.restore(deviation, exponent, power), n_iter=n_iter,
        converged=converged, best_start=kept, metric=metric,
        inertias_per_start=None if deviations is None else tuple(
            _magnitude.restore(v, exponent, power) for v in deviations))
    return route.back(medoids), route.back(labels), info
