"""What the k-means variants share.

:func:`check_inputs` dispatches and validates the arguments that
``minibatch_kmeans``, ``spherical_kmeans`` and ``kmedians`` have in common.
The last two run :func:`kmeanskit._core._lloyd.run_lloyd` with their own rule
(sweep and update); the options around it (seeding, restarts, tolerance,
empty clusters) and the result object are handled here once.
"""

from typing import NamedTuple

import numpy as np

from .._backends._dispatch import Route, dispatch
from .._backends._engines import host_dtype
from .._base import _validate
from ._lloyd import EMPTY_POLICIES, tolerance_scale
from ._restarts import seeded_restarts
from ._result import KMeansInfo
from ._seeding import check_seeding, draw_centres

__all__ = ["DEFAULT_INIT", "EMPTY_CHOICES", "INIT_CHOICES", "Inputs", "check_inputs",
           "check_options", "fit", "info", "resolve_init"]

EMPTY_CHOICES = EMPTY_POLICIES
INIT_CHOICES = ("greedy++", "++", "points", "random", "||")
"""The seedings of the variants (see :data:`kmeanskit._core._seeding.SEEDINGS`)."""

DEFAULT_INIT = _validate.Default("greedy++")
"""The variants' default seeding (greedy k-means++, scikit-learn's)."""

# The old ``minit`` values and what they meant: '++' was greedy k-means++.
_OLD_MINIT = {"++": "greedy++", "points": "points"}


class Inputs(NamedTuple):
    """The inputs of a variant after :func:`check_inputs`.

    Attributes
    ----------
    route : Route
        The call's route: engine choice and conversion of the results back.
    values : array
        The data in float32 or float64, in the caller's library and on its
        device; 2-D, or 1-D where the caller accepts it.
    count : int
        The number of clusters.
    weights : numpy.ndarray or None
        Validated float64 weights on the host; None without weights.
    given : numpy.ndarray or None
        The initial centres given as ``init``, float64 on the host, shape
        ``(count, N)``; None when ``init`` names a seeding method.
    """

    route: Route
    values: object
    count: int
    weights: np.ndarray | None
    given: np.ndarray | None


def resolve_init(func, init, minit):
    """The seeding of a variant called with ``init=`` and/or the deprecated
    ``minit=`` (:data:`~kmeanskit._base._validate.NOT_GIVEN` when omitted).

    ``minit`` warns and keeps its old meaning (its '++' was greedy
    k-means++, now ``init='greedy++'``); both together are a TypeError.
    """
    hint = ""
    if isinstance(minit, str) and minit in _OLD_MINIT:
        hint = f" (minit={minit!r} is init={_OLD_MINIT[minit]!r})"
    value = _validate.renamed_keyword(func, "init", init, "minit", minit, hint=hint)
    if value is minit and isinstance(minit, str):
        _validate.check_option(minit, "minit", tuple(_OLD_MINIT))
        value = _OLD_MINIT[minit]
    return value


def check_inputs(func, data, k, weights, init, *, check_finite,
                 one_dimensional=False):
    """Dispatch and validate the data, `k`, `weights` and `init` of a variant.

    Parameters
    ----------
    func : str
        The public function's name (error messages, capabilities).
    data : array_like
        The observations, one per row.
    k : int
        The number of clusters; at most the number of observations.
    weights : array_like or None
        One non-negative weight per observation, at least `k` of them
        positive.
    init : str or array_like
        A seeding method of :data:`INIT_CHOICES`, or initial centres of
        shape (k, N).
    check_finite : bool
        Whether the data and given centres are checked for infs and NaNs.
    one_dimensional : bool, optional
        Accept 1-D data (M observations of one feature); a 1-D `init` is
        then k centres of one feature.  Default: False (data must be 2-D).

    Returns
    -------
    Inputs
        The route, the data, the cluster count, the host weights and the
        given centres.

    Raises
    ------
    ValueError
        On an unknown `init` method, data of a bad rank or without
        features, an inf or NaN (with `check_finite`), a bad `k`, bad
        `weights` or centres of the wrong shape.
    TypeError
        On non-floating data, non-real weights or arrays of two libraries.
    """
    if isinstance(init, str):
        check_seeding(init, "init", INIT_CHOICES)
        init = None
    route = dispatch(func, data, weights, init, names=("data", "weights", "init"))
    data_arr, weights_arr, given_arr = route.arrays
    values = route.as_data(data_arr, "data", check_finite=check_finite,
                           min_ndim=1 if one_dimensional else 2)
    n = values.shape[0]
    count = _validate.check_k_count(k, n, points_needed=True)
    if weights_arr is not None:
        weights_arr = _validate.check_weights(route.to_host(weights_arr), n,
                                              at_least=count)
    given = None
    if given_arr is not None:
        n_features = 1 if values.ndim == 1 else values.shape[1]
        given = _given_centres(route, given_arr, count, n_features, check_finite,
                               one_dimensional=one_dimensional)
    return Inputs(route, values, count, weights_arr, given)


def _given_centres(route, init, count, n_features, check_finite, *, one_dimensional):
    """Centres ``init`` as a float64 host copy of shape (count, n_features)."""
    book = np.array(route.to_host(init), dtype=np.float64, copy=True)
    if one_dimensional and book.ndim == 1:
        book = book[:, np.newaxis]
    if book.shape != (count, n_features):
        raise ValueError(
            f"init centroids must have shape (k, {n_features}) = "
            f"{(count, n_features)}, got {tuple(book.shape)}.")
    if check_finite:
        _validate.check_finite_array(book, "init")
    return book


def check_options(*, max_iter, tol, empty, n_init):
    """Validated ``(max_iter, tol, n_init)``; ``empty`` is checked against
    its choices."""
    max_iter = _validate.check_count(max_iter, "max_iter")
    n_init = _validate.check_count(n_init, "n_init")
    tol = _validate.check_tol(tol)
    _validate.check_option(empty, "empty policy", EMPTY_CHOICES)
    return max_iter, tol, n_init


def fit(engine, x, k, rule, *, init, given, max_iter, tol, empty, n_init,
        generator, weights, prepare=None, algorithm="lloyd"):
    """Run ``n_init`` starts of the loop with ``rule``; keep the lowest
    objective.  ``prepare`` maps initial centres onto the variant's domain
    (spherical: unit norm).  Returns
    :class:`~kmeanskit._core._restarts.RestartsOutcome`.
    """
    tol_abs = None if tol is None else tol * tolerance_scale(
        engine, x, weights, unit_rows=rule.unit_rows)

    def seed(start_rng):
        if given is not None:
            centres = given
        else:
            centres = draw_centres(init, x, k, start_rng, engine, weights=weights)
        centres = np.ascontiguousarray(centres, dtype=host_dtype(x))
        if prepare is not None:
            centres = prepare(centres)
        return centres

    if given is not None:
        n_init = 1
    return seeded_restarts(engine, x, generator, n_init, seed, max_iter=max_iter,
                           tol=tol_abs, empty=empty, weights=weights,
                           return_labels=True, algorithm=algorithm, finish=True,
                           rule=rule)


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
