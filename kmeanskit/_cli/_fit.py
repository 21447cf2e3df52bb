"""``kmeanskit fit`` and ``kmeanskit vq``: one clustering, one assignment."""

import time
from pathlib import Path

import numpy as np

from ._common import (
    CliError,
    add_data_command,
    add_output_options,
    add_seed,
    check_array_output,
    check_plot_format,
    check_writable,
    demo_or_file,
    emit,
    load_data,
    load_table,
    nonnegative_float,
    positive_int,
    read_data,
    save_array,
    save_figure,
)

# Each method's seedings, in the functions' vocabulary (passed to kmeans2 as
# `minit`, to the others as `init`).
_VARIANT_INITS = ("greedy++", "points", "random", "||")
MINITS = {"kmeans": ("++", "greedy++", "points", "random", "||"),
          "minibatch": _VARIANT_INITS, "kmedians": _VARIANT_INITS,
          "kmedoids": ("++", "build", "points"), "spherical": _VARIANT_INITS}
METHODS = tuple(MINITS)
# Values whose meaning changed, refused for one release with the new spelling:
# the variants' '++' was greedy k-means++, kmedoids' 'random' was k rows.
_RENAMED = {"minibatch": {"++": "greedy++"}, "kmedians": {"++": "greedy++"},
            "spherical": {"++": "greedy++"}, "kmedoids": {"random": "points"}}
# --method kmeans by default: scikit-learn's KMeans settings, which find the
# good partition far more often than SciPy's one start of 10 iterations.
KMEANS_N_INIT = 10
KMEANS_TOL = 1e-4
KMEANS_MAX_ITER = 300   # with a tolerance, as scikit-learn's max_iter

FIT_HELP = f"""\
Cluster the observations of DATA (one per row) into K clusters and report the
centroids, the size of each cluster, the inertia and the time taken.  Without
DATA, cluster the built-in 3x3 grid of Gaussian blobs (900 points) into 9.

The default method, kmeans, is kmeanskit.kmeans2 with scikit-learn's settings:
the best of {KMEANS_N_INIT} k-means++ starts (--n-init), each run until the centres
move less than --tol {KMEANS_TOL:g}, for at most {KMEANS_MAX_ITER} iterations.  --iter N
without --tol runs exactly N iterations instead, as SciPy does: '--n-init 1
--iter 10' is SciPy's kmeans2(data, k, iter=10, minit='++'), and adding
'--minit random' gives SciPy's own default seeding.  The other methods are
minibatch_kmeans, kmedians, kmedoids (the centroids reported are the medoids'
rows) and spherical_kmeans, each with its own defaults.

--labels, --centroids (and vq's --distances) write .npy, .csv or .txt as the
file name ends; a .csv of centroids starts with DATA's column names when it
has a header.
"""

FIT_EXAMPLES = """\
examples:
  kmeanskit fit                                  # the demo: 9 clusters
  kmeanskit fit points.csv -k 4 --centroids centres.csv --labels labels.csv
  kmeanskit fit points.npy -k 4 --json --json-labels > result.json
  kmeanskit fit points.txt -k 3 --n-init 1 --iter 10   # SciPy's 10 iterations
  kmeanskit fit measures.csv -k 4 --delimiter ';' --no-header
  kmeanskit fit points.csv -k 5 --method kmedians --plot clusters.png
"""

VQ_HELP = """\
Assign every observation of DATA to its nearest centroid of a code book saved
by 'kmeanskit fit --centroids FILE' (or any k-by-d array), as
kmeanskit.vq does.  Report the cluster sizes and the distortion (mean
Euclidean distance to the nearest centroid); save the labels and distances
with --labels and --distances (.npy, .csv or .txt).  Without DATA, use the
built-in blobs.  --delimiter and --header apply to DATA; the code book is
read as its extension says.
"""

VQ_EXAMPLES = """\
examples:
  kmeanskit fit points.csv -k 4 --centroids centres.csv
  kmeanskit vq new_points.csv --code-book centres.csv --labels labels.csv
"""

ARRAY_FILE = "FILE"
ARRAY_FORMATS = ".npy, .csv or .txt"


