"""What k-medians and spherical k-means share around the loop.

Both run :func:`kmeanskit._lloyd.run_lloyd` with their own rule (sweep and
update); the options around it (seeding, restarts, tolerance, empty
clusters) and the result object are handled here once.
"""

import math

import numpy as np

from . import _validate
from ._engines import host_dtype
from ._lloyd import run_lloyd, run_restarts, start_generators, tolerance_scale
from ._result import KMeansInfo
from ._seeding import init_kpp, init_points

__all__ = ["EMPTY_CHOICES", "MINIT_CHOICES", "check_options", "fit", "given_centres",
           "info"]

EMPTY_CHOICES = ("farthest", "split", "keep")
MINIT_CHOICES = ("++", "points")


def check_options(*, max_iter, tol, empty, n_init, minit):
    """Validated ``(max_iter, tol, n_init)``; ``empty`` and a string
    ``minit`` are checked against their choices."""
    max_iter = _validate.check_iter(max_iter, "max_iter")
    n_init = _validate.check_iter(n_init, "n_init")
    tol = _validate.check_tol(tol)
    _validate.check_option(empty, "empty policy", EMPTY_CHOICES)
    if isinstance(minit, str):
        _validate.check_option(minit, "minit", MINIT_CHOICES)
    return max_iter, tol, n_init


def given_centres(route, minit, n_features, check_finite):
    """Initial centres given as ``minit`` (float64, on the host), or None."""
    if isinstance(minit, str):
        return None
    book = np.array(route.to_host(minit), dtype=np.float64, copy=True)
    if book.ndim != 2 or book.shape[0] < 1 or book.shape[1] != n_features:
        raise ValueError(
            f"minit centroids must have shape (k, {n_features}), got "
            f"{tuple(book.shape)}.")
    if check_finite:
        _validate.check_finite_array(book, "minit")
    return book


def fit(engine, x, k, rule, *, minit, given, max_iter, tol, empty, n_init,
        generator, weights, prepare=None, algorithm="lloyd"):
    """Run ``n_init`` starts of the loop with ``rule``; keep the lowest
    objective.  ``prepare`` maps initial centres onto the variant's domain
    (spherical: unit norm).  Returns :class:`~kmeanskit._lloyd.RestartsOutcome`.
    """
    tol_abs = None if tol is None else tol * tolerance_scale(engine, x, weights)

    def one(start_rng):
        if given is not None:
            centres = given
        elif minit == "points":
            centres = init_points(x, k, start_rng, engine, weights=weights)
        else:
            # Greedy k-means++ (scikit-learn's number of trials).
            centres = init_kpp(x, k, start_rng, engine, weights=weights,
                               n_local_trials=2 + int(math.log(k)))
        centres = np.ascontiguousarray(centres, dtype=host_dtype(x))
        if prepare is not None:
            centres = prepare(centres)
        return run_lloyd(engine, x, centres, max_iter=max_iter, tol=tol_abs,
                         empty=empty, weights=weights, return_labels=True,
                         algorithm=algorithm, finish=True, rule=rule)

    if given is not None:
        n_init = 1
    starts = [generator] if n_init == 1 else start_generators(generator, n_init)
    return run_restarts(starts, one)


def info(kept, n_init, metric, scale=1.0):
    """The :class:`KMeansInfo` of a kept start; ``scale`` converts the
    loop's inertia into the variant's objective."""
    per_start = None
    if n_init > 1 and kept.inertias and len(kept.inertias) > 1:
        per_start = tuple(scale * i for i in kept.inertias)
    outcome = kept.outcome
    return KMeansInfo(inertia=scale * float(outcome.inertia), n_iter=outcome.n_iter,
                      converged=outcome.converged, inertias_per_start=per_start,
                      best_start=kept.best, metric=metric)
