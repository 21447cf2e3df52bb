"""The scikit-learn-compatible estimators: their overhead over the function,
and their times side by side with scikit-learn's estimators.

asv (``Estimators``): ``KMeans.fit`` and the ``kmeans2`` call it makes, on
the tiny case (the overhead is the difference).

Side by side (``python -m benchmarks.estimators [--quick]`` from ``bench/``):

* overhead: best-of time of ``KMeans(init=c, n_init=1).fit(x)`` over that of
  the ``kmeans2`` call with the same arguments, on the tiny case (900 x 2,
  k = 9), where per-call overhead matters most;
* ``KMeans``, ``MiniBatchKMeans`` and ``BisectingKMeans`` of both libraries
  with their defaults (``random_state=0``) on one case, the median of five
  fits, with the final inertias (their seeds differ, so compare inertias as
  levels, not digit by digit).

Absolute times vary by machine: read the ratios, measured in the same run.
"""

import argparse
import statistics
import time

import kmeanskit

from .common import TINY, Benchmark, Case, initial_centres, make_data


class Estimators(Benchmark):
    def setup(self):
        from kmeanskit.estimators import KMeans

        self.x = make_data(TINY)
        self.c = initial_centres(self.x, TINY.k)
        self.est = KMeans(TINY.k, init=self.c, n_init=1)

    def time_kmeans_estimator_fit(self):
        self.est.fit(self.x)

    def time_kmeans2_same_fit(self):
        kmeanskit.kmeans2(self.x, self.c, iter=300, minit="matrix", tol=1e-4,
                          empty="farthest", check_finite=False, return_info=True)


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def overhead(repeat=200):
    """(estimator time, function time) on the tiny case, best of ``repeat``."""
    from kmeanskit.estimators import KMeans

    x = make_data(TINY)
    c = initial_centres(x, TINY.k)
    est = KMeans(TINY.k, init=c, n_init=1)
    fit = _best(lambda: est.fit(x), repeat)
    func = _best(lambda: kmeanskit.kmeans2(
        x, c, iter=300, minit="matrix", tol=1e-4, empty="farthest",
        check_finite=False, return_info=True), repeat)
    return fit, func


def side_by_side(case, fits=5):
    from sklearn import cluster as sk

    from kmeanskit import estimators as km

    x = make_data(case)
    rows = []
    for name in ("KMeans", "MiniBatchKMeans", "BisectingKMeans"):
        result = {}
        for lib, module in (("kmeanskit", km), ("scikit-learn", sk)):
            times, inertias = [], []
            for _ in range(fits):
                est = getattr(module, name)(case.k, random_state=0)
                start = time.perf_counter()
                est.fit(x)
                times.append(time.perf_counter() - start)
                inertias.append(est.inertia_)
            result[lib] = (statistics.median(times), statistics.median(inertias))
        rows.append((name, result))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller case")
    args = parser.parse_args(argv)
    fit, func = overhead(50 if args.quick else 200)
    print(f"tiny case {TINY}: KMeans.fit {fit * 1e3:.3f} ms, "
          f"kmeans2 {func * 1e3:.3f} ms, "
          f"overhead {100 * (fit / func - 1):+.1f} %")
    case = Case(20_000, 8, 16) if args.quick else Case(200_000, 16, 32)
    print(f"\n| {case} | kmeanskit s | scikit-learn s | sklearn / kmeanskit | "
          "inertia ratio (kmeanskit / sklearn) |\n|---|---|---|---|---|")
    for name, result in side_by_side(case):
        (t_ours, i_ours), (t_ref, i_ref) = result["kmeanskit"], result["scikit-learn"]
        print(f"| {name} | {t_ours:.4f} | {t_ref:.4f} | {t_ref / t_ours:.2f} | "
              f"{i_ours / i_ref:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