def add_label_outputs(group, what):
    """--json-labels and --labels FILE, which saves ``what``."""
    group.add_argument("--json-labels", action="store_true",
                       help="put the label of every observation in the JSON "
                            "(\"labels\"; with --json or -o)")
    group.add_argument("--labels", type=Path, metavar=ARRAY_FILE,
                       help=f"save {what} ({ARRAY_FORMATS})")


def add_fit(subparsers, formatter):
    p = add_data_command(
        subparsers, formatter, "fit", run=run_fit,
        help="cluster a file (or the demo data) into k clusters",
        description=FIT_HELP, epilog=FIT_EXAMPLES, with_k=True)
    p.add_argument("--method", choices=METHODS, default="kmeans",
                   help="algorithm (default: kmeans)")
    p.add_argument("--minit", "--init", dest="minit", default=None, metavar="M",
                   help="initialization: ++, greedy++, points, random or || for "
                        "kmeans (default: ++); ++, build or points for kmedoids; "
                        "greedy++, points, random or || for the others (their "
                        "default: greedy++)")
    p.add_argument("--iter", type=positive_int, default=None, metavar="N",
                   help=f"kmeans: exactly N Lloyd iterations when --tol is not "
                        f"given (SciPy's rule), else the most (default: "
                        f"{KMEANS_MAX_ITER}); others: the most iterations (their "
                        "default)")
    p.add_argument("--n-init", type=positive_int, default=None, metavar="N",
                   help=f"starts; the lowest inertia is kept (default: "
                        f"{KMEANS_N_INIT} for kmeans, 1 for the others)")
    p.add_argument("--tol", type=nonnegative_float, default=None, metavar="T",
                   help=f"stop when the centres move less than T relative to the "
                        f"data's variance (kmeans default: {KMEANS_TOL:g} with at "
                        f"most {KMEANS_MAX_ITER} iterations, or none when --iter "
                        "is given)")
    p.add_argument("--weights", type=Path, metavar="FILE",
                   help="sample weights, one per observation (.npy, .csv or .txt)")
    p.add_argument("--whiten", action="store_true",
                   help="scale each feature to unit variance first (kmeanskit.whiten); "
                        "the centroids are reported in the scaled units")
    add_seed(p)
    out = add_output_options(p, plot="the clusters and their Voronoi cells")
    add_label_outputs(out, "the label of each observation, an integer from 0")
    out.add_argument("--centroids", type=Path, metavar=ARRAY_FILE,
                     help=f"save the centroids, k rows, a code book for 'kmeanskit "
                          f"vq' ({ARRAY_FORMATS})")
    return p


def add_vq(subparsers, formatter):
    p = add_data_command(
        subparsers, formatter, "vq", run=run_vq,
        help="assign observations to the centroids of a code book",
        description=VQ_HELP, epilog=VQ_EXAMPLES)
    p.add_argument("-c", "--code-book", type=Path, required=True, metavar="FILE",
                   help="the centroids, k rows of d numbers (.npy, .csv or .txt)")
    out = add_output_options(p, plot="the observations, centroids and cells")
    add_label_outputs(out, "the nearest centroid of each observation")
    out.add_argument("--distances", type=Path, metavar=ARRAY_FILE,
                     help=f"save each observation's distance to it ({ARRAY_FORMATS})")
    return p


def _check_outputs(args, *arrays):
    """Fail on a bad output before the work, not after it."""
    for option in arrays:
        check_array_output(getattr(args, option), f"--{option}")
    if args.json_labels and not (args.json or args.output is not None):
        raise CliError("--json-labels: adds the labels to the JSON; give --json "
                       "or -o FILE too")
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


def settings(args):
    """The iterations, tolerance and starts a fit runs with, defaults resolved.

    Parameters
    ----------
    args : argparse.Namespace
        ``fit``'s options: ``method``, ``iter``, ``tol`` and ``n_init``.

    Returns
    -------
    dict
        ``iter``, ``tol`` and ``n_init``.  ``iter`` and ``tol`` are None where
        the method's own default applies; for kmeans, ``tol`` None means
        exactly ``iter`` iterations (SciPy's rule), and a tolerance without
        ``--iter`` gets scikit-learn's limit of 300.
    """
    n_init = args.n_init
    if args.method != "kmeans":
        return {"iter": args.iter, "tol": args.tol,
                "n_init": 1 if n_init is None else n_init}
    tol = args.tol
    if tol is None and args.iter is None:
        tol = KMEANS_TOL
    iter_ = args.iter if args.iter is not None else KMEANS_MAX_ITER
    return {"iter": iter_, "tol": tol,
            "n_init": KMEANS_N_INIT if n_init is None else n_init}


