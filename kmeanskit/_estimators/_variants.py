"""kmeanskit's variants as estimators in scikit-learn's style: ``KMedians``,
``SphericalKMeans`` (on :func:`kmeanskit.kmedians`,
:func:`kmeanskit.spherical_kmeans`) and ``KMedoids`` (on
:func:`kmeanskit.kmedoids`).  Each keeps KMeans's vocabulary where the
concept is the same (``n_clusters``, ``init``, ``random_state``, ...)."""

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.metrics.pairwise import cosine_distances
from sklearn.preprocessing import normalize

from .. import kmedians, kmedoids, spherical_kmeans, vq
from . import _arrays, _base
from ._base import Param

__all__ = ["KMedians", "KMedoids", "SphericalKMeans"]

_COMMON = {
    "n_clusters": Param(integer=True, low=1),
    "init": Param(options=("k-means++", "random"), array=True),
    "n_init": Param(integer=True, low=1, options=("auto",)),
    "max_iter": Param(integer=True, low=1),
    "tol": Param(real=True, low=0),
    "random_state": _base.RANDOM_STATE,
    "empty": Param(options=("farthest", "split", "keep")),
    "workers": Param(integer=True, low=-1, none=True),
}


class _LloydVariant(_base.LloydEstimator):
    """A variant fitted by a function of kmeans2's shape (``_function``)."""

    _params = _COMMON
    _function = None

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300,
                 tol=1e-4, random_state=None, empty="farthest", workers=None):
        _base.keep_parameters(self, locals())

    def _fit_checked(self, X, weights):
        init = self.init
        n_init = _base.resolve_n_init(self.n_init, init, 10, type(self).__name__)
        start = _base.SEEDINGS[init] if isinstance(init, str) \
            else _base.check_centres(X, init, self.n_clusters, self)
        with _base.quiet():
            return type(self)._function(
                X, self.n_clusters, max_iter=self.max_iter, tol=self.tol, init=start,
                n_init=n_init, empty=self.empty, rng=_base.generator(self.random_state),
                weights=_arrays.as_namespace_of(weights, X),
                check_finite=_base.unchecked(X), workers=self.workers)


@_base.fill_doc
class KMedians(_LloydVariant):
    """k-medians (L1 distance, coordinate-wise median centres) as an estimator.

    Fitted by :func:`kmeanskit.kmedians`; `predict`, `transform` and
    `score` use the L1 (city-block) distance.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {'k-means++', 'random'} or array-like, default='k-means++'
        Greedy k-means++, k random rows, or the initial centres.
    {{variant_parameters}}

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The medians.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.
    inertia_ : float
        Weighted sum of L1 distances to the nearest centre.
    {{variant_attributes}}

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import KMedians
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 8.0], [50.0, 50.0]])
    >>> KMedians(n_clusters=2, random_state=0).fit(X).cluster_centers_.shape
    (2, 2)
    """

    _function = staticmethod(kmedians)
    _accept_sparse = False  # kmedians takes dense data only
    _array_api = False  # its predict and transform compute with SciPy

    def _assign(self, X):
        dist = cdist(X, self.cluster_centers_, "cityblock")
        labels = np.argmin(dist, axis=1).astype(np.int32)
        return labels, dist[np.arange(X.shape[0]), labels]

    def _transform(self, X):
        return cdist(X, self.cluster_centers_, "cityblock")


@_base.fill_doc
class SphericalKMeans(_LloydVariant):
    """Spherical k-means (clusters of directions, by cosine) as an estimator.

    Fitted by :func:`kmeanskit.spherical_kmeans`; `transform` gives cosine
    distances (``1 - cos``), `score` minus their weighted sum.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {'k-means++', 'random'} or array-like, default='k-means++'
        Seeding on the unit rows, or the initial centres.
    {{variant_parameters}}

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Unit-length mean directions.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.
    inertia_ : float
        Weighted sum of ``1 - cos`` to the nearest centre.
    {{variant_attributes}}

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import SphericalKMeans
    >>> X = np.array([[1.0, 0.1], [2.0, 0.1], [0.1, 1.0], [0.1, 3.0]])
    >>> SphericalKMeans(n_clusters=2, random_state=0).fit_predict(X).tolist() in (
    ...     [0, 0, 1, 1], [1, 1, 0, 0])
    True
    """

    _function = staticmethod(spherical_kmeans)

    def _assign(self, X):
        # For unit rows |u - c|^2 = 2 (1 - cos): the nearest centre in
        # Euclidean distance is the most similar one.  normalize keeps
        # sparse rows sparse (and all-zero rows zero).
        foreign = _arrays.foreign_namespace(X) is not None
        unit = _arrays.unit_rows(X) if foreign else normalize(X)
        labels, dist = vq(unit, self._centres_like(X), check_finite=foreign,
                          workers=self.workers)
        if foreign:
            return labels, dist * dist / 2
        return labels, np.asarray(dist, dtype=np.float64) ** 2 / 2

    def _transform(self, X):
        if _arrays.foreign_namespace(X) is not None:
            # The centres have unit length: 1 - cos is 1 - u.c.
            return 1 - _arrays.unit_rows(X) @ self._centres_like(X).T
        return cosine_distances(X, self.cluster_centers_)


