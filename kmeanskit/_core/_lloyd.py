"""The Lloyd loop, written once for every engine.

``run_lloyd`` alternates assignment and mean update through the engine's
fused ``lloyd_pass`` and owns everything around it: when to stop, what to do
with a cluster that lost all its points, the per-iteration hook, and the
final assignment (``_restarts.py`` runs it from several seeded starts and
keeps the best).  It touches a specific array library's API beyond what
the engine returns (small NumPy arrays of sums and counts): centres live on
the host as NumPy arrays, the data ``x`` and the labels stay in the engine's
namespace, wherever that is.

Which assignment the labels come from
-------------------------------------
SciPy's ``kmeans2`` returns the labels of the last assignment, made against
the centres *before* the last mean update, and kmeanskit keeps that when
called as SciPy is.  With ``finish=True`` (kmeans2 sets it whenever
``n_init > 1``, ``tol`` or an ``empty`` policy is given) the loop ends with
one more assignment against the returned centres, so labels, centroids and
inertia describe the same partition.  ``KMeansInfo.inertia`` always belongs
to the returned centres.

Variants
--------
The sweep (assignment) and the centre update are a :class:`MeanRule`'s;
variants of k-means pass their own rule (``_spherical.py``: renormalised
means; ``_medians.py``: L1 assignment and coordinate-wise medians) and get
everything else of this loop unchanged.
"""

from dataclasses import dataclass, replace

import numpy as np

from .._backends._engines import host_dtype
from ._passes import ALGORITHM_CHOICES, make_passes

__all__ = [
    "ALGORITHM_CHOICES",
    "EMPTY_POLICIES",
    "LloydOutcome",
    "MEANS",
    "MeanRule",
    "data_inertia",
    "run_lloyd",
    "tolerance_scale",
]


EMPTY_POLICIES = ("farthest", "split", "keep")
"""Values of the public ``empty`` keyword (kmeans2 also takes None, SciPy's
behaviour): move an empty cluster's centre onto the farthest row, split the
heaviest cluster, or leave the centre where it is."""


@dataclass(frozen=True)
class LloydOutcome:
    """Result of one run of the loop (internal; see the public functions)."""

    centroids: np.ndarray
    """(k', d) centres after the last update (k' < k only with empty='drop')."""
    labels: np.ndarray | None
    """Assignment of the last pass (see the module docstring for which
    centres it was made against); None unless asked for."""
    inertia: float
    """Weighted sum of squared distances in the last pass (the final
    assignment's with ``finish``)."""
    distortion: float
    """Weighted mean (non-squared) distance in the last pass."""
    n_iter: int
    """Number of iterations (assignment + update), the final assignment
    not counted."""
    converged: bool = False
    """Stopped by ``thresh`` or ``tol`` rather than by ``max_iter``."""
    trace: object = None
    """The :class:`~kmeanskit._core._result.Trace`, when one was recorded."""


def _updated_centres(result, previous, dtype):
    """Mean of each cluster; rows of empty clusters are left as in ``previous``.

    Returns the new centres and the boolean mask of non-empty clusters.
    """
    nonempty = result.counts > 0
    if nonempty.all():
        # The common case, kept lean: small inputs are all per-pass overhead.
        return (result.sums / result.counts[:, np.newaxis]).astype(dtype), nonempty
    centres = np.array(previous, dtype=dtype, copy=True)
    centres[nonempty] = (
        result.sums[nonempty] / result.counts[nonempty, np.newaxis]
    ).astype(dtype, copy=False)
    return centres, nonempty


