"""
Pictures of k-means results (needs matplotlib: ``pip install "kmeanskit[plot]"``)
=================================================================================

Every function draws on the matplotlib ``Axes`` given as ``ax`` (or on a
new figure when ``ax`` is None), returns the artists it made, never calls
``show()`` and changes no global style: colours and sizes are passed to the
artists themselves.  matplotlib is imported when a function is first
called, never by ``import kmeanskit``.

Arrays may come from any library kmeanskit supports; they are copied to
the host for drawing (GPU arrays transferred, Dask arrays computed).

Functions
---------
plot_clusters
    Points coloured by cluster, centroids, and the centroids' Voronoi cells.
animate_lloyd
    Lloyd's iterations as an animation (GIF through Pillow, or HTML).
plot_silhouette
    The silhouette diagram: sorted per-sample bars by cluster, mean line.
plot_elbow
    Inertia against k with the knee marked.
plot_gap
    The gap statistic with its error bars and the chosen k.
plot_choose_k
    Every criterion of a k-sweep on one panel, each rule's k marked.
plot_stability
    Mean inertia +- std against ``n_init``, one line per method and init.
plot_minibatch_run
    One run's points and centres against the true centres.
"""

from typing import Any, NamedTuple

import numpy as np

from ._base import _validate
from ._base._docstrings import fill_doc
from ._core import _seeding
from ._core._result import KMeansInfo, Trace
from ._plotting._geometry import project
from ._plotting._inputs import (
    as_ks,
    as_labels,
    as_points,
    as_vector,
    column_names,
    columns,
)
from ._plotting._mpl import axes, palette
from ._plotting._scene import ClusterScene

__all__ = [
    "ChooseKPlot",
    "ClusterPlot",
    "ElbowPlot",
    "GapPlot",
    "SilhouettePlot",
    "StabilityPlot",
    "animate_lloyd",
    "plot_choose_k",
    "plot_clusters",
    "plot_elbow",
    "plot_gap",
    "plot_minibatch_run",
    "plot_silhouette",
    "plot_stability",
]


class ClusterPlot(NamedTuple):
    """Artists of :func:`plot_clusters` and :func:`plot_minibatch_run`."""

    ax: Any
    """The axes drawn on."""
    points: Any
    """``PathCollection`` of the observations, coloured by label."""
    centroids: Any
    """``PathCollection`` of the k centroids."""
    cells: Any
    """``PolyCollection``, one polygon per Voronoi cell that meets the
    picture (None with ``voronoi=False``)."""


class SilhouettePlot(NamedTuple):
    """Artists of :func:`plot_silhouette`."""

    ax: Any
    clusters: tuple
    """One ``Polygon`` per cluster: its sorted bars, one per observation."""
    mean_line: Any
    """``Line2D`` at the mean silhouette."""


class ElbowPlot(NamedTuple):
    """Artists of :func:`plot_elbow`."""

    ax: Any
    line: Any
    """``Line2D`` of inertia against k."""
    knee: Any
    """``Line2D`` marking the knee (None when no knee was given)."""


class GapPlot(NamedTuple):
    """Artists of :func:`plot_gap`."""

    ax: Any
    errorbar: Any
    """``ErrorbarContainer`` of gap(k) +- s_k."""
    chosen: Any
    """``Line2D`` marking the chosen k (None when not given)."""


class ChooseKPlot(NamedTuple):
    """Artists of :func:`plot_choose_k`."""

    ax: Any
    lines: dict
    """``{criterion: Line2D}`` of the rescaled criteria."""
    picks: dict
    """``{rule: Line2D}``: the marker of each rule's k."""


class StabilityPlot(NamedTuple):
    """Artists of :func:`plot_stability`."""

    ax: Any
    lines: dict
    """``{(method, init): ErrorbarContainer}``, in order of first appearance."""


# ---------------------------------------------------------------------------
# Clusters and the Lloyd animation


