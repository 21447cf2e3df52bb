"""``kmeanskit bench``: a quick timing against SciPy (and scikit-learn) here.

Every library gets the same data and the same k-means++ centres and runs
the same Lloyd iterations; the time per iteration is the best of a few whole
calls, so per-call overhead counts, as it does for a user.  The asv suite in
the repository's ``bench/`` folder is the thorough version.
"""

import importlib.util
import platform
import time

import numpy as np

from ._common import CliError, add_output_options, add_seed, check_writable, emit, note

BENCH_HELP = """\
Time kmeanskit.kmeans2 against scipy.cluster.vq.kmeans2 (and scikit-learn's
KMeans, when installed) on this machine.  Each case draws Gaussian blobs of
N observations in D dimensions, seeds K centres with k-means++, and runs the
same --iter Lloyd iterations from those centres in every library.  The table
gives kmeanskit's milliseconds per iteration and each other library's time
divided by kmeanskit's (above 1: kmeanskit is faster).  Timings vary from run
to run; compare the libraries within one run.
"""

BENCH_EXAMPLES = """\
examples:
  kmeanskit bench                                  # three cases, a few seconds
  kmeanskit bench --case 1000000x2x9 --dtype float32
  kmeanskit bench --case 20000x16x32 --case 5000x64x128 --json -o bench.json
"""

DEFAULT_CASES = ("900x2x9", "100000x2x9", "20000x16x32")


def case(text):
    import argparse

    try:
        n, d, k = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NxDxK such as 100000x2x9, "
                                         f"got {text!r}") from None
    if min(n, d, k) < 1 or k > n:
        raise argparse.ArgumentTypeError(f"expected positive N, D, K with K <= N, "
                                         f"got {text!r}")
    return n, d, k


def add_bench(subparsers, formatter):
    from ._common import positive_int

    p = subparsers.add_parser(
        "bench", help="time kmeanskit against SciPy and scikit-learn here",
        description=BENCH_HELP, epilog=BENCH_EXAMPLES, formatter_class=formatter)
    p.add_argument("--case", type=case, action="append", metavar="NxDxK",
                   help=f"a problem size; repeat for several (default: "
                        f"{' '.join(DEFAULT_CASES)})")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="data type (default: float64)")
    p.add_argument("--iter", type=positive_int, default=20, metavar="N",
                   help="Lloyd iterations per call (default: 20)")
    p.add_argument("--repeat", type=positive_int, default=3, metavar="R",
                   help="calls per library; the fastest counts (default: 3)")
    p.add_argument("--no-sklearn", action="store_true",
                   help="leave scikit-learn out even when it is installed")
    add_seed(p)
    add_output_options(p)
    p.set_defaults(run=run_bench)
    return p


def _best_time(call, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        out = call()
        best = min(best, time.perf_counter() - began)
    return best, out


def _runners(n_iter, with_sklearn):
    """name -> function(data, centres) -> (its result, iterations run)."""
    import scipy.cluster.vq as scipy_vq

    from .._api._vq import kmeans2

    runners = {
        "kmeanskit": lambda x, c: (kmeans2(x, c, iter=n_iter, minit="matrix"), n_iter),
        "scipy": lambda x, c: (scipy_vq.kmeans2(x, c, iter=n_iter, minit="matrix"),
                               n_iter),
    }
    if with_sklearn and importlib.util.find_spec("sklearn") is not None:
        from sklearn.cluster import KMeans

        def sklearn(x, c):
            # tol=0: no early stop on the centres' shift (a stop on unchanged
            # labels can still come first, hence the iterations it reports)
            model = KMeans(len(c), init=c, n_init=1, max_iter=n_iter, tol=0,
                           algorithm="lloyd").fit(x)
            return model, model.n_iter_

        runners["scikit-learn"] = sklearn
    return runners


def run_bench(args):
    from .._api._kpp_init import kpp_init

    check_writable(args.output, "-o/--output")
    cases = args.case or [case(c) for c in DEFAULT_CASES]
    runners = _runners(args.iter, not args.no_sklearn)
    rows = []
    for n, d, k in cases:
        # Uniform data has no clusters to settle into, so Lloyd's labels keep
        # changing and scikit-learn (which stops when they do not) runs the
        # same iterations as the others.
        data = np.random.default_rng(args.seed).random((n, d)).astype(args.dtype)
        start = kpp_init(data, k, rng=args.seed)
        row = {"n": n, "d": d, "k": k, "dtype": args.dtype}
        for name, run in runners.items():
            note(args, f"kmeanskit bench: {n}x{d}x{k} {args.dtype}: {name}")
            seconds, (_, iterations) = _best_time(
                lambda r=run, x=data, c=start: r(x, c.copy()), args.repeat)
            row[name] = 1e3 * seconds / max(int(iterations), 1)
            row[f"{name} iterations"] = int(iterations)
        rows.append(row)
    if not rows:
        raise CliError("--case: nothing to run")
    result = {"iter": args.iter, "repeat": args.repeat, "machine": platform.machine(),
              "processor": platform.processor() or None, "ms_per_iter": rows}
    emit(args, result, _table(rows, list(runners)))
    return 0


def _table(rows, names):
    others = [name for name in names if name != "kmeanskit"]
    header = (f"{'case (NxDxK)':>18} {'dtype':>8} {'kmeanskit ms/iter':>18}"
              + "".join(f" {name + ' ratio':>19}" for name in others))
    lines, stopped = [header], False
    for r in rows:
        size = f"{r['n']}x{r['d']}x{r['k']}"
        cells = []
        for name in others:
            # a library that stopped early did less work: say so, not hide it
            early = r[f"{name} iterations"] < r["kmeanskit iterations"]
            stopped |= early
            ratio = f"{r[name] / r['kmeanskit']:.2f}" + ("*" if early else "")
            cells.append(f" {ratio:>19}")
        lines.append(f"{size:>18} {r['dtype']:>8} {r['kmeanskit']:>18.3f}"
                     + "".join(cells))
    lines.append("ratio: that library's time per iteration over kmeanskit's "
                 "(above 1: kmeanskit is faster)")
    if stopped:
        lines.append("*: stopped before --iter iterations (its labels settled); "
                     "per-call overhead then weighs more per iteration")
    return "\n".join(lines)
