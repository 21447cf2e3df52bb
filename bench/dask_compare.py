"""kmeanskit on Dask, side by side with dask-ml and in-memory engines, in one run.

Every implementation clusters the same data, generated on the workers of one
``LocalCluster`` (2 single-threaded worker processes by default), from the
same initial centres (the first k rows) for the same number of Lloyd
iterations (tol 0).  Printed, as Markdown:

* ms per iteration: kmeanskit's Dask engine, dask-ml's ``KMeans`` (its own
  per-iteration log timers), scikit-learn and kmeanskit in memory (the data
  computed to the client), and their ratios;
* tasks per iteration (task stream) and the scheduling floor on tiny data;
* the exact inertia of every result, re-scored by one NumPy function, and
  dask-ml's reported ``inertia_``;
* peak RSS of the workers and of the client (sampled every 20 ms);
* with ``--out-of-core``: data several times the workers' memory limit,
  regenerated on every pass (never persisted), kmeanskit vs dask-ml.

With ``--floor``: the four calls of the "Dask at its floor" measurement
(``kmeans2(minit='++', iter=5)``, ``spherical_kmeans(max_iter=5)``, greedy
``kpp_init(n_local_trials='auto')`` and ``kpp_init(method='||')``) on a
persisted 400 000 x 8 float64 array in 8 blocks, k = 16, each against the
same call on the NumPy array.  Per call: Dask and NumPy seconds (medians),
the round trips counted (every blocking request of the client: gathers,
``wait``, ``who_has``), the round trips the algorithm needs (one per Lloyd
iteration and per k-means++ step, two per k-means|| round), the bare
``client.submit`` round trip measured in the same run, and the target
``NumPy time + 2 x needed x bare round trip``.

Usage (from anywhere; imports the installed kmeanskit)::

    python bench/dask_compare.py                      # cases A and B, overhead probe
    python bench/dask_compare.py --scale 0.1          # the same shapes, n / 10
    python bench/dask_compare.py --out-of-core --ooc-limit 400MiB --ooc-factor 3
    python bench/dask_compare.py --floor --repeat 5   # the four calls at the floor

Absolute times vary with the machine and its load; compare within one run.
"""

import argparse
import contextlib
import logging
import os
import threading
import time
import warnings

import numpy as np

CASES = {
    # name: (n, d, k); 250 000 rows per block, as in the reference measurements
    "A": (2_000_000, 16, 32),
    "B": (4_000_000, 2, 9),
}
ROWS_PER_BLOCK = 250_000


# --------------------------------------------------------------------------
# Data, generated on the workers

def _mixture_block(block_id, *, rows, d, means, seed):
    """One block of a unit-variance Gaussian mixture, seeded by its index."""
    rng = np.random.default_rng([seed, block_id[0]])
    which = rng.integers(len(means), size=rows)
    return means[which] + rng.standard_normal((rows, d))