@fill_doc
def plot_clusters(data, centroids, labels=None, *, voronoi=True, ax=None):
    """Draw observations coloured by cluster, the centroids and their cells.

    Parameters
    ----------
    data : array_like, shape (n, d) or (n,)
        Observations, from any supported array library.  ``d > 2`` is drawn
        on the first two principal components of `data`.
    centroids : array_like, shape (k, d)
        Cluster centres.
    labels : array_like of int, shape (n,), optional
        Cluster of each observation, in ``[0, k)``.  Default: the nearest
        centroid (:func:`kmeanskit.vq`).
    voronoi : bool, optional
        Draw the Voronoi cell of each centroid, clipped to the picture (the
        bounding box of the data and centroids, widened by 5 % on each
        side).  Default: True.
    {{ax}}

    Returns
    -------
    ClusterPlot
        Named tuple ``(ax, points, centroids, cells)``.

    Notes
    -----
    Cluster ``i`` has colour ``i`` of matplotlib's 'tab10' (up to 10
    clusters), 'tab20' (up to 20) or of 'turbo' evenly spaced, in every
    plot of this module.  The cells are computed by intersecting half-planes,
    so one or two centroids, collinear or repeated centroids are drawn too.

    With ``d > 2`` the axes are named after the components and the share of
    the variance each explains; the cells are then those of the projected
    centroids, which can differ from the clusters of the full space: points
    keep the colour of their own cluster.

    Examples
    --------
    >>> from kmeanskit import kmeans2
    >>> from kmeanskit.datasets import grid_blobs
    >>> from kmeanskit.plotting import plot_clusters
    >>> data, _ = grid_blobs(n_per_blob=20)
    >>> centroids, labels = kmeans2(data, 9, minit="++", rng=0)
    >>> art = plot_clusters(data, centroids, labels)
    >>> len(art.cells.get_paths()), len(art.centroids.get_offsets())
    (9, 9)
    """
    x = as_points(data, "data")
    c = as_points(centroids, "centroids", d=x.shape[1])
    if labels is None:
        from ._api._vq import vq

        labels = vq(x, c, check_finite=False)[0]
    lab = as_labels(labels, "labels", n=len(x), k=len(c))
    ax = axes(ax)
    xy, cxy, names = project(x, c)
    scene = ClusterScene(ax, xy, len(c), names=names, voronoi=voronoi,
                         extra=[cxy], one_d=x.shape[1] == 1)
    scene.show(cxy, lab)
    return ClusterPlot(ax, scene.points, scene.centroids, scene.cells)


@fill_doc
def plot_minibatch_run(data, centroids, labels=None, *, true_centers=None,
                       ax=None):
    """One run's clusters, with the true centres to show where it went wrong.

    The second figure of scikit-learn's example "Empirical evaluation of
    the impact of k-means initialization": a badly converged mini-batch run
    leaves centres stuck between blobs and blobs sharing a centre.

    Parameters
    ----------
    data : array_like, shape (n, d) or (n,)
        Observations.
    centroids : array_like, shape (k, d)
        The run's centres.
    labels : array_like of int, shape (n,), optional
        The run's labels.  Default: the nearest centroid.
    true_centers : array_like, shape (m, d), optional
        Centres the data was drawn around, drawn as black crosses.
    {{ax}}

    Returns
    -------
    ClusterPlot
        As :func:`plot_clusters` (``cells`` is None), with the crosses of
        `true_centers`, when given, as the last ``Line2D`` of ``ax.lines``.

    Notes
    -----
    A :func:`plot_clusters` picture without cells, so that the gaps between
    centres and blobs stay visible.

    Examples
    --------
    >>> from kmeanskit import minibatch_kmeans
    >>> from kmeanskit.datasets import grid_blobs
    >>> from kmeanskit.plotting import plot_minibatch_run
    >>> data, blob = grid_blobs(n_per_blob=20)
    >>> centroids, labels, info = minibatch_kmeans(data, 9, batch_size=30,
    ...                                            rng=0)
    >>> truth = [[i, j] for i in range(3) for j in range(3)]
    >>> art = plot_minibatch_run(data, centroids, labels, true_centers=truth)
    >>> len(art.ax.lines[-1].get_xdata())
    9
    """
    art = plot_clusters(data, centroids, labels, voronoi=False, ax=ax)
    if true_centers is not None:
        x = as_points(data, "data")
        truth = as_points(true_centers, "true_centers", d=x.shape[1])
        # The same projection as the points (it depends on the data only).
        truth_xy = project(x, truth)[1]
        art.ax.plot(truth_xy[:, 0], truth_xy[:, 1], linestyle="none", marker="x",
                    markersize=10, markeredgewidth=2, color="black", zorder=5,
                    label="true centres")
        art.ax.legend(loc="upper right", fontsize="small")
    return art


