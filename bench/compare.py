#!/usr/bin/env python
"""kmeanskit side by side with SciPy, scikit-learn(-intelex) and faiss, in one run.

For each case (n, d, k) and dtype, every implementation gets the same data,
the same initial centres (k-means++ from ``kmeanskit.kpp_init`` with a fixed
rng) and runs the same number of Lloyd iterations:

* kmeanskit ``kmeans2(minit='matrix')`` (and ``algorithm='hamerly'`` when the
  installed kmeanskit has it);
* SciPy ``scipy.cluster.vq.kmeans2(minit='matrix')``;
* scikit-learn ``KMeans(init=centres, n_init=1, tol=0)``, lloyd and elkan;
* scikit-learn-intelex ``sklearnex.cluster.KMeans`` with the same settings
  (skipped when it is not installed);
* faiss ``Kmeans`` with sub-sampling and early stopping disabled (skipped
  when faiss is not installed).

The cases are the speed issue's overlapping mixtures, then real and
structured data: colour quantisation of scikit-learn's bundled ``china.jpg``
(skipped, with a note, without scikit-learn and Pillow), an IVF-training
shape and separated blobs.

Times are the best of a few whole calls (validation and per-call overhead
included), divided by the iterations each call ran.  Every final inertia is
recomputed the same way (float64, from the returned centres) and compared
with a float64 NumPy Lloyd from the same centres.  The machine's measured
GEMM rate and memory bandwidth give each case's lower bound per iteration.
Peak extra memory is measured in a fresh process per call.

Absolute times vary from machine to machine and run to run (about +-20 % on a
shared VM): compare implementations within one run, by their ratios.

Run ``python bench/compare.py --quick`` for a one-minute version, ``--help``
for the options.
"""

import argparse
import contextlib
import datetime
import gc
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.common import (  # noqa: E402
    BLOBS,
    CHINA,
    EXTRA_CASES,
    FULL_CASES,
    IVF,
    TINY,
    Case,
    MissingData,
    inertia_f64,
    initial_centres,
    make_data,
    n_cpus,
    parse_case,
    peak_extra_bytes,
    smaller,
    supports,
)

PEERS = ("scipy", "sklearn-lloyd", "sklearn-elkan", "sklearnex", "faiss")
LABELS = {
    "kmeanskit": "kmeanskit",
    "scipy": "scipy kmeans2",
    "sklearn-lloyd": "sklearn lloyd",
    "sklearn-elkan": "sklearn elkan",
    "sklearnex": "sklearnex",
    "faiss": "faiss",
}
# Relative inertia difference above which a result is flagged, by the dtype
# the implementation computes in (faiss always computes in float32).
TOLERANCE = {"float64": 1e-6, "float32": 1e-3}
# Timings taken while other processes used more than this many cores on
# average are marked as disturbed.
DISTURBED = 0.25
ALIASES = {"tiny": TINY, "china": CHINA, "ivf": IVF, "blobs": BLOBS}


# --------------------------------------------------------------------------
# implementations: each takes (x, centres, iters, threads) and returns
# (final centres, iterations run)


def _kmeanskit(algorithm):
    def run(x, c, iters, threads):
        import kmeanskit

        kwargs = {}
        if supports(kmeanskit.kmeans2, "workers"):
            kwargs["workers"] = threads
        if algorithm is not None:
            kwargs["algorithm"] = algorithm
        centres, _ = kmeanskit.kmeans2(x, c, iter=iters, minit="matrix", **kwargs)
        return centres, iters

    return run


def _scipy(x, c, iters, threads):
    from scipy.cluster.vq import kmeans2

    centres, _ = kmeans2(x, c, iter=iters, minit="matrix")
    return centres, iters


def _sklearn(algorithm, module="sklearn.cluster"):
    def run(x, c, iters, threads):
        import importlib

        KMeans = importlib.import_module(module).KMeans  # noqa: N806

        model = KMeans(
            n_clusters=c.shape[0],
            init=c,
            n_init=1,
            tol=0.0,
            max_iter=iters,
            algorithm=algorithm,
        ).fit(x)
        return model.cluster_centers_, int(model.n_iter_)

    return run