def lazy_mixture(n, d, k, *, rows=ROWS_PER_BLOCK, seed=0):
    """A lazy (n, d) float64 Dask array: blob means uniform in [-10, 10]^d
    (a 3x3 grid of spacing 6 for d=2), one task per block."""
    import dask.array as da

    if d == 2:
        means = np.array([[i, j] for i in range(3) for j in range(3)], float) * 6
    else:
        means = np.random.default_rng(seed).uniform(-10, 10, size=(k, d))
    chunks = [rows] * (n // rows) + ([n % rows] if n % rows else [])
    blocks = [
        da.from_delayed(_delayed_block(i, size, d, means, seed), (size, d),
                        dtype=np.float64, meta=np.empty((0, 0)))
        for i, size in enumerate(chunks)
    ]
    return da.concatenate(blocks, axis=0)


def _delayed_block(index, rows, d, means, seed):
    import dask

    return dask.delayed(_mixture_block, pure=True)(
        (index,), rows=rows, d=d, means=means, seed=seed)


def exact_inertia(x, centres):
    """Sum of squared distances to the nearest centre, computed directly."""
    total = 0.0
    for start in range(0, len(x), 65_536):
        block = x[start:start + 65_536]
        gaps = ((block[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        total += gaps.min(axis=1).sum()
    return total


# --------------------------------------------------------------------------
# Measuring

class PeakRSS:
    """Peak resident memory of some processes, sampled every 20 ms."""

    def __init__(self, pids):
        import psutil

        self.procs = {pid: psutil.Process(pid) for pid in pids}
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid, proc in self.procs.items():
                with contextlib.suppress(Exception):
                    self.peak[pid] = max(self.peak[pid], proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def mib(self):
        return [round(v / 2**20) for v in self.peak.values()]


class DaskMLTimer(logging.Handler):
    """Collects dask-ml's own "Finished Lloyd loop i in ..." timers."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.seconds = []

    def emit(self, record):
        message = record.getMessage()
        if message.startswith("Finished Lloyd loop"):
            delta = record.args[-1]
            self.seconds.append(delta.total_seconds())


def time_kmeanskit(client, x, c0, iters):
    """Seconds per iteration (total / iters) and tasks per iteration."""
    import dask.array as da
    from distributed import get_task_stream

    from kmeanskit import kmeans2

    with get_task_stream(client) as stream, \
            warnings.catch_warnings(record=True) as empty:
        # A cluster emptied on the way keeps its centre (kmeans2's policy);
        # scikit-learn relocates it instead, dask-ml sends it to the origin:
        # the count is printed, since results then differ.
        warnings.simplefilter("always", UserWarning)
        start = time.perf_counter()
        centroid, _ = kmeans2(x, da.from_array(c0), iter=iters, minit="matrix")
        centroid = centroid.compute()
        elapsed = time.perf_counter() - start
    time_kmeanskit.empty_passes = len(empty)
    return elapsed / iters, len(stream.data) / iters, centroid


def time_daskml(x, c0, iters):
    from dask_ml.cluster import KMeans

    timer = DaskMLTimer()
    logger = logging.getLogger("dask_ml.cluster.k_means")
    logger.addHandler(timer)
    logger.setLevel(logging.INFO)
    try:
        model = KMeans(n_clusters=len(c0), init=c0, max_iter=iters, tol=0)
        start = time.perf_counter()
        model.fit(x)
        total = time.perf_counter() - start
    finally:
        logger.removeHandler(timer)
    return float(np.median(timer.seconds)), total, model


def time_in_memory(x_host, c0, iters):
    """(sklearn s/iter, sklearn n_iter, kmeanskit s/iter) on the client."""
    from sklearn.cluster import KMeans

    from kmeanskit import kmeans2

    model = KMeans(len(c0), init=c0, n_init=1, max_iter=iters, tol=0,
                   algorithm="lloyd")
    start = time.perf_counter()
    model.fit(x_host)
    sk = (time.perf_counter() - start) / model.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        start = time.perf_counter()
        centroid, _ = kmeans2(x_host, c0, iter=iters, minit="matrix")
        ours = (time.perf_counter() - start) / iters
    return sk, model.n_iter_, ours, model.cluster_centers_, centroid


# --------------------------------------------------------------------------
# The runs

def run_case(client, name, n, d, k, iters, with_daskml, pids, rows):
    x = lazy_mixture(n, d, k, rows=rows).persist()
    from distributed import wait

    wait(x)
    c0 = x[:k].compute()
    row = {"case": f"{name}: n={n:.0e}, d={d}, k={k} ({x.numblocks[0]} blocks)"}
    with PeakRSS(pids) as rss:
        row["kmeanskit"], row["tasks"], ours = time_kmeanskit(client, x, c0, iters)
    row["empty_passes"] = time_kmeanskit.empty_passes
    row["kmeanskit_rss"] = rss.mib()
    if with_daskml:
        with PeakRSS(pids) as rss:
            row["daskml"], row["daskml_fit"], model = time_daskml(x, c0, iters)
        row["daskml_rss"] = rss.mib()
        row["daskml_reported"] = float(model.inertia_)
    x_host = x.compute()
    (row["sklearn"], row["sklearn_n_iter"], row["inmemory"],
     sk_centres, mem_centres) = time_in_memory(x_host, c0, iters)
    row["inertia"] = {"kmeanskit (Dask)": exact_inertia(x_host, ours),
                      "kmeanskit (memory)": exact_inertia(x_host, mem_centres),
                      "scikit-learn": exact_inertia(x_host, sk_centres)}
    if with_daskml:
        row["inertia"]["dask-ml"] = exact_inertia(x_host, model.cluster_centers_)
    del x_host
    return row


def overhead_probe(client, blocks, d, k, iters, with_daskml):
    """ms per iteration on n = 1e4 split into as many blocks as a case."""
    rows = 10_000 // blocks
    x = lazy_mixture(rows * blocks, d, k, rows=rows).persist()
    c0 = x[:k].compute()
    time_kmeanskit(client, x, c0, 2)  # warm-up: imports on the workers
    per_iter, tasks, _ = time_kmeanskit(client, x, c0, iters)
    out = {"blocks": blocks, "d": d, "k": k, "kmeanskit": per_iter, "tasks": tasks}
    if with_daskml:
        time_daskml(x, c0, 2)  # warm-up: numba compilation
        out["daskml"] = time_daskml(x, c0, iters)[0]
    return out


def out_of_core(args):
    """Lazily generated data ``ooc_factor`` x the workers' total memory
    limit, never persisted: kmeanskit (and dask-ml, one iteration)."""
    import dask.array as da
    from dask.utils import parse_bytes
    from distributed import Client, LocalCluster

    from kmeanskit import kmeans2

    limit = parse_bytes(args.ooc_limit)
    d, k = 16, 32
    n = int(args.ooc_factor * 2 * limit / (8 * d)) // ROWS_PER_BLOCK * ROWS_PER_BLOCK
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      memory_limit=limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        x = lazy_mixture(n, d, k)
        c0 = x[:k].compute()
        print(f"\n## Out of core: {n:.3g} x {d} float64 = {n * d * 8 / 2**30:.2f} GiB, "
              f"{x.numblocks[0]} blocks, workers 2 x {limit / 2**20:.0f} MiB "
              f"({args.ooc_factor:g}x their total), k={k}, not persisted\n")
        start = time.perf_counter()
        x.sum().compute()
        one_pass = time.perf_counter() - start
        with PeakRSS(pids + [os.getpid()]) as rss, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            start = time.perf_counter()
            kmeans2(x, da.from_array(c0), iter=args.ooc_iters, minit="matrix")
            ours = (time.perf_counter() - start) / args.ooc_iters
        print("| | s/iteration | worker peak RSS (MiB) | client peak RSS (MiB) |")
        print("|---|---|---|---|")
        print(f"| generation + sum, one pass | {one_pass:.1f} | | |")
        *workers, me = rss.mib()
        print(f"| kmeanskit kmeans2, {args.ooc_iters} iterations | {ours:.1f} | "
              f"{workers} (limit {limit / 2**20:.0f}) | {me} |")
        if args.daskml:
            with PeakRSS(pids) as rss:
                per_iter, fit, _ = time_daskml(x, c0, 1)
            print(f"| dask-ml, max_iter=1 (Lloyd loop; fit {fit:.1f} s) | "
                  f"{per_iter:.1f} | {rss.mib()} | |")
            print(f"\nkmeanskit / dask-ml per iteration: {ours / per_iter:.2f}")


# --------------------------------------------------------------------------
# The floor: four calls on small data, where round trips are the cost

FLOOR_SHAPE = (400_000, 8, 16, 8)
"""n, d, k and the number of row blocks of the floor measurement."""


class RoundTrips:
    """Counts the client's blocking requests (each ``Client.sync`` call:
    a gather, ``compute``'s result, ``wait``, ``who_has``, ``scatter``)."""

    def __init__(self, client):
        self.count = 0
        self._client = client
        self._original = client.sync

        def counting(*args, **kwargs):
            self.count += 1
            return self._original(*args, **kwargs)

        client.sync = counting

    def close(self):
        self._client.sync = self._original


def floor_calls(k, rounds=5):
    """``{name: (call, round trips needed)}`` for the four floor calls.

    Needed round trips: one per k-means++ step (the first centre's
    included) and per Lloyd iteration, two per k-means|| round plus its
    first centre and the weighing of its candidates; spherical k-means adds
    its zero-row check (with the unit rows persisted), the pass of its
    tolerance scale and the final assignment to its seeding and iterations.
    """
    from kmeanskit import kmeans2, kpp_init, spherical_kmeans

    return {
        "kmeans2(minit='++', iter=5)":
            (lambda a: kmeans2(a, k, minit="++", iter=5, rng=1)[0], k + 5),
        "spherical_kmeans(max_iter=5)":
            (lambda a: spherical_kmeans(a, k, max_iter=5, rng=1)[0], 1 + 1 + k + 5 + 1),
        "kpp_init(n_local_trials='auto')":
            (lambda a: kpp_init(a, k, n_local_trials="auto", rng=1), k),
        "kpp_init(method='||')":
            (lambda a: kpp_init(a, k, method="||", rng=1), 1 + 2 * rounds + 1),
    }


def _median_seconds(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def floor(args):
    """The four calls on the floor shape, Dask (persisted) vs NumPy."""
    import dask.array as da
    from distributed import Client, LocalCluster, wait

    n, d, k, blocks = FLOOR_SHAPE
    x_host = lazy_mixture(n, d, k, rows=n // blocks).compute(scheduler="sync")
    with LocalCluster(n_workers=args.workers, threads_per_worker=1,
                      processes=True, memory_limit=args.memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the array is sent in the graph
            x = da.from_array(x_host, chunks=(n // blocks, d)).persist()
        wait(x)
        calls = floor_calls(k)
        for call, _ in calls.values():  # warm-up: imports on the workers
            np.asarray(call(x[:8_000].persist()))
        bare = _median_seconds(lambda: client.submit(int, 1, pure=False).result(), 30)
        reduction = _median_seconds(lambda: x.sum().compute(), 5)
        rows = []
        for name, (call, needed) in calls.items():
            counter = RoundTrips(client)
            np.asarray(call(x))  # one run, counted
            counted = counter.count
            counter.close()
            # Seeds are rows, equal; centroids agree to rounding (the sums
            # are added in another order).
            same = np.allclose(np.asarray(call(x)), call(x_host), rtol=1e-12,
                               atol=1e-12)
            dask_s = _median_seconds(lambda f=call: np.asarray(f(x)), args.repeat)
            numpy_s = _median_seconds(lambda f=call: f(x_host), args.repeat)
            rows.append((name, dask_s, numpy_s, counted, needed, same))
    print(f"\n## Dask at its floor: {n} x {d} float64 in {blocks} persisted blocks, "
          f"k={k}, {args.workers} workers x 1 thread (medians of {args.repeat})\n")
    print(f"bare client.submit round trip {1e3 * bare:.1f} ms; "
          f"x.sum().compute() {1e3 * reduction:.1f} ms\n")
    print("| call | Dask s | NumPy s | Dask / NumPy | round trips (counted / needed) "
          "| target s | meets | same result |")
    print("|---|---|---|---|---|---|---|---|")
    for name, dask_s, numpy_s, counted, needed, same in rows:
        target = numpy_s + 2 * needed * bare
        print(f"| {name} | {dask_s:.3f} | {numpy_s:.3f} | {dask_s / numpy_s:.1f} "
              f"| {counted} / {needed} | {target:.3f} | "
              f"{'yes' if dask_s <= target else 'no'} | {same} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="A,B", help="A, B or A,B (A,B)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every case's n (1.0)")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="6GiB")
    parser.add_argument("--no-daskml", dest="daskml", action="store_false")
    parser.add_argument("--no-probe", dest="probe", action="store_false")
    parser.add_argument("--out-of-core", action="store_true")
    parser.add_argument("--ooc-only", action="store_true")
    parser.add_argument("--ooc-limit", default="1GB")
    parser.add_argument("--ooc-factor", type=float, default=3.0)
    parser.add_argument("--ooc-iters", type=int, default=3)
    parser.add_argument("--floor", action="store_true",
                        help="only the four calls at the floor (see above)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs per call with --floor (5)")
    args = parser.parse_args()
    if args.floor:
        floor(args)
        return
    if args.daskml:
        try:
            import dask_ml  # noqa: F401
        except ImportError:
            print("dask-ml is not installed: it is left out")
            args.daskml = False
    if not args.ooc_only:
        in_memory_cases(args)
    if args.out_of_core or args.ooc_only:
        out_of_core(args)


def in_memory_cases(args):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=1,
                      processes=True, memory_limit=args.memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        # --scale shrinks the blocks too: the number of blocks stays the case's.
        block_rows = max(1, int(ROWS_PER_BLOCK * args.scale))
        probes = []
        if args.probe:
            for name in args.cases.split(","):
                n, d, k = CASES[name]
                probes.append(overhead_probe(client, n // ROWS_PER_BLOCK, d, k,
                                             args.iters, args.daskml))
        rows = []
        for name in args.cases.split(","):
            n, d, k = CASES[name]
            rows.append(run_case(client, name, int(n * args.scale), d, k,
                                 args.iters, args.daskml, pids, block_rows))
    report(rows, probes, args)


def report(rows, probes, args):
    print(f"\n## ms per Lloyd iteration ({args.iters} iterations, "
          f"{args.workers} workers x 1 thread, data persisted on the workers)\n")
    print("| case | kmeanskit Dask | dask-ml | ours / dask-ml | sklearn in memory "
          "| ours / sklearn | kmeanskit in memory | ours / in-memory ours "
          "| tasks / iter |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        dm = r.get("daskml")
        ours = r["kmeanskit"]
        print(f"| {r['case']} | {1e3 * ours:.0f} | "
              f"{'' if dm is None else f'{1e3 * dm:.0f}'} | "
              f"{'' if dm is None else f'{ours / dm:.2f}'} | "
              f"{1e3 * r['sklearn']:.0f} (n_iter {r['sklearn_n_iter']}) | "
              f"{r['kmeanskit'] / r['sklearn']:.2f} | {1e3 * r['inmemory']:.0f} | "
              f"{r['kmeanskit'] / r['inmemory']:.2f} | {r['tasks']:.1f} |")
    print("\n## Exact inertia (re-scored by one NumPy function) and memory\n")
    for r in rows:
        ref = r["inertia"]["scikit-learn"]
        agree = ", ".join(f"{name} {abs(v - ref) / ref:.1e}"
                          for name, v in r["inertia"].items())
        print(f"- {r['case']}: scikit-learn {ref:.6g}; relative differences: {agree}"
              f" (kmeanskit passes that left a cluster empty: {r['empty_passes']})")
        if "daskml_reported" in r:
            print(f"  dask-ml reported inertia_ {r['daskml_reported']:.6g}")
        print(f"  worker peak RSS (MiB): kmeanskit {r['kmeanskit_rss']}"
              + (f", dask-ml {r['daskml_rss']}" if "daskml_rss" in r else ""))
    if probes:
        print("\n## Scheduling floor: n = 1e4, same numbers of blocks\n")
        print("| blocks, d, k | kmeanskit ms/iter (tasks/iter) | dask-ml ms/iter |")
        print("|---|---|---|")
        for p in probes:
            dm = p.get("daskml")
            print(f"| {p['blocks']}, {p['d']}, {p['k']} | {1e3 * p['kmeanskit']:.1f} "
                  f"({p['tasks']:.1f}) | {'' if dm is None else f'{1e3 * dm:.1f}'} |")


if __name__ == "__main__":
    main()