def _trace_of(k_or_centroids):
    """The Trace inside ``k_or_centroids``, or None when it is k or centres."""
    if isinstance(k_or_centroids, Trace):
        return k_or_centroids
    if isinstance(k_or_centroids, KMeansInfo):
        if k_or_centroids.trace is None:
            raise ValueError("k_or_centroids is a KMeansInfo without a trace: "
                             "fit with trace=True.")
        return k_or_centroids.trace
    return None


_DEFAULT_INIT = _validate.Default("points")
_DEFAULT_MAX_ITER = _validate.DefaultInt(10)
"""animate_lloyd's defaults (told apart from the same values passed)."""


@fill_doc
def animate_lloyd(data, k_or_centroids, *, max_iter=_DEFAULT_MAX_ITER,
                  init=_DEFAULT_INIT, rng=None, interval=600, voronoi=True, ax=None,
                  iter=_validate.NOT_GIVEN, minit=_validate.NOT_GIVEN, **fit_options):
    """Animate Lloyd's algorithm: assignments, moving centroids, cells.

    Runs ``kmeans2(data, k, iter=max_iter, minit=init, rng=rng, trace=True)``
    (or takes a trace already made) and draws one frame for the start and
    one per iteration.  Frame ``i`` shows the centroids after iteration
    ``i`` (the start for ``i = 0``), each with the path it has travelled,
    the observations coloured by their nearest centroid (the assignment the
    next iteration starts from) and the centroids' Voronoi cells.

    Parameters
    ----------
    data : array_like, shape (n, d) or (n,)
        Observations.  ``d > 2`` is drawn on its first two principal
        components.
    k_or_centroids : int, array_like (k, d), Trace or KMeansInfo
        Number of clusters; initial centroids (``minit='matrix'`` is then
        used); or the history of a fit already run with ``trace=True``
        (its ``Trace`` or its ``KMeansInfo``), which is drawn as it is.
    max_iter : int, optional
        Iterations to run (exactly, as kmeans2's `iter`; the most, with
        ``tol``).  Default: 10.
    init : {'points', 'random', '++', 'greedy++', '||'}, optional
        Seeding, passed to :func:`kmeanskit.kmeans2` as its `minit` (the
        names mean the same in every function, see the user guide's
        "Seeding").  Default: 'points' (k observations at random, as in most
        textbook animations).
    rng : {None, int, numpy.random.Generator}, optional
        Seed of the initialization.  Default: None (fresh entropy).
    interval : int, optional
        Milliseconds between frames.  Default: 600.
    voronoi : bool, optional
        Draw the Voronoi cells.  Default: True.
    {{ax}}
    iter, minit : optional
        Deprecated names of `max_iter` and `init`, kept for one release with
        a ``DeprecationWarning``; passing both spellings is a ``TypeError``.
    **fit_options
        Other keywords of :func:`kmeanskit.kmeans2` (``tol``, ``empty``,
        ``weights``, ``algorithm``...).

    Returns
    -------
    matplotlib.animation.FuncAnimation
        ``len(trace) + 1`` frames.  Save it with
        ``anim.save("lloyd.gif", writer="pillow")`` (Pillow) or embed
        ``anim.to_jshtml()`` in a page or notebook.

    Raises
    ------
    ValueError
        If `k_or_centroids` is a ``KMeansInfo`` without a trace, or a trace
        whose centroids do not have the data's number of features.

    Notes
    -----
    Each frame's labels are recomputed with :func:`kmeanskit.vq` against
    that frame's centroids, so colours, cells and centroids always agree;
    the title gives the inertia of that assignment.  The picture's box holds
    every centroid of the trace, so a start outside the data stays visible.

    Examples
    --------
    >>> from kmeanskit.datasets import grid_blobs
    >>> from kmeanskit.plotting import animate_lloyd
    >>> data, _ = grid_blobs(n_per_blob=10)
    >>> anim = animate_lloyd(data, 9, max_iter=3, rng=1)
    >>> len(list(anim.new_frame_seq()))
    4
    >>> html = anim.to_jshtml()  # or anim.save("lloyd.gif", writer="pillow")
    """
    from matplotlib.animation import FuncAnimation

    from ._api._vq import kmeans2, vq

    init = _validate.renamed_keyword("animate_lloyd", "init", init, "minit", minit)
    max_iter = _validate.renamed_keyword("animate_lloyd", "max_iter", max_iter,
                                         "iter", iter)
    trace = _trace_of(k_or_centroids)
    if trace is None:
        if isinstance(k_or_centroids, int | np.integer):
            _seeding.check_seeding(init, "init", _seeding.SEEDINGS)
        else:
            init = "matrix"
        for forbidden in ("trace", "return_info", "callback"):
            if forbidden in fit_options:
                raise TypeError(f"animate_lloyd sets {forbidden} itself; "
                                f"do not pass it.")
        trace = kmeans2(data, k_or_centroids, iter=max_iter, minit=str(init),
                        rng=rng, trace=True, return_info=True,
                        **fit_options)[2].trace
    x = as_points(data, "data")
    history = np.asarray(trace.centroids, dtype=np.float64)
    if history.ndim != 3 or history.shape[2] != x.shape[1]:
        raise ValueError(f"k_or_centroids: the trace's centroids have shape "
                         f"{history.shape}, data has {x.shape[1]} feature(s).")
    n_frames, k = history.shape[0], history.shape[1]

    ax = axes(ax)
    xy, flat, names = project(x, history.reshape(-1, x.shape[1]))
    path_xy = flat.reshape(n_frames, k, 2)
    scene = ClusterScene(ax, xy, k, names=names, voronoi=voronoi,
                         extra=[flat], one_d=x.shape[1] == 1)
    paths = [ax.plot([], [], color=scene.colours[j], linewidth=2, marker=".",
                     markersize=6, zorder=3)[0] for j in range(k)]
    title = ax.set_title("")

    def frame(i):
        labels, dist = vq(x, history[i], check_finite=False)
        scene.show(path_xy[i], labels)
        for j, line in enumerate(paths):
            line.set_data(path_xy[: i + 1, j, 0], path_xy[: i + 1, j, 1])
        step = "start" if i == 0 else f"iteration {i} of {n_frames - 1}"
        title.set_text(f"{step}: inertia {np.sum(dist ** 2):.4g}")
        return (*paths, scene.points, scene.centroids, title)

    frame(0)
    return FuncAnimation(ax.figure, frame, frames=n_frames, interval=interval,
                         repeat_delay=2 * interval)


