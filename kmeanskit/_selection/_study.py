"""The stability study: how much the result of k-means depends on its start.

scikit-learn's example "Empirical evaluation of the impact of k-means
initialization", as a library function: fit every (method, seeding,
number of starts) on several data sets and tabulate the inertia reached.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from .._backends._dispatch import dispatch
from .._base._docstrings import fill_doc
from .._base._progress import Progress, check_progress
from .._base._validate import check_count
from .._core._fit import INITS, check_init, fit_kmeans
from .._core._lloyd import tolerance_scale

__all__ = ["METHODS", "StudyResult", "stability_study"]

METHODS = ("kmeans", "minibatch")

# The mini-batch cells of scikit-learn's example (its plain k-means++ cell
# is left out, as there).
_MINIBATCH_INITS = ("greedy++", "points")

AT_BEST_RTOL = 1e-6
"""A run is "at the best" when its inertia is within this relative distance
of the lowest inertia any cell reached on that run's data."""


@dataclass(frozen=True)
class StudyResult:
    """The table of a :func:`stability_study`.

    Attributes
    ----------
    k : int
        Number of clusters.
    records : dict of str to ndarray
        The tidy table, one row per fit: ``method``, ``init``, ``n_init``,
        ``run``, ``inertia``, ``n_iter`` (iterations of the kept start; steps
        for mini-batch), ``converged``, ``time`` (seconds).
    summary : dict of str to ndarray
        One row per (method, init, n_init) cell: ``method``, ``init``,
        ``n_init``, ``mean`` and ``std`` of the inertia over the runs (std
        with divisor n_runs, as the example's error bars), ``min``, ``max``,
        ``at_best`` (runs within ``1e-6`` relative of the lowest inertia of
        any cell on that run's data), ``mean_n_iter``, ``mean_time``.
    best_per_run : ndarray
        The lowest inertia of any cell, per run.
    """

    k: int
    records: dict = field(repr=False)
    summary: dict = field(repr=False)
    best_per_run: np.ndarray = field(repr=False)

    def cell(self, method, init, n_init):
        """Inertia of every run of one cell (ordered by run)."""
        r = self.records
        mask = (r["method"] == method) & (r["init"] == init) & (r["n_init"] == n_init)
        if not mask.any():
            raise KeyError(f"no cell ({method!r}, {init!r}, {n_init!r}) in the study")
        return r["inertia"][mask][np.argsort(r["run"][mask])]

    def rows(self, table="summary"):
        """``'summary'`` (default) or ``'records'`` as a list of dicts."""
        columns = {"summary": self.summary, "records": self.records}[table]
        names = list(columns)
        length = len(columns[names[0]])
        return [{name: _python(columns[name][i]) for name in names}
                for i in range(length)]

    def format(self):
        """The summary as a text table."""
        s = self.summary
        n_runs = len(self.best_per_run)
        lines = [f"{'method':<10} {'init':<9} {'n_init':>6} {'mean':>10} "
                 f"{'std':>9} {'at best':>8} {'n_iter':>7} {'time (s)':>9}"]
        for i in range(len(s["method"])):
            lines.append(
                f"{s['method'][i]:<10} {s['init'][i]:<9} {int(s['n_init'][i]):>6d} "
                f"{s['mean'][i]:>10.4g} {s['std'][i]:>9.3g} "
                f"{int(s['at_best'][i]):>4d}/{n_runs:<3d} {s['mean_n_iter'][i]:>7.1f} "
                f"{s['mean_time'][i]:>9.4f}")
        return "\n".join(lines)

    def __str__(self):
        return self.format()


def _python(value):
    """A table cell as a Python object (NumPy scalars unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_choices(values, name, allowed):
    values = (values,) if isinstance(values, str) else tuple(values)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ValueError(f"{name} must be a non-empty selection of {allowed}, got "
                         f"{values!r}.")
    return values


def _run_data(data, run):
    """The data of run ``run``: ``data`` itself, or what ``data(run)``
    returns (an array, or a tuple whose first element is the array)."""
    if not callable(data):
        return data
    made = data(run)
    if isinstance(made, tuple):
        made = made[0]
    return made


def _prepare_run(data, workers):
    """The run's data dispatched once (Dask computed once, for every cell),
    its engine and ``tol``'s scale."""
    route = dispatch("stability_study", data, names=("data",))
    values = route.as_data(route.arrays[0], "data", check_finite=True)
    if values.ndim != 2:
        raise ValueError(
            f"data must be 2-D (observations by features), got shape "
            f"{tuple(values.shape)}.")
    engine = route.engine(workers)
    return values, engine, tolerance_scale(engine, values)


