"""``algorithm=``: plain Lloyd, Hamerly's bounds, Yinyang's group bounds and
'auto' on separated and on overlapping clusters, and with many centres.

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
    params = [list(LAYOUTS), ["lloyd", "hamerly", "yinyang", "auto"]]
    param_names = ["layout", "algorithm"]

    def setup(self, layout, algorithm):
        self.x = make_blobs(layout)
        self.c = kmeanskit.kpp_init(self.x, K, rng=0)
        self.kwargs = call_kwargs(kmeanskit.kmeans2, algorithm=algorithm)

    def time_kmeans2(self, layout, algorithm):
        kmeanskit.kmeans2(self.x, self.c, iter=ITERATIONS, minit="matrix",
                          **self.kwargs)


# --------------------------------------------------------------------------
# Many centres: Hamerly's one bound against Yinyang's group bounds

MANY_CENTRES_N = 200_000 if FULL else 40_000
MANY_CENTRES_CASES = ("blobs:32x256", "blobs:32x1024", "china:3x256",
                      "mixture:64x256")
"""Separated blobs at k = 256 and 1024 (where group bounds should beat one
bound), colour quantisation at k = 256 (real data with structure; three
features leave no room for group bounds under the memory rule, so
'yinyang' is 'hamerly' there) and an overlapping mixture (where 'auto'
must not lose to 'lloyd')."""


def many_centres_data(case):
    """Data and k-means++ centres (float32) of a MANY_CENTRES_CASES entry."""
    from .common import Case, initial_centres, make_data

    kind, shape = case.split(":")
    d, k = (int(v) for v in shape.split("x"))
    x = make_data(Case(MANY_CENTRES_N, d, k, kind), "float32")
    return x, initial_centres(x, k).astype(np.float32)


class ManyCentres(Benchmark):
    params = [list(MANY_CENTRES_CASES), ["lloyd", "hamerly", "yinyang", "auto"]]
    param_names = ["case", "algorithm"]

    def setup(self, case, algorithm):
        self.x, self.c = many_centres_data(case)
        self.kwargs = call_kwargs(kmeanskit.kmeans2, algorithm=algorithm)
        try:
            kmeanskit.kmeans2(self.x[:64], self.c[:2], iter=1, minit="matrix",
                              **self.kwargs)
        except ValueError as error:  # a commit before this algorithm
            raise NotImplementedError(str(error)) from None

    # MissingData (no Pillow for the image) fails setup: asv skips the case.

    def time_kmeans2(self, case, algorithm):
        kmeanskit.kmeans2(self.x, self.c, iter=ITERATIONS, minit="matrix",
                          **self.kwargs)
