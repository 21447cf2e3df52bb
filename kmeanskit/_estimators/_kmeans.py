"""``KMeans`` and ``k_means``: scikit-learn's interface on :func:`kmeanskit.kmeans2`.

Every fit is one ``kmeans2`` call (restarts, ``tol``, empty-cluster repair
and weights are its keywords); this module maps the parameters, reproduces
scikit-learn's checks, warnings and verbose lines, and stores the results as
fitted attributes.
"""

import warnings

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs import mean_variance_axis

from .. import kmeans2
from . import _arrays, _base
from ._base import Param, resolve_n_init

__all__ = ["KMeans", "k_means"]

_INIT = Param(options=("k-means++", "random"), is_callable=True, array=True)


def relative_tol(X, tol, weights):
    """(``tol`` for kmeanskit, scikit-learn's absolute tolerance).

    scikit-learn scales ``tol`` by the mean *unweighted* feature variance;
    kmeanskit by the weighted one, so with weights the relative value is
    converted to give the same absolute threshold.
    """
    if tol == 0:
        return tol, 0.0
    absolute = tol * _mean_variance(X)
    if weights is None:
        return tol, absolute
    weighted = _mean_variance(X, weights)
    return (absolute / weighted if weighted > 0 else tol), absolute


def _mean_variance(X, weights=None):
    """Mean over features of the (weighted) population variance; sparse X
    without densifying it (weights in X's dtype, as scikit-learn's helper
    requires)."""
    if sparse.issparse(X):
        if weights is not None:
            weights = np.asarray(weights, dtype=X.dtype)
        return float(np.mean(mean_variance_axis(X, axis=0, weights=weights)[1]))
    if _arrays.foreign_namespace(X) is not None:
        return _arrays.mean_variance(X, weights)
    mean = np.average(X, axis=0, weights=weights)
    return float(np.mean(np.average((X - mean) ** 2, axis=0, weights=weights)))


class LloydReport:
    """The ``verbose`` lines of scikit-learn's Lloyd iterations, printed
    from kmeans2's per-iteration callback."""

    def __init__(self, tol):
        self.tol = tol

    def __call__(self, iteration, centroids, inertia, shift):
        if iteration == 1:
            print("Initialization complete")
        i = iteration - 1  # scikit-learn counts iterations from 0
        print(f"Iteration {i}, inertia {inertia}.")
        if shift == 0:
            print(f"Converged at iteration {i}: strict convergence.")
        elif shift <= self.tol:
            print(f"Converged at iteration {i}: center shift {shift} within "
                  f"tolerance {self.tol}.")


def fit_lloyd(estimator, X, weights, *, n_init, default_n_init=10):
    """One kmeans2 fit with ``estimator``'s parameters on validated X:
    ``(centroids, labels, KMeansInfo)``."""
    k, init = estimator.n_clusters, estimator.init
    n_init = resolve_n_init(n_init, init, default_n_init, type(estimator).__name__)
    algorithm = _base.ALGORITHMS[estimator.algorithm]
    if k == 1 and estimator.algorithm == "elkan":
        warnings.warn("algorithm='elkan' doesn't make sense for a single cluster. "
                      "Using 'lloyd' instead.", RuntimeWarning, stacklevel=3)
        algorithm = "lloyd"
    tol, tol_abs = estimator.tol, None
    if weights is not None or estimator.verbose:  # else kmeans2 scales tol itself
        tol, tol_abs = relative_tol(X, estimator.tol, weights)
    common = dict(iter=estimator.max_iter, tol=tol, empty=estimator.empty,
                  weights=_arrays.as_namespace_of(weights, X), algorithm=algorithm,
                  workers=estimator.workers, check_finite=_base.unchecked(X),
                  return_info=True,
                  callback=LloydReport(tol_abs) if estimator.verbose else None)
    with _base.quiet():
        if not isinstance(init, str) and not callable(init):
            start = _base.check_centres(X, init, k, estimator)
            return kmeans2(X, start, minit="matrix", **common)
        rng = _base.generator(estimator.random_state)
        if isinstance(init, str):
            return kmeans2(X, k, minit=_base.SEEDINGS[init], n_init=n_init, rng=rng,
                           **common)
        # A callable seeds each start; the lowest inertia is kept, as by
        # kmeans2's own restarts.
        state = np.random.RandomState(rng.integers(2**32))
        best = None
        for _ in range(n_init):
            start = _base.check_centres(X, init(X, k, random_state=state), k, estimator)
            fit = kmeans2(X, start, minit="matrix", **common)
            if best is None or fit[2].inertia < best[2].inertia:
                best = fit
        return best


