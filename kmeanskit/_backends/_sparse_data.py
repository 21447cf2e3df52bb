"""scipy.sparse input: what takes it, the CSR form the kernels read, and the
column operations of ``whiten``.

Sparse data goes to the compiled engine as a CSR matrix (or array) of
float32/float64 values with int32 or int64 indices and no duplicate entries.
CSR input that is already so is used as it is; anything else (CSC, COO,
LIL, DOK, BSR, DIA; duplicate entries; mixed index dtypes) is converted once,
into a copy: the caller's matrix is never modified.  Nothing here densifies
the data.
"""

import numpy as np
from scipy import sparse

from .._base import _validate

__all__ = ["RANDOM_MAX_FEATURES", "REFUSED", "SPARSE_FUNCTIONS", "as_csr",
           "check_finite_values", "check_supported", "column_std", "divide_columns",
           "divide_rows", "is_sparse", "row_norms"]

SPARSE_FUNCTIONS = frozenset({
    "whiten", "vq", "kmeans", "kmeans2", "kpp_init", "minibatch_kmeans",
    "minibatch_update", "spherical_kmeans", "bisecting_kmeans", "inertia",
    "calinski_harabasz_score", "davies_bouldin_score", "silhouette_samples",
    "silhouette_score", "kmeans_bic", "kmeans_aic", "choose_k", "stability_study",
})
"""Public functions that take scipy.sparse data."""

REFUSED = {
    "gap_statistic": (
        "its reference data sets are dense uniform draws over the data's "
        "bounding box, as large as the data densified; choose k with "
        "choose_k(..., criterion='silhouette') (or 'calinski_harabasz', "
        "'davies_bouldin', 'elbow'), which take sparse data"),
    "kmedians": (
        "coordinate-wise medians of sparse columns need every column's "
        "sorted values (densifying the clusters); use kmeans2 or "
        "spherical_kmeans, or pass a small matrix densified with .toarray()"),
    "choose_k's gap criterion": (
        "the gap statistic's reference data sets are dense uniform draws as "
        "large as the data densified; leave 'gap' out of criteria (the "
        "default does)"),
    "kmedoids": (
        "k-medoids works on the n x n dissimilarity matrix, dense by nature; "
        "use kmeans2 or spherical_kmeans, or pass a small matrix densified "
        "with .toarray()"),
}
"""Why the other public functions refuse sparse data, and what to use."""

RANDOM_MAX_FEATURES = 4096
"""Most columns for which ``minit='random'`` runs on sparse data: its
Gaussian draws need the d x d covariance (128 MiB of float64 here; 32 GiB
at d = 65 536), or the centred data densified when d > n."""


def is_sparse(a):
    """Whether ``a`` is a scipy.sparse matrix or array."""
    return sparse.issparse(a)


def check_supported(func):
    """``TypeError`` saying why, and what to use, if ``func`` takes no sparse data."""
    if func in SPARSE_FUNCTIONS:
        return
    reason = REFUSED.get(func, "it has no sparse implementation")
    named = func if " " in func else f"{func}()"
    raise TypeError(f"{named} does not take scipy.sparse data: {reason}.")


def as_csr(a, name, *, check_finite, integers="raise"):
    """Validated 2-D sparse ``a`` as the CSR matrix the kernels read.

    float32/float64 values (integers and booleans as ``integers`` says, as
    for dense data), int32 or int64 indices, no duplicate entries, every
    index in range; a copy unless ``a`` already is so.
    """
    if a.ndim != 2:
        _validate.raise_bad_ndim(a, name, 2, 2)
    if a.shape[1] == 0:
        _validate.raise_no_features(a, name)
    dtype = _validate.floating_dtype(a.dtype, name, integers=integers)
    if dtype.kind == "c":
        raise TypeError(
            f"{name} is a complex sparse matrix; k-means needs real values.")
    x = a if a.format == "csr" else a.tocsr()
    if x.indices.dtype != x.indptr.dtype or not all(
            v.flags.c_contiguous for v in (x.data, x.indices, x.indptr)):
        x = _csr_copy(x, x.data, np.int64)
    if x.data.dtype != dtype:
        x = _csr_copy(x, x.data.astype(dtype), x.indices.dtype)
    if not x.has_canonical_format:
        # Duplicate entries are summed (as scipy does) in a copy.
        x = x.copy() if x is a else x
        x.sum_duplicates()
    if x.nnz and (int(x.indices.min()) < 0 or int(x.indices.max()) >= x.shape[1]):
        raise ValueError(f"{name} has column indices outside [0, {x.shape[1]}).")
    if check_finite:
        check_finite_values(x, name)
    return x


def check_finite_values(a, name):
    """Raise the ``ValueError`` of dense data if sparse ``a`` stores an inf
    or a NaN (implicit zeros are finite)."""
    values = a.data if a.format in ("csr", "csc", "coo", "bsr") else a.tocsr().data
    _validate.check_finite_array(values, name)


def _csr_copy(x, data, index_dtype):
    """CSR like ``x`` with values ``data`` and indices of ``index_dtype``
    (contiguous copies), of ``x``'s class (matrix or array)."""
    # Real copies: sorting the result's indices must not sort the caller's.
    return type(x)((np.array(data, order="C"),
                    np.array(x.indices, dtype=index_dtype, order="C"),
                    np.array(x.indptr, dtype=index_dtype, order="C")),
                   shape=x.shape, copy=False)


def _columns(x):
    """Column index of every stored entry of CSR or CSC ``x``."""
    if x.format == "csr":
        return x.indices
    return np.repeat(np.arange(x.shape[1]), np.diff(x.indptr))


def _canonical(a):
    """CSR/CSC ``a`` without duplicate entries (a copy when it had some);
    other formats as a canonical CSR copy."""
    x = a if a.format in ("csr", "csc") else a.tocsr()
    if not x.has_canonical_format:
        x = x.copy() if x is a else x
        x.sum_duplicates()
    return x


def column_std(a):
    """Population standard deviation of each column of sparse ``a`` (float
    values), in ``a``'s dtype, from its stored entries: the implicit zeros
    count through the column means, the data is never densified."""
    x = _canonical(a)
    n, d = x.shape
    cols = _columns(x)
    values = x.data.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    mean = np.bincount(cols, weights=values.real, minlength=d) / n
    if values.dtype.kind == "c":
        mean = mean + 1j * np.bincount(cols, weights=values.imag, minlength=d) / n
    deviation = np.abs(values - mean[cols]) ** 2
    stored = np.bincount(cols, minlength=d)
    squares = np.bincount(cols, weights=deviation, minlength=d) \
        + (n - stored) * np.abs(mean) ** 2
    return np.sqrt(squares / n).astype(np.finfo(x.dtype).dtype)


def divide_columns(a, divisors):
    """Sparse ``a`` with each column divided by ``divisors`` (d,), in ``a``'s
    format and class (a new matrix: ``a`` is not modified)."""
    x = _canonical(a)
    out = x.copy() if x is a else x
    out.data = out.data / divisors.astype(out.dtype)[_columns(out)]
    return out.asformat(a.format)


def row_norms(x):
    """L2 norm of each row of CSR ``x`` (canonical), in its dtype."""
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    squares = np.bincount(rows, weights=x.data.astype(np.float64) ** 2,
                          minlength=x.shape[0])
    return np.sqrt(squares).astype(x.dtype)


def divide_rows(x, divisors):
    """CSR ``x`` (canonical) with each row divided by ``divisors`` (a copy)."""
    out = x.copy()
    out.data = out.data / np.repeat(divisors.astype(x.dtype), np.diff(x.indptr))
    return out
