"""Choosing k: one sweep of fits, every criterion computed from it."""

from dataclasses import dataclass, field

import numpy as np

from .._backends._arrays import to_host
from .._base._docstrings import fill_doc
from .._base._progress import Progress, check_progress
from .._base._validate import check_count, check_option, check_tol
from .._core._fit import check_init, fit_kmeans
from .._core._lloyd import tolerance_scale
from .._core._partition import cluster_stats, encode_labels
from ._gap import REFERENCES, reference_gaps, selection_data
from ._knee import find_knee
from ._metrics import (
    aic_from_stats,
    bic_from_stats,
    calinski_harabasz_from_stats,
    davies_bouldin_from_stats,
    sampled_mean,
    sampled_rows,
    silhouette_values,
)

__all__ = ["CRITERIA", "DEFAULT_CRITERIA", "ChooseKResult", "RULES", "choose_k"]

CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "aic",
            "elbow", "gap")
"""Criteria :func:`choose_k` can compute."""

DEFAULT_CRITERIA = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic",
                    "aic", "elbow")
"""Computed unless asked otherwise: all but the gap statistic, whose B
reference sets cost B times the sweep's own fits."""

RULES = {
    "silhouette": "largest mean silhouette (k >= 2)",
    "calinski_harabasz": "largest Calinski-Harabasz index (k >= 2)",
    "davies_bouldin": "smallest Davies-Bouldin index (k >= 2)",
    "bic": "smallest BIC",
    "aic": "smallest AIC",
    "elbow": "Kneedle knee of the inertia",
    "elbow_log": "Kneedle knee of log(inertia)",
    "gap": "Tibshirani's rule: smallest k with gap(k) >= gap(k+1) - s_(k+1)",
    "gap_max": "largest gap",
}
"""Each rule :func:`choose_k` reports, by name."""

DEFAULT_RULE = "bic"

SILHOUETTE_CHOICES = ("auto", "exact", "sampled", "simplified")
EXACT_SILHOUETTE_MAX_ROWS = 10_000
"""``silhouette='auto'`` is exact up to this many observations, sampled above."""