@fill_doc
def stability_study(data, k, *, methods=METHODS, inits=INITS, n_init=(1, 5, 10, 15, 20),
                    n_runs=5, rng=None, max_iter=300, tol=1e-4,
                    minibatch_options=None, workers=None, progress=False):
    """Fit k-means many times and tabulate how the result depends on the start.

    For each run (a data set), each method, each seeding and each number of
    starts, one fit; the inertia it reaches, its iterations and its time
    go in a tidy table, summarised per cell by the mean and standard
    deviation over the runs.  The experiment of scikit-learn's example
    "Empirical evaluation of the impact of k-means initialization".

    Parameters
    ----------
    data : array_like or callable
        The observations (M, N), the same for every run; or a function
        called as ``data(run)`` for ``run`` in ``range(n_runs)`` returning
        that run's observations (or a tuple whose first element they are,
        as :func:`kmeanskit.datasets.init_study_blobs` returns).
    k : int
        Number of clusters.
    methods : sequence of {'kmeans', 'minibatch'}, optional
        Lloyd's algorithm to convergence (scikit-learn's ``KMeans``
        defaults: ``max_iter=300``, ``tol=1e-4``), and
        :func:`minibatch_kmeans`.  Default: both.
    inits : sequence of {'greedy++', '++', 'points'}, optional
        Seedings: greedy k-means++ (scikit-learn's), plain k-means++
        (SciPy's and the textbook's) and k distinct observations drawn at
        random (scikit-learn's ``init='random'``).  Default: all three
        (as in the example, mini-batch runs no plain k-means++ cell).
        'random', the old spelling of 'points', raises a ``ValueError``
        naming 'points' for one release.
    n_init : sequence of int, optional
        Numbers of starts.  Default: (1, 5, 10, 15, 20).
    n_runs : int, optional
        Number of runs.  Default: 5.
    rng : {None, int, numpy.random.Generator}, optional
        Source of the fits' draws (see Notes).
    max_iter, tol : optional
        Lloyd's limits (see :func:`choose_k`).  Defaults: 300, 1e-4.
    minibatch_options : dict, optional
        Further keyword arguments of :func:`minibatch_kmeans` (e.g.
        ``{'max_no_improvement': 3}``, the example's setting).
    {{workers}}
    {{progress}}

    Returns
    -------
    StudyResult
        ``records`` (one row per fit), ``summary`` (one row per cell),
        ``best_per_run``; ``cell(method, init, n_init)`` gives one cell's
        inertias and ``format()`` the summary as text.

    Raises
    ------
    ValueError
        On an unknown method or seeding, an empty selection, ``n_runs < 1``,
        a number of starts below 1, or data that is not 2-D.
    TypeError
        On non-integer `k`, `n_runs` or numbers of starts.

    See Also
    --------
    choose_k : the other question: how many clusters.

    Notes
    -----
    As in the example, every cell of run ``r`` uses the same seed: the
    fits of run ``r`` draw from a fresh ``numpy.random.default_rng(s_r)``
    with ``s_r`` the seed sequence of ``numpy.random.default_rng(rng).spawn(
    n_runs)[r]``.  So the cells of one run differ only by method, seeding
    and number of starts, and the n_init = 5 starts of a Lloyd fit are the
    first five of its n_init = 10 starts.

    The spread of the inertia over the runs mixes two things: how far a
    fit is from the best partition, and how the best partition's inertia
    varies between data sets.  ``at_best`` separates them: on the
    example's data every greedy k-means++ fit is at the best (the mean
    equals the optimum, the std is the data sets' spread), while random
    seeding reaches it only with enough starts.

    Examples
    --------
    >>> from kmeanskit import stability_study
    >>> from kmeanskit.datasets import init_study_blobs
    >>> study = stability_study(init_study_blobs, 9, methods=["kmeans"],
    ...                         inits=["greedy++", "points"], n_init=[1, 10],
    ...                         n_runs=3, rng=0)
    >>> study.summary["mean"].round(1).tolist()
    [18.1, 18.1, 116.8, 18.1]
    >>> study.summary["at_best"].tolist()
    [3, 3, 0, 3]
    """
    k = check_count(k, "k")
    methods = _check_choices(methods, "methods", METHODS)
    inits = (inits,) if isinstance(inits, str) else tuple(inits)
    if "random" in inits:
        check_init("random", "inits")  # its old meaning: raises naming 'points'
    inits = _check_choices(inits, "inits", INITS)
    starts = (n_init,) if isinstance(n_init, int) else tuple(n_init)
    if not starts:
        raise ValueError("n_init is empty.")
    starts = tuple(check_count(s, "n_init") for s in starts)
    n_runs = check_count(n_runs, "n_runs")
    max_iter = check_count(max_iter, "max_iter")
    check_progress(progress)
    options = dict(minibatch_options or {})
    seeds = [g.bit_generator.seed_seq for g in np.random.default_rng(rng).spawn(n_runs)]
    cells = [(m, i, s) for m in methods for i in inits for s in starts
             if not (m == "minibatch" and i not in _MINIBATCH_INITS)]
    if not cells:
        raise ValueError("no cell to run: mini-batch has no plain k-means++ seeding.")

    columns = {name: [] for name in ("method", "init", "n_init", "run", "inertia",
                                     "n_iter", "converged", "time")}
    with Progress(len(cells) * n_runs, "stability study", progress) as bar:
        for run in range(n_runs):
            if callable(data) or run == 0:
                x, engine, scale = _prepare_run(_run_data(data, run), workers)
            for method, init, starts_ in cells:
                cell_rng = np.random.default_rng(seeds[run])
                began = time.perf_counter()
                if method == "kmeans":
                    info = fit_kmeans(engine, x, k, init=init, n_init=starts_,
                                      rng=cell_rng, max_iter=max_iter, tol=tol,
                                      tol_scale=scale).info
                else:
                    from .._api._minibatch import minibatch_kmeans

                    info = minibatch_kmeans(x, k, init=init,
                                            n_init=starts_, rng=cell_rng,
                                            workers=workers, **options)[2]
                elapsed = time.perf_counter() - began
                for name, value in (("method", method), ("init", init),
                                    ("n_init", starts_), ("run", run),
                                    ("inertia", info.inertia), ("n_iter", info.n_iter),
                                    ("converged", info.converged), ("time", elapsed)):
                    columns[name].append(value)
                bar.update(f"run {run}, {method} {init} n_init={starts_}")
    return _summarise(k, columns, cells, n_runs)


