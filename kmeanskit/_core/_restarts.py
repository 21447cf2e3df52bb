"""Several seeded starts of the Lloyd loop, and the one kept.

Every fit with ``n_init`` starts (``kmeans2``, the variants, the seeded fits
of model selection) goes through :func:`seeded_restarts`, so the streams the
starts draw from, the order of the draws and the rule that picks the kept
start are written once.  ``n_init == 1`` draws from the caller's generator
itself, as SciPy's ``kmeans2`` does; more starts draw from independent
children of it (:func:`start_generators`).
"""

from dataclasses import dataclass

import numpy as np

from ._lloyd import LloydOutcome, run_lloyd

__all__ = ["RestartsOutcome", "run_restarts", "seeded_restarts", "start_generators",
           "start_streams"]


def start_generators(rng, n_init):
    """The independent generators of ``n_init`` starts drawn from ``rng``.

    A ``Generator`` whose bit generator carries a ``SeedSequence`` (any made
    by ``numpy.random.default_rng``) gives ``rng.spawn(n_init)``; anything
    else (a ``RandomState``: legacy ``seed``, or NumPy's global state) gives
    one ``integers``/``randint`` draw of four 32-bit words that seeds a
    ``SeedSequence``, whose ``spawn(n_init)`` children make the generators.
    """
    if isinstance(rng, np.random.Generator):
        try:
            return rng.spawn(n_init)
        except TypeError:  # a bit generator built without a SeedSequence
            words = rng.integers(0, 2**32, size=4, dtype=np.uint64)
    else:
        words = rng.randint(0, 2**32, size=4, dtype=np.uint64)
    children = np.random.SeedSequence([int(w) for w in words]).spawn(n_init)
    return [np.random.default_rng(child) for child in children]


@dataclass(frozen=True)
class RestartsOutcome:
    """The kept start of :func:`run_restarts`."""

    outcome: LloydOutcome
    inertias: tuple
    best: int


def start_streams(rng, n_init):
    """The random streams of ``n_init`` starts: ``[rng]`` itself for one
    start (so one start draws exactly what a call without restarts draws),
    else :func:`start_generators`."""
    return [rng] if n_init == 1 else start_generators(rng, n_init)


def run_restarts(starts, fit):
    """Fit every start (``fit(start) -> LloydOutcome`` with final inertia)
    and keep the lowest inertia (the first on ties)."""
    best, best_outcome, inertias = 0, None, []
    for i, start in enumerate(starts):
        outcome = fit(start)
        inertias.append(float(outcome.inertia))
        if best_outcome is None or outcome.inertia < best_outcome.inertia:
            best, best_outcome = i, outcome
    return RestartsOutcome(best_outcome, tuple(inertias), best)


def seeded_restarts(engine, x, rng, n_init, seed, *, recorder=None, **loop):
    """Best of ``n_init`` runs of the Lloyd loop, each from its own seeding.

    Parameters
    ----------
    engine : Engine
    x : (n, d) array
        Validated data, in the engine's namespace and layout.
    rng : numpy.random.Generator or numpy.random.RandomState
        The call's random source; start ``i`` draws from
        ``start_streams(rng, n_init)[i]``.
    n_init : int
        Number of starts.
    seed : callable
        ``seed(start_rng)`` returns the start's initial centres, a (k, d)
        NumPy array in the dtype of ``x``.
    recorder : callable, optional
        Makes the ``TraceRecorder`` of one start (each start records its
        own trace).
    **loop
        The options of :func:`~kmeanskit._core._lloyd.run_lloyd`; they must
        make it compute the final inertia (``finish=True``) whenever
        ``n_init > 1``, since that picks the kept start.

    Returns
    -------
    RestartsOutcome
    """
    def fit(start_rng):
        centres = seed(start_rng)
        return run_lloyd(engine, x, centres,
                         recorder=None if recorder is None else recorder(), **loop)

    return run_restarts(start_streams(rng, n_init), fit)
