"""``kmeanskit fit`` and ``kmeanskit vq``: one clustering, one assignment."""

import time
from pathlib import Path

import numpy as np

from ._common import (
    CliError,
    add_output_options,
    add_seed,
    check_plot_format,
    check_writable,
    demo_or_file,
    emit,
    load_data,
    nonnegative_float,
    positive_int,
    save_array,
    save_figure,
)

# Each method's seedings (kmedoids calls its argument `init`).
MINITS = {"kmeans": ("++", "points", "random", "||"), "minibatch": ("++", "points"),
          "kmedians": ("++", "points"), "kmedoids": ("++", "build", "random"),
          "spherical": ("++", "points")}
METHODS = tuple(MINITS)

FIT_HELP = """\
Cluster the observations of DATA (one per row) into K clusters and report the
centroids, the size of each cluster, the inertia and the time taken.  Without
DATA, cluster the built-in 3x3 grid of Gaussian blobs (900 points) into 9.

The default method is kmeanskit.kmeans2 as SciPy runs it: exactly --iter Lloyd
iterations from k-means++ centres.  --tol stops at convergence instead (then
--iter is the most), --n-init keeps the best of several starts.  The other
methods are minibatch_kmeans, kmedians, kmedoids (the centroids reported are
the medoids' rows) and spherical_kmeans, each with its own defaults.
"""

FIT_EXAMPLES = """\
examples:
  kmeanskit fit                                  # the demo: 9 clusters
  kmeanskit fit points.csv -k 4 --n-init 10 --tol 1e-4
  kmeanskit fit points.npy -k 4 --json > result.json
  kmeanskit fit points.txt -k 3 --labels labels.npy --centroids centres.npy
  kmeanskit fit points.csv -k 5 --method kmedians --plot clusters.png
"""

VQ_HELP = """\
Assign every observation of DATA to its nearest centroid of a code book saved
by 'kmeanskit fit --centroids FILE' (or any k-by-d array), as
kmeanskit.vq does.  Report the cluster sizes and the distortion (mean
Euclidean distance to the nearest centroid); save the labels and distances
with --labels and --distances.  Without DATA, use the built-in blobs.
"""

VQ_EXAMPLES = """\
examples:
  kmeanskit fit points.csv -k 4 --centroids centres.npy
  kmeanskit vq new_points.csv --code-book centres.npy --labels labels.npy
"""


def add_fit(subparsers, formatter):
    p = subparsers.add_parser(
        "fit", help="cluster a file (or the demo data) into k clusters",
        description=FIT_HELP, epilog=FIT_EXAMPLES, formatter_class=formatter)
    p.add_argument("data", nargs="?", type=Path, metavar="DATA",
                   help=".npy, .csv or .txt file, one observation per row "
                        "(default: the built-in blobs)")
    p.add_argument("-k", "--k", type=positive_int, metavar="K",
                   help="number of clusters (default: 9 for the built-in data, "
                        "else required)")
    p.add_argument("--method", choices=METHODS, default="kmeans",
                   help="algorithm (default: kmeans)")
    p.add_argument("--minit", default=None, metavar="M",
                   help="initialization: ++, points, random or || for kmeans "
                        "(default: ++); ++, build or random for kmedoids; ++ or "
                        "points for the others (their default: ++)")
    p.add_argument("--iter", type=positive_int, default=None, metavar="N",
                   help="Lloyd iterations (kmeans: exactly N without --tol, "
                        "default 10), or the most iterations (others: their default)")
    p.add_argument("--n-init", type=positive_int, default=1, metavar="N",
                   help="starts; the lowest inertia is kept (default: 1)")
    p.add_argument("--tol", type=nonnegative_float, default=None, metavar="T",
                   help="stop when the centres move less than T relative to the "
                        "data's variance (kmeans default: run all --iter)")
    p.add_argument("--weights", type=Path, metavar="FILE",
                   help="sample weights, one per observation (.npy, .csv or .txt)")
    p.add_argument("--whiten", action="store_true",
                   help="scale each feature to unit variance first (kmeanskit.whiten); "
                        "the centroids are reported in the scaled units")
    add_seed(p)
    out = add_output_options(p, plot="the clusters and their Voronoi cells")
    out.add_argument("--labels", type=Path, metavar="FILE.npy",
                     help="save the label of each observation (int32)")
    out.add_argument("--centroids", type=Path, metavar="FILE.npy",
                     help="save the centroids, k rows (a code book for 'kmeanskit vq')")
    p.set_defaults(run=run_fit)
    return p