# ---------------------------------------------------------------------------
# Silhouette, elbow, gap, every criterion


@fill_doc
def plot_silhouette(values, labels, *, mean=None, ax=None):
    """Draw the silhouette diagram: each cluster's sorted silhouette values.

    Parameters
    ----------
    values : array_like, shape (n,)
        Silhouette coefficient of each observation, in [-1, 1] (the
        per-sample values of the silhouette metric).
    labels : array_like of int, shape (n,)
        Cluster of each observation (non-negative).
    mean : float, optional
        Value of the dashed line.  Default: the mean of `values` (pass the
        sampled estimate here when `values` are a sample's).
    {{ax}}

    Returns
    -------
    SilhouettePlot
        Named tuple ``(ax, clusters, mean_line)``; ``clusters`` holds one
        polygon per non-empty cluster, in label order.

    Notes
    -----
    Each observation is a horizontal bar of height 1 and length its
    silhouette; within a cluster the bars are sorted from the largest (at
    the bottom) down, and clusters are stacked in label order with a gap
    between them.  A cluster's bars form one polygon, so the diagram stays
    fast for many observations.  Bars left of 0 are observations closer to
    another cluster than to their own.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit.plotting import plot_silhouette
    >>> values = np.array([0.9, 0.7, 0.8, 0.2, 0.5, -0.1])
    >>> labels = np.array([0, 0, 0, 1, 1, 1])
    >>> art = plot_silhouette(values, labels)
    >>> len(art.clusters), round(float(art.mean_line.get_xdata()[0]), 3)
    (2, 0.5)
    """
    from matplotlib.patches import Polygon

    s = as_vector(values, "values")
    if (np.abs(s) > 1 + 1e-9).any():
        raise ValueError("values must be silhouette coefficients, in [-1, 1].")
    lab = as_labels(labels, "labels", n=s.size)
    mean = float(s.mean()) if mean is None else float(mean)
    ax = axes(ax)
    colours = palette(int(lab.max()) + 1)
    gap = max(1, round(0.02 * s.size))
    bottom, patches, ticks, names = 0, [], [], []
    for c in np.unique(lab):
        v = np.sort(s[lab == c])[::-1]
        y = bottom + np.arange(v.size + 1)
        # Bar i spans [y_i, y_i + 1]: the outline goes up the right ends.
        outline = np.column_stack([np.repeat(v, 2), np.repeat(y, 2)[1:-1]])
        xy = np.vstack([[0.0, y[0]], outline, [0.0, y[-1]]])
        patch = Polygon(xy, closed=True, facecolor=colours[c], edgecolor="none",
                        alpha=0.85)
        ax.add_patch(patch)
        patches.append(patch)
        ticks.append(bottom + v.size / 2)
        names.append(str(c))
        bottom += v.size + gap
    line = ax.axvline(mean, color="crimson", linestyle="--", linewidth=1.5,
                      label=f"mean {mean:.3f}")
    ax.set_xlim(min(-0.1, float(s.min()) - 0.05), 1.0)
    ax.set_ylim(-gap, bottom)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("silhouette coefficient")
    ax.set_ylabel("cluster")
    ax.legend(loc="lower right", fontsize="small")
    return SilhouettePlot(ax, tuple(patches), line)


