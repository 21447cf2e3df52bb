"""``kmeans_plusplus``: scikit-learn's seeding function on
:func:`kmeanskit.kpp_init`."""

import numpy as np
from scipy import sparse
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils.validation import check_array

from .. import kpp_init, vq
from . import _base

__all__ = ["kmeans_plusplus"]


def kmeans_plusplus(X, n_clusters, *, sample_weight=None, x_squared_norms=None,
                    random_state=None, n_local_trials=None):
    """Initial centres by greedy k-means++ (scikit-learn's ``kmeans_plusplus``).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data to pick the centres from.
    n_clusters : int
        Number of centres.
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each observation (a row is drawn as often as its weight's
        worth of copies would be).
    x_squared_norms : array-like of shape (n_samples,), default=None
        Accepted for compatibility and not used: kmeanskit's kernels
        compute what they need.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws (see :class:`~kmeanskit.estimators.KMeans`, Notes).
    n_local_trials : int, default=None
        Candidates per centre after the first; None: ``2 + int(log
        n_clusters)``; 1: plain k-means++.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        The chosen rows of X.
    indices : ndarray of shape (n_clusters,)
        Their row indices: ``X[indices] == centers`` (the first such row
        where X has duplicates).

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.estimators import kmeans_plusplus
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> centers, indices = kmeans_plusplus(X, n_clusters=2, random_state=0)
    >>> bool((X[indices] == centers).all())
    True
    """
    X = check_array(X, accept_sparse="csr", dtype=_base.DTYPES)
    if X.shape[0] < n_clusters:
        raise ValueError(
            f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
    if x_squared_norms is not None and len(x_squared_norms) != X.shape[0]:
        raise ValueError(
            f"The length of x_squared_norms {len(x_squared_norms)} should be equal "
            f"to the length of n_samples {X.shape[0]}.")
    weights, _ = _base.uniform_scale(_base.check_sample_weight(sample_weight, X))
    trials = "auto" if n_local_trials is None else n_local_trials
    centers = kpp_init(X, n_clusters, rng=_base.generator(random_state),
                       n_local_trials=trials, weights=weights, check_finite=False)
    # The centres are copies of rows: the nearest row is at distance 0.
    if sparse.issparse(X):
        indices = pairwise_distances_argmin(centers, X)
    else:
        indices, _ = vq(centers, X, check_finite=False)
    return centers, np.asarray(indices, dtype=np.intp)