def _faiss(x, c, iters, threads):
    import faiss

    faiss.omp_set_num_threads(threads)
    n, d = x.shape
    k = c.shape[0]
    options = {
        "niter": iters,
        "max_points_per_centroid": n + 1,  # never sub-sample
        "min_points_per_centroid": 1,  # no "too few points" warning
        "seed": 1234,
    }
    if hasattr(faiss.ClusteringParameters(), "early_stop_threshold"):
        options["early_stop_threshold"] = -1.0  # run every iteration
    model = faiss.Kmeans(d, k, **options)
    model.train(x, init_centroids=np.ascontiguousarray(c, dtype=np.float32))
    return model.centroids, len(model.iteration_stats)


def implementations(algorithms, libs):
    """(name, label, run, compute dtype or None) of what is installed and asked."""
    out = []
    import kmeanskit

    has_algorithm = supports(kmeanskit.kmeans2, "algorithm")
    if "kmeanskit" in libs:
        if has_algorithm:
            for algorithm in algorithms:
                label = (
                    "kmeanskit"
                    if algorithm == algorithms[0]
                    else f"kmeanskit {algorithm}"
                )
                out.append(
                    (f"kmeanskit-{algorithm}", label, _kmeanskit(algorithm), None)
                )
        else:
            out.append(("kmeanskit-lloyd", "kmeanskit", _kmeanskit(None), None))
    if "scipy" in libs:
        out.append(("scipy", LABELS["scipy"], _scipy, None))
    if "sklearn-lloyd" in libs or "sklearn-elkan" in libs:
        try:
            import sklearn  # noqa: F401
        except ImportError:
            print("# scikit-learn is not installed: skipped", file=sys.stderr)
        else:
            for algorithm in ("lloyd", "elkan"):
                if f"sklearn-{algorithm}" in libs:
                    out.append(
                        (
                            f"sklearn-{algorithm}",
                            LABELS[f"sklearn-{algorithm}"],
                            _sklearn(algorithm),
                            None,
                        )
                    )
    if "sklearnex" in libs:
        try:
            import sklearnex  # noqa: F401
        except ImportError:
            print("# scikit-learn-intelex is not installed: skipped", file=sys.stderr)
        else:
            out.append(("sklearnex", LABELS["sklearnex"],
                        _sklearn("lloyd", "sklearnex.cluster"), None))
    if "faiss" in libs:
        try:
            import faiss  # noqa: F401
        except ImportError:
            print("# faiss is not installed: skipped", file=sys.stderr)
        else:
            out.append(("faiss", LABELS["faiss"], _faiss, "float32"))
    return out


@contextlib.contextmanager
def thread_limit(threads):
    """Every BLAS and OpenMP runtime loaded, and faiss, at `threads`."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        faiss = sys.modules.get("faiss")
        if faiss is not None:
            faiss.omp_set_num_threads(threads)
        yield


@contextlib.contextmanager
def blas_single_thread():
    """NumPy's own checking arithmetic on one BLAS thread: idle OpenBLAS
    threads keep spinning for a while after a call and would slow down the
    next implementation timed."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


# --------------------------------------------------------------------------
# machine limits


