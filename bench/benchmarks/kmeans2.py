"""``kmeanskit.kmeans2`` end to end: 20 iterations from fixed initial centres.

``minit='matrix'`` with k-means++ centres (fixed seed), so every commit runs
the same 20 iterations on the same data; per-call overhead (validation,
thread set-up, result conversion) is included.
"""

import warnings

import numpy as np

import kmeanskit

from .common import CASES, DTYPES, WORKERS, Benchmark, call_kwargs, peak_extra_bytes

ITERATIONS = 20
ALGORITHMS = ("lloyd", "hamerly")


def _inertia(x, centres, block=1 << 15):
    """Sum of squared distances to the nearest centre, in float64.

    Assigned with NumPy alone (GEMM identity on row blocks), then measured by
    direct differences, so it does not trust the code being benchmarked.
    """
    c = np.asarray(centres, dtype=np.float64)
    c_sq = np.einsum("ij,ij->i", c, c)
    total = 0.0
    for start in range(0, x.shape[0], block):
        rows = np.asarray(x[start:start + block], dtype=np.float64)
        nearest = np.argmin(c_sq - 2.0 * rows @ c.T, axis=1)
        diff = rows - c[nearest]
        total += float(np.einsum("ij,ij->", diff, diff))
    return total


class KMeans2(Benchmark):
    params = [list(CASES), list(DTYPES), list(WORKERS), list(ALGORITHMS)]
    param_names = ["case", "dtype", "workers", "algorithm"]

    def setup(self, case, dtype, workers, algorithm):
        self.kwargs = call_kwargs(kmeanskit.kmeans2, workers=workers, algorithm=algorithm)
        self.make(case, dtype)

    def _run(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty cluster is not our concern here
            return kmeanskit.kmeans2(self.x, self.c, iter=ITERATIONS, minit="matrix",
                                     **self.kwargs)

    def time_kmeans2(self, case, dtype, workers, algorithm):
        self._run()

    def peakmem_kmeans2(self, case, dtype, workers, algorithm):
        self._run()

    def track_extra_mem_kmeans2(self, case, dtype, workers, algorithm):
        """Memory a whole call adds on top of the data (MB)."""
        self._run()
        return peak_extra_bytes(self._run) / 1e6

    track_extra_mem_kmeans2.unit = "MB"

    def track_inertia(self, case, dtype, workers, algorithm):
        """Final inertia, recomputed in float64 from the returned centres.

        Constant from commit to commit unless the algorithm's answer changed;
        it also must not depend on `workers` or `algorithm`.
        """
        centres, _ = self._run()
        return _inertia(self.x, centres)

    track_inertia.unit = "sum of squares"
