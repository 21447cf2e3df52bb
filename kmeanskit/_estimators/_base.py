"""What every estimator shares: scikit-learn's base classes, input checks,
parameter checks in scikit-learn's words, and the mapping of its vocabulary
(``random_state``, ``init``, ``algorithm``) onto kmeanskit's.

Only this package imports scikit-learn, and only when ``kmeanskit.estimators``
is imported (``import kmeanskit`` never does).
"""

import numbers
import warnings

import numpy as np
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import vq
from .._backends._arrays import numpy_dtype, to_host
from .._base._docstrings import doc_filler
from .._base._warnings import silenced
from . import _arrays

__all__ = ["PARAGRAPHS", "RANDOM_STATE", "ClusterEstimator", "InvalidParameterError",
           "LloydEstimator", "Param", "check_centres", "check_params",
           "check_sample_weight", "fill_doc", "generator", "keep_parameters", "quiet",
           "warn_distinct"]

DTYPES = [np.float64, np.float32]

SEEDINGS = {"k-means++": "greedy++", "random": "points"}
"""scikit-learn's ``init`` names and kmeanskit's seedings of the same
meaning: greedy k-means++ (``2 + int(log k)`` trials) and k random rows."""

ALGORITHMS = {"lloyd": "lloyd", "elkan": "yinyang", "hamerly": "hamerly",
              "yinyang": "yinyang", "auto": "auto"}
"""``algorithm`` values and kmeanskit's: scikit-learn's 'elkan' (bounds that
skip distances) runs kmeanskit's group bounds (Yinyang's; Hamerly's where
fewer than two groups fit)."""


PARAGRAPHS = {
    "fit_parameters": """\
Parameters
----------
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Training instances (sparse where the estimator accepts it).
y : Ignored
    Not used, present for API consistency.
sample_weight : array-like of shape (n_samples,), default=None
    Weight of each observation; None weighs every one 1.""",
    "fitted_self": """\
Returns
-------
self : object
    The fitted estimator.""",
    "new_data": """\
Parameters
----------
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    New data.""",
    "feature_attributes": """\
n_features_in_ : int
    Number of features seen in `fit`.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Column names of X, when it had string column names.""",
    "distances": """\
Returns
-------
X_new : ndarray of shape (n_samples, n_clusters)
    Distances to the cluster centres.""",
    "variant_parameters": """\
n_init : 'auto' or int, default='auto'
    Starts (1 for 'k-means++' or an array, 10 for 'random').
max_iter : int, default=300
    Largest number of iterations per start.
tol : float, default=1e-4
    Convergence, relative to the mean feature variance.
random_state : int, RandomState instance or None, default=None
    Seeds the starts.
empty : {'farthest', 'split', 'keep'}, default='farthest'
    Repair of an empty cluster.
workers : int, default=None
    Threads of kmeanskit's kernels.""",
    "variant_attributes": """\
n_iter_ : int
    Iterations of the kept start.
n_features_in_ : int
    Number of features seen in `fit`.""",
}
"""The estimators' shared docstring paragraphs (scikit-learn's wording of
their common parameters, attributes and returns)."""

fill_doc = doc_filler(PARAGRAPHS)
"""``@fill_doc``: a ``{{name}}`` docstring line becomes ``PARAGRAPHS[name]``."""