class MeanRule:
    """What one iteration computes: k-means's sweep and mean update.

    The loop asks its rule for the passes over the data (:meth:`passes`),
    the final assignment (:meth:`sweep`), the new centres (:meth:`update`)
    and, to repair an empty cluster, the rows farthest from their centres
    (:meth:`farthest`).  A variant overrides what differs.
    """

    compiled_iterations = True
    """Whether the engine's ``lloyd_iterations`` computes this very rule
    (then SciPy's fixed iterations run in one compiled call)."""

    unit_rows = False
    """Whether the rows it clusters have unit length (then the tolerance
    scale takes one pass: :func:`tolerance_scale`)."""

    def passes(self, engine, x, algorithm, n_centres):
        """The pass strategy (see :mod:`kmeanskit._core._passes`)."""
        return make_passes(engine, x, algorithm, n_centres)

    def sweep(self, engine, x, centres, weights, return_labels):
        """One assignment of every row against ``centres``: a PassResult."""
        return engine.lloyd_pass(x, centres, weights, return_labels=return_labels)

    def update(self, result, previous, dtype):
        """New centres from a pass, and the mask of non-empty clusters."""
        return _updated_centres(result, previous, dtype)

    def farthest(self, engine, x, centres, m, weights, within=None):
        """See ``Engine.farthest``."""
        return engine.farthest(x, centres, m, weights, within=within)


MEANS = MeanRule()
"""The k-means rule (the default of :func:`run_lloyd`)."""


def _relocate_empty(engine, x, centres, counts, nonempty, policy, weights,
                    rule=MEANS):
    """Move the centre of every empty cluster onto a data row.

    ``'farthest'``: the rows farthest from their nearest non-empty centre,
    one per empty cluster, found in one pass (as scikit-learn does).
    ``'split'``: one empty cluster at a time, the member of the heaviest
    cluster farthest from its centre; the next assignment then divides that
    cluster between the two centres.  Rows of zero weight are never chosen.

    Returns the centres and whether a cluster stayed empty, which happens
    only when every row (of positive weight) already sits on a centre.
    """
    centres = centres.copy()
    empty = np.flatnonzero(~nonempty)
    live = [int(j) for j in np.flatnonzero(nonempty)]
    if policy == "farthest":
        rows, sqdist = rule.farthest(engine, x, centres[live], empty.size, weights)
        found = [r for r, s in zip(rows, sqdist, strict=True) if s > 0]
        for j, row in zip(empty, found, strict=False):
            centres[j] = engine.take(x, [row])[0]
        return centres, len(found) < empty.size
    mass = np.asarray(counts, dtype=np.float64).copy()
    for j in empty:
        heaviest = max(live, key=lambda i: mass[i])
        rows, sqdist = rule.farthest(engine, x, centres[live], 1, weights,
                                     within=live.index(heaviest))
        if not sqdist.size or not sqdist[0] > 0:
            return centres, True
        centres[j] = engine.take(x, rows[:1])[0]
        # Each half of the split cluster is weighed at half for the next pick.
        mass[heaviest] /= 2.0
        mass[j] = mass[heaviest]
        live.append(int(j))
    return centres, False