def _summarise(k, columns, cells, n_runs):
    records = {
        "method": np.asarray(columns["method"], dtype=object),
        "init": np.asarray(columns["init"], dtype=object),
        "n_init": np.asarray(columns["n_init"], dtype=np.int64),
        "run": np.asarray(columns["run"], dtype=np.int64),
        "inertia": np.asarray(columns["inertia"], dtype=np.float64),
        "n_iter": np.asarray(columns["n_iter"], dtype=np.int64),
        "converged": np.asarray(columns["converged"], dtype=bool),
        "time": np.asarray(columns["time"], dtype=np.float64),
    }
    best = np.array([records["inertia"][records["run"] == r].min()
                     for r in range(n_runs)])
    at_best = records["inertia"] <= best[records["run"]] * (1.0 + AT_BEST_RTOL)
    summary = {name: [] for name in ("method", "init", "n_init", "mean", "std", "min",
                                     "max", "at_best", "mean_n_iter", "mean_time")}
    for method, init, starts in cells:
        mask = ((records["method"] == method) & (records["init"] == init)
                & (records["n_init"] == starts))
        values = records["inertia"][mask]
        for name, value in (("method", method), ("init", init), ("n_init", starts),
                            ("mean", values.mean()), ("std", values.std()),
                            ("min", values.min()), ("max", values.max()),
                            ("at_best", int(at_best[mask].sum())),
                            ("mean_n_iter", records["n_iter"][mask].mean()),
                            ("mean_time", records["time"][mask].mean())):
            summary[name].append(value)
    summary = {
        name: np.asarray(values, dtype=object if name in ("method", "init") else None)
        for name, values in summary.items()
    }
    return StudyResult(k, records, summary, best)