def keep_parameters(estimator, arguments):
    """Store constructor arguments unchanged, as attributes of their names.

    scikit-learn's rule for ``__init__`` (no logic, no validation: that is
    ``fit``'s); an estimator's ``__init__`` lists its parameters in its
    signature, as ``get_params`` reads them, and passes its ``locals()``.
    """
    for name, value in arguments.items():
        if name != "self" and not name.startswith("__"):
            setattr(estimator, name, value)


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter of an unaccepted type or value (both a
    ``ValueError`` and a ``TypeError``, as scikit-learn's own)."""


class Param:
    """One constructor parameter's accepted values, described as
    scikit-learn describes them (``"an int in the range [1, inf)"``)."""

    def __init__(self, *, integer=False, real=False, low=None, closed=True,
                 options=(), none=False, boolean=False, array=False,
                 is_callable=False, types=()):
        self.types = types
        self.integer, self.real, self.low, self.closed = integer, real, low, closed
        self.options, self.none, self.boolean = tuple(options), none, boolean
        self.array, self.is_callable = array, is_callable

    def accepts(self, value):
        if value is None:
            return self.none
        if self.types and isinstance(value, self.types):
            return True
        if isinstance(value, str):
            return value in self.options
        if self.boolean and isinstance(value, bool | np.bool_):
            return True
        if self.is_callable and callable(value):
            return True
        if self.array and hasattr(value, "__len__"):
            return True
        number = numbers.Integral if self.integer else numbers.Real
        if (self.integer or self.real) and isinstance(value, number) \
                and not isinstance(value, bool | np.bool_):
            return self.low is None or value > self.low or (
                self.closed and value == self.low)
        return False

    def describe(self):
        parts = []
        if self.integer or self.real:
            kind = "an int" if self.integer else "a float"
            low = "-inf" if self.low is None else self.low
            bracket = "[" if self.closed else "("
            parts.append(f"{kind} in the range {bracket}{low}, inf)")
        if self.options:
            parts.append("a str among {" + ", ".join(repr(o) for o in
                                                     sorted(self.options)) + "}")
        if self.array:
            parts.append("an array-like")
        if self.is_callable:
            parts.append("a callable")
        parts.extend(f"an instance of {t.__name__!r}" for t in self.types)
        if self.boolean:
            parts.append("an instance of 'bool'")
        if self.none:
            parts.append("None")
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + " or " + parts[-1]


def check_params(estimator):
    """Raise :class:`InvalidParameterError` for the first parameter outside
    its estimator's ``_params`` (scikit-learn's message)."""
    for name, rule in estimator._params.items():
        value = getattr(estimator, name)
        if not rule.accepts(value):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be "
                f"{rule.describe()}. Got {value!r} instead.")


RANDOM_STATE = Param(integer=True, low=0, none=True, types=(np.random.RandomState,))


def generator(random_state):
    """A NumPy ``Generator`` seeded from scikit-learn's ``random_state``
    (None: NumPy's global state, an int, or a ``RandomState``), so that
    ``random_state=0`` repeats and the global seed governs None."""
    state = check_random_state(random_state)
    return np.random.default_rng(state.randint(0, 2**32, size=4, dtype=np.uint64))


def check_sample_weight(weight, X):
    """``sample_weight`` as a float64 NumPy array of one weight per row
    (None stays None: kmeanskit's unweighted path); weights of another array
    library are brought to the host (n numbers)."""
    if weight is None:
        return None
    n = X.shape[0]
    if isinstance(weight, numbers.Number):
        return np.full(n, float(weight))
    if _arrays.foreign_namespace(weight) is not None:
        weight = to_host(weight)
    weight = check_array(weight, ensure_2d=False, dtype=np.float64,
                         input_name="sample_weight")
    if weight.ndim != 1:
        raise ValueError("Sample weights must be 1D array or scalar")
    if weight.shape != (n,):
        raise ValueError(f"sample_weight.shape == {weight.shape}, expected {(n,)}!")
    if not np.any(weight):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weight


def resolve_n_init(n_init, init, default, name):
    """scikit-learn's ``n_init='auto'`` (1 for k-means++ and given centres,
    ``default`` otherwise); an explicit array with ``n_init != 1`` warns."""
    given = not isinstance(init, str) and not callable(init)
    if n_init == "auto":
        n_init = 1 if given or init == "k-means++" else default
    if given and n_init != 1:
        warnings.warn(
            "Explicit initial center position passed: performing only one init "
            f"in {name} instead of n_init={n_init}.", RuntimeWarning, stacklevel=3)
        n_init = 1
    return n_init


def uniform_scale(weights):
    """``(weights, c)``: ``(None, c)`` when every weight equals ``c`` (the
    unweighted fit, whose draws are those of no weights, as in
    scikit-learn; its inertia times ``c``), else ``(weights, 1.0)``."""
    if weights is None:
        return None, 1.0
    if np.all(weights == weights[0]):
        return None, float(weights[0])
    return weights, 1.0


def check_centres(X, centres, n_clusters, estimator):
    """Initial centres as a C-contiguous copy in X's dtype, library and
    device, of shape ``(n_clusters, n_features)`` (scikit-learn's messages
    otherwise)."""
    dtype = numpy_dtype(X.dtype)
    if _arrays.foreign_namespace(centres) is not None:
        centres = to_host(centres)
    if isinstance(centres, np.ndarray) and centres.ndim == 2:
        # The common case without check_array's cost (a third of a small fit).
        centres = np.array(centres, dtype=dtype, order="C", copy=True)
        if not np.isfinite(centres).all():
            raise ValueError("Input init contains infinity or NaN.")
    else:
        centres = check_array(centres, dtype=dtype, copy=True, order="C",
                              input_name="init")
    if centres.shape[0] != n_clusters:
        raise ValueError(
            f"The shape of the initial centers {centres.shape} does not match "
            f"the number of clusters {n_clusters}.")
    if centres.shape[1] != X.shape[1]:
        raise ValueError(
            f"The shape of the initial centers {centres.shape} does not match "
            f"the number of features of the data {X.shape[1]}.")
    return _arrays.as_namespace_of(centres, X)


