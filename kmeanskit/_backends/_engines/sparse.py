"""The compiled engine on scipy.sparse CSR data: the kernels of ``_sparse``.

The data ``x`` is a canonical-or-not CSR matrix or array of float32/float64
values (the sparse route makes it so); centres, sums and counts stay dense
NumPy arrays, as for dense data.  Nothing here densifies the data: rows
handed to seeding (``take``) are the few rows asked for, and the only dense
n-by-d result (``to_host``) is reached by ``minit='random'`` on data the
public functions have checked to be small.
"""

import numpy as np
import scipy.sparse as sp

from ..._ext import _sparse
from .._sparse_data import RANDOM_MAX_FEATURES
from ._interface import BoundsState, PassResult, spread_dof
from .compiled import CompiledEngine, hamerly_geometry

__all__ = ["SparseEngine"]


def _csr_parts(x):
    """(data, indices, indptr, d) of CSR ``x``, as the kernels take them."""
    return x.data, x.indices, x.indptr, x.shape[1]


class SparseEngine(CompiledEngine):
    """Engine over scipy.sparse CSR data (float32/float64 values, int32 or
    int64 indices); the dense helpers of :class:`CompiledEngine` (empty-cluster
    repair, the Hamerly geometry) are shared.

    Parameters
    ----------
    n_threads : int, optional
        OpenMP threads for the kernels; results do not depend on it.
    """

    name = "compiled"
    max_spread_features = RANDOM_MAX_FEATURES

    def __init__(self, n_threads=None):
        super().__init__(n_threads=n_threads)

    @staticmethod
    def _centres(x, c):
        """The centres transposed (d, k) in the data dtype, and their squared
        norms in float64 (of the rounded centres the kernels read)."""
        c = np.asarray(c, dtype=x.dtype)
        c64 = c.astype(np.float64)
        return np.ascontiguousarray(c.T), np.einsum("ij,ij->i", c64, c64)

    def assign(self, x, c):
        ct, cnorm = self._centres(x, c)
        labels = np.empty(x.shape[0], dtype=np.int32)
        sqdist = np.empty(x.shape[0], dtype=x.dtype)
        _sparse.assign(*_csr_parts(x), ct, cnorm, labels, sqdist, self.n_threads)
        return labels, sqdist

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False):
        ct, cnorm = self._centres(x, c)
        # The accumulation reads the labels: they are always computed.
        sums, counts, _ = self._pass_outputs(x.shape[0], c, False)
        labels = np.empty(x.shape[0], dtype=np.int32)
        inertia, distance_sum = _sparse.lloyd_pass(
            *_csr_parts(x), ct, cnorm, weights, labels, sums, counts,
            self.n_threads)
        return PassResult(sums, counts, inertia, distance_sum,
                          labels if return_labels else None)

    def lloyd_iterations(self, x, c, n_iter, weights=None, *, return_labels=False):
        """``n_iter`` passes and mean updates (see ``CompiledEngine``); from
        Python, as a pass over sparse data costs far more than the call."""
        centres = np.array(c, dtype=x.dtype, order="C", copy=True)
        empty_passes = 0
        for _ in range(int(n_iter)):
            result = self.lloyd_pass(x, centres, weights, return_labels=return_labels)
            full = result.counts > 0
            centres[full] = result.sums[full] / result.counts[full, np.newaxis]
            empty_passes += not full.all()
        return centres, result, empty_passes

    def start_bounds(self, x, n_groups=1):
        # Hamerly's bounds whatever n_groups asks: the CSR kernels have no
        # group scan (same labels either way).
        n = x.shape[0]
        return BoundsState(np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.float64))

    def _bounded_pass(self, x, c, state, weights, return_labels):
        # (CompiledEngine.bounded_pass holds BLAS to one thread around this.)
        c = np.asarray(c, dtype=x.dtype)
        ct, cnorm = self._centres(x, c)
        centres64 = c.astype(np.float64)
        initial = state.centres is None or state.centres.shape != c.shape
        half_sep, other_shift = hamerly_geometry(
            centres64, None if initial else state.centres)
        sums, counts, _ = self._pass_outputs(x.shape[0], c, False)
        inertia, distance_sum, state.n_scans = _sparse.hamerly_pass(
            *_csr_parts(x), ct, cnorm, half_sep, other_shift, weights,
            state.labels, state.lower, sums, counts, initial, self.n_threads)
        state.centres = centres64
        labels = state.labels.copy() if return_labels else None
        return PassResult(sums, counts, inertia, distance_sum, labels)

    def min_sqdist(self, x, c, current=None):
        ct, cnorm = self._centres(x, c)
        if current is None:
            current = np.full(x.shape[0], np.inf, dtype=np.float64)
        _sparse.min_sqdist(*_csr_parts(x), ct, cnorm, current, self.n_threads)
        return current

    def labelled_sqdist(self, x, c, labels):
        """(n,) float64 squared distance from each row to its centre
        ``c[labels[i]]`` (a given partition, not the nearest centre)."""
        ct, cnorm = self._centres(x, c)
        out = np.empty(x.shape[0], dtype=np.float64)
        _sparse.labelled_sqdist(*_csr_parts(x), ct, cnorm,
                                np.ascontiguousarray(labels, dtype=np.int32), out,
                                self.n_threads)
        return out

    def candidate_potentials(self, x, candidates, current, weights=None):
        # One min_sqdist sweep per candidate (the base class's way): a sparse
        # sweep is O(nnz), so there is no tile to share between candidates.
        return super(CompiledEngine, self).candidate_potentials(
            x, candidates, current, weights)

    # -- host helpers (seeding) ----------------------------------------------

    def take(self, x, index):
        """Rows ``index`` as a dense (m, d) array of the data dtype."""
        return x[np.asarray(index, dtype=np.intp)].toarray()

    def take_batch(self, x, index):
        """Rows ``index`` as a CSR matrix (a mini-batch stays sparse)."""
        return x[np.asarray(index, dtype=np.intp)]

    def to_host(self, x):
        """The data as a dense array (only for small data: see the module)."""
        return x.toarray()

    def moments(self, x, spread=None, weights=None):
        """See :meth:`EngineBase.moments`; from sparse products (the centred
        data is never formed: cov = (X^T W X - W mu mu^T) / dof)."""
        w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, np.float64)
        total = float(w.sum())
        x64 = x.astype(np.float64)
        mean = np.asarray(x64.T @ w).ravel() / total
        if spread is None:
            return mean, None
        dof = spread_dof(total)
        if spread == "var":
            column = np.asarray(x64[:, [0]].toarray()).ravel() - mean[0]
            return mean, float(w @ (column * column) / dof)
        scatter = np.asarray((x64.T @ (sp.diags(w) @ x64)).toarray())
        cov = (scatter - total * np.outer(mean, mean)) / dof
        return mean, np.atleast_2d(cov)
