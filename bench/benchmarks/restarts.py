"""Restart overhead: ``kmeans2(n_init=10)`` against ten separate calls.

Both do the same work: ten k-means++ starts, 20 Lloyd iterations each, and
one more pass per start for the inertia that ranks them (``n_init`` ends
with the final assignment; a separate call asks for it with
``return_info=True``).  Start ``i`` of ``n_init=10`` draws from
``default_rng(0).spawn(10)[i]``, which is what each separate call is given,
so both run the same starts and the ratio is the cost of the restart
machinery alone (it should be about 1).
"""

import warnings

import numpy as np

import kmeanskit

from .common import CASES, Benchmark, make_data

N_INIT = 10
ITERATIONS = 20
MODES = ("n_init", "separate")


class Restarts(Benchmark):
    params = [list(CASES[:3]), ["float64"], list(MODES)]
    param_names = ["case", "dtype", "mode"]

    def setup(self, case, dtype, mode):
        self.x = make_data(case, dtype)
        self.k = case.k

    def _n_init(self):
        return kmeanskit.kmeans2(self.x, self.k, iter=ITERATIONS, minit="++",
                                 rng=0, n_init=N_INIT, return_info=True)

    def _separate(self):
        best = None
        for child in np.random.default_rng(0).spawn(N_INIT):
            out = kmeanskit.kmeans2(self.x, self.k, iter=ITERATIONS, minit="++",
                                    rng=child, return_info=True)
            if best is None or out[2].inertia < best[2].inertia:
                best = out
        return best

    def time_restarts(self, case, dtype, mode):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # empty clusters are not the point here
            if mode == "n_init":
                self._n_init()
            else:
                self._separate()