@dataclass(frozen=True)
class ChooseKResult:
    """What :func:`choose_k` found.

    Attributes
    ----------
    k : int or None
        The recommendation: the answer of rule `rule`.
    rule : str
        The rule behind `k` (a key of `best`).
    at_boundary : bool
        Whether `k` is the largest k of the sweep (or its smallest, when
        that is not 1): the best k may lie outside the sweep; widen it.
    ks : tuple of int
        The numbers of clusters fitted.
    table : dict of str to ndarray
        One column per quantity, one row per k: ``'k'``, ``'inertia'`` and
        the computed criteria (``'silhouette'`` and, when sampled,
        ``'silhouette_stderr'``; ``'calinski_harabasz'``,
        ``'davies_bouldin'``, ``'bic'``, ``'aic'``, ``'gap'``, ``'s_k'``).
        NaN where a criterion is undefined (silhouette, CH and DB at k = 1).
    best : dict of str to int or None
        Each rule's own answer (see :data:`RULES`); None where the rule
        finds no k.
    fits : tuple of KMeansInfo
        The fit of each k (inertia, iterations, inertia of every start).
    centroids : tuple of arrays
        The centroids of each k, in the data's library and dtype.
    labels : tuple of arrays
        The labels of each k (int32), in the data's library.
    gap : GapResult or None
        The gap statistic's details, when computed.
    """

    k: int | None
    rule: str
    at_boundary: bool
    ks: tuple
    table: dict
    best: dict
    fits: tuple = field(repr=False)
    centroids: tuple = field(repr=False)
    labels: tuple = field(repr=False)
    gap: object = field(default=None, repr=False)

    @property
    def consensus(self):
        """``{k: (rules, ...)}``: which rules chose each k (None: no k)."""
        votes = {}
        for rule, k in self.best.items():
            votes.setdefault(k, []).append(rule)
        return {k: tuple(rules) for k, rules in votes.items()}

    def rows(self):
        """The table as a list of dicts, one per k."""
        names = list(self.table)
        return [{name: self.table[name][i].item() for name in names}
                for i in range(len(self.ks))]

    def summary(self):
        """The table and every rule's answer, as text."""
        names = list(self.table)
        lines = ["  ".join(f"{name:>17}" for name in names)]
        for i in range(len(self.ks)):
            cells = []
            for name in names:
                value = self.table[name][i]
                cells.append(f"{int(value):>17d}" if name == "k"
                             else f"{value:>17.6g}")
            lines.append("  ".join(cells))
        lines.append("")
        for k, rules in sorted(self.consensus.items(),
                               key=lambda item: (item[0] is None, item[0] or 0)):
            lines.append(f"k = {k}: {', '.join(rules)}")
        note = " (at the edge of the sweep: widen ks)" if self.at_boundary else ""
        lines.append(f"recommended: k = {self.k} by {self.rule}{note}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def _argbest(ks, values, largest):
    """k of the best finite value (the smallest k on ties); None if none."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return None
    masked = np.where(finite, values, -np.inf if largest else np.inf)
    return int(ks[int(np.argmax(masked) if largest else np.argmin(masked))])


def _check_criteria(criteria):
    if isinstance(criteria, str):
        criteria = (criteria,)
    criteria = tuple(criteria)
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown:
        raise ValueError(f"criteria must be among {CRITERIA}, got {unknown!r}.")
    return criteria


def _silhouette_column(x, encoded, stats, how, sample_size, rng, n_threads):
    """(mean silhouette, its standard error) of one fit."""
    n = x.shape[0]
    if how == "simplified":
        return float(np.mean(silhouette_values(x, encoded, method="simplified",
                                               stats=stats))), 0.0
    rows = sampled_rows(n, sample_size, rng) if how == "sampled" else None
    values = silhouette_values(x, encoded, rows=rows, n_threads=n_threads)
    return sampled_mean(values, n)


@fill_doc
def choose_k(data, ks=range(1, 11), *, criteria=DEFAULT_CRITERIA, n_init=10,
             init="greedy++", rng=None, max_iter=300, tol=1e-4, silhouette="auto",
             sample_size=2000, n_refs=10, reference="box", n_init_refs=3,
             check_finite=True, workers=None, progress=False):
    """Fit k-means for each k of a range and judge the fits by every criterion.

    Each k is fitted once (best of `n_init` greedy k-means++ starts, Lloyd
    to convergence, scikit-learn's ``KMeans`` defaults) and every requested
    criterion is computed from that fit.  The result reports each rule's
    own answer and recommends one by BIC (see Notes).

    Parameters
    ----------
    {{observations}}
    ks : sequence of int, optional
        Strictly increasing numbers of clusters to try, in 1..M.  Include 1
        to let the data say it has no clusters.  Default: 1 to 10.
    criteria : sequence of str, optional
        Among 'silhouette', 'calinski_harabasz', 'davies_bouldin', 'bic',
        'aic', 'elbow' (knee of the inertia curve, raw and logarithmic) and
        'gap'.  Default: all but 'gap', which costs `n_refs` times the
        sweep's fits.  BIC is always computed (it is free and makes the
        recommendation).
    n_init : int, optional
        k-means starts per k; the lowest inertia is kept.  Default: 10.
    init : {'greedy++', '++', 'points'}, optional
        Seeding of each start: greedy k-means++ (default, scikit-learn's),
        plain k-means++, or k distinct observations.  ('random', which
        meant k distinct observations, raises a ``ValueError`` naming
        'points' for one release.)
    rng : {None, int, numpy.random.Generator}, optional
        Source of every draw (see Notes).
    max_iter : int, optional
        Largest number of Lloyd iterations per start.  Default: 300.
    tol : float, optional
        Convergence tolerance, relative to the mean feature variance (as
        ``kmeans2``'s `tol`).  Default: 1e-4.
    silhouette : {'auto', 'exact', 'sampled', 'simplified'}, optional
        How the silhouette is computed: exactly (O(M^2 N) per k), estimated
        from `sample_size` observations (exact against all data, with a
        standard error), or simplified (distances to the centroids).
        'auto' (default): exact up to 10 000 observations, sampled above.
    sample_size : int, optional
        Observations of the sampled silhouette.  Default: 2000.
    n_refs, reference, n_init_refs :
        The gap statistic's reference sets, their distribution and the
        starts per reference fit (see :func:`gap_statistic`).  Defaults: 10,
        'box', 3.
    {{check_finite}}
    {{workers}}
    {{progress}}

    Returns
    -------
    ChooseKResult
        ``k`` (the recommendation), ``best`` (every rule's answer),
        ``table`` (one row per k), ``consensus``, ``at_boundary``, and the
        fits themselves (``fits``, ``centroids``, ``labels``).

    Raises
    ------
    ValueError
        On `ks` that are empty, not increasing or outside 1..M, an unknown
        criterion, `init` or `silhouette`, ``n_init < 1``, ``tol < 0``, or
        empty or non-finite data.
    TypeError
        On non-integer `ks`, `n_init`, `max_iter` or `sample_size`, or
        integer or non-numeric data.

    See Also
    --------
    gap_statistic, silhouette_score, calinski_harabasz_score,
    davies_bouldin_score, kmeans_bic, kmeans_aic, find_knee

    Notes
    -----
    **The recommendation** is the k of smallest BIC (:func:`kmeans_bic`:
    spherical Gaussian clusters with one shared variance, as in X-means).
    It is defined at k = 1, so it can answer "one cluster", which
    silhouette, Calinski-Harabasz and Davies-Bouldin cannot (they are left
    undefined there, NaN in the table, not guessed); it costs nothing
    beyond the fits, unlike the gap statistic; and it found the true k on
    every reference data set in the documentation ("Choosing k"): 9 on the
    3x3 grid of blobs, 1 on one Gaussian blob, 8 on scikit-learn's eight
    10-d blobs.  Its weakness is its model: clusters far from spherical,
    or of very different spreads, make it ask for more clusters.  Read the
    other rules' answers (``best``, ``consensus``) before trusting it, and
    widen `ks` when ``at_boundary`` is set.

    **Rules that are known to fail**, reported all the same: Tibshirani's
    1-SE rule on the gap stops at k = 1 on data with a hierarchy (the 3x3
    grid), and Kneedle on the raw inertia finds the first bend (5 on the
    grid: there the inertia falls by the same amount from 5 to 9).  Kneedle
    on log(inertia) and the largest gap do not share these failures.

    **One sweep.**  Each k is fitted once; the per-cluster sums of the fit
    (two chunked passes over the data) give inertia, Calinski-Harabasz,
    Davies-Bouldin, BIC and AIC, and the silhouette reuses the fit's
    labels.  Draws: ``fit_rng, silhouette_rng, gap_rng =
    numpy.random.default_rng(rng).spawn(3)``; the fits draw from
    ``fit_rng`` k by k (each with ``n_init`` children of it when
    ``n_init > 1``), the sampled silhouette from ``silhouette_rng``, the
    gap's reference sets from ``gap_rng`` as in :func:`gap_statistic`.

    Examples
    --------
    >>> from kmeanskit import choose_k
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(rng=0)
    >>> result = choose_k(data, range(1, 13), rng=0)
    >>> result.k, result.rule
    (9, 'bic')
    >>> result.best["silhouette"], result.best["elbow"], result.best["elbow_log"]
    (9, 4, 9)
    """
    criteria = _check_criteria(criteria)
    check_init(init)
    n_init = check_count(n_init, "n_init")
    max_iter = check_count(max_iter, "max_iter")
    tol = check_tol(tol)
    if tol is None:
        raise TypeError("tol must be a number, got None.")
    check_option(silhouette, "silhouette", SILHOUETTE_CHOICES)
    sample_size = check_count(sample_size, "sample_size", minimum=2)
    if "gap" in criteria:
        n_refs = check_count(n_refs, "n_refs", minimum=2)
        n_init_refs = check_count(n_init_refs, "n_init_refs")
        check_option(reference, "reference", REFERENCES)
    check_progress(progress)

    route, x, ks, engine = selection_data("choose_k", data, ks,
                                          check_finite=check_finite, workers=workers)
    n = x.shape[0]
    from .._backends._threads import resolve_workers

    n_threads = resolve_workers(workers)
    how = silhouette
    if how == "auto":
        how = "exact" if n <= EXACT_SILHOUETTE_MAX_ROWS else "sampled"
    fit_rng, silhouette_rng, gap_rng = np.random.default_rng(rng).spawn(3)

    columns = {name: np.full(len(ks), np.nan) for name in
               ("inertia", "silhouette", "silhouette_stderr", "calinski_harabasz",
                "davies_bouldin", "bic", "aic")}
    fits, centroids, labels = [], [], []
    scale = tolerance_scale(engine, x)
    total = len(ks) * (1 + (n_refs if "gap" in criteria else 0))
    with Progress(total, "choose_k", progress) as bar:
        for i, k in enumerate(ks):
            fit = fit_kmeans(engine, x, k, init=init, n_init=n_init, rng=fit_rng,
                             max_iter=max_iter, tol=tol, tol_scale=scale)
            encoded = encode_labels(to_host(fit.labels), n)
            stats = cluster_stats(x, encoded)
            columns["inertia"][i] = fit.info.inertia
            if n > encoded.k:
                columns["bic"][i] = bic_from_stats(stats)
                columns["aic"][i] = aic_from_stats(stats)
            if 2 <= encoded.k <= n - 1:
                columns["calinski_harabasz"][i] = calinski_harabasz_from_stats(stats)
                columns["davies_bouldin"][i] = davies_bouldin_from_stats(stats)
                if "silhouette" in criteria:
                    (columns["silhouette"][i],
                     columns["silhouette_stderr"][i]) = _silhouette_column(
                        x, encoded, stats, how, sample_size, silhouette_rng,
                        n_threads)
            fits.append(fit.info)
            centroids.append(route.back(fit.centroids.astype(route.dtype(x))))
            labels.append(route.back(fit.labels))
            bar.update(f"k={k}")
        gap = None
        if "gap" in criteria:
            gap = reference_gaps(engine, x, ks, np.log(columns["inertia"]),
                                 n_refs=n_refs, reference=reference,
                                 n_init=n_init_refs, rng=gap_rng, progress=bar)

    return _result(ks, criteria, columns, gap, how, tuple(fits), tuple(centroids),
                   tuple(labels))


def _result(ks, criteria, columns, gap, how, fits, centroids, labels):
    """Assemble the table and every rule's answer."""
    table = {"k": np.asarray(ks, dtype=np.int64), "inertia": columns["inertia"]}
    best = {}
    ks_arr = np.asarray(ks)
    chosen = {"silhouette": True, "calinski_harabasz": True, "davies_bouldin": False}
    for name, largest in chosen.items():
        if name in criteria:
            table[name] = columns[name]
            best[name] = _argbest(ks_arr, columns[name], largest)
    if "silhouette" in criteria and how == "sampled":
        table["silhouette_stderr"] = columns["silhouette_stderr"]
    table["bic"] = columns["bic"]
    best["bic"] = _argbest(ks_arr, columns["bic"], largest=False)
    if "aic" in criteria:
        table["aic"] = columns["aic"]
        best["aic"] = _argbest(ks_arr, columns["aic"], largest=False)
    if "elbow" in criteria:
        best["elbow"] = find_knee(ks_arr, columns["inertia"])
        best["elbow_log"] = find_knee(ks_arr, np.log(columns["inertia"]))
    if gap is not None:
        table["gap"], table["s_k"] = gap.gap, gap.s_k
        best["gap"], best["gap_max"] = gap.k, gap.k_max
    k = best[DEFAULT_RULE]
    at_boundary = k is not None and len(ks) > 1 and (
        k == ks[-1] or (k == ks[0] and ks[0] > 1))
    return ChooseKResult(k, DEFAULT_RULE, at_boundary, tuple(ks), table, best,
                         fits, centroids, labels, gap)

