"""``kmeanskit.vq``: assign every observation to its nearest code."""

import kmeanskit

from .common import Benchmark, MemoryBenchmark, call_kwargs, peak_extra_bytes


class VQ(Benchmark):
    """One assignment of the whole data set (labels and distances returned)."""

    def setup(self, case, dtype, workers):
        self.kwargs = call_kwargs(kmeanskit.vq, workers=workers)
        self.make(case, dtype)

    def time_vq(self, case, dtype, workers):
        kmeanskit.vq(self.x, self.c, **self.kwargs)


class VQMemory(MemoryBenchmark):
    def setup(self, case, dtype):
        self.make(case, dtype)

    def peakmem_vq(self, case, dtype):
        kmeanskit.vq(self.x, self.c)

    def track_extra_mem_vq(self, case, dtype):
        """Memory the call adds on top of the data, outputs included (MB)."""
        return peak_extra_bytes(kmeanskit.vq, self.x, self.c) / 1e6

    track_extra_mem_vq.unit = "MB"
