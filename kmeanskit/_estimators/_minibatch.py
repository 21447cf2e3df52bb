"""``MiniBatchKMeans``: scikit-learn's interface on :func:`kmeanskit.minibatch_kmeans`
(``fit``) and on :class:`~kmeanskit.MiniBatchState` /
:func:`~kmeanskit.minibatch_update` (``partial_fit``)."""

import math
import warnings

import numpy as np
from scipy import sparse

from .. import MiniBatchState, minibatch_kmeans, minibatch_update
from .._backends._arrays import numpy_dtype, to_host
from .._backends._engines import get_engine
from .._backends._sparse_data import as_csr
from .._core._seeding import draw_centres
from . import _arrays, _base
from ._base import Param, resolve_n_init
from ._kmeans import relative_tol

__all__ = ["MiniBatchKMeans"]


class MiniBatchReport:
    """scikit-learn's ``verbose`` lines of the mini-batch steps, from the
    per-step callback (its inertia is the batch's scaled to the data)."""

    def __init__(self, n_steps, n_samples, batch_size):
        self.n_steps, self.n_samples, self.batch_size = n_steps, n_samples, batch_size
        self.alpha = min(1.0, batch_size * 2.0 / (n_samples + 1))
        self.ewa = None
        self.shift = np.inf

    def __call__(self, step, centroids, inertia, shift):
        self.shift = shift
        batch = inertia / self.n_samples
        if step == 1:
            print(f"Minibatch step {step}/{self.n_steps}: mean batch inertia: {batch}")
            return
        self.ewa = batch if self.ewa is None else (
            self.ewa * (1 - self.alpha) + batch * self.alpha)
        print(f"Minibatch step {step}/{self.n_steps}: mean batch inertia: {batch}, "
              f"ewa inertia: {self.ewa}")


