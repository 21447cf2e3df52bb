"""The exact silhouette's time and memory, and the stability study, side by
side with scikit-learn.

asv (``Silhouette``): time and peak memory of ``silhouette_score`` on
blobs of 2 000 and 20 000 rows in 10-d (peak memory includes the data,
1.6 MB at 20 000 rows; scikit-learn's chunked pair distances take about its
``working_memory``, 1 GiB by default).

Side by side (``python -m benchmarks.metrics [--quick]`` from ``bench/``):

* the exact silhouette of 20 000 x 10 blobs (5 000 with ``--quick``) by
  both libraries: time, tracemalloc peak, and the ratio of the times;
* the stability study of scikit-learn's initialization example (5 data
  sets, n_init 1..20) by :func:`kmeanskit.stability_study` and by
  scikit-learn's ``KMeans`` / ``MiniBatchKMeans`` on the same data sets,
  printed as one table.
"""

import argparse
import time
import tracemalloc

import numpy as np

import kmeanskit
from kmeanskit.datasets import init_study_blobs

from .common import Benchmark


def blobs(n, d=10, k=8, seed=0):
    """``k`` unit-variance blobs in ``d`` dimensions, centres 10 apart on
    average, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, (k, d))
    labels = rng.integers(0, k, n)
    return centres[labels] + rng.standard_normal((n, d)), labels


class Silhouette(Benchmark):
    params = [[2_000, 20_000]]
    param_names = ["n"]

    def setup(self, n):
        self.x, self.labels = blobs(n)

    def time_silhouette_score(self, n):
        kmeanskit.silhouette_score(self.x, self.labels)

    def peakmem_silhouette_score(self, n):
        kmeanskit.silhouette_score(self.x, self.labels)

    def time_silhouette_sampled_2000(self, n):
        kmeanskit.silhouette_score(self.x, self.labels, sample_size=2000, rng=0)


def _measured(fn):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        value = fn()
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, elapsed, peak / 2**20


def silhouette_side_by_side(n):
    from sklearn.metrics import silhouette_score

    x, labels = blobs(n)
    ours, t_ours, m_ours = _measured(lambda: kmeanskit.silhouette_score(x, labels))
    theirs, t_sk, m_sk = _measured(lambda: silhouette_score(x, labels))
    print(f"exact silhouette, {n} x 10, 8 clusters")
    print(f"  kmeanskit     {ours:.10f}  {t_ours:7.2f} s  peak {m_ours:8.1f} MiB")
    print(f"  scikit-learn  {theirs:.10f}  {t_sk:7.2f} s  peak {m_sk:8.1f} MiB")
    print(f"  time ratio scikit-learn / kmeanskit: {t_sk / t_ours:.2f}")


def study_side_by_side(n_runs=5, n_inits=(1, 5, 10, 15, 20)):
    from sklearn.cluster import KMeans, MiniBatchKMeans

    start = time.perf_counter()
    study = kmeanskit.stability_study(init_study_blobs, 9, n_init=n_inits,
                                      n_runs=n_runs, rng=0,
                                      minibatch_options={"max_no_improvement": 3})
    ours_time = time.perf_counter() - start
    cases = {
        ("kmeans", "greedy++"): lambda n, r: KMeans(9, init="k-means++", n_init=n,
                                                   random_state=r),
        ("kmeans", "points"): lambda n, r: KMeans(9, init="random", n_init=n,
                                                 random_state=r),
        ("minibatch", "greedy++"): lambda n, r: MiniBatchKMeans(
            9, init="k-means++", n_init=n, random_state=r, max_no_improvement=3),
        ("minibatch", "points"): lambda n, r: MiniBatchKMeans(
            9, init="random", n_init=n, random_state=r, max_no_improvement=3,
            init_size=500),
    }
    start = time.perf_counter()
    theirs = {}
    for (method, init), make in cases.items():
        for n in n_inits:
            values = [make(n, run).fit(init_study_blobs(run)[0]).inertia_
                      for run in range(n_runs)]
            theirs[method, init, n] = np.asarray(values)
    sk_time = time.perf_counter() - start
    print(f"stability study, {n_runs} data sets of the example "
          "(mean +- std of the inertia; optimum: mean "
          f"{study.best_per_run.mean():.2f}, std {study.best_per_run.std():.2f})")
    print(f"{'method':<10} {'init':<9} {'n_init':>6}  {'kmeanskit':>15} "
          f"{'at best':>7}  {'scikit-learn':>15}")
    for i in range(len(study.summary["mean"])):
        method, init = study.summary["method"][i], study.summary["init"][i]
        n = int(study.summary["n_init"][i])
        mine = f"{study.summary['mean'][i]:.2f} +- {study.summary['std'][i]:.2f}"
        other = theirs.get((method, init, n))
        sk = "-" if other is None else f"{other.mean():.2f} +- {other.std():.2f}"
        print(f"{method:<10} {init:<9} {n:>6d}  {mine:>15} "
              f"{int(study.summary['at_best'][i]):>4d}/{n_runs}  {sk:>15}")
    print(f"time: kmeanskit {ours_time:.2f} s (all {len(study.records['run'])} fits), "
          f"scikit-learn {sk_time:.2f} s (its {len(theirs) * n_runs} fits)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.metrics")
    parser.add_argument("--quick", action="store_true",
                        help="5 000 rows for the silhouette instead of 20 000")
    args = parser.parse_args(argv)
    silhouette_side_by_side(5_000 if args.quick else 20_000)
    print()
    study_side_by_side()


if __name__ == "__main__":
    main()
