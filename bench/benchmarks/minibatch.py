"""Mini-batch k-means: asv timings, and a side-by-side run against
scikit-learn's ``MiniBatchKMeans``.

asv (``Minibatch``): time of one ``minibatch_kmeans`` call and its final
inertia relative to 20 Lloyd iterations from the same k-means++ centres.

Side by side (``python -m benchmarks.minibatch [--quick]`` from ``bench/``):
both libraries on the same data (the 1e6 x 16 x 32 case; n / 20 with
``--quick``), same batch size, one seeding, their own default stopping rules,
five seeds each.  Every final inertia is recomputed the same way
(``inertia_f64``: one float64 assignment of all the data), and the time is
that of the whole call.  Printed: median time and median inertia per library,
and the ratios scikit-learn / kmeanskit; when the inertias agree (ratio
about 1), the time ratio is the ratio of the times to reach the same
full-data inertia.
"""

import argparse
import statistics
import time

import kmeanskit

from .common import CASES, Benchmark, Case, inertia_f64, make_data

BATCH = 1024


class Minibatch(Benchmark):
    params = [list(CASES[1:3]), ["float32", "float64"]]
    param_names = ["case", "dtype"]

    def setup(self, case, dtype):
        self.x = make_data(case, dtype)
        self.k = case.k

    def _run(self):
        return kmeanskit.minibatch_kmeans(self.x, self.k, batch_size=BATCH, rng=0)

    def time_minibatch_kmeans(self, case, dtype):
        self._run()

    def track_inertia_over_lloyd(self, case, dtype):
        """Final inertia / that of 20 Lloyd iterations from k-means++."""
        lloyd = kmeanskit.kmeans2(self.x, self.k, iter=20, minit="++", rng=0,
                                  return_info=True)[2].inertia
        return self._run()[2].inertia / lloyd

    track_inertia_over_lloyd.unit = "ratio"


def _timed(fn):
    start = time.perf_counter()
    centres = fn()
    return time.perf_counter() - start, centres


def side_by_side(case, seeds=5):
    from sklearn.cluster import MiniBatchKMeans

    x = make_data(case, "float64")
    runs = {"kmeanskit": [], "scikit-learn": []}
    for seed in range(seeds):
        runs["kmeanskit"].append(_timed(lambda s=seed: kmeanskit.minibatch_kmeans(
            x, case.k, batch_size=BATCH, rng=s)[0]))
        runs["scikit-learn"].append(_timed(lambda s=seed: MiniBatchKMeans(
            case.k, batch_size=BATCH, n_init=1, random_state=s).fit(x)
            .cluster_centers_))
    summary = {}
    for name, results in runs.items():
        times = [t for t, _ in results]
        inertias = [inertia_f64(x, c) for _, c in results]
        summary[name] = (statistics.median(times), statistics.median(inertias))
    print(f"case {case}, batch {BATCH}, {seeds} seeds (medians)")
    print("| library | time (s) | full-data inertia |")
    print("|---|---|---|")
    for name, (t, inertia) in summary.items():
        print(f"| {name} | {t:.3f} | {inertia:.6g} |")
    (tk, ik), (ts, is_) = summary["kmeanskit"], summary["scikit-learn"]
    print(f"\ntime scikit-learn / kmeanskit: {ts / tk:.2f}; "
          f"inertia scikit-learn / kmeanskit: {is_ / ik:.4f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n / 20")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    case = Case(1_000_000, 16, 32)
    if args.quick:
        case = Case(case.n // 20, case.d, case.k)
    side_by_side(case, args.seeds)


if __name__ == "__main__":
    main()