def run_lloyd(engine, x, centroids, *, max_iter=None, thresh=None, tol=None,
              empty="keep", on_empty=None, weights=None, return_labels=False,
              algorithm="lloyd", recorder=None, finish=False, rule=MEANS):
    """Run Lloyd's algorithm from ``centroids``.

    Parameters
    ----------
    engine : Engine
    x : (n, d) array
        Validated data, in the engine's namespace and layout.
    centroids : (k, d) NumPy array
        Starting centres (not modified).
    max_iter : int, optional
        Upper bound on the number of iterations.  Without ``thresh`` or
        ``tol`` exactly this many run (``kmeans2``).
    thresh : float, optional
        Stop once the mean distance changes by at most ``thresh`` between two
        successive passes (``kmeans``); the first pass always continues.
    tol : float, optional
        Stop once the squared centre shift summed over centres is at most
        ``tol`` (an absolute value: the caller scales it, see
        :func:`tolerance_scale`).
    empty : {'keep', 'drop', 'farthest', 'split'}
        A cluster left without points keeps its previous centre (``'keep'``,
        after calling ``on_empty``), is removed from the code book
        (``'drop'``), or has its centre moved onto a data row
        (``'farthest'``, ``'split'``: see :func:`_relocate_empty`; if no
        row can take it, ``on_empty`` is called and the centre is kept).
    on_empty : callable, optional
        Called with no argument after every pass that leaves a cluster empty
        (and unrepaired) under ``empty != 'drop'`` (warn or raise, per the
        caller's policy).
    weights : (n,) float64 array, optional
    return_labels : bool
        Return the assignment of the last pass.
    algorithm : {'lloyd', 'hamerly', 'yinyang', 'auto'}
        'hamerly' and 'yinyang' carry per-point bounds across passes (the
        engine's ``bounded_pass``; one per row, or one per row and group of
        centres) to skip distance computations; 'auto' times both
        kinds of pass and keeps the faster (:mod:`kmeanskit._core._passes`).  The
        assignments are the same.
    recorder : TraceRecorder, optional
        Told the start and every iteration (callback and trace).
    finish : bool
        End with an assignment against the returned centres: labels and
        inertia then belong to them.
    rule : MeanRule, optional
        The sweep and update of a variant (default: k-means's).

    Returns
    -------
    LloydOutcome
    """
    if max_iter is None and thresh is None and tol is None:
        raise ValueError("run_lloyd needs max_iter, thresh, tol or a combination")
    dtype = host_dtype(x)
    total_weight = float(x.shape[0] if weights is None else np.sum(weights))
    centres = np.array(centroids, dtype=dtype, copy=True)
    tracing = recorder is not None and recorder.active
    passes = rule.passes(engine, x, algorithm, centres.shape[0])
    stops_early = thresh is not None or tol is not None
    if _updates_in_engine(engine, rule, stops_early=stops_early, empty=empty,
                          tracing=tracing):
        outcome = _fixed_iterations(passes, rule, centres, max_iter, weights,
                                    on_empty, return_labels and not finish,
                                    total_weight)
        return _finished(engine, x, outcome, weights, return_labels) if finish \
            else outcome
    if tracing:
        recorder.start(centres)
    previous_distortion = np.inf
    n_iter = 0
    while True:
        n_iter += 1
        last_by_count = max_iter is not None and n_iter >= max_iter
        # Labels are only needed from the final pass; when stopping by a
        # threshold the final pass is not known in advance, so every pass
        # records them (unless a final assignment provides them).
        want_labels = return_labels and not finish and (
            last_by_count or thresh is not None or tol is not None)
        result = passes.run(centres, weights, want_labels)
        distortion = result.distance_sum / total_weight
        new_centres, nonempty = rule.update(result, centres, dtype)
        if not nonempty.all():
            if empty == "drop":
                new_centres = new_centres[nonempty]
                passes.reset()  # bounds' labels index the longer code book
            else:
                unrepaired = True
                if empty in ("farthest", "split"):
                    new_centres, unrepaired = _relocate_empty(
                        engine, x, new_centres, result.counts, nonempty, empty,
                        weights, rule)
                if unrepaired and on_empty is not None:
                    on_empty()
        shift = None
        if (tol is not None or tracing) and new_centres.shape == centres.shape:
            step = new_centres.astype(np.float64) - centres
            shift = float(np.sum(step * step))
        if tracing:
            recorder.step(n_iter, new_centres, result.inertia,
                          np.nan if shift is None else shift)
        centres = new_centres
        # SciPy's test is ``while diff > thresh``: a NaN change (infinite
        # distances, e.g. on data near the float limits) stops the loop too.
        converged = bool((thresh is not None
                          and not abs(previous_distortion - distortion) > thresh)
                         or (tol is not None and shift is not None and shift <= tol))
        previous_distortion = distortion
        if converged or last_by_count:
            outcome = LloydOutcome(
                centroids=centres,
                labels=result.labels,
                inertia=result.inertia,
                distortion=distortion,
                n_iter=n_iter,
                converged=converged,
                trace=recorder.result() if tracing else None,
            )
            if finish:
                return _finished(engine, x, outcome, weights, return_labels, rule)
            return outcome


