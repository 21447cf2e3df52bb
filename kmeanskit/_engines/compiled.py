"""The compiled engine: NumPy arrays through the Cython kernels."""

import numpy as np

from .. import _kernels
from .._threads import default_n_threads
from . import PassResult

__all__ = ["CompiledEngine"]


class CompiledEngine:
    """Engine over C-contiguous float32/float64 NumPy arrays.

    Parameters
    ----------
    n_threads : int, optional
        OpenMP threads for the kernels; default: OpenMP's default.  Results do
        not depend on it.
    """

    name = "compiled"

    def __init__(self, n_threads=None):
        self.n_threads = default_n_threads() if n_threads is None else int(n_threads)

    @staticmethod
    def _centres_like(x, c):
        # Centres are small: casting them to the data dtype is free, and the
        # fused-type kernels need both arguments of one dtype.
        return np.ascontiguousarray(c, dtype=x.dtype)

    def assign(self, x, c):
        c = self._centres_like(x, c)
        labels = np.empty(x.shape[0], dtype=np.int32)
        sqdist = np.empty(x.shape[0], dtype=x.dtype)
        _kernels.assign(x, c, labels, sqdist, self.n_threads)
        return labels, sqdist

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False):
        c = self._centres_like(x, c)
        k, d = c.shape
        sums = np.empty((k, d), dtype=np.float64)
        counts = np.empty(k, dtype=np.float64)
        labels = np.empty(x.shape[0], dtype=np.int32) if return_labels else None
        inertia, distance_sum = _kernels.lloyd_pass(
            x, c, weights, sums, counts, labels, self.n_threads
        )
        return PassResult(sums, counts, inertia, distance_sum, labels)

    def min_sqdist(self, x, c, current=None):
        c = self._centres_like(x, c)
        if current is None:
            current = np.full(x.shape[0], np.inf, dtype=np.float64)
        _kernels.min_sqdist(x, c, current, self.n_threads)
        return current
