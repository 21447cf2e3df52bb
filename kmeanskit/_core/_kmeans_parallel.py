"""k-means|| seeding (Bahmani et al., "Scalable k-means++", VLDB 2012).

k-means++ needs one pass over the data per centre.  k-means|| needs a few:
it oversamples candidates in ``rounds`` passes, each keeping every row
independently with probability ``min(1, l * w * D^2 / phi)`` (``D^2``: the
squared distance to the nearest candidate so far, ``phi = sum(w * D^2)``,
``l = oversampling * k``), weighs each candidate by the total weight of the
rows nearest to it, and reduces the few hundred candidates to ``k`` centres
by weighted k-means++ in memory.

Written once against the engine interface, so it runs on every engine; on
Dask the per-row state stays on the workers and only candidate rows reach
the client.  The random draws, all from the caller's ``rng`` on the host:

1. the first centre: one ``integers(n)`` (unweighted), or one ``uniform()``
   located in the cumulative weights;
2. per round, one ``integers(2**63)``: the key of a counter-based stream
   giving every row its own uniform number (:func:`row_uniforms
   <kmeanskit._backends._engines.row_uniforms>`), so the rows kept do not depend on
   chunking or engine;
3. weighted k-means++ on the candidates: one ``uniform()`` for the first
   centre, then ``n_local_trials`` per further centre.

Passes over the data: one for the distances to the first centre, then per
round one read of the rows kept (only their blocks, on Dask) and one update
of the distances (not after the last round), and one to weigh the
candidates: ``2 * rounds + 1`` at most.  Each round is one engine call
(``d2_sample``): on a Dask cluster, one round trip for the draw, the rows
kept and the updated distances together.
"""

import numpy as np

from .._backends._engines import get_engine
from .._base._rng import random_integer
from .._base._warnings import warn_external

__all__ = ["init_kmeans_parallel"]

DEFAULT_ROUNDS = 5
"""Oversampling rounds; the paper finds 5 enough for ``l >= k``."""

DEFAULT_OVERSAMPLING = 2.0
"""``l / k``: rows expected per round, in units of k (the paper uses 0.5k to 2k)."""

_EXTRA_ROUNDS = 5
"""Rounds allowed past ``rounds`` while fewer than k candidates were found."""


def init_kmeans_parallel(x, k, rng, engine, *, weights=None,
                         rounds=DEFAULT_ROUNDS, oversampling=DEFAULT_OVERSAMPLING,
                         n_local_trials=1):
    """``k`` initial centres by k-means||, as a (k, d) NumPy array.

    Parameters
    ----------
    x : (n, d) array
        Validated data in the engine's namespace.
    k : int
    rng : Generator or RandomState
    engine : Engine
    weights : (n,) float64 array, optional
        Non-negative row weights (NumPy, or the engine's namespace); rows
        are sampled in proportion to ``w * D^2`` and candidates weighed by
        the total weight of their rows.  Default: all 1.
    rounds : int
        Oversampling rounds (more if fewer than ``k`` candidates were found
        and some row is still at a positive distance).
    oversampling : float
        Rows expected per round, as a multiple of ``k``.
    n_local_trials : int
        Candidates tried per centre in the final weighted k-means++ (1:
        plain k-means++; more: the greedy variant).
    """
    n = x.shape[0]
    if weights is None:
        first = random_integer(rng, n)
    else:
        weight_values = engine.row_values(x, weights)
        total = engine.potential(weight_values)
        first = int(engine.d2_search(weight_values, [rng.uniform() * total])[0])
    row, state = engine.d2_start(x, first, weights)
    found = [row]
    scale_per_phi = oversampling * k
    done = 0
    while done < rounds or (sum(len(c) for c in found) < k
                            and done < rounds + _EXTRA_ROUNDS):
        phi = engine.d2_potential(state, weights)
        if not phi > 0:
            break  # every row is a candidate (or weightless)
        seed = random_integer(rng, 2**63)
        done += 1
        # The distances are needed after this round unless it is the last:
        # past ``rounds`` with k candidates already, it is.
        update = done < rounds or sum(len(c) for c in found) < k
        rows, state = engine.d2_sample(x, state, scale_per_phi / phi, seed,
                                       weights, update=update)
        if len(rows):
            found.append(rows)
    candidates = np.concatenate(found)
    candidate_weights = engine.lloyd_pass(x, candidates, weights).counts
    return weighted_kpp(candidates, candidate_weights, k, rng,
                        n_local_trials=n_local_trials)


def weighted_kpp(points, weights, k, rng, *, n_local_trials=1):
    """k-means++ on a small in-memory weighted point set.

    The first centre is drawn in proportion to ``weights``, each further one
    in proportion to ``weights * D^2`` (the best of ``n_local_trials`` such
    draws by the weighted potential, when more than one).  Fewer positively
    weighted distinct points than ``k``: warns and repeats points.
    """
    points = np.ascontiguousarray(points)
    weights = np.asarray(weights, dtype=np.float64)
    if not weights.sum() > 0:
        weights = np.ones_like(weights)  # weightless data: every point alike
    engine = get_engine(workers=1)
    centres = np.empty((k, points.shape[1]), dtype=points.dtype)
    index = _weighted_search(weights, rng.uniform(size=1))[0]
    centres[0] = points[index]
    closest = engine.min_sqdist(points, centres[0:1])
    warned = False
    for i in range(1, k):
        mass = weights * closest
        total = mass.sum()
        if not total > 0:
            if not warned:
                warn_external(
                    f"k-means|| found fewer distinct candidates than k={k}: the "
                    "remaining centres repeat candidates, and their clusters "
                    "will be empty.", UserWarning)
                warned = True
            index = min(int(rng.uniform() * len(points)), len(points) - 1)
            centres[i] = points[index]
            continue
        trials = _weighted_search(mass, rng.uniform(size=n_local_trials))
        best, best_potential = None, np.inf
        for index in trials:
            trial = engine.min_sqdist(points, points[index:index + 1], closest.copy())
            trial_potential = np.dot(weights, trial)
            if trial_potential < best_potential:
                best, best_potential, best_closest = index, trial_potential, trial
        centres[i] = points[best]
        closest = best_closest
    return centres


def _weighted_search(mass, uniforms):
    """Indices drawn in proportion to ``mass``, one per uniform number."""
    cumulative = np.cumsum(mass)
    found = np.searchsorted(cumulative, uniforms * cumulative[-1])
    return np.minimum(found, int(np.flatnonzero(mass)[-1]))
