"""``kmeanskit choose-k`` and ``kmeanskit study``: the two long-running sweeps."""

from pathlib import Path

from ._common import (
    CliError,
    add_data_command,
    add_output_options,
    add_seed,
    check_no_reading_options,
    check_plot_format,
    check_writable,
    choice_list,
    emit,
    int_list,
    nonnegative_float,
    positive_int,
    read_data,
    save_figure,
)

CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "aic",
            "elbow", "gap")
INITS = ("greedy++", "++", "points")
STUDY_METHODS = ("kmeans", "minibatch")

CHOOSE_K_HELP = """\
Fit k-means once for each K of --ks (the best of --n-init greedy k-means++
starts, Lloyd to convergence) and judge every fit by each criterion: mean
silhouette, Calinski-Harabasz, Davies-Bouldin, BIC, AIC and the knee of the
inertia curve (add the gap statistic with --gap).  Print one row per K, which
K each rule picks, and the recommendation (smallest BIC; see the
documentation's "Choosing k").  Without DATA, sweep the built-in 3x3 grid of
blobs, whose true K is 9.
"""

CHOOSE_K_EXAMPLES = """\
examples:
  kmeanskit choose-k                               # the demo: finds 9
  kmeanskit choose-k points.csv --ks 1-15 --plot criteria.png
  kmeanskit choose-k points.npy --ks 2,4,8,16 --gap -q --json
"""

STUDY_HELP = """\
How much does the result of k-means depend on its start?  Fit every
combination of --methods, --inits and --n-init on each of --runs data sets and
print the mean and standard deviation of the inertia reached per combination,
and how many runs reached the best partition found (scikit-learn's example
"Empirical evaluation of the impact of k-means initialization", as
kmeanskit.stability_study).  Without DATA, each run draws the example's own
data set (kmeanskit.datasets.init_study_blobs, K = 9); with DATA, every run
clusters the same data with different seeds.
"""

STUDY_EXAMPLES = """\
examples:
  kmeanskit study                                  # the example, 125 fits
  kmeanskit study --plot stability.png
  kmeanskit study points.npy -k 5 --methods kmeans --n-init 1,10 --runs 10 --json
"""


def add_choose_k(subparsers, formatter):
    p = add_data_command(
        subparsers, formatter, "choose-k", run=run_choose_k,
        help="fit a range of k and rank them by every criterion",
        description=CHOOSE_K_HELP, epilog=CHOOSE_K_EXAMPLES)
    p.add_argument("--ks", type=int_list, default=None, metavar="LIST",
                   help="numbers of clusters: a range '1-12', a list '2,4,8' or both "
                        "(default: 1-12 for the built-in data, else 1-10)")
    p.add_argument("--criteria", type=choice_list(CRITERIA), default=None,
                   metavar="LIST",
                   help=f"comma-separated, among {', '.join(CRITERIA)} (default: all "
                        "but gap; bic is always computed)")
    p.add_argument("--gap", action="store_true",
                   help="add the gap statistic (costs 10 reference fits per k)")
    p.add_argument("--n-init", type=positive_int, default=10, metavar="N",
                   help="starts per k (default: 10)")
    p.add_argument("--tol", type=nonnegative_float, default=1e-4, metavar="T",
                   help="convergence tolerance (default: 1e-4)")
    add_seed(p)
    add_output_options(p, plot="every criterion against k")
    return p


def add_study(subparsers, formatter):
    p = add_data_command(
        subparsers, formatter, "study", run=run_study,
        help="how the result depends on the seeding and the starts",
        description=STUDY_HELP, epilog=STUDY_EXAMPLES,
        data_default="the example's data sets", with_k=True)
    p.add_argument("--methods", type=choice_list(STUDY_METHODS), default=None,
                   metavar="LIST", help="kmeans, minibatch or both (default: both)")
    p.add_argument("--inits", type=choice_list(INITS), default=None, metavar="LIST",
                   help="seedings among greedy++, ++ and points (k random rows, "
                        "once spelled random; default: all)")
    p.add_argument("--n-init", type=int_list, default=None, metavar="LIST",
                   help="numbers of starts (default: 1,5,10,15,20)")
    p.add_argument("--runs", type=positive_int, default=5, metavar="N",
                   help="data sets, or seeds with DATA (default: 5)")
    add_seed(p)
    add_output_options(p, plot="mean inertia +- std against the number of starts")
    return p


def _outputs(args):
    check_writable(args.output, "-o/--output")
    check_plot_format(args.plot)


def run_choose_k(args):
    from .._selection._choose_k import DEFAULT_CRITERIA, choose_k

    data, names, source = read_data(args)
    ks = args.ks or list(range(1, 13 if args.data is None else 11))
    if ks[-1] > data.shape[0]:
        raise CliError(f"--ks: k = {ks[-1]} is more than the {data.shape[0]} "
                       f"observations of {source}")
    criteria = list(args.criteria or DEFAULT_CRITERIA)
    if args.gap and "gap" not in criteria:
        criteria.append("gap")
    _outputs(args)
    result = choose_k(data, ks, criteria=criteria, n_init=args.n_init, tol=args.tol,
                      rng=args.seed, progress=not args.quiet)
    record = {"data": source, "n_observations": int(data.shape[0]),
              "features": names, "k": result.k, "rule": result.rule,
              "at_boundary": result.at_boundary, "best": result.best,
              "table": result.rows(), "seed": args.seed}
    if args.plot is not None:
        from ..plotting import plot_choose_k

        art = plot_choose_k(result)
        art.ax.set_title(f"choose_k on {Path(source).name}: k = {result.k} "
                         f"by {result.rule}")
        save_figure(art.ax.figure, args.plot)
    emit(args, record, str(result))
    return 0


def run_study(args):
    from .._selection._study import stability_study

    if args.data is None:
        from ..datasets import init_study_blobs

        check_no_reading_options(args)
        data, k = init_study_blobs, 9 if args.k is None else args.k
        source = "scikit-learn's initialization-study data sets (one per run)"
    else:
        if args.k is None:
            raise CliError("-k/--k: required when DATA is given")
        data, _, source = read_data(args)
        k = args.k
    _outputs(args)
    options = {name: getattr(args, attr) for name, attr in
               (("methods", "methods"), ("inits", "inits"), ("n_init", "n_init"))
               if getattr(args, attr) is not None}
    study = stability_study(data, k, n_runs=args.runs, rng=args.seed,
                            progress=not args.quiet, **options)
    record = {"data": source, "k": k, "runs": args.runs, "seed": args.seed,
              "summary": study.rows("summary"), "records": study.rows("records"),
              "best_per_run": study.best_per_run}
    if args.plot is not None:
        from ..plotting import plot_stability

        art = plot_stability(study.records)
        art.ax.set_title(f"stability of k-means, k = {k}, {args.runs} runs")
        save_figure(art.ax.figure, args.plot)
    emit(args, record, f"kmeanskit study: k = {k} on {source}\n{study.format()}")
    return 0