def _best_time(func, repeats):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def gemm_rate(dtype, threads, size, repeats=3):
    """GFLOP/s of a square ``size`` x ``size`` matmul with `threads` BLAS threads."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    out = np.empty((size, size), dtype=dtype)
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(a, b, out=out)  # warm up
        seconds = _best_time(lambda: np.matmul(a, b, out=out), repeats)
    return 2.0 * size**3 / seconds / 1e9


def read_rate(array, threads, repeats=3):
    """GB/s of summing `array` (split over `threads` threads; NumPy's sum
    releases the GIL)."""
    flat = array.reshape(-1)
    parts = np.array_split(flat, threads)
    if threads == 1:
        seconds = _best_time(lambda: flat.sum(), repeats)
    else:
        with ThreadPoolExecutor(threads) as pool:
            seconds = _best_time(lambda: list(pool.map(np.sum, parts)), repeats)
    return flat.nbytes / seconds / 1e9


def copy_rate(src, dst, threads, repeats=3):
    """GB/s (bytes read + written) of copying `src` into `dst`."""
    a, b = src.reshape(-1), dst.reshape(-1)
    pairs = list(
        zip(np.array_split(a, threads), np.array_split(b, threads), strict=True)
    )

    def copy(pair):
        np.copyto(pair[1], pair[0])

    if threads == 1:
        seconds = _best_time(lambda: np.copyto(b, a), repeats)
    else:
        with ThreadPoolExecutor(threads) as pool:
            seconds = _best_time(lambda: list(pool.map(copy, pairs)), repeats)
    return 2 * a.nbytes / seconds / 1e9


def measure_limits(thread_counts, quick):
    """GEMM GFLOP/s per (dtype, threads) and bandwidth GB/s per threads."""
    size = 2000
    big = (256 if quick else 512) << 20  # bytes: far beyond a per-core cache
    limits = {"gemm_size": size, "array_bytes": big, "gemm": {}, "read": {}, "copy": {}}
    for threads in thread_counts:
        for dtype in ("float32", "float64"):
            limits["gemm"][f"{dtype}/{threads}"] = gemm_rate(dtype, threads, size)
    src = np.ones(big // 8)
    dst = np.empty_like(src)
    for threads in thread_counts:
        limits["read"][str(threads)] = read_rate(src, threads)
        limits["copy"][str(threads)] = copy_rate(src, dst, threads)
    del src, dst
    return limits


def best_limits(runs):
    """The best value of each limit over several measurements."""
    best = dict(runs[0])
    for key in ("gemm", "read", "copy"):
        best[key] = {name: max(run[key][name] for run in runs) for name in runs[0][key]}
    return best


def print_limits_progress(limits):
    print(
        "# limits: GEMM GFLOP/s "
        + ", ".join(f"{name} thr {value:.0f}" for name, value in limits["gemm"].items())
        + "; read GB/s "
        + ", ".join(f"{t} thr {v:.1f}" for t, v in limits["read"].items()),
        file=sys.stderr,
        flush=True,
    )


def add_bounds(rows, limits):
    """Set each row's lower bound per iteration and its ratio to it."""
    for r in rows:
        r["bound_seconds"] = r["bound_kind"] = r["bound_ratio"] = None
        if limits is None:
            continue
        seconds, kind = lower_bound(
            r["n"], r["d"], r["k"],
            r["dtype"],
            r["threads"],
            limits,
            r.get("case_read_gbs"),
        )
        r["bound_seconds"], r["bound_kind"] = seconds, kind
        r["bound_ratio"] = r["seconds_per_iter"] / seconds


def lower_bound(n, d, k, dtype, threads, limits, case_read=None):
    """Seconds per Lloyd iteration no implementation can beat, and why.

    max(2 n k d flops at the GEMM rate, reading the data once at the best
    bandwidth seen); it ignores the argmin and the update, so it is
    optimistic.
    """
    gflops = limits["gemm"][f"{dtype}/{threads}"]
    bandwidth = max(
        limits["read"][str(threads)], limits["copy"][str(threads)], case_read or 0.0
    )
    flop_s = 2.0 * n * k * d / (gflops * 1e9)
    mem_s = n * d * np.dtype(dtype).itemsize / (bandwidth * 1e9)
    return (flop_s, "flop") if flop_s >= mem_s else (mem_s, "memory")


# --------------------------------------------------------------------------
# a float64 reference Lloyd, NumPy only