@_base.fill_doc
class KMeans(_base.LloydEstimator):
    """K-means clustering with scikit-learn's interface, fitted by kmeanskit.

    The parameters, attributes and methods of
    :class:`sklearn.cluster.KMeans` (scikit-learn 1.9), fitted by
    :func:`kmeanskit.kmeans2`; see :doc:`/sklearn` for what differs.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {'k-means++', 'random'}, callable or array-like of shape \
            (n_clusters, n_features), default='k-means++'
        'k-means++': greedy k-means++ (``2 + int(log k)`` candidates per
        centre); 'random': `n_clusters` distinct rows at random; an array:
        the initial centres; a callable ``init(X, n_clusters,
        random_state=...)`` returning them.
    n_init : 'auto' or int, default='auto'
        Seeded starts; the lowest inertia is kept.  'auto': 1 for
        'k-means++' or an array, 10 for 'random' or a callable.
    max_iter : int, default=300
        Largest number of iterations of one start.
    tol : float, default=1e-4
        Stop when the summed squared centre shift is at most `tol` times the
        mean feature variance of X.
    verbose : int, default=0
        Print scikit-learn's progress lines.
    random_state : int, RandomState instance or None, default=None
        Seeds the starts (see Notes).
    copy_x : bool, default=True
        Accepted for compatibility: X is never modified.
    algorithm : {'lloyd', 'elkan', 'hamerly', 'yinyang', 'auto'}, default='lloyd'
        'lloyd': every distance; 'hamerly': one bound per row (Hamerly's);
        'elkan' and 'yinyang': bounds per row and group of centres
        (Yinyang's), the same results; 'auto': kmeanskit times bounded and
        plain iterations and keeps the faster.
    workers : int, default=None
        Threads of kmeanskit's kernels (None: OpenMP's default).
    empty : {'farthest', 'split', 'keep'}, default='farthest'
        An empty cluster's centre moves onto the row farthest from its
        centre (scikit-learn's repair), splits the heaviest cluster, or
        stays.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The centres.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample (int32).
    inertia_ : float
        Weighted sum of squared distances of the samples to their centre.
    n_iter_ : int
        Iterations of the kept start.
    {{feature_attributes}}

    See Also
    --------
    kmeanskit.kmeans2 : the function that fits it.
    MiniBatchKMeans, BisectingKMeans

    Notes
    -----
    ``random_state`` seeds a NumPy ``Generator`` (four words drawn from
    the ``RandomState`` it names), so seeded results are repeatable but not
    scikit-learn's.  Given the same initial centres, the centres, labels and
    `n_iter_` are scikit-learn's.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import KMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    """

    _params = {
        "n_clusters": Param(integer=True, low=1),
        "init": _INIT,
        "n_init": Param(integer=True, low=1, options=("auto",)),
        "max_iter": Param(integer=True, low=1),
        "tol": Param(real=True, low=0),
        "verbose": Param(integer=True, low=0, boolean=True),
        "random_state": _base.RANDOM_STATE,
        "copy_x": Param(boolean=True),
        "algorithm": Param(options=tuple(_base.ALGORITHMS)),
        "workers": Param(integer=True, low=-1, none=True),
        "empty": Param(options=("farthest", "split", "keep")),
    }

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300,
                 tol=1e-4, verbose=0, random_state=None, copy_x=True,
                 algorithm="lloyd", workers=None, empty="farthest"):
        _base.keep_parameters(self, locals())

    def _fit_checked(self, X, weights):
        # scikit-learn keeps the resolved n_init as _n_init (its tests read it)
        self._n_init = resolve_n_init(self.n_init, self.init, 10, type(self).__name__)
        return fit_lloyd(self, X, weights, n_init=self._n_init)


def k_means(X, n_clusters, *, sample_weight=None, init="k-means++", n_init="auto",
            max_iter=300, verbose=False, tol=1e-4, random_state=None, copy_x=True,
            algorithm="lloyd", return_n_iter=False, workers=None, empty="farthest"):
    """K-means clustering as a function (scikit-learn's ``k_means``).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The observations.
    n_clusters : int
        Number of clusters.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each observation.
    init, n_init, max_iter, verbose, tol, random_state, copy_x, algorithm, \
workers, empty
        As for :class:`KMeans`.
    return_n_iter : bool, default=False
        Also return the number of iterations.

    Returns
    -------
    centroid : ndarray of shape (n_clusters, n_features)
        The centres.
    label : ndarray of shape (n_samples,)
        Cluster of each observation.
    inertia : float
        Weighted sum of squared distances to the nearest centre.
    best_n_iter : int
        Iterations of the kept start; only with ``return_n_iter=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import k_means
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> centroid, label, inertia = k_means(X, n_clusters=2, random_state=0)
    >>> float(inertia)
    16.0
    """
    est = KMeans(n_clusters=n_clusters, init=init, n_init=n_init, max_iter=max_iter,
                 verbose=verbose, tol=tol, random_state=random_state, copy_x=copy_x,
                 algorithm=algorithm, workers=workers, empty=empty)
    est.fit(X, sample_weight=sample_weight)
    result = (est.cluster_centers_, est.labels_, est.inertia_)
    return (*result, est.n_iter_) if return_n_iter else result
