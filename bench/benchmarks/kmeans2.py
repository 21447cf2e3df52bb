"""``kmeanskit.kmeans2`` end to end: 20 iterations from fixed initial centres.

``minit='matrix'`` with k-means++ centres (fixed seed), so every commit runs
the same 20 iterations on the same data; per-call overhead (validation,
thread set-up, result conversion) is included.
"""

import warnings

import kmeanskit

from .common import (
    CASES,
    DTYPES,
    WORKERS,
    Benchmark,
    MemoryBenchmark,
    call_kwargs,
    inertia_f64,
    peak_extra_bytes,
)

ITERATIONS = 20
ALGORITHMS = ("lloyd", "hamerly", "auto")


class _Run:
    def _run(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty cluster is not our concern here
            return kmeanskit.kmeans2(
                self.x, self.c, iter=ITERATIONS, minit="matrix", **self.kwargs
            )


class KMeans2(_Run, Benchmark):
    params = [list(CASES), list(DTYPES), list(WORKERS), list(ALGORITHMS)]
    param_names = ["case", "dtype", "workers", "algorithm"]

    def setup(self, case, dtype, workers, algorithm):
        self.kwargs = call_kwargs(
            kmeanskit.kmeans2, workers=workers, algorithm=algorithm
        )
        self.make(case, dtype)

    def time_kmeans2(self, case, dtype, workers, algorithm):
        self._run()


class KMeans2Memory(_Run, MemoryBenchmark):
    params = [list(CASES), list(DTYPES), list(ALGORITHMS)]
    param_names = ["case", "dtype", "algorithm"]

    def setup(self, case, dtype, algorithm):
        self.kwargs = call_kwargs(kmeanskit.kmeans2, algorithm=algorithm)
        self.make(case, dtype)

    def peakmem_kmeans2(self, case, dtype, algorithm):
        self._run()

    def track_extra_mem_kmeans2(self, case, dtype, algorithm):
        """Memory a whole call adds on top of the data (MB)."""
        return peak_extra_bytes(self._run) / 1e6

    track_extra_mem_kmeans2.unit = "MB"

    def track_inertia(self, case, dtype, algorithm):
        """Final inertia, recomputed in float64 from the returned centres.

        Constant from commit to commit unless the answer changed; it must not
        depend on `algorithm` (Hamerly's bounds only skip work).
        """
        centres, _ = self._run()
        return inertia_f64(self.x, centres)

    track_inertia.unit = "sum of squares"
