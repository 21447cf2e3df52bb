"""The partition statistics and silhouette distances of scipy.sparse data.

The sparse counterparts of :func:`kmeanskit._core._partition.cluster_stats`
and of the silhouette's distance sums: cluster sums from one sparse product
with the (k, n) membership matrix, each row's distance to its cluster's mean
from the CSR kernels (exact over the row's non-zeros), and row-to-row
distances by the identity |a - b|^2 = |a|^2 + |b|^2 - 2 a.b on blocks of
query rows (one block x n dense tile at a time, never the data densified).
"""

import numpy as np
from scipy import sparse

from .._backends._engines import get_engine

__all__ = ["sparse_centroid_distances", "sparse_cluster_parts",
           "sparse_distance_sums"]

TILE_ELEMENTS = 1 << 22
"""Values of one dense query-block x n (or x k) distance tile."""


def _membership(codes, k):
    """(n, k) sparse float64 one-hot matrix of ``codes``."""
    n = codes.shape[0]
    return sparse.csr_array((np.ones(n), (np.arange(n), codes)), shape=(n, k))


def sparse_cluster_parts(x, labels):
    """``(counts, centroids, within, spread)`` of CSR ``x`` partitioned by
    ``labels`` (a :class:`~kmeanskit._core._partition.Labels`): the fields
    of :class:`~kmeanskit._core._partition.ClusterStats`."""
    counts = labels.counts()
    member = _membership(labels.codes, labels.k)
    sums = np.asarray((member.T @ x.astype(np.float64)).toarray())
    centroids = sums / np.maximum(counts, 1.0)[:, np.newaxis]
    sq = get_engine(sparse=True).labelled_sqdist(
        x, centroids.astype(x.dtype), labels.codes)
    within = np.bincount(labels.codes, weights=sq, minlength=labels.k)
    spread = np.bincount(labels.codes, weights=np.sqrt(sq), minlength=labels.k)
    return counts, centroids, within, spread


def _rows_per_block(per_row):
    return max(1, TILE_ELEMENTS // max(1, per_row))


def _squared_norms(a):
    a = a.astype(np.float64)
    return np.asarray(a.multiply(a).sum(axis=1)).ravel()


def _distances(query, qnorm, other, onorm):
    """Dense (m, p) distances between the rows of sparse ``query`` and of
    ``other`` (sparse or dense), by the identity, clipped at 0."""
    products = query @ other.T
    products = products.toarray() if sparse.issparse(products) else np.asarray(products)
    sq = qnorm[:, np.newaxis] + onorm[np.newaxis, :] - 2.0 * products
    return np.sqrt(np.maximum(sq, 0.0, out=sq), out=sq)


def sparse_distance_sums(x, labels, rows=None):
    """(m, k) float64: sum of distances from each query row (``rows``,
    default all) of CSR ``x`` to the rows of each cluster."""
    data = x.astype(np.float64)
    norms = _squared_norms(data)
    query = data if rows is None else data[np.asarray(rows)]
    qnorm = norms if rows is None else norms[np.asarray(rows)]
    member = _membership(labels.codes, labels.k)
    m, n = query.shape[0], data.shape[0]
    out = np.empty((m, labels.k))
    step = _rows_per_block(n)
    for start in range(0, m, step):
        stop = min(start + step, m)
        dist = _distances(query[start:stop], qnorm[start:stop], data, norms)
        out[start:stop] = np.asarray(member.T @ dist.T).T
    return out


def sparse_centroid_distances(x, centroids, rows=None):
    """(m, k) float64 distances from the (query) rows of CSR ``x`` to the
    dense ``centroids``."""
    data = x.astype(np.float64)
    query = data if rows is None else data[np.asarray(rows)]
    centres = np.asarray(centroids, dtype=np.float64)
    cnorm = np.einsum("ij,ij->i", centres, centres)
    m = query.shape[0]
    out = np.empty((m, centres.shape[0]))
    step = _rows_per_block(centres.shape[0])
    qnorm = _squared_norms(query)
    for start in range(0, m, step):
        stop = min(start + step, m)
        out[start:stop] = _distances(query[start:stop], qnorm[start:stop],
                                     centres, cnorm)
    return out