def unchecked(X):
    """Whether validated X's values are still to be checked (inf, NaN) by
    the function it goes to: those of arrays handed over as they are."""
    return _arrays.foreign_namespace(X) is not None


def warn_distinct(labels, n_clusters):
    """scikit-learn's ``ConvergenceWarning`` when fewer clusters than asked
    hold points (duplicate points).  Not for Dask labels: counting them
    would compute them, a pass over the data."""
    if _arrays.is_lazy(labels):
        return
    labels = to_host(labels)
    sizes = np.bincount(np.asarray(labels), minlength=n_clusters)
    distinct = int(np.count_nonzero(sizes))
    if distinct < n_clusters:
        warnings.warn(
            f"Number of distinct clusters ({distinct}) found smaller than "
            f"n_clusters ({n_clusters}). Possibly due to duplicate points in X.",
            ConvergenceWarning, stacklevel=3)


def quiet():
    """A context in which kmeanskit's own warnings about seeding duplicate
    points and empty clusters are silenced: the estimators report that
    situation once, as scikit-learn does (:func:`warn_distinct`)."""
    return silenced("The data has fewer distinct points",
                    "One of the clusters is empty")


def _plain(X):
    """Whether X is what ``validate_data`` would return unchanged: a finite,
    C-contiguous 2-D float64/float32 NumPy array without feature names.

    Such input skips ``validate_data`` (most of a small fit's overhead);
    anything else takes it, with its conversions, checks and messages.  A
    finite sum implies finite entries (an inf or NaN makes the sum inf or
    NaN); a sum that overflows merely takes the checked path.
    """
    if type(X) is not np.ndarray or X.ndim != 2 or X.dtype not in DTYPES \
            or not X.flags.c_contiguous or X.shape[0] < 1 or X.shape[1] < 1:
        return False
    if get_config().get("array_api_dispatch"):
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.sum(X)))


class ClusterEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                       ClusterMixin, BaseEstimator):
    """The methods every centroid estimator shares (fit is each one's own).

    A subclass sets ``cluster_centers_`` (and ``_n_features_out``) in
    ``fit`` and may override :meth:`_assign` (its nearest-centre rule) and
    :meth:`_transform` (its distances).
    """

    _params = {}
    _accept_sparse = "csr"
    """What ``validate_data`` accepts as sparse input: "csr" (any scipy.sparse
    matrix or array, converted to CSR) where the fitting function takes
    sparse data; False (scikit-learn's ``TypeError`` naming the estimator)
    where it does not."""

    _array_api = True
    """Whether fit takes Dask arrays and, under scikit-learn's
    ``array_api_dispatch``, other Array API arrays as they are (see
    :mod:`._arrays`)."""

    def _validate_fit(self, X, *, reset=True):
        check_params(self)
        foreign = self._foreign(X)
        if foreign is not None:
            return _arrays.check_foreign(self, X, foreign, reset=reset)
        if _plain(X) and (reset or self._known_width(X)):
            if reset:
                self.n_features_in_ = X.shape[1]
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            return X
        return validate_data(self, X, accept_sparse=self._accept_sparse, dtype=DTYPES,
                             order="C", reset=reset)

    def _check_test_data(self, X):
        check_is_fitted(self)
        foreign = self._foreign(X)
        if foreign is not None:
            return _arrays.check_foreign(self, X, foreign, reset=False)
        if _plain(X) and self._known_width(X):
            return X
        return validate_data(self, X, accept_sparse=self._accept_sparse, dtype=DTYPES,
                             order="C", reset=False)

    def _foreign(self, X):
        """X's namespace when X is handed over as it is (else None)."""
        xp = _arrays.foreign_namespace(X)
        if xp is not None and not self._array_api:
            raise TypeError(
                f"{type(self).__name__} takes NumPy arrays, array-likes and pandas "
                f"data, not {type(X).__module__}.{type(X).__name__}: its function "
                "computes on the host (KMeans, MiniBatchKMeans, BisectingKMeans and "
                "SphericalKMeans take Dask and Array API arrays).")
        return xp

    def _centres_like(self, X):
        """``cluster_centers_`` in X's dtype, library and device."""
        host = np.asarray(to_host(self.cluster_centers_), dtype=numpy_dtype(X.dtype))
        return _arrays.as_namespace_of(host, X)

    def _known_width(self, X):
        return (getattr(self, "n_features_in_", None) == X.shape[1]
                and not hasattr(self, "feature_names_in_"))

    def _fit_input(self, X, sample_weight):
        """``(X, weights, scale)`` for ``fit``: validated X with at least
        ``n_clusters`` rows, and its weights as :func:`uniform_scale` gives them."""
        X = self._validate_fit(X)
        self._check_n_samples(X)
        return (X, *uniform_scale(check_sample_weight(sample_weight, X)))

    def _store(self, centres, labels, inertia, n_iter=None):
        """The fitted attributes every estimator has (centres in NumPy for
        Dask data, see :func:`._arrays.fitted_centres`)."""
        self.cluster_centers_ = np.asarray(to_host(centres)) \
            if _arrays.is_lazy(centres) else centres
        self._n_features_out = self.n_clusters
        self.labels_ = labels
        self.inertia_ = float(inertia)
        if n_iter is not None:
            self.n_iter_ = int(n_iter)
        return self

    def _check_n_samples(self, X):
        if X.shape[0] < self.n_clusters:
            raise ValueError(
                f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")

    def _assign(self, X):
        """(labels, cost) of the rows of validated X: the nearest centre and
        each row's term of the objective (here the squared distance), in
        X's library."""
        labels, dist = vq(X, self._centres_like(X), check_finite=unchecked(X),
                          workers=getattr(self, "workers", None))
        if _arrays.foreign_namespace(X) is None:
            return labels, np.asarray(dist, dtype=np.float64) ** 2
        return labels, dist * dist

    def _transform(self, X):
        if _arrays.foreign_namespace(X) is not None:
            return _arrays.euclidean_distances(X, self._centres_like(X))
        return euclidean_distances(X, self.cluster_centers_)

    @fill_doc
    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit, then return the cluster of each sample.

        {{fit_parameters}}

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the cluster each sample belongs to.
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    @fill_doc
    def predict(self, X):
        """Index of the nearest cluster centre of each sample.

        {{new_data}}

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the cluster each sample belongs to (int32).
        """
        X = self._check_test_data(X)
        labels = self._assign(X)[0]
        if _arrays.foreign_namespace(X) is not None:
            return labels  # int32 in X's library (lazy for Dask)
        return np.asarray(labels, dtype=np.int32)

    @fill_doc
    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit, then return the distance of each sample to every centre.

        {{fit_parameters}}

        {{distances}}
        """
        self.fit(X, sample_weight=sample_weight)
        return self._transform(self._check_test_data(X))

    @fill_doc
    def transform(self, X):
        """Distance of each sample to every cluster centre.

        {{new_data}}

        {{distances}}
        """
        return self._transform(self._check_test_data(X))

    @fill_doc
    def score(self, X, y=None, sample_weight=None):
        """Opposite of the (weighted) objective of X against the centres.

        {{new_data}}
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each observation.

        Returns
        -------
        score : float
            Minus the weighted sum of squared distances to the nearest
            centre (for k-means; each variant its own objective).
        """
        X = self._check_test_data(X)
        weight = _arrays.as_namespace_of(check_sample_weight(sample_weight, X), X)
        cost = self._assign(X)[1]
        if weight is not None:
            cost = cost * weight
        xp = _arrays.foreign_namespace(X)
        return -float(np.sum(cost) if xp is None else xp.sum(cost))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accept_sparse is not False
        return tags


class LloydEstimator(ClusterEstimator):
    """An estimator fitted by one call of a Lloyd-style function (KMeans and
    its variants): `fit` is this one; a subclass gives :meth:`_fit_checked`,
    the call on checked input."""

    def _fit_checked(self, X, weights):
        """``(centres, labels, info)`` of validated X and its weights."""
        raise NotImplementedError

    @fill_doc
    def fit(self, X, y=None, sample_weight=None):
        """Compute the clustering (the weights are also used by the seeding).

        {{fit_parameters}}

        {{fitted_self}}
        """
        X, weights, scale = self._fit_input(X, sample_weight)
        centres, labels, info = self._fit_checked(X, weights)
        warn_distinct(labels, self.n_clusters)
        return self._store(centres, labels, scale * info.inertia, info.n_iter)
