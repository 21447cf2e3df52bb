"""``BisectingKMeans``: scikit-learn's interface on
:func:`kmeanskit.bisecting_kmeans`."""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import row_norms

from .. import bisecting_kmeans
from .._api._bisecting import STRATEGIES, descend
from .._backends._arrays import to_host
from . import _arrays, _base
from ._base import Param
from ._kmeans import relative_tol

__all__ = ["BisectingKMeans"]


@_base.fill_doc
class BisectingKMeans(_base.ClusterEstimator):
    """Bisecting k-means with scikit-learn's interface, fitted by kmeanskit.

    The parameters, attributes and methods of
    :class:`sklearn.cluster.BisectingKMeans` (scikit-learn 1.9), fitted by
    :func:`kmeanskit.bisecting_kmeans`; `predict` walks down the tree of
    splits, as scikit-learn's does.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {'k-means++', 'random'} or callable, default='random'
        Seeding of each split (of two centres); a callable is called as
        ``init(X_cluster, 2, random_state=...)``.
    n_init : int, default=1
        Starts per split; the lowest inertia is kept.
    random_state : int, RandomState instance or None, default=None
        Seeds the splits.
    max_iter : int, default=300
        Largest number of iterations per split.
    verbose : int, default=0
        Accepted; kmeanskit prints no per-split lines.
    tol : float, default=1e-4
        Convergence of each split, relative to the mean feature variance of X.
    copy_x : bool, default=True
        Accepted for compatibility: X is never modified.
    algorithm : {'lloyd', 'elkan', 'hamerly', 'yinyang', 'auto'}, default='lloyd'
        Assignment of each split (see :class:`KMeans`).
    bisecting_strategy : {'biggest_inertia', 'largest_cluster'}, \
            default='biggest_inertia'
        Which cluster is split next.
    workers : int, default=None
        Threads of kmeanskit's kernels.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The centres (the tree's leaves, left to right).
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample, as the splits assigned it.
    inertia_ : float
        Weighted sum of squared distances of the samples to their centre.
    {{feature_attributes}}

    See Also
    --------
    kmeanskit.bisecting_kmeans : the function that fits it.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import BisectingKMeans
    >>> X = np.array([[1, 1], [10, 1], [3, 1], [10, 0], [2, 1], [10, 2],
    ...               [10, 8], [10, 9], [10, 10]])
    >>> BisectingKMeans(n_clusters=3, random_state=0).fit(X).cluster_centers_.shape
    (3, 2)
    """

    _params = {
        "n_clusters": Param(integer=True, low=1),
        "init": Param(options=("k-means++", "random"), is_callable=True),
        "n_init": Param(integer=True, low=1),
        "random_state": _base.RANDOM_STATE,
        "max_iter": Param(integer=True, low=1),
        "verbose": Param(integer=True, low=0, boolean=True),
        "tol": Param(real=True, low=0),
        "copy_x": Param(boolean=True),
        "algorithm": Param(options=tuple(_base.ALGORITHMS)),
        "bisecting_strategy": Param(options=STRATEGIES),
        "workers": Param(integer=True, low=-1, none=True),
    }

    def __init__(self, n_clusters=8, *, init="random", n_init=1, random_state=None,
                 max_iter=300, verbose=0, tol=1e-4, copy_x=True, algorithm="lloyd",
                 bisecting_strategy="biggest_inertia", workers=None):
        _base.keep_parameters(self, locals())

    def _seeding(self):
        init = self.init
        if isinstance(init, str):
            return _base.SEEDINGS[init]

        def seed(rows, k, rng):
            state = np.random.RandomState(rng.integers(2**32))
            return init(rows, k, random_state=state)

        return seed

    @_base.fill_doc
    def fit(self, X, y=None, sample_weight=None):
        """Compute bisecting k-means clustering.

        {{fit_parameters}}

        {{fitted_self}}
        """
        X, weights, scale = self._fit_input(X, sample_weight)
        with _base.quiet():
            centres, labels, info = bisecting_kmeans(
                X, self.n_clusters, init=self._seeding(), n_init=self.n_init,
                max_iter=self.max_iter, tol=relative_tol(X, self.tol, weights)[0],
                bisecting_strategy=self.bisecting_strategy,
                rng=_base.generator(self.random_state),
                weights=_arrays.as_namespace_of(weights, X),
                algorithm=_base.ALGORITHMS[self.algorithm],
                check_finite=_base.unchecked(X), workers=self.workers, return_info=True)
        self._hierarchy = info.hierarchy
        return self._store(centres, labels, scale * info.inertia)

    def _assign(self, X):
        """Labels by walking down the tree; squared distances to those centres."""
        if _arrays.foreign_namespace(X) is not None:
            # The walk runs on the host, as the fit's splits do (Dask data is
            # computed); the results go back to X's library and device.
            labels, cost = self._assign(to_host(X))
            return _arrays.as_namespace_of(labels, X), _arrays.as_namespace_of(cost, X)
        labels = descend(X, self._hierarchy, workers=self.workers)
        centres = np.asarray(to_host(self.cluster_centers_), dtype=np.float64)
        if not sparse.issparse(X):
            diff = X - centres[labels].astype(X.dtype, copy=False)
            return labels, np.einsum("ij,ij->i", diff, diff, dtype=np.float64)
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, one cluster's rows at a time,
        # without densifying X (a difference rounding below 0 is clipped).
        own = np.zeros(X.shape[0])
        for j in np.unique(labels):
            rows = np.flatnonzero(labels == j)
            own[rows] = X[rows] @ centres[j]
        sq = row_norms(X, squared=True) - 2 * own \
            + np.einsum("ij,ij->i", centres, centres)[labels]
        return labels, np.maximum(sq, 0.0)
