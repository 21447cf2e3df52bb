"""The Lloyd loop, written once for every engine.

``run_lloyd`` alternates assignment and mean update through the engine's
fused ``lloyd_pass`` and owns everything around it: when to stop and what to
do with a cluster that lost all its points.  It never touches a specific
array library's API beyond what the engine returns (small NumPy arrays of
sums and counts): centres live on the host as NumPy arrays, the data ``x``
and the labels stay in the engine's namespace, wherever that is.
"""

from dataclasses import dataclass

import numpy as np

from ._engines import host_dtype
from ._passes import ALGORITHM_CHOICES, make_passes

__all__ = ["ALGORITHM_CHOICES", "LloydOutcome", "run_lloyd"]


@dataclass(frozen=True)
class LloydOutcome:
    """Result of one run of the loop (internal; see the public functions)."""

    centroids: np.ndarray
    """(k', d) centres after the last update (k' < k only with empty='drop')."""
    labels: np.ndarray | None
    """Assignment from the last pass, i.e. against the centres *before* the
    last update (SciPy's kmeans2 semantics); None unless asked for."""
    inertia: float
    """Weighted sum of squared distances in the last pass."""
    distortion: float
    """Weighted mean (non-squared) distance in the last pass."""
    n_iter: int
    """Number of passes over the data."""


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


def run_lloyd(engine, x, centroids, *, max_iter=None, thresh=None,
              empty="keep", on_empty=None, weights=None, return_labels=False,
              algorithm="lloyd"):
    """Run Lloyd's algorithm from ``centroids``.

    Parameters
    ----------
    engine : Engine
    x : (n, d) array
        Validated data, in the engine's namespace and layout.
    centroids : (k, d) NumPy array
        Starting centres (not modified).
    max_iter : int, optional
        Upper bound on the number of passes.  Without ``thresh`` exactly this
        many passes run (``kmeans2``).
    thresh : float, optional
        Stop once the mean distance changes by at most ``thresh`` between two
        successive passes (``kmeans``); the first pass always continues.
    empty : {'keep', 'drop'}
        A cluster left without points keeps its previous centre (``'keep'``,
        after calling ``on_empty``) or is removed from the code book
        (``'drop'``).
    on_empty : callable, optional
        Called with no argument after every pass that leaves a cluster empty
        under ``empty='keep'`` (warn or raise, per the caller's policy).
    weights : (n,) float64 array, optional
    return_labels : bool
        Return the assignment of the last pass.
    algorithm : {'lloyd', 'hamerly', 'auto'}
        'hamerly' carries per-point bounds across passes (the engine's
        ``bounded_pass``) to skip distance computations; 'auto' times both
        kinds of pass and keeps the faster (:mod:`kmeanskit._passes`).  The
        assignments are the same.

    Returns
    -------
    LloydOutcome
    """
    if max_iter is None and thresh is None:
        raise ValueError("run_lloyd needs max_iter, thresh or both")
    dtype = host_dtype(x)
    total_weight = float(x.shape[0] if weights is None else np.sum(weights))
    centres = np.array(centroids, dtype=dtype, copy=True)
    passes = make_passes(engine, x, algorithm, centres.shape[0])
    if (thresh is None and passes.plain and empty == "keep"
            and hasattr(engine, "lloyd_iterations")):
        return _fixed_iterations(engine, x, centres, max_iter, weights,
                                 on_empty, return_labels, total_weight)
    previous_distortion = np.inf
    n_iter = 0
    while True:
        n_iter += 1
        last_by_count = max_iter is not None and n_iter >= max_iter
        # Labels are only needed from the final pass; with a threshold the
        # final pass is not known in advance, so every pass records them.
        want_labels = return_labels and (last_by_count or thresh is not None)
        result = passes.run(centres, weights, want_labels)
        distortion = result.distance_sum / total_weight
        new_centres, nonempty = _updated_centres(result, centres, dtype)
        if not nonempty.all():
            if empty == "drop":
                new_centres = new_centres[nonempty]
                passes.reset()  # bounds' labels index the longer code book
            elif on_empty is not None:
                on_empty()
        centres = new_centres
        converged = (thresh is not None
                     and abs(previous_distortion - distortion) <= thresh)
        previous_distortion = distortion
        if converged or last_by_count:
            return LloydOutcome(
                centroids=centres,
                labels=result.labels,
                inertia=result.inertia,
                distortion=distortion,
                n_iter=n_iter,
            )


def _fixed_iterations(engine, x, centres, n_iter, weights, on_empty,
                      return_labels, total_weight):
    """``n_iter`` plain passes in one engine call, for engines that offer it.

    The same passes and updates as the loop above (the engine guarantees
    identical results); only the calls back to Python between passes are
    saved, which is most of the time on small inputs.  ``on_empty`` runs
    once per pass that left a cluster empty, as in the loop.
    """
    centres, result, empty_passes = engine.lloyd_iterations(
        x, centres, n_iter, weights, return_labels=return_labels
    )
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
