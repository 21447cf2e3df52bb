"""``algorithm=``: plain Lloyd, Hamerly's bounds and 'auto' on separated and
on overlapping clusters.

The cases of the other benchmarks are overlapping mixtures, where bounds
cannot prune; here the same shape also comes as well separated blobs, where
they skip most distance computations.  'auto' should track the faster of the
two in both.
"""

import numpy as np

import kmeanskit

from .common import FULL, SEED, Benchmark, call_kwargs

N = 200_000 if FULL else 20_000
D, K = 16, 128
ITERATIONS = 20
LAYOUTS = ("separated", "overlapping")


def make_blobs(layout, n=N, d=D, k=K, seed=SEED):
    """k spherical unit-variance blobs whose centres are uniform in a box:
    100 wide (separated) or 2 wide (overlapping)."""
    rng = np.random.default_rng([seed, n, d, k])
    half_width = 50.0 if layout == "separated" else 1.0
    means = rng.uniform(-half_width, half_width, size=(k, d))
    return means[rng.integers(k, size=n)] + rng.standard_normal((n, d))


class Algorithms(Benchmark):
    params = [list(LAYOUTS), ["lloyd", "hamerly", "auto"]]
    param_names = ["layout", "algorithm"]

    def setup(self, layout, algorithm):
        self.x = make_blobs(layout)
        self.c = kmeanskit.kpp_init(self.x, K, rng=0)
        self.kwargs = call_kwargs(kmeanskit.kmeans2, algorithm=algorithm)

    def time_kmeans2(self, layout, algorithm):
        kmeanskit.kmeans2(self.x, self.c, iter=ITERATIONS, minit="matrix",
                          **self.kwargs)
