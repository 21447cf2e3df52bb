"""Arrays the estimators hand to kmeanskit's functions as they are.

scikit-learn's ``validate_data`` turns its input into a NumPy array (or
scipy.sparse matrix): right for lists, pandas and NumPy, wrong for a Dask
array (it would gather the data on the client) and for the arrays of other
libraries when scikit-learn's ``array_api_dispatch`` is on (their results
must stay in that library, on that device).  Those arrays skip
``validate_data``: this module checks their shape and dtype with
scikit-learn's messages, and the fitting functions, which take every Array
API library and Dask, check their values (``check_finite=True``) within
their own passes.
"""

import array_api_compat as compat
import numpy as np
from scipy import sparse
from sklearn import get_config

from .._backends._arrays import to_host

__all__ = ["as_namespace_of", "check_foreign", "cluster_weights", "euclidean_distances",
           "fitted_centres", "foreign_namespace", "is_lazy", "mean_variance",
           "unit_rows"]


def foreign_namespace(X):
    """The Array API namespace of ``X`` when it is handed over as it is (a
    Dask array always; another library's array under ``array_api_dispatch``),
    else None (``validate_data`` converts it to NumPy)."""
    if isinstance(X, np.ndarray) or sparse.issparse(X):
        return None
    if not compat.is_array_api_obj(X):
        return None
    if compat.is_dask_array(X) or get_config().get("array_api_dispatch"):
        return compat.array_namespace(X)
    return None


def check_foreign(estimator, X, xp, *, reset):
    """``X`` as a 2-D float32/float64 array of namespace ``xp`` with the
    fitted number of features (set when ``reset``); scikit-learn's messages.

    Integer and boolean data become float64, as ``validate_data`` converts
    them; the values are not read here.
    """
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead. Reshape your data "
            "either using array.reshape(-1, 1) if your data has a single feature "
            "or array.reshape(1, -1) if it contains a single sample.")
    if not xp.isdtype(X.dtype, "real floating"):
        if not xp.isdtype(X.dtype, ("integral", "bool")):
            raise ValueError(f"dtype='numeric' is not compatible with arrays of "
                             f"{X.dtype}: kmeanskit needs real numbers.")
        X = xp.astype(X, xp.float64)
    elif X.dtype not in (xp.float32, xp.float64):
        X = xp.astype(X, xp.float32)  # float16 is computed in float32
    n_features = X.shape[1]
    if n_features == 0:
        raise ValueError(f"0 feature(s) (shape={tuple(X.shape)}) while a minimum "
                         "of 1 is required.")
    if reset:
        estimator.n_features_in_ = n_features
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input.")
    return X


def as_namespace_of(a, X):
    """NumPy array ``a`` in ``X``'s library and on its device, for X handed
    over as it is (data validate_data made NumPy or sparse takes NumPy
    arrays as they are).  For Dask, one value per row of X is chunked as
    X's rows, anything else (centres) is one chunk."""
    if a is None or foreign_namespace(X) is None:
        return a
    if compat.is_dask_array(X):
        import dask.array as da

        per_row = a.ndim == 1 and a.shape[0] == X.shape[0]
        return da.from_array(a, chunks=(X.chunks[0],) if per_row else a.shape)
    xp = compat.array_namespace(X)
    return xp.asarray(a, device=compat.device(X))


def fitted_centres(a, X):
    """Fitted centres (a NumPy array or the function's result) as stored:
    in X's library and on its device, NumPy for Dask data (k rows, computed
    anyway, as dask-ml keeps them)."""
    if compat.is_dask_array(X) or is_lazy(a):
        return np.asarray(to_host(a))
    return as_namespace_of(to_host(a), X) if foreign_namespace(X) is not None else a


def is_lazy(a):
    """Whether ``a`` is a Dask array (its values are not computed here)."""
    return compat.is_dask_array(a)


def euclidean_distances(X, centres):
    """Distances of X's rows to ``centres`` (both of one namespace), by
    ``|x|^2 - 2 x.c + |c|^2`` clipped at 0 (lazy for Dask)."""
    xp = compat.array_namespace(X)
    squares = (xp.sum(X * X, axis=1)[:, None] - 2 * (X @ centres.T)
               + xp.sum(centres * centres, axis=1)[None, :])
    return xp.sqrt(xp.where(squares > 0, squares, 0))


def unit_rows(X):
    """X's rows divided by their lengths (all-zero rows stay zero)."""
    xp = compat.array_namespace(X)
    norms = xp.sqrt(xp.sum(X * X, axis=1))[:, None]
    return X / xp.where(norms > 0, norms, 1)


def cluster_weights(labels, weights, n_clusters):
    """Total weight (or count) of each cluster as a float64 NumPy array;
    Dask labels are counted on the workers (k numbers come back)."""
    if is_lazy(labels):
        import dask.array as da

        counts = da.bincount(labels, weights=as_namespace_of(weights, labels),
                             minlength=n_clusters)
        return np.asarray(counts.compute(), dtype=np.float64)
    return np.bincount(to_host(labels), weights=weights,
                       minlength=n_clusters).astype(np.float64)


def mean_variance(X, weights=None):
    """Mean over features of the (weighted) population variance of X (an
    array of any namespace: its own operations, a float back)."""
    xp = compat.array_namespace(X)
    if weights is None:
        mean = xp.mean(X, axis=0)
        return float(xp.mean((X - mean) ** 2))
    w = xp.astype(as_namespace_of(np.asarray(weights, dtype=np.float64), X), X.dtype)
    total = xp.sum(w)
    mean = xp.sum(w[:, None] * X, axis=0) / total
    return float(xp.sum(w[:, None] * (X - mean) ** 2) / (total * X.shape[1]))
