"""k-medoids: asv timings, and FasterPAM against the alternating method.

asv (``Medoids``): one ``kmedoids`` call on a precomputed Euclidean matrix
of 2 000 rows (k = 10), per method, and the total deviation relative to
FasterPAM's from the same start.

Side by side (``python -m benchmarks.medoids [--quick]`` from ``bench/``):
on the 10 000 x 8 mixture (``Case(10_000, 8, 10)``; n / 5 with ``--quick``)
and its Euclidean matrix (0.8 GB in float64, built once and not timed),
FasterPAM and the alternating method from the same random medoids (same
``rng``), five seeds each; and, if it is installed, the GPL ``kmedoids``
package's FasterPAM and alternating on the same matrix, as a reference
only.  Printed: median time and median total deviation per method, and
the ratios to kmeanskit's FasterPAM.
"""

import argparse
import statistics
import time

import numpy as np
from scipy.spatial.distance import cdist

import kmeanskit

from .common import Benchmark, Case, make_data

K = 10
METHODS = ("fasterpam", "alternate")


def _matrix(case):
    x = make_data(case, "float64")
    return np.ascontiguousarray(cdist(x, x))


class Medoids(Benchmark):
    params = [list(METHODS)]
    param_names = ["method"]

    def setup(self, method):
        self.d = _matrix(Case(2_000, 8, K))

    def _run(self, method):
        return kmeanskit.kmedoids(self.d, K, metric="precomputed", method=method,
                                  init="points", rng=0)

    def time_kmedoids(self, method):
        self._run(method)

    def track_deviation_over_fasterpam(self, method):
        return self._run(method)[2].inertia / self._run("fasterpam")[2].inertia

    track_deviation_over_fasterpam.unit = "ratio"


def _timed(fn):
    start = time.perf_counter()
    loss = fn()
    return time.perf_counter() - start, loss


def _runs(d, seeds):
    """name -> [(seconds, total deviation)] over ``seeds`` random starts."""
    runs = {}
    for method in METHODS:
        runs[f"kmeanskit {method}"] = [_timed(
            lambda m=method, s=s: kmeanskit.kmedoids(
                d, K, metric="precomputed", method=m, init="points",
                rng=s)[2].inertia) for s in range(seeds)]
    try:
        import kmedoids  # GPL-3: a reference for time and loss, nothing more
    except ImportError:
        print("(the kmedoids package is not installed: no reference row)")
        return runs
    for name, fn in (("fasterpam", kmedoids.fasterpam),
                     ("alternate", kmedoids.alternating)):
        runs[f"kmedoids {name} (GPL, reference)"] = [_timed(
            lambda fn=fn, s=s: float(fn(d, K, max_iter=100, init="random",
                                        random_state=s).loss))
            for s in range(seeds)]
    return runs


def side_by_side(case, seeds=5):
    d = _matrix(case)
    runs = _runs(d, seeds)
    summary = {name: (statistics.median(t for t, _ in r),
                      statistics.median(loss for _, loss in r))
               for name, r in runs.items()}
    t0, l0 = summary["kmeanskit fasterpam"]
    print(f"n = {case.n}, d = {case.d}, k = {K}, precomputed Euclidean matrix, "
          f"random starts, {seeds} seeds (medians)")
    print("| method | time (s) | total deviation | time / FasterPAM | "
          "deviation / FasterPAM |")
    print("|---|---|---|---|---|")
    for name, (t, loss) in summary.items():
        print(f"| {name} | {t:.3f} | {loss:.6g} | {t / t0:.2f} | {loss / l0:.4f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n / 5")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    case = Case(10_000, 8, K)
    if args.quick:
        case = Case(case.n // 5, case.d, case.k)
    side_by_side(case, args.seeds)


if __name__ == "__main__":
    main()
