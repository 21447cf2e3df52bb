"""Per-cluster statistics of a partition, computed once and shared.

Every partition metric (inertia, Calinski-Harabasz, Davies-Bouldin, BIC,
AIC, the simplified silhouette) is a small function of a few per-cluster
sums.  :func:`cluster_stats` computes them in two chunked sweeps over the
data, in the data's own array library and on its device: the first gives
counts and means, the second the squared and plain distances of each row to
its cluster's mean.  Only k-sized results come to the host, in float64.

The sweeps are written in the Array API standard (through array-api-compat),
so they run unchanged on NumPy, PyTorch, array-api-strict, JAX, CuPy and on
the arrays any future engine hands over.
"""

from dataclasses import dataclass

import numpy as np

from .._backends._arrays import chunks, has_float64, numpy_dtype, to_host
from .._backends._engines.portable import DEFAULT_TILE_ELEMENTS
from .._base._validate import per_observation

__all__ = ["ClusterStats", "Labels", "cluster_stats", "encode_labels",
           "namespace", "rows_per_chunk"]


def namespace(x):
    """``(xp, device)`` of array ``x`` (array-api-compat's namespace)."""
    import array_api_compat as compat

    return compat.array_namespace(x), compat.device(x)


def _accumulator(xp, device):
    return xp.float64 if has_float64(xp, device) else xp.float32


def rows_per_chunk(n, per_row, tile_elements=DEFAULT_TILE_ELEMENTS):
    """Rows of a chunk whose temporaries hold about ``tile_elements`` values."""
    return max(1, min(n, tile_elements // max(1, per_row)))


@dataclass(frozen=True)
class Labels:
    """A partition's labels, encoded as ``0 .. k-1`` in order of the
    distinct values (as scikit-learn's ``LabelEncoder`` does)."""

    codes: np.ndarray
    """(n,) int32 codes on the host."""
    values: np.ndarray
    """(k,) the distinct label values, sorted."""

    @property
    def k(self):
        return int(self.values.shape[0])

    def counts(self):
        return np.bincount(self.codes, minlength=self.k).astype(np.float64)


def encode_labels(labels, n, name="labels"):
    """Validate host array ``labels`` for ``n`` rows and encode it."""
    labels = per_observation(labels, n, name, "label", "iub", "integer cluster labels")
    values, codes = np.unique(labels, return_inverse=True)
    return Labels(codes.reshape(-1).astype(np.int32), values)


@dataclass(frozen=True)
class ClusterStats:
    """What the partition metrics need, per cluster, in float64."""

    counts: np.ndarray
    """(k,) rows in each cluster."""
    centroids: np.ndarray
    """(k, d) mean of each cluster."""
    within: np.ndarray
    """(k,) sum of squared distances from the rows to their cluster's mean."""
    spread: np.ndarray
    """(k,) sum of (plain) distances from the rows to their cluster's mean."""

    @property
    def n(self):
        return float(np.sum(self.counts))

    @property
    def k(self):
        return int(self.counts.shape[0])

    @property
    def d(self):
        return int(self.centroids.shape[1])

    @property
    def inertia(self):
        """Within-cluster sum of squares, summed over clusters."""
        return float(np.sum(self.within))

    @property
    def mean(self):
        """Mean of all rows."""
        return (self.counts @ self.centroids) / self.n


def cluster_stats(x, labels):
    """:class:`ClusterStats` of data ``x`` (n, d; any Array API library)
    partitioned by :class:`Labels` ``labels``."""
    xp, device = namespace(x)
    acc = _accumulator(xp, device)
    n, d = x.shape
    k = labels.k
    codes = xp.asarray(labels.codes, device=device)
    rows = rows_per_chunk(n, 2 * (k + d))
    sums = np.zeros((k, d))
    for start, stop in chunks(n, rows):
        member = _one_hot(xp, codes[start:stop], k, acc)
        sums += to_host(xp.matmul(member.T, xp.astype(x[start:stop, ...], acc)))
    counts = labels.counts()
    centroids = sums / np.maximum(counts, 1.0)[:, np.newaxis]
    centres = xp.asarray(np.ascontiguousarray(centroids, dtype=numpy_dtype(acc)),
                         device=device)
    within, spread = np.zeros(k), np.zeros(k)
    for start, stop in chunks(n, rows):
        part = codes[start:stop]
        diff = xp.astype(x[start:stop, ...], acc) - xp.take(centres, part, axis=0)
        sq = xp.sum(diff * diff, axis=1)
        member = _one_hot(xp, part, k, acc)
        within += to_host(xp.matmul(xp.expand_dims(sq, axis=0), member))[0]
        spread += to_host(xp.matmul(xp.expand_dims(xp.sqrt(sq), axis=0), member))[0]
    return ClusterStats(counts, centroids, within, spread)


def _one_hot(xp, codes, k, dtype):
    """(rows, k) membership matrix of ``codes`` in ``dtype``."""
    import array_api_extra as xpx

    return xpx.one_hot(codes, k, dtype=dtype, xp=xp)