def add_vq(subparsers, formatter):
    p = subparsers.add_parser(
        "vq", help="assign observations to the centroids of a code book",
        description=VQ_HELP, epilog=VQ_EXAMPLES, formatter_class=formatter)
    p.add_argument("data", nargs="?", type=Path, metavar="DATA",
                   help=".npy, .csv or .txt file (default: the built-in blobs)")
    p.add_argument("-c", "--code-book", type=Path, required=True, metavar="FILE",
                   help="the centroids, k rows of d numbers (.npy, .csv or .txt)")
    out = add_output_options(p, plot="the observations, centroids and cells")
    out.add_argument("--labels", type=Path, metavar="FILE.npy",
                     help="save the nearest centroid of each observation (int32)")
    out.add_argument("--distances", type=Path, metavar="FILE.npy",
                     help="save each observation's distance to it")
    p.set_defaults(run=run_vq)
    return p


def _npy_outputs(args, *options):
    for option in options:
        path = getattr(args, option)
        flag = f"--{option}"
        if path is not None and Path(path).suffix.lower() != ".npy":
            raise CliError(f"{flag} {path}: expected a .npy file name")
        check_writable(path, flag)


def _check_outputs(args, *npy):
    _npy_outputs(args, *npy)
    check_writable(args.output, "-o/--output")
    check_plot_format(args.plot)


def info_record(info):
    """The JSON form of a :class:`~kmeanskit.KMeansInfo`: the one place it is built."""
    record = {
        "inertia": info.inertia,
        "metric": info.metric,
        "n_iter": info.n_iter,
        "converged": info.converged,
        "best_start": info.best_start,
        "inertias_per_start": (None if info.inertias_per_start is None
                               else list(info.inertias_per_start)),
    }
    if info.trace is not None:
        record["trace"] = {"inertia": info.trace.inertia, "shift": info.trace.shift}
    return record


def _as_rows(centroids, d):
    """Centroids as a (k, d) array (1-D data gives 1-D centroids)."""
    return np.asarray(centroids, dtype=np.float64).reshape(-1, d)


def _fit(method, data, k, args, weights):
    """Run one method; return (centroids (k, d), labels, KMeansInfo)."""
    import kmeanskit as km

    common = {"rng": args.seed, "weights": weights, "n_init": args.n_init}
    limits = {} if args.iter is None else {"max_iter": args.iter}
    if args.tol is not None and method != "kmedoids":
        limits["tol"] = args.tol
    if method == "kmeans":
        options = {"iter": 10 if args.iter is None else args.iter,
                   "minit": args.minit or "++", "return_info": True}
        if args.tol is not None:
            options["tol"] = args.tol
        if args.n_init > 1:
            options["n_init"] = args.n_init
        if weights is not None:
            options["weights"] = weights
        return km.kmeans2(data, k, rng=args.seed, **options)
    minit = {} if args.minit is None else {"minit": args.minit}
    if method == "minibatch":
        if "tol" in limits:
            raise CliError("--tol: not used by --method minibatch, which stops when "
                           "the inertia stops improving")
        return km.minibatch_kmeans(data, k, **common, **limits, **minit)
    if method == "kmedians":
        return km.kmedians(data, k, **common, **limits, **minit)
    if method == "spherical":
        return km.spherical_kmeans(data, k, **common, **limits, **minit)
    if args.n_init > 1:
        raise CliError("--n-init: kmedoids has a single start (FasterPAM); "
                       "leave it out")
    init = {} if args.minit is None else {"init": args.minit}
    medoids, labels, info = km.kmedoids(data, k, rng=args.seed, weights=weights,
                                        **limits, **init)
    return data[np.asarray(medoids)], labels, info