def _fit(method, data, k, args, weights, run):
    """Run one method with the `run` settings; return (centroids, labels, info)."""
    import kmeanskit as km

    if method == "kmeans":
        options = {"iter": run["iter"], "minit": args.minit or "++",
                   "return_info": True}
        if run["tol"] is not None:
            options["tol"] = run["tol"]
        if run["n_init"] > 1:
            options["n_init"] = run["n_init"]
        if weights is not None:
            options["weights"] = weights
        return km.kmeans2(data, k, rng=args.seed, **options)
    limits = {} if run["iter"] is None else {"max_iter": run["iter"]}
    if run["tol"] is not None and method != "kmedoids":
        limits["tol"] = run["tol"]
    init = {} if args.minit is None else {"init": args.minit}
    common = {"rng": args.seed, "weights": weights, "n_init": run["n_init"]}
    if method == "minibatch":
        if "tol" in limits:
            raise CliError("--tol: not used by --method minibatch, which stops when "
                           "the inertia stops improving")
        return km.minibatch_kmeans(data, k, **common, **limits, **init)
    if method == "kmedians":
        return km.kmedians(data, k, **common, **limits, **init)
    if method == "spherical":
        return km.spherical_kmeans(data, k, **common, **limits, **init)
    if run["n_init"] > 1:
        raise CliError("--n-init: kmedoids has a single start (FasterPAM); "
                       "leave it out")
    medoids, labels, info = km.kmedoids(data, k, rng=args.seed, weights=weights,
                                        **limits, **init)
    return data[np.asarray(medoids)], labels, info


def _weights(args, n):
    """The --weights file's values, one per observation, or None."""
    if args.weights is None:
        return None
    weights = load_data(args.weights, "--weights")
    if weights.shape != (n,):
        raise CliError(f"--weights {args.weights}: expected {n} weights (one per "
                       f"observation), got shape {weights.shape}")
    return weights


def run_fit(args):
    renamed = _RENAMED.get(args.method, {}).get(args.minit)
    if renamed is not None:
        raise CliError(f"--minit {args.minit}: for --method {args.method} this is "
                       f"now spelled --minit {renamed}")
    if args.minit is not None and args.minit not in MINITS[args.method]:
        raise CliError(f"--minit {args.minit}: --method {args.method} takes one of "
                       f"{', '.join(MINITS[args.method])}")
    data, names, source, k = demo_or_file(args)
    _check_outputs(args, "labels", "centroids")
    weights = _weights(args, data.shape[0])
    if args.whiten:
        from .._api._vq import whiten

        data = whiten(data)
    run = settings(args)
    start = time.perf_counter()
    centroids, labels, info = _fit(args.method, data, k, args, weights, run)
    seconds = time.perf_counter() - start
    d = 1 if data.ndim == 1 else data.shape[1]
    centroids = _as_rows(centroids, d)
    labels = np.asarray(labels, dtype=np.int32)
    result = {
        "data": source,
        "n_observations": int(data.shape[0]),
        "n_features": d,
        "features": names,
        "k": k,
        "method": args.method,
        # None: the method's own default (see its docstring)
        "minit": args.minit or ("++" if args.method == "kmeans" else None),
        **run,
        "seed": args.seed,
        "whiten": args.whiten,
        **info_record(info),
        "centroids": centroids,
        "sizes": np.bincount(labels, minlength=k),
        "seconds": seconds,
    }
    if args.json_labels:
        result["labels"] = labels
    save_array(args.labels, labels, "--labels")
    save_array(args.centroids, centroids if data.ndim == 2 else centroids[:, 0],
               "--centroids", names=names)
    if args.plot is not None:
        from ..plotting import plot_clusters

        art = plot_clusters(data, centroids if data.ndim == 2 else centroids[:, 0],
                            labels)
        art.ax.set_title(f"{args.method}, k = {k}: inertia {info.inertia:.4g}")
        save_figure(art.ax.figure, args.plot)
    emit(args, result, _fit_text(result))
    return 0