@_base.fill_doc
class MiniBatchKMeans(_base.ClusterEstimator):
    """Mini-batch k-means with scikit-learn's interface, fitted by kmeanskit.

    The parameters, attributes and methods of
    :class:`sklearn.cluster.MiniBatchKMeans` (scikit-learn 1.9): ``fit``
    runs :func:`kmeanskit.minibatch_kmeans`, ``partial_fit`` feeds one
    batch to :func:`kmeanskit.minibatch_update`.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {'k-means++', 'random'}, callable or array-like, default='k-means++'
        Seeding on `init_size` sampled rows (see :class:`KMeans`).
    max_iter : int, default=100
        Largest number of passes over the data.
    batch_size : int, default=1024
        Rows per step.
    verbose : int, default=0
        Print scikit-learn's progress lines.
    compute_labels : bool, default=True
        Compute `labels_` and `inertia_` from the whole data after the fit.
    random_state : int, RandomState instance or None, default=None
        Seeds sampling and seeding.
    tol : float, default=0.0
        Stop when the squared centre shift of one step is at most `tol`
        times the mean feature variance; 0: never.
    max_no_improvement : int or None, default=10
        Stop after this many steps without improvement of the smoothed batch
        inertia; None: never.
    init_size : int, default=None
        Rows sampled for the seeding; None: ``3 * batch_size`` (at least
        ``3 * n_clusters``, at most n_samples).
    n_init : 'auto' or int, default='auto'
        Seedings compared on a validation sample; 'auto': 1 for 'k-means++'
        or an array, 3 otherwise.
    reassignment_ratio : float, default=0.01
        Clusters lighter than this fraction of the heaviest are re-seeded.
    workers : int, default=None
        Threads of kmeanskit's kernels.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The centres.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample (with `compute_labels`).
    inertia_ : float
        Weighted sum of squared distances to the nearest centre.
    n_iter_ : int
        Passes over the data (steps times batch size over n_samples).
    n_steps_ : int
        Mini-batch steps run.
    {{feature_attributes}}

    See Also
    --------
    kmeanskit.minibatch_kmeans : the function that fits it.

    Notes
    -----
    Batches are drawn with replacement, in proportion to `sample_weight`
    (scikit-learn draws uniformly and weighs the rows): the same expected
    step, different draws.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import MiniBatchKMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [4, 0], [4, 4],
    ...               [4, 5], [0, 1], [2, 2], [3, 2], [5, 5], [1, -1]])
    >>> km = MiniBatchKMeans(n_clusters=2, batch_size=6, random_state=0).fit(X)
    >>> km.cluster_centers_.shape
    (2, 2)
    """

    _params = {
        "n_clusters": Param(integer=True, low=1),
        "init": Param(options=("k-means++", "random"), is_callable=True, array=True),
        "max_iter": Param(integer=True, low=1),
        "batch_size": Param(integer=True, low=1),
        "verbose": Param(integer=True, low=0, boolean=True),
        "compute_labels": Param(boolean=True),
        "random_state": _base.RANDOM_STATE,
        "tol": Param(real=True, low=0),
        "max_no_improvement": Param(integer=True, low=0, none=True),
        "init_size": Param(integer=True, low=1, none=True),
        "n_init": Param(integer=True, low=1, options=("auto",)),
        "reassignment_ratio": Param(real=True, low=0),
        "workers": Param(integer=True, low=-1, none=True),
    }

    def __init__(self, n_clusters=8, *, init="k-means++", max_iter=100, batch_size=1024,
                 verbose=0, compute_labels=True, random_state=None, tol=0.0,
                 max_no_improvement=10, init_size=None, n_init="auto",
                 reassignment_ratio=0.01, workers=None):
        _base.keep_parameters(self, locals())

    def _seeding_size(self, n):
        """scikit-learn's rule for the seeding sample's size."""
        size, k = self.init_size, self.n_clusters
        if size is None:
            size = 3 * min(self.batch_size, n)
            if size < k:
                size = 3 * k
        elif size < k:
            warnings.warn(f"init_size={size} should be larger than n_clusters={k}. "
                          "Setting it to min(3*n_clusters, n_samples)",
                          RuntimeWarning, stacklevel=3)
            size = 3 * k
        return min(size, n)

    def _given_init(self, X, rng):
        """The init as kmeanskit takes it: a seeding name or centres."""
        init = self.init
        if isinstance(init, str):
            return _base.SEEDINGS[init]
        if callable(init):
            init = init(X, self.n_clusters, random_state=np.random.RandomState(
                rng.integers(2**32)))
        return _base.check_centres(X, init, self.n_clusters, self)

    @_base.fill_doc
    def fit(self, X, y=None, sample_weight=None):
        """Compute the centres by mini-batch steps over X.

        {{fit_parameters}}

        {{fitted_self}}
        """
        X, weights, scale = self._fit_input(X, sample_weight)
        n = X.shape[0]
        if weights is not None:
            # kmeanskit counts steps and smooths the inertia by the total
            # weight, scikit-learn by the number of rows: weights of mean 1
            # make the two the same (the fit does not depend on their scale).
            scale = float(np.mean(weights))
            weights = weights / scale
        rng = _base.generator(self.random_state)
        self._n_init = n_init = resolve_n_init(self.n_init, self.init, 3,
                                               type(self).__name__)
        self._init_size = self._seeding_size(n)
        batch = min(self.batch_size, n)
        n_steps = max(1, (self.max_iter * n) // batch)
        tol, tol_abs = relative_tol(X, self.tol, weights) if self.tol else (None, 0.0)
        report = MiniBatchReport(n_steps, n, batch) if self.verbose else None
        with _base.quiet():
            centres, labels, info = minibatch_kmeans(
                X, self.n_clusters, batch_size=batch, max_iter=self.max_iter,
                max_no_improvement=self.max_no_improvement,
                init_size=self._init_size, reassignment_ratio=self.reassignment_ratio,
                n_init=n_init, rng=rng, weights=_arrays.as_namespace_of(weights, X),
                init=self._given_init(X, rng), check_finite=_base.unchecked(X),
                workers=self.workers, callback=report, tol=tol)
        if self.verbose and info.converged:
            why = "small centers change" if tol and report.shift <= tol_abs \
                else "lack of improvement in inertia"
            print(f"Converged ({why}) at step {info.n_iter}/{n_steps}")
        self.cluster_centers_ = _arrays.fitted_centres(centres, X)
        self._n_features_out = centres.shape[0]
        if self.compute_labels:
            self.labels_ = labels
        self.inertia_ = scale * float(info.inertia)
        # partial_fit continues from here: the centres, having absorbed the
        # data once (their clusters' weights).
        self._state = MiniBatchState(centres, rng=rng,
                                     reassignment_ratio=self.reassignment_ratio)
        self._state.counts = _arrays.cluster_weights(labels, weights, self.n_clusters)
        self.n_steps_ = int(info.n_iter)
        self.n_iter_ = int(math.ceil(info.n_iter * batch / n))
        return self

    @_base.fill_doc
    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the centres with one mini-batch (X).

        {{fit_parameters}}

        {{fitted_self}}
        """
        first = not hasattr(self, "cluster_centers_")
        X = self._validate_fit(X, reset=first)
        weights = _base.check_sample_weight(sample_weight, X)
        weights = _arrays.as_namespace_of(weights, X)
        if first:
            self._check_n_samples(X)
            rng = _base.generator(self.random_state)
            start = self._given_init(X, rng)
            if isinstance(start, str):
                rows = X[rng.integers(X.shape[0], size=self._seeding_size(X.shape[0]))]
                if _arrays.foreign_namespace(rows) is not None:
                    rows = to_host(rows)  # a sample of init_size rows
                is_sparse = sparse.issparse(rows)
                if is_sparse:  # the CSR form the sparse kernels read
                    rows = as_csr(rows, "X", check_finite=False)
                engine = get_engine(workers=self.workers, sparse=is_sparse)
                with _base.quiet():
                    start = draw_centres(start, rows, self.n_clusters, rng, engine)
            self._state = MiniBatchState(start, rng=rng,
                                         reassignment_ratio=self.reassignment_ratio)
            self.n_steps_ = 0
        minibatch_update(self._state, X, weights=weights,
                         check_finite=_base.unchecked(X), workers=self.workers)
        self.cluster_centers_ = _arrays.fitted_centres(
            self._state.centroids.astype(numpy_dtype(X.dtype)), X)
        self._n_features_out = self.n_clusters
        if self.compute_labels:
            self.labels_, cost = self._assign(X)
            if weights is not None:
                cost = cost * weights
            xp = _arrays.foreign_namespace(X)
            self.inertia_ = float(np.sum(cost) if xp is None else xp.sum(cost))
        self.n_steps_ += 1
        return self
