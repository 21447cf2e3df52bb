"""One Lloyd iteration through the compiled engine (no Python loop around it).

This is the kernel the speed targets are about: assign every row, accumulate
per-cluster sums, counts and the inertia in one sweep.  It calls the engine
directly, so it shows the kernel's cost without ``kmeans2``'s validation and
per-call overhead (compare with ``kmeans2.KMeans2`` divided by its iterations).
"""

from .common import Benchmark, MemoryBenchmark, n_cpus, peak_extra_bytes


def _engine(workers=None):
    try:
        from kmeanskit._backends._engines.compiled import CompiledEngine
    except ImportError as exc:  # the engine moved or is not built
        raise NotImplementedError(f"no compiled engine: {exc}") from None
    if workers is None:
        return CompiledEngine()
    return CompiledEngine(n_threads=n_cpus() if workers == -1 else int(workers))


class LloydPass(Benchmark):
    def setup(self, case, dtype, workers):
        self.engine = _engine(workers)
        self.make(case, dtype)

    def time_lloyd_pass(self, case, dtype, workers):
        self.engine.lloyd_pass(self.x, self.c)


class LloydPassMemory(MemoryBenchmark):
    def setup(self, case, dtype):
        self.engine = _engine()
        self.make(case, dtype)

    def peakmem_lloyd_pass(self, case, dtype):
        self.engine.lloyd_pass(self.x, self.c)

    def track_extra_mem_lloyd_pass(self, case, dtype):
        """Memory one pass adds on top of the data (MB)."""
        return peak_extra_bytes(self.engine.lloyd_pass, self.x, self.c) / 1e6

    track_extra_mem_lloyd_pass.unit = "MB"
