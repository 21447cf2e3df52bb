"""``kmeanskit.vq``: assign every observation to its nearest code."""

import kmeanskit

from .common import Benchmark, call_kwargs, peak_extra_bytes


class VQ(Benchmark):
    """One assignment of the whole data set (labels and distances returned)."""

    def setup(self, case, dtype, workers):
        self.kwargs = call_kwargs(kmeanskit.vq, workers=workers)
        self.make(case, dtype)

    def time_vq(self, case, dtype, workers):
        kmeanskit.vq(self.x, self.c, **self.kwargs)

    def peakmem_vq(self, case, dtype, workers):
        kmeanskit.vq(self.x, self.c, **self.kwargs)

    def track_extra_mem_vq(self, case, dtype, workers):
        """Memory the call adds on top of the data (MB), outputs included."""
        kmeanskit.vq(self.x, self.c, **self.kwargs)  # warm: thread pools etc.
        return peak_extra_bytes(kmeanskit.vq, self.x, self.c, **self.kwargs) / 1e6

    track_extra_mem_vq.unit = "MB"