def centroid_table(centroids, sizes, headings):
    """Lines of a table: cluster, size, then one right-aligned column per feature.

    Every column is as wide as its widest entry, heading included, so the
    values line up whatever their sign or length.

    Parameters
    ----------
    centroids : array_like, shape (k, d)
        One row per cluster.
    sizes : array_like of int, shape (k,)
        The number of observations of each cluster.
    headings : sequence, length d
        The features' names, or their indices.

    Returns
    -------
    list of str
        The heading line, then one line per cluster.
    """
    columns = [["cluster", *map(str, range(len(sizes)))],
               ["size", *map(str, sizes)]]
    for j, heading in enumerate(headings):
        columns.append([str(heading), *(f"{row[j]:.6g}" for row in centroids)])
    widths = [max(map(len, column)) for column in columns]
    return ["  ".join(column[i].rjust(width)
                      for column, width in zip(columns, widths, strict=True))
            for i in range(len(columns[0]))]


def _settings_text(r):
    if r["method"] != "kmeans":
        return (f"minit={r['minit'] or 'default'!r}, n_init={r['n_init']}, "
                f"iter={r['iter'] or 'default'}")
    iterations = (f"iter={r['iter']} (fixed)" if r["tol"] is None
                  else f"tol={r['tol']:g}, iter<={r['iter']}")
    return f"minit={r['minit']!r}, n_init={r['n_init']}, {iterations}"


def _fit_text(r):
    converged = ("converged" if r["converged"] else "did not converge") \
        if r["tol"] is not None or r["method"] != "kmeans" else "fixed iterations"
    starts = f" (the best of {r['n_init']} starts)" if r["n_init"] > 1 else ""
    headings = r["features"] or range(r["n_features"])
    return "\n".join([
        f"kmeanskit: k={r['k']} on {r['data']}: {r['n_observations']} observations x "
        f"{r['n_features']} features ({r['method']}, {_settings_text(r)}, "
        f"seed={r['seed']})",
        "centroids:",
        *centroid_table(r["centroids"], r["sizes"], headings),
        f"inertia ({r['metric']}): {r['inertia']:.6g} after {r['n_iter']} "
        f"iterations, {converged}{starts}",
        f"time: {r['seconds'] * 1e3:.2f} ms",
    ])


def _code_book(args, d, names):
    """The --code-book file's centroids, checked against DATA's d features."""
    book, book_names = load_table(args.code_book, "--code-book")
    if d > 1 and book.ndim == 1:
        book = book.reshape(1, -1)
    if d > 1 and (book.ndim != 2 or book.shape[1] != d):
        raise CliError(f"--code-book {args.code_book}: expected {d} columns (DATA "
                       f"has {d} features), got shape {book.shape}")
    if d == 1 and book.ndim != 1:
        raise CliError(f"--code-book {args.code_book}: DATA has one feature, so the "
                       f"code book must be one column, got shape {book.shape}")
    if names is not None and book_names is not None and names != book_names:
        raise CliError(f"--code-book {args.code_book}: its columns are "
                       f"{', '.join(book_names)}, DATA's are {', '.join(names)}")
    return book


def run_vq(args):
    from .._api._vq import vq

    data, names, source = read_data(args)
    d = 1 if data.ndim == 1 else data.shape[1]
    book = _code_book(args, d, names)
    _check_outputs(args, "labels", "distances")
    start = time.perf_counter()
    labels, dist = vq(data, book.astype(data.dtype, copy=False))
    seconds = time.perf_counter() - start
    k = book.shape[0]
    result = {
        "data": source, "code_book": str(args.code_book),
        "n_observations": int(data.shape[0]), "n_features": d, "features": names,
        "k": k, "sizes": np.bincount(labels, minlength=k),
        "distortion": float(np.mean(dist, dtype=np.float64)),
        "inertia": float(np.sum(np.square(dist, dtype=np.float64))),
        "seconds": seconds,
    }
    if args.json_labels:
        result["labels"] = labels
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