def reference_lloyd(x, centres, iters, block_bytes=8 << 20):
    """`iters` Lloyd iterations in float64; an empty cluster keeps its centre
    (SciPy's rule).  Returns the final centres."""
    c = np.array(centres, dtype=np.float64)
    k, d = c.shape
    block = max(1, block_bytes // (8 * max(k, d)))
    for _ in range(iters):
        sums = np.zeros((k, d))
        counts = np.zeros(k)
        c_sq = np.einsum("ij,ij->i", c, c)
        for start in range(0, x.shape[0], block):
            rows = np.asarray(x[start : start + block], dtype=np.float64)
            labels = np.argmin(c_sq - 2.0 * (rows @ c.T), axis=1)
            onehot = np.zeros((rows.shape[0], k))
            onehot[np.arange(rows.shape[0]), labels] = 1.0
            sums += onehot.T @ rows
            counts += np.bincount(labels, minlength=k)
        nonempty = counts > 0
        c[nonempty] = sums[nonempty] / counts[nonempty, np.newaxis]
    return c


# --------------------------------------------------------------------------
# peak memory, one fresh process per measurement


def _memory_child(spec):
    """Run in a fresh process: build the data, call one implementation once,
    print the peak resident memory it added (bytes) as JSON."""
    case = Case(*spec["case"])
    x = make_data(case, spec["dtype"])
    centres = np.load(spec["centres"]).astype(x.dtype)
    impl = {
        name: run
        for name, _, run, _ in implementations(
            [spec["algorithm"]] if spec["algorithm"] else ["lloyd"], [spec["lib"]]
        )
    }[spec["impl"]]
    threads = spec["threads"]
    with thread_limit(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Load the library's code paths on a few rows first, so that what is
        # measured is the call, not the first import of its modules.
        impl(np.ascontiguousarray(x[: 4 * case.k]), centres, 1, threads)
        gc.collect()
        extra = peak_extra_bytes(impl, x, centres, spec["iters"], threads)
    print(json.dumps({"extra_bytes": None if math.isnan(extra) else extra}))


def measure_memory(
    case, dtype, impl_name, lib, algorithm, threads, centres_path, iters
):
    spec = {
        "case": list(case),
        "dtype": dtype,
        "impl": impl_name,
        "lib": lib,
        "algorithm": algorithm,
        "threads": threads,
        "centres": centres_path,
        "iters": iters,
    }
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        print(
            f"# memory measurement failed for {impl_name} {case} {dtype}:\n"
            f"{proc.stderr.strip()[-2000:]}",
            file=sys.stderr,
        )
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])["extra_bytes"]


# --------------------------------------------------------------------------
# the run


def time_call(run, x, c, iters, threads, repeats, budget, min_time=0.5, max_calls=50):
    """Best of at least `repeats` calls.

    Short calls are repeated until `min_time` seconds are spent (at most
    `max_calls` calls): on a shared machine the best of many is the robust
    estimate.  Long calls stop after two once `budget` seconds are spent.
    """
    time.sleep(0.1)  # let the previous library's idle threads go to sleep
    best, spent, calls, result = np.inf, 0.0, 0, None
    while True:
        t0 = time.perf_counter()
        result = run(x, c, iters, threads)
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        spent += elapsed
        calls += 1
        if calls >= 2 and spent > budget:
            break
        if calls >= repeats and (spent >= min_time or calls >= max_calls):
            break
    return best, result, calls