def _mark_k(ax, k, y, colour, label):
    """A ring at (k, y) and a dotted vertical line: the chosen k."""
    ax.axvline(k, color=colour, linestyle=":", linewidth=1.2, zorder=1)
    return ax.plot([k], [y], linestyle="none", marker="o", markersize=14,
                   markerfacecolor="none", markeredgecolor=colour,
                   markeredgewidth=2, zorder=4, label=label)[0]


def _k_index(ks, k, name):
    hits = np.flatnonzero(ks == k)
    if not hits.size:
        raise ValueError(f"{name} must be one of ks {ks.tolist()}, got {k!r}.")
    return int(hits[0])


@fill_doc
def plot_elbow(ks, inertia, *, knee=None, log=False, ax=None):
    """Draw inertia against the number of clusters, with the knee marked.

    Parameters
    ----------
    ks : array_like of int, shape (m,)
        Numbers of clusters, increasing.
    inertia : array_like, shape (m,)
        Inertia (within-cluster sum of squares) of the fit of each k.
    knee : int, optional
        The detected knee, one of `ks` (for a ``choose_k`` result: its
        ``best['elbow']`` or ``best['elbow_log']``).  Default: no mark.
    log : bool, optional
        Logarithmic inertia axis (where a knee of log-inertia is visible).
        Default: False.
    {{ax}}

    Returns
    -------
    ElbowPlot
        Named tuple ``(ax, line, knee)``.

    Notes
    -----
    The knee is given, not detected here, so the picture shows exactly the
    k the model-selection code chose.

    Examples
    --------
    >>> from kmeanskit.plotting import plot_elbow
    >>> art = plot_elbow([1, 2, 3, 4, 5], [100.0, 40.0, 12.0, 10.0, 9.0], knee=3)
    >>> art.knee.get_xdata().tolist()
    [3]
    """
    k = as_ks(ks)
    w = as_vector(inertia, "inertia", n=k.size)
    ax = axes(ax)
    line = ax.plot(k, w, color="tab:blue", marker="o", linewidth=2,
                   label="inertia")[0]
    mark = None
    if knee is not None:
        i = _k_index(k, knee, "knee")
        mark = _mark_k(ax, int(k[i]), w[i], "crimson", f"knee: k = {int(k[i])}")
    if log:
        ax.set_yscale("log")
    ax.set_xticks(k)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("inertia" + (" (log scale)" if log else ""))
    ax.legend(loc="upper right", fontsize="small")
    return ElbowPlot(ax, line, mark)


