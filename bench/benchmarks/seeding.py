"""``kmeanskit.kpp_init``: k-means++ seeding, plain (SciPy's draws) and greedy.

Plain k-means++ costs O(n d) per centre with a running minimum of distances;
greedy k-means++ evaluates ``2 + log k`` candidates per centre (scikit-learn's
choice), i.e. that many times more distance work.
"""

import kmeanskit

from .common import (
    CASES,
    DTYPES,
    WORKERS,
    Benchmark,
    MemoryBenchmark,
    call_kwargs,
    make_data,
)

VARIANTS = ("plain", "greedy")
TRIALS = {"plain": 1, "greedy": "auto"}


class KppInit(Benchmark):
    params = [list(CASES), list(DTYPES), list(WORKERS), list(VARIANTS)]
    param_names = ["case", "dtype", "workers", "variant"]

    def setup(self, case, dtype, workers, variant):
        self.kwargs = call_kwargs(kmeanskit.kpp_init, workers=workers)
        self.kwargs["n_local_trials"] = TRIALS[variant]
        self.k = case.k
        self.x = make_data(case, dtype)

    def time_kpp_init(self, case, dtype, workers, variant):
        kmeanskit.kpp_init(self.x, self.k, rng=0, **self.kwargs)


class KppInitMemory(MemoryBenchmark):
    params = [list(CASES), list(DTYPES), list(VARIANTS)]
    param_names = ["case", "dtype", "variant"]

    def setup(self, case, dtype, variant):
        self.kwargs = {"n_local_trials": TRIALS[variant]}
        self.k = case.k
        self.x = make_data(case, dtype)

    def peakmem_kpp_init(self, case, dtype, variant):
        kmeanskit.kpp_init(self.x, self.k, rng=0, **self.kwargs)