def run_fit(args):
    if args.minit is not None and args.minit not in MINITS[args.method]:
        raise CliError(f"--minit {args.minit}: --method {args.method} takes one of "
                       f"{', '.join(MINITS[args.method])}")
    data, source, k = demo_or_file(args)
    _check_outputs(args, "labels", "centroids")
    weights = None
    if args.weights is not None:
        weights = load_data(args.weights, "--weights")
        if weights.shape != (data.shape[0],):
            raise CliError(f"--weights {args.weights}: expected {data.shape[0]} "
                           f"weights (one per observation), got shape {weights.shape}")
    if args.whiten:
        from .._vq import whiten

        data = whiten(data)
    start = time.perf_counter()
    centroids, labels, info = _fit(args.method, data, k, args, weights)
    seconds = time.perf_counter() - start
    d = 1 if data.ndim == 1 else data.shape[1]
    centroids = _as_rows(centroids, d)
    labels = np.asarray(labels)
    sizes = np.bincount(labels, minlength=k)
    result = {
        "data": source,
        "n_observations": int(data.shape[0]),
        "n_features": d,
        "k": k,
        "method": args.method,
        # None: the method's own default (see its docstring)
        "minit": args.minit or ("++" if args.method == "kmeans" else None),
        "iter": args.iter if args.iter is not None else (
            10 if args.method == "kmeans" else None),
        "n_init": args.n_init,
        "tol": args.tol,
        "seed": args.seed,
        "whiten": args.whiten,
        **info_record(info),
        "centroids": centroids,
        "sizes": sizes,
        "seconds": seconds,
    }
    save_array(args.labels, labels.astype(np.int32), "--labels")
    save_array(args.centroids, centroids if data.ndim == 2 else centroids[:, 0],
               "--centroids")
    if args.plot is not None:
        from ..plotting import plot_clusters

        art = plot_clusters(data, centroids if data.ndim == 2 else centroids[:, 0],
                            labels)
        art.ax.set_title(f"{args.method}, k = {k}: inertia {info.inertia:.4g}")
        save_figure(art.ax.figure, args.plot)
    emit(args, result, _fit_text(result))
    return 0


def _fit_text(r):
    converged = ("converged" if r["converged"] else "did not converge") \
        if r["tol"] is not None or r["method"] != "kmeans" else "fixed iterations"
    lines = [
        f"kmeanskit: k={r['k']} on {r['data']}: {r['n_observations']} observations x "
        f"{r['n_features']} features ({r['method']}, "
        f"minit={r['minit'] or 'default'!r}, iter={r['iter'] or 'default'}, "
        f"seed={r['seed']})",
        f"{'cluster':>7}  {'size':>6}  centroid",
    ]
    for j, (centre, size) in enumerate(zip(r["centroids"], r["sizes"], strict=True)):
        coords = "  ".join(f"{v: .6g}" for v in centre)
        lines.append(f"{j:>7}  {size:>6}  {coords}")
    lines.append(f"inertia ({r['metric']}): {r['inertia']:.6g} after {r['n_iter']} "
                 f"iterations, {converged}")
    lines.append(f"time: {r['seconds'] * 1e3:.2f} ms")
    return "\n".join(lines)


def run_vq(args):
    from .._vq import vq

    if args.data is None:
        from ..datasets import grid_blobs
        from ._common import DEMO

        data, source = grid_blobs()[0], DEMO
    else:
        data, source = load_data(args.data), str(args.data)
    book = load_data(args.code_book, "--code-book")
    d = 1 if data.ndim == 1 else data.shape[1]
    if data.ndim == 2:
        book = book.reshape(1, -1) if book.ndim == 1 and d > 1 else book
        if book.ndim != 2 or book.shape[1] != d:
            raise CliError(f"--code-book {args.code_book}: expected {d} columns (DATA "
                           f"has {d} features), got shape {book.shape}")
    elif book.ndim != 1:
        raise CliError(f"--code-book {args.code_book}: DATA has one feature, so the "
                       f"code book must be one column, got shape {book.shape}")
    _check_outputs(args, "labels", "distances")
    start = time.perf_counter()
    labels, dist = vq(data, book.astype(data.dtype, copy=False))
    seconds = time.perf_counter() - start
    k = book.shape[0]
    result = {
        "data": source, "code_book": str(args.code_book),
        "n_observations": int(data.shape[0]), "n_features": d, "k": k,
        "sizes": np.bincount(labels, minlength=k),
        "distortion": float(np.mean(dist, dtype=np.float64)),
        "inertia": float(np.sum(np.square(dist, dtype=np.float64))),
        "seconds": seconds,
    }
    save_array(args.labels, labels.astype(np.int32), "--labels")
    save_array(args.distances, dist, "--distances")
    if args.plot is not None:
        from ..plotting import plot_clusters

        art = plot_clusters(data, book, labels)
        save_figure(art.ax.figure, args.plot)
    sizes = ", ".join(str(s) for s in result["sizes"])
    emit(args, result,
         f"kmeanskit vq: {result['n_observations']} observations of {source} against "
         f"{k} centroids\nsizes: {sizes}\n"
         f"distortion (mean distance): {result['distortion']:.6g}\n"
         f"inertia (sum of squared distances): {result['inertia']:.6g}\n"
         f"time: {seconds * 1e3:.2f} ms")
    return 0