class KMedoids(_base.ClusterEstimator):
    """k-medoids (FasterPAM or alternating) as an estimator.

    Fitted by :func:`kmeanskit.kmedoids`; the centres are observations, and
    any dissimilarity of :func:`scipy.spatial.distance.cdist` (or a
    precomputed matrix) can be used.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of medoids.
    metric : str, default='euclidean'
        'euclidean', 'sqeuclidean', 'cityblock', 'cosine', 'chebyshev' or
        'precomputed' (X is then the square dissimilarity matrix, and
        `predict` takes dissimilarities to the training samples).
    method : {'fasterpam', 'alternate'}, default='fasterpam'
        The search.
    init : {'k-medoids++', 'build', 'random'}, default='k-medoids++'
        Initial medoids: k-medoids++, PAM's BUILD, or k random rows.
    max_iter : int, default=300
        Largest number of passes.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial medoids.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features) or None
        The medoids (None with ``metric='precomputed'``).
    medoid_indices_ : ndarray of shape (n_clusters,)
        Their row indices in the training data.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.
    inertia_ : float
        Weighted sum of dissimilarities to the nearest medoid.
    n_iter_ : int
        Passes run.
    n_features_in_ : int
        Number of features seen in `fit`.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import KMedoids
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0], [9.0, 8.0], [50.0, 50.0]])
    >>> KMedoids(n_clusters=2, random_state=0).fit(X).medoid_indices_.shape
    (2,)
    """

    _params = {
        "n_clusters": Param(integer=True, low=1),
        "metric": Param(options=("euclidean", "sqeuclidean", "cityblock", "cosine",
                                 "chebyshev", "precomputed")),
        "method": Param(options=("fasterpam", "alternate")),
        "init": Param(options=("k-medoids++", "build", "random")),
        "max_iter": Param(integer=True, low=1),
        "random_state": _base.RANDOM_STATE,
    }
    _INITS = {"k-medoids++": "++", "build": "build", "random": "points"}
    _accept_sparse = False  # kmedoids takes dense data (or dissimilarities) only
    _array_api = False  # its predict and transform compute with SciPy

    def __init__(self, n_clusters=8, *, metric="euclidean", method="fasterpam",
                 init="k-medoids++", max_iter=300, random_state=None):
        _base.keep_parameters(self, locals())

    @_base.fill_doc
    def fit(self, X, y=None, sample_weight=None):
        """Find the medoids.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Training instances, or their dissimilarities ('precomputed').
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each observation.

        {{fitted_self}}
        """
        X, weights, scale = self._fit_input(X, sample_weight)
        with _base.quiet():
            medoids, labels, info = kmedoids(
                X, self.n_clusters, metric=self.metric, method=self.method,
                init=self._INITS[self.init], max_iter=self.max_iter,
                rng=_base.generator(self.random_state), weights=weights,
                check_finite=False)
        self.medoid_indices_ = np.asarray(medoids)
        precomputed = self.metric == "precomputed"
        return self._store(None if precomputed else X[self.medoid_indices_], labels,
                           scale * info.inertia, info.n_iter)

    def _transform(self, X):
        if self.metric == "precomputed":
            return X[:, self.medoid_indices_]
        return cdist(X, self.cluster_centers_, self.metric)

    def _assign(self, X):
        dist = self._transform(X)
        labels = np.argmin(dist, axis=1).astype(np.int32)
        return labels, dist[np.arange(X.shape[0]), labels]