@fill_doc
def plot_gap(ks, gap=None, s_k=None, *, chosen=None, ax=None):
    """Draw the gap statistic, gap(k) +- s_k, with the chosen k marked.

    Parameters
    ----------
    ks : array_like of int, shape (m,), or a gap result
        Numbers of clusters, increasing; or an object with attributes
        ``ks``, ``gap``, ``s_k`` and ``k`` (the gap-statistic result), from
        which `gap`, `s_k` and `chosen` are then read.
    gap : array_like, shape (m,)
        gap(k) (Tibshirani, Walther & Hastie, 2001).
    s_k : array_like, shape (m,)
        Its simulation error, drawn as error bars.
    chosen : int, optional
        The k to mark, one of `ks` (e.g. Tibshirani's 1-SE rule).
    {{ax}}

    Returns
    -------
    GapPlot
        Named tuple ``(ax, errorbar, chosen)``.

    Notes
    -----
    NaN values (undefined gaps) are left as gaps in the line.

    Examples
    --------
    >>> from kmeanskit.plotting import plot_gap
    >>> art = plot_gap([1, 2, 3, 4], [0.1, 0.5, 0.9, 0.85],
    ...                [0.05, 0.05, 0.04, 0.04], chosen=3)
    >>> art.chosen.get_xdata().tolist()
    [3]
    """
    if gap is None and s_k is None and hasattr(ks, "gap"):
        result = ks
        ks, gap, s_k = result.ks, result.gap, result.s_k
        chosen = getattr(result, "k", None) if chosen is None else chosen
    if gap is None or s_k is None:
        raise TypeError("plot_gap needs gap and s_k (or a gap result as ks).")
    k = as_ks(ks)
    g = as_vector(gap, "gap", n=k.size, allow_nan=True)
    s = as_vector(s_k, "s_k", n=k.size, allow_nan=True)
    if (s < 0).any():
        raise ValueError("s_k must be >= 0.")
    ax = axes(ax)
    bars = ax.errorbar(k, g, yerr=s, color="tab:green", marker="o", linewidth=2,
                       capsize=4, label="gap(k) ± s_k")
    mark = None
    if chosen is not None:
        i = _k_index(k, chosen, "chosen")
        mark = _mark_k(ax, int(k[i]), g[i], "crimson", f"chosen: k = {int(k[i])}")
    ax.set_xticks(k)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("gap")
    ax.legend(loc="lower right", fontsize="small")
    return GapPlot(ax, bars, mark)