def _updates_in_engine(engine, rule, *, stops_early, empty, tracing):
    """Whether runs of plain passes may be handed to the engine's
    ``lloyd_iterations`` (passes and mean updates in one compiled call)
    rather than run by this module's loop, pass by pass.

    Only a run that Python would not interrupt can be handed over: a fixed
    number of iterations (no ``thresh`` or ``tol`` to test between them),
    k-means's own update (the kernel computes no other rule), empty
    clusters left in place (no repair between passes), nothing to record
    per iteration, and an engine that offers the call.  Both ways give the
    same results; the compiled call saves the per-pass overhead.
    """
    return (not stops_early and rule.compiled_iterations and empty == "keep"
            and not tracing and hasattr(engine, "lloyd_iterations"))


def _finished(engine, x, outcome, weights, return_labels, rule=MEANS):
    """``outcome`` with labels and inertia from an assignment against its
    own centres (one more pass)."""
    final = rule.sweep(engine, x, outcome.centroids, weights, return_labels)
    return replace(outcome, labels=final.labels, inertia=final.inertia)


def _fixed_iterations(passes, rule, centres, n_iter, weights, on_empty,
                      return_labels, total_weight):
    """``n_iter`` iterations, each run of plain passes in one engine call.

    The same passes and updates as the loop above (the engine guarantees
    identical results); only the calls back to Python between plain passes
    are saved, which is most of the time on small inputs.  Bounded passes
    run one at a time, as the pass strategy asks (``passes.plain_ahead``),
    and ``on_empty`` runs once per pass that left a cluster empty, as in
    the loop.
    """
    remaining = n_iter
    dtype = centres.dtype
    while remaining:
        count = min(remaining, passes.plain_ahead(centres))
        if count:
            centres, result, empty_passes = passes.run_plain(
                centres, weights, count, return_labels and count == remaining)
        else:
            count = 1
            result = passes.run(centres, weights, return_labels and remaining == 1)
            centres, nonempty = rule.update(result, centres, dtype)
            empty_passes = 0 if nonempty.all() else 1
        remaining -= count
        if on_empty is not None:
            for _ in range(empty_passes):
                on_empty()
    return LloydOutcome(
        centroids=centres,
        labels=result.labels,
        inertia=result.inertia,
        distortion=result.distance_sum / total_weight,
        n_iter=n_iter,
    )


def data_inertia(engine, x, centres, weights=None):
    """Weighted sum of squared distances from the rows of ``x`` to their
    nearest row of ``centres`` (one pass)."""
    return float(engine.lloyd_pass(x, centres, weights).inertia)


def tolerance_scale(engine, x, weights=None, *, unit_rows=False):
    """Mean over features of the (weighted, population) variance of ``x``.

    ``tol`` is relative to it, as in scikit-learn.  Computed from two
    one-centre passes, which every engine has: the first gives the weighted
    mean, the second the weighted sum of squared distances to it.

    With ``unit_rows`` (every row of unit length: spherical k-means) one
    pass does: its centre at the origin gives ``sum(w |x|^2)`` as well as
    the mean, and the spread is ``sum(w |x|^2) - W |mean|^2``, which cannot
    cancel badly when no row is longer than 1.
    """
    first = engine.lloyd_pass(x, np.zeros((1, x.shape[1]), dtype=host_dtype(x)),
                              weights)
    mean = first.sums / first.counts[:, np.newaxis]
    if unit_rows:
        total = first.counts[0]
        spread = first.inertia - total * float(mean[0] @ mean[0])
        return max(spread, 0.0) / (total * x.shape[1])
    spread = engine.lloyd_pass(x, mean.astype(host_dtype(x)), weights)
    return spread.inertia / (first.counts[0] * x.shape[1])