class CpuMonitor:
    """CPU time used on this machine by processes other than this one.

    From ``/proc/stat`` (all CPUs) minus this process's own CPU time and its
    finished children's; also the hypervisor's steal time.  Either being
    large means the timings were disturbed.
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        tick = os.sysconf("SC_CLK_TCK")
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        busy = (user + nice + system + irq + softirq) / tick
        total = sum(fields[:8]) / tick
        own = os.times()
        mine = own.user + own.system + own.children_user + own.children_system
        return busy, steal / tick, total, mine, time.perf_counter()

    def report(self):
        end = self._sample()
        if self.start is None or end is None:
            return None
        busy, steal, total, mine, wall = (
            b - a for a, b in zip(self.start, end, strict=True)
        )
        cores = n_cpus()
        return {
            "others_cores": max(0.0, busy - mine) / wall,
            "steal_fraction": steal / total if total else 0.0,
            "wall_seconds": wall,
            "cores": cores,
        }


def machine_info():
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for module in ("kmeanskit", "numpy", "scipy", "sklearn", "sklearnex", "faiss",
                   "threadpoolctl"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = None
    mem = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    blas = []
    with contextlib.suppress(Exception):
        from threadpoolctl import threadpool_info

        blas = [
            {
                key: lib.get(key)
                for key in (
                    "user_api",
                    "internal_api",
                    "version",
                    "architecture",
                    "num_threads",
                    "prefix",
                )
            }
            for lib in threadpool_info()
        ]
    return {
        "cpu": cpu,
        "cores": n_cpus(),
        "memory_bytes": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "threadpools": blas,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="cases: "
        + ", ".join(str(c) for c in FULL_CASES + EXTRA_CASES)
        + " (quick: "
        + ", ".join(str(smaller(c)) for c in FULL_CASES + EXTRA_CASES)
        + ")",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the same shapes with n / 20, 5 iterations (about a minute)",
    )
    parser.add_argument(
        "--cases", help="comma-separated NxDxK (e.g. 5e5x16x32), kind:NxDxK "
        "(kinds: blobs) or one of 'tiny', 'china', 'ivf', 'blobs'"
    )
    parser.add_argument(
        "--dtype",
        default="float32,float64",
        help="comma-separated dtypes (default: both)",
    )
    parser.add_argument(
        "--workers",
        default="-1",
        help="comma-separated thread counts, -1 = every core (default)",
    )
    parser.add_argument(
        "--iters", type=int, help="Lloyd iterations (default 20, quick 5)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="calls per implementation, best kept (default 3)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="stop repeating after this many seconds per "
        "implementation (at least 2 calls; default 20)",
    )
    parser.add_argument(
        "--libs",
        default="kmeanskit," + ",".join(PEERS),
        help="comma-separated subset of: kmeanskit," + ",".join(PEERS),
    )
    parser.add_argument(
        "--algorithms",
        default="lloyd,hamerly,yinyang,auto",
        help="kmeanskit algorithms to time when its kmeans2 has "
        "algorithm= (first one is the baseline; default lloyd,hamerly,yinyang,auto)",
    )
    parser.add_argument(
        "--memory",
        choices=("kmeanskit", "all", "none"),
        default="kmeanskit",
        help="whose peak extra memory to measure, in fresh processes "
        "(default: kmeanskit)",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the float64 NumPy reference Lloyd (inertias are then "
        "compared with kmeanskit's)",
    )
    parser.add_argument(
        "--no-limits",
        action="store_true",
        help="skip measuring GEMM rate and bandwidth (no lower bounds)",
    )
    parser.add_argument("--json", metavar="PATH", help="also save everything as JSON")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.cases:
        args.cases = [
            ALIASES.get(t.strip().lower()) or parse_case(t.strip())
            for t in args.cases.split(",")
            if t.strip()
        ]
    else:
        every = FULL_CASES + EXTRA_CASES
        args.cases = [smaller(c) for c in every] if args.quick else list(every)
    args.dtypes = [np.dtype(t.strip()).name for t in args.dtype.split(",") if t.strip()]
    for dtype in args.dtypes:
        if dtype not in TOLERANCE:
            parser.error(f"--dtype: float32 or float64, got {dtype!r}")
    threads = []
    for t in args.workers.split(","):
        try:
            value = n_cpus() if int(t) == -1 else int(t)
        except ValueError:
            parser.error(f"--workers: comma-separated ints, got {args.workers!r}")
        if value < 1:
            parser.error(f"--workers: -1 or a positive int, got {t!r}")
        if value not in threads:
            threads.append(value)
    args.threads = threads
    if args.iters is None:
        args.iters = 5 if args.quick else 20
    args.libs = [t.strip() for t in args.libs.split(",") if t.strip()]
    for lib in args.libs:
        if lib not in ("kmeanskit",) + PEERS:
            parser.error(f"--libs: unknown {lib!r}")
    args.algorithms = [t.strip() for t in args.algorithms.split(",") if t.strip()]
    return args


def fmt_ms(seconds):
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def fmt_ratio(value):
    return "–" if value is None else (f"{value:.2f}" if value < 10 else f"{value:.1f}")


def disturbed(row):
    return row.get("others_cores") is not None and row["others_cores"] > DISTURBED


def fmt_mb(nbytes):
    return "–" if nbytes is None else f"{nbytes / 1e6:.1f}"


def main(argv=None):
    args = parse_args(argv)
    if args.memory_child:
        _memory_child(json.loads(args.memory_child))
        return 0

    started = time.perf_counter()
    monitor = CpuMonitor()
    info = machine_info()
    impls = implementations(args.algorithms, args.libs)
    if not impls:
        print("nothing to run", file=sys.stderr)
        return 1
    baseline = impls[0][0] if impls[0][0].startswith("kmeanskit") else None

    print(
        f"# kmeanskit compare.py: {len(args.cases)} cases x {args.dtypes} x threads "
        f"{args.threads}, {args.iters} iterations, best of {args.repeats}"
    )
    v = info["versions"]
    print(
        f"# machine: {info['cpu']}, {info['cores']} cores, "
        f"{(info['memory_bytes'] or 0) / 2**30:.0f} GiB; Python {info['python']}"
    )
    print("# " + ", ".join(f"{m} {v[m]}" for m in v if v[m]))
    print(
        f"# OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE'] or '(unset)'}; BLAS: "
        + "; ".join(
            f"{b['internal_api']} {b['version']} {b['architecture']}"
            for b in info["threadpools"]
            if b["user_api"] == "blas"
        )
    )

    # The limits are measured at the start and at the end of the run and the
    # best of the two is used: a busy moment can only make them look lower.
    limit_threads = sorted({1, n_cpus(), *args.threads})
    limit_runs = []
    if not args.no_limits:
        limit_runs.append(measure_limits(limit_threads, args.quick))
        print_limits_progress(limit_runs[-1])
    sys.stdout.flush()

    rows = []
    tmpdir = tempfile.mkdtemp(prefix="kmeanskit-compare-")
    try:
        for case in args.cases:
            try:
                data = make_data(case, "float64")
            except MissingData as exc:
                print(f"# {case}: skipped, {exc}", file=sys.stderr)
                continue
            centres64 = initial_centres(data, case.k, sample=None)
            centres_path = os.path.join(tmpdir, f"{case}.npy")
            np.save(centres_path, centres64)
            for dtype in args.dtypes:
                x = data if dtype == "float64" else data.astype(dtype)
                c = centres64.astype(dtype)
                reference = None
                if not args.no_reference:
                    with blas_single_thread():
                        reference = inertia_f64(x, reference_lloyd(x, c, args.iters))
                case_read = {}
                if limit_runs:
                    for t in args.threads:
                        case_read[t] = read_rate(x, t)
                for threads in args.threads:
                    group = []
                    for name, label, run, compute_dtype in impls:
                        with thread_limit(threads), warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            row_monitor = CpuMonitor()
                            seconds, (centres, n_iter), calls = time_call(
                                run,
                                x,
                                c,
                                args.iters,
                                threads,
                                args.repeats,
                                args.budget,
                                min_time=0.2 if args.quick else 1.0,
                            )
                            row_load = row_monitor.report()
                        with blas_single_thread():
                            value = inertia_f64(x, centres)
                        group.append(
                            {
                                "case": str(case),
                                "n": case.n,
                                "d": case.d,
                                "k": case.k,
                                "kind": case.kind,
                                "dtype": dtype,
                                "threads": threads,
                                "impl": name,
                                "label": label,
                                "compute_dtype": compute_dtype or dtype,
                                "seconds_per_call": seconds,
                                "calls": calls,
                                "n_iter": n_iter,
                                "seconds_per_iter": seconds / max(n_iter, 1),
                                "inertia": value,
                                "reference_inertia": reference,
                                "case_read_gbs": case_read.get(threads),
                                "data_bytes": x.nbytes,
                                "extra_bytes": None,
                                "others_cores": row_load and row_load["others_cores"],
                            }
                        )
                    base = next((g for g in group if g["impl"] == baseline), None)
                    for g in group:
                        g["ratio"] = (
                            g["seconds_per_iter"] / base["seconds_per_iter"]
                            if base
                            else None
                        )
                        against = (
                            reference
                            if reference is not None
                            else (base["inertia"] if base else None)
                        )
                        g["inertia_rel_diff"] = (
                            None
                            if against is None
                            else (g["inertia"] - against) / against
                        )
                        g["inertia_flag"] = (
                            g["inertia_rel_diff"] is not None
                            and abs(g["inertia_rel_diff"])
                            > TOLERANCE[g["compute_dtype"]]
                        )
                    rows.extend(group)
                    print_progress(group)
                # memory: one fresh process per implementation, most threads
                if args.memory != "none":
                    for name, _, _, _ in impls:
                        if args.memory == "kmeanskit" and not name.startswith(
                            "kmeanskit"
                        ):
                            continue
                        lib = "kmeanskit" if name.startswith("kmeanskit") else name
                        algorithm = (
                            name.split("-", 1)[1] if lib == "kmeanskit" else None
                        )
                        extra = measure_memory(
                            case,
                            dtype,
                            name,
                            lib,
                            algorithm,
                            max(args.threads),
                            centres_path,
                            min(args.iters, 3),
                        )
                        for g in rows:
                            if (g["case"], g["dtype"], g["impl"]) == (
                                str(case),
                                dtype,
                                name,
                            ):
                                g["extra_bytes"] = extra
                del x
            del data
            gc.collect()
    finally:
        for f in Path(tmpdir).glob("*.npy"):
            f.unlink()
        os.rmdir(tmpdir)

    limits = None
    if limit_runs:
        limit_runs.append(measure_limits(limit_threads, args.quick))
        print_limits_progress(limit_runs[-1])
        limits = best_limits(limit_runs)
    add_bounds(rows, limits)
    elapsed = time.perf_counter() - started
    load = monitor.report()
    print_tables(rows, args, impls, baseline, limits)
    print(f"\n# total {elapsed:.0f} s")
    if load is not None:
        print(
            f"# other processes used {load['others_cores']:.2f} of {load['cores']} "
            "cores on average during the run; hypervisor steal "
            f"{100 * load['steal_fraction']:.1f} %"
        )
        if load["others_cores"] > 0.1 or load["steal_fraction"] > 0.02:
            print(
                "# WARNING: the machine was not idle: timings are disturbed; run again "
                "on a quiet machine before quoting them"
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "machine": info,
                    "limits": limits,
                    "limit_runs": limit_runs,
                    "iters": args.iters,
                    "repeats": args.repeats,
                    "rows": rows,
                    "seconds": elapsed,
                    "cpu_load": load,
                },
                f,
                indent=1,
            )
        print(f"# saved {args.json}")
    return 0


def print_progress(group):
    g0 = group[0]
    parts = [f"{g['label']} {fmt_ms(g['seconds_per_iter'])}" for g in group]
    print(
        f"# {g0['case']} {g0['dtype']} {g0['threads']} thr, ms/iter: "
        + ", ".join(parts),
        file=sys.stderr,
        flush=True,
    )


def print_tables(rows, args, impls, baseline, limits):
    peers = [(name, label) for name, label, _, _ in impls if name != baseline]
    has_bound = limits is not None
    against = "float64 reference Lloyd" if not args.no_reference else "kmeanskit"

    if has_bound:
        print()
        print(
            f"## Machine limits (NumPy: {limits['gemm_size']}² matmul; sum and copy "
            f"of a {limits['array_bytes'] >> 20} MiB array; best of the start and the "
            "end of the run)"
        )
        print()
        print(
            "| threads | GEMM float32 GFLOP/s | GEMM float64 GFLOP/s "
            "| read (sum) GB/s | copy (r+w) GB/s |"
        )
        print("|---:|---:|---:|---:|---:|")
        for t in sorted(int(t) for t in limits["read"]):
            print(
                f"| {t} | {limits['gemm'][f'float32/{t}']:.0f} "
                f"| {limits['gemm'][f'float64/{t}']:.0f} "
                f"| {limits['read'][str(t)]:.1f} | {limits['copy'][str(t)]:.1f} |"
            )

    # 1. the summary, one line per case / dtype / threads (README-ready)
    print()
    print(
        f"## kmeanskit vs peers: {args.iters} Lloyd iterations from the same k-means++ "
        "centres"
    )
    print()
    print(
        "Time per iteration (ms) for kmeanskit; for the others, their time ÷ "
        "kmeanskit's (> 1: kmeanskit is faster)."
    )
    print()
    head = ["case (n×d×k)", "dtype", "threads", "kmeanskit ms/iter"]
    head += [label for _, label in peers]
    if has_bound:
        head += ["floor ms/iter", "kmeanskit ÷ floor"]
    head += ["extra MB (data MB)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|")
    keys = []
    for r in rows:
        key = (r["case"], r["dtype"], r["threads"])
        if key not in keys:
            keys.append(key)
    for key in keys:
        group = {
            r["impl"]: r for r in rows if (r["case"], r["dtype"], r["threads"]) == key
        }
        base = group.get(baseline)
        if base is None:
            continue
        tiny = key[0] == str(TINY)
        cells = [key[0] + (" (per call)" if tiny else ""), key[1], str(key[2])]
        cells.append(
            fmt_ms(base["seconds_per_call"] if tiny else base["seconds_per_iter"])
            + ("*" if disturbed(base) else "")
        )
        for name, _ in peers:
            r = group.get(name)
            if r is None:
                cells.append("–")
                continue
            ratio = (
                r["seconds_per_call"] / base["seconds_per_call"] if tiny else r["ratio"]
            )
            mark = ("†" if r["inertia_flag"] else "") + ("*" if disturbed(r) else "")
            cells.append(fmt_ratio(ratio) + mark)
        if has_bound:
            cells.append("–" if tiny else fmt_ms(base["bound_seconds"]))
            cells.append("–" if tiny else fmt_ratio(base["bound_ratio"]))
        cells.append(f"{fmt_mb(base['extra_bytes'])} ({base['data_bytes'] / 1e6:.1f})")
        print("| " + " | ".join(cells) + " |")
    print()
    notes = [
        "tiny case: whole-call time in ms and whole-call ratios (it is all overhead)"
    ]
    notes.append(
        f"† final inertia differs from the {against} by more than "
        f"{TOLERANCE['float64']:g} (float64) / {TOLERANCE['float32']:g} (float32) "
        "relative"
    )
    notes.append(
        f"* other processes used more than {DISTURBED} cores while this was "
        "timed (see the details)"
    )
    if has_bound:
        notes.append(
            "floor = max(2·n·k·d flop at the measured GEMM rate, n·d·itemsize "
            "bytes at the measured bandwidth)"
        )
    notes.append(
        "extra MB: peak resident memory a kmeanskit call adds over the data "
        "(fresh process, kernel high-water mark)"
    )
    for note in notes:
        print(f"- {note}")

    # 2. every number
    print()
    print("## Details")
    print()
    head = [
        "case",
        "dtype",
        "threads",
        "implementation",
        "iters",
        "calls",
        "ms/call",
        "ms/iter",
        "÷ kmeanskit",
        f"inertia rel. diff vs {against}",
    ]
    if has_bound:
        head += ["bound (kind)", "÷ bound"]
    head += ["extra MB", "others' load (cores)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 4 + ["---:"] * (len(head) - 4)) + "|")
    for r in rows:
        diff = r["inertia_rel_diff"]
        cells = [
            r["case"],
            r["dtype"],
            str(r["threads"]),
            r["label"],
            str(r["n_iter"]),
            str(r["calls"]),
            fmt_ms(r["seconds_per_call"]),
            fmt_ms(r["seconds_per_iter"]),
            fmt_ratio(r["ratio"]),
            ("–" if diff is None else f"{diff:+.1e}")
            + (" †" if r["inertia_flag"] else ""),
        ]
        if has_bound:
            cells += [
                f"{fmt_ms(r['bound_seconds'])} ({r['bound_kind']})",
                fmt_ratio(r["bound_ratio"]),
            ]
        cells.append(fmt_mb(r["extra_bytes"]))
        load = r.get("others_cores")
        cells.append(
            "–" if load is None else f"{load:.2f}" + ("*" if disturbed(r) else "")
        )
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