# Rules of choose_k that read another column than their own name.
_RULE_COLUMN = {"elbow": "inertia", "elbow_log": "inertia", "gap_max": "gap"}
# Columns that are not criteria.
_NOT_CRITERIA = {"k", "s_k"}


@fill_doc
def plot_choose_k(result, *, criteria=None, best=None, ax=None):
    """Draw every criterion of a k-sweep on one panel, each rule's k marked.

    Parameters
    ----------
    result : mapping, structured array or object with ``table``
        The sweep, one row per k: a column ``'k'`` and one column per
        criterion (``'inertia'``, ``'silhouette'``, ``'bic'``...).  A
        mapping of names to 1-D arrays, a NumPy structured array, a data
        frame, a list of per-k records, or an object with such a ``table``
        attribute (and, optionally, ``best``, ``k`` and ``rule``: a
        ``choose_k`` result).  Columns ``'s_k'`` and ``'*_stderr'`` are
        uncertainties, not criteria, and are not drawn.
    criteria : sequence of str, optional
        Columns to draw.  Default: every criterion column.
    best : mapping of str to int, optional
        ``{rule: k}``: the k each rule picked, marked on the line of its
        column (``'elbow'`` and ``'elbow_log'`` on 'inertia', ``'gap_max'``
        on 'gap', others on their own name; None values are skipped).
        Default: ``result.best`` when present, else no marks.
    {{ax}}

    Returns
    -------
    ChooseKPlot
        Named tuple ``(ax, lines, picks)``.

    Raises
    ------
    ValueError
        If a column is missing, a criterion is not a column, or a rule's k
        is not in the sweep.

    Notes
    -----
    Criteria have different units and directions, so each is rescaled to
    [0, 1] over the sweep (0 at its smallest value, 1 at its largest); NaN
    (a criterion undefined at that k, e.g. the silhouette at k = 1) leaves a
    gap.  When `result` names a recommendation (``k`` and ``rule``), it is
    drawn as a grey band.

    Examples
    --------
    >>> from kmeanskit.plotting import plot_choose_k
    >>> table = {"k": [1, 2, 3, 4],
    ...          "inertia": [90.0, 30.0, 8.0, 7.0],
    ...          "silhouette": [float("nan"), 0.5, 0.8, 0.6]}
    >>> art = plot_choose_k(table, best={"silhouette": 3, "elbow": 3})
    >>> sorted(art.lines), sorted(art.picks)
    (['inertia', 'silhouette'], ['elbow', 'silhouette'])
    """
    names = column_names(result, "result")
    if criteria is None:
        criteria = [n for n in names
                    if n not in _NOT_CRITERIA and not n.endswith("_stderr")]
    criteria = list(criteria)
    if not criteria:
        raise ValueError("result has no criterion column to draw.")
    cols = columns(result, ["k", *criteria], "result")
    k = as_ks(cols["k"], "result['k']")
    if best is None:
        best = getattr(result, "best", None) or {}
    ax = axes(ax, figsize=(7.0, 4.5))
    colours = palette(max(len(criteria), 1))
    lines, rescaled = {}, {}
    for i, name in enumerate(criteria):
        v = as_vector(cols[name], f"result[{name!r}]", allow_nan=True)
        finite = v[np.isfinite(v)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        rescaled[name] = (v - low) / (high - low) if high > low else v * 0 + 0.5
        lines[name] = ax.plot(k, rescaled[name], color=colours[i], marker="o",
                              markersize=4, linewidth=1.8, label=name)[0]
    picks = {}
    for rule, pick in best.items():
        column = _RULE_COLUMN.get(rule, rule)
        if pick is None or column not in rescaled:
            continue
        j = _k_index(k, pick, f"best[{rule!r}]")
        colour = lines[column].get_color()
        picks[rule] = ax.plot([k[j]], [rescaled[column][j]], linestyle="none",
                              marker="*", markersize=15, color=colour,
                              markeredgecolor="black", zorder=5,
                              label=f"{rule}: k = {int(k[j])}")[0]
    chosen, rule = getattr(result, "k", None), getattr(result, "rule", None)
    if isinstance(chosen, int | np.integer) and rule is not None:
        ax.axvspan(chosen - 0.3, chosen + 0.3, color="0.85", zorder=0,
                   label=f"recommended ({rule}): k = {int(chosen)}")
    ax.set_xticks(k)
    ax.set_ylim(-0.08, 1.08)
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("criterion, rescaled to [0, 1]")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    return ChooseKPlot(ax, lines, picks)


# ---------------------------------------------------------------------------
# The stability study


@fill_doc
def plot_stability(table, *, ax=None):
    """Draw mean inertia +- std against ``n_init``, one line per method and init.

    The first figure of scikit-learn's example "Empirical evaluation of the
    impact of k-means initialization".

    Parameters
    ----------
    table : StudyResult, mapping, structured array, data frame or records
        Tidy results, one row per fit, with columns ``'method'``,
        ``'init'``, ``'n_init'`` and ``'inertia'`` (other columns, such as
        ``'run'``, ``'iterations'`` or ``'time'``, are ignored): a
        :func:`~kmeanskit.stability_study` result (its ``records``), a
        mapping of names to 1-D arrays or lists, a NumPy structured array, a
        data frame, a list of per-fit records, or an object with such a
        ``table`` attribute.
    {{ax}}

    Returns
    -------
    StabilityPlot
        Named tuple ``(ax, lines)``.

    Notes
    -----
    Each point is the mean over the rows of one (method, init, n_init)
    cell (the runs, one per data set), its bar the population standard
    deviation (``ddof=0``, as the example's ``numpy.std``).

    Examples
    --------
    >>> from kmeanskit.plotting import plot_stability
    >>> table = {"method": ["kmeans"] * 4 + ["minibatch"] * 4,
    ...          "init": ["++"] * 8,
    ...          "n_init": [1, 1, 5, 5] * 2,
    ...          "run": [0, 1, 0, 1] * 2,
    ...          "inertia": [18.0, 17.5, 17.5, 17.5, 30.0, 25.0, 20.0, 19.0]}
    >>> art = plot_stability(table)
    >>> list(art.lines)
    [('kmeans', '++'), ('minibatch', '++')]
    >>> art.lines["minibatch", "++"].lines[0].get_ydata().tolist()
    [27.5, 19.5]
    """
    cols = columns(table, ["method", "init", "n_init", "inertia"], "table")
    method = [str(m) for m in cols["method"]]
    init = [str(i) for i in cols["init"]]
    n_init = as_vector(cols["n_init"], "table['n_init']")
    inertia = as_vector(cols["inertia"], "table['inertia']")
    groups = list(dict.fromkeys(zip(method, init, strict=True)))
    ax = axes(ax, figsize=(7.0, 4.5))
    colours = palette(len(groups))
    keys = np.array([f"{m}\0{i}" for m, i in zip(method, init, strict=True)])
    lines, runs = {}, set()
    for g, (m, i) in enumerate(groups):
        rows = keys == f"{m}\0{i}"
        steps = np.unique(n_init[rows])
        cells = [inertia[rows & (n_init == s)] for s in steps]
        runs.update(c.size for c in cells)
        lines[m, i] = ax.errorbar(
            steps, np.array([c.mean() for c in cells]),
            yerr=np.array([c.std() for c in cells]),
            color=colours[g], marker="o", linewidth=2, capsize=4,
            label=f"{m} with {i} init")
    count = f"{runs.pop()} runs" if len(runs) == 1 else "runs"
    ax.set_title(f"Mean inertia across {count} (± standard deviation)")
    ax.set_xticks(np.unique(n_init))
    ax.set_xlabel("n_init")
    ax.set_ylabel("inertia")
    ax.legend(fontsize="small")
    return StabilityPlot(ax, lines)

