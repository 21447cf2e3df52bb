"""Initial centres: random rows, a fitted Gaussian, and k-means++.

Each method draws from the random generator in the same order and with the
same calls as ``scipy.cluster.vq``, so the same ``rng`` gives SciPy's initial
centres (and hence SciPy's answer):

* ``'points'``: one ``choice(n, k, replace=False)``;
* ``'random'``: one block of ``standard_normal`` draws;
* ``'++'``: one ``integers(n)``, then one ``uniform()`` per further centre.

With sample weights (``weights=``, meaning replication: weight w counts as
the row repeated w times) the draws change, and are documented per method:

* ``'points'``: one ``choice(n, k, replace=False, p=weights/sum(weights))``;
* ``'random'``: the weighted mean and frequency-weighted covariance, then the
  same ``standard_normal`` block;
* ``'++'``: one ``uniform()`` per centre (the first included), located by a
  left ``searchsorted`` in the cumulative sum of ``w`` (first centre) or of
  ``w * D^2`` (the others), so that a row of weight w is exactly as likely as
  w repeated rows of weight 1, and drawing from integer weights gives the
  same centres as drawing from the repeated rows with unit weights.

The private functions take validated (n, d) data in the engine's namespace
and an engine, and return the centres as a NumPy array on the host: the draws
are made by NumPy, and only rows picked by them (or, for ``'random'``, the
data's mean and covariance) are brought to the host, so the same ``rng`` gives
the same centres whatever array library holds the data.  The public
:func:`kmeanskit.kpp_init` (``_api._kpp_init``) validates and dispatches.
"""

import math

import numpy as np

from .._backends._engines import spread_dof
from .._base import _validate
from .._base._rng import random_integer
from .._base._warnings import warn_external
from ._kmeans_parallel import init_kmeans_parallel

__all__ = ["greedy_trials", "init_points", "init_gaussian", "init_kpp", "INIT_METHODS",
           "SEEDINGS", "check_seeding", "draw_centres"]


def greedy_trials(k):
    """Candidates per centre of greedy k-means++: scikit-learn's
    ``2 + int(log k)`` (Arthur & Vassilvitskii's recommendation)."""
    return 2 + int(math.log(k))



def init_points(x, k, rng, engine=None, *, weights=None):
    """``k`` distinct rows of ``x`` chosen at random, uniformly or with
    probability proportional to ``weights`` (NumPy's sequential draw
    without replacement)."""
    p = None if weights is None else weights / np.sum(weights)
    idx = rng.choice(x.shape[0], size=k, replace=False, p=p)
    return engine.take(x, idx)


def _gaussian_factor(cov):
    """A matrix ``F`` with ``F @ F.T == cov``.

    The Cholesky factor when ``cov`` is positive definite (SciPy's choice, so
    results match SciPy's exactly there); otherwise ``V sqrt(L)`` from the
    eigendecomposition ``cov = V L V^T``, which exists for any positive semi-definite
    matrix (constant or collinear columns), where SciPy raises LinAlgError.
    """
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        return eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))


def init_gaussian(x, k, rng, engine=None, *, one_dimensional=False,
                  weights=None):
    """``k`` draws from a Gaussian with the mean and covariance of ``x``.

    Parameters
    ----------
    x : (n, d) array
    k : int
    rng : Generator or RandomState
    engine : Engine
        Computes the mean and covariance (in float64) where the data is.
    one_dimensional : bool
        ``x`` came in as a 1-D array (d == 1): draw ``k`` scalars, as SciPy does
        for 1-D data (the same numbers as the (k, 1) draw).
    weights : (n,) float64 array, optional
        Frequency weights: the Gaussian of the data with row i repeated
        ``weights[i]`` times.
    """
    n, d = x.shape
    if n < 2:
        # A single observation has no spread: every centre is that point.  The
        # draws are still made so the generator advances as in the usual case.
        mu, _ = engine.moments(x, None, weights)
        rng.standard_normal(size=(k,) if one_dimensional else (k, d))
        return np.tile(mu, (k, 1))
    if one_dimensional:
        mu, variance = engine.moments(x, "var", weights)
        std = math.sqrt(variance)
        draws = rng.standard_normal(size=k)
        return (draws * std)[:, np.newaxis] + mu
    if d > n:
        # More features than observations: the covariance is singular, so
        # sample in the span of the centred data through its SVD (on the
        # host: fewer rows than columns, and LAPACK's signs on every backend).
        host = engine.to_host(x)
        if weights is None:
            # SciPy centres and factors in the data's own dtype: a float32
            # SVD can differ from the float64 one in the signs of its
            # singular vectors, hence in every draw.
            mu = host.mean(axis=0)
            centred = host - mu
            dof = n - 1.0
        else:
            # sqrt(w) * (x - mu) has the weighted scatter matrix as its Gram.
            mu, _ = engine.moments(x, None, weights)
            centred = (host - mu) * np.sqrt(weights)[:, np.newaxis]
            dof = spread_dof(float(np.sum(weights)))
        _, s, vh = np.linalg.svd(centred, full_matrices=False)
        draws = rng.standard_normal(size=(k, s.size))
        factor = (s[:, np.newaxis] * vh).astype(np.float64) / math.sqrt(dof)
        return draws @ factor + mu
    mu, cov = engine.moments(x, "cov", weights)
    draws = rng.standard_normal(size=(k, d))
    return draws @ _gaussian_factor(cov).T + mu


def _warn_few_distinct(k):
    warn_external(
        f"The data has fewer distinct points than k={k}: the remaining centres "
        "repeat data points, and their clusters will be empty.",
        UserWarning,
    )


def init_kpp(x, k, rng, engine, *, n_local_trials=1, weights=None):
    """k-means++ seeding (Arthur & Vassilvitskii, 2007).

    Each further centre is a data row drawn with probability proportional to
    its squared distance to the nearest centre chosen so far.  With
    ``n_local_trials > 1`` it is the greedy variant: that many candidates are
    drawn and the one that lowers the potential (the sum of squared distances)
    most is kept.

    The running minimum of squared distances is updated once per new centre
    (O(n d) work each), computed by direct differences in float64; each
    step is one of the engine's ``d2_*`` calls (draw, read the row, update),
    one round trip on a Dask cluster.  With one
    trial the draws are SciPy's: the new index is a left ``searchsorted`` of
    one ``uniform()`` in the cumulative sum of the normalised distances.

    ``weights`` (float64, validated) multiply the distances, and the first
    centre is drawn in proportion to them by the same ``uniform()`` rule.
    """
    n, d = x.shape
    if weights is None:
        index = random_integer(rng, n)
    else:
        index = _draw_proportional(weights, float(np.sum(weights)), rng)
    first, state = engine.d2_start(x, index, weights)
    centres = np.empty((k, d), dtype=first.dtype)
    centres[0] = first[0]
    warned = False
    for i in range(1, k):
        # The distances to the last centre are never needed.
        update = i < k - 1
        if not state.total > 0:
            # Every point is already a centre: nothing left to weigh by
            # distance.  Keep one draw per centre, now uniform over the rows
            # (in proportion to the weights).
            if not warned:
                _warn_few_distinct(k)
                warned = True
            if weights is None:
                index = min(int(rng.uniform() * n), n - 1)
            else:
                index = _draw_proportional(weights, float(np.sum(weights)), rng)
            row = engine.take(x, [index])
            if update:
                state = engine.d2_add(x, row, state, weights)
        elif n_local_trials == 1:
            _, row, state = engine.d2_pick(x, state, rng.uniform(), weights,
                                           update=update)
        else:
            row, state = _best_of_candidates(x, engine, state, rng, n_local_trials,
                                             weights, update=update)
        centres[i] = row[0]
    return centres


def _draw_proportional(mass, total, rng):
    """One row index drawn with probability ``mass / total`` (SciPy's rule:
    a left ``searchsorted`` of one ``uniform()`` in the normalised cumulative
    sum) from host NumPy ``mass``; rows of zero mass are never returned."""
    cumulative = np.cumsum(mass / total)
    index = int(np.searchsorted(cumulative, rng.uniform()))
    # Rounding can leave cumulative[-1] a hair below 1.
    return min(index, int(np.flatnonzero(mass)[-1]))


def _best_of_candidates(x, engine, state, rng, n_trials, weights=None, *,
                        update=True):
    """Greedy k-means++ step: ``(row, state)``, the candidate (shape (1, d))
    giving the lowest potential, and the state with it added.

    All candidates are weighed in one sweep over the data where the engine
    can (one round trip on a cluster, the choice made here on the host);
    only the winner's distances then update the state.
    """
    _, rows, potentials, trials = engine.d2_trials(
        x, state, rng.uniform(size=n_trials) * state.total, weights)
    best = int(np.argmin(potentials))
    if update:
        state = engine.d2_select(x, trials, best, weights)
    return rows[best:best + 1], state


INIT_METHODS = {
    "random": init_gaussian,
    "points": init_points,
    "++": init_kpp,
    "||": init_kmeans_parallel,
}
"""The plain seedings and the functions they name."""

SEEDINGS = ("points", "random", "++", "greedy++", "||")
"""Every seeding name, with one meaning in every function that takes it:
k random rows, SciPy's Gaussian draws, plain k-means++ (SciPy's draws),
greedy k-means++ (``greedy_trials(k)`` candidates per centre), k-means||."""


def check_seeding(init, name, choices):
    """``init`` must be one of ``choices`` (a ``ValueError`` naming them).

    Where ``'random'`` used to mean k random rows and is not (yet) one of
    the ``choices``, the error says it is now spelled ``'points'``.
    """
    if isinstance(init, str) and init == "random" and "random" not in choices:
        raise ValueError(
            f"{name}='random' is not accepted: k random data rows are now "
            f"spelled {name}='points' (in every kmeanskit function 'random' "
            "means SciPy's Gaussian draws, kmeans2's minit='random').")
    return _validate.check_option(init, name, choices)


def _check_spread_size(x, engine):
    """``ValueError`` where the Gaussian draws' covariance (d x d) is more
    than the engine affords (sparse data: ``max_spread_features`` columns)."""
    limit = engine.max_spread_features
    if limit is not None and x.shape[1] > limit:
        raise ValueError(
            f"The seeding 'random' (SciPy's Gaussian draws) needs the "
            f"{x.shape[1]} x {x.shape[1]} covariance of the data, which sparse "
            f"data gets only up to {limit} columns; this data has "
            f"{x.shape[1]}. Seed with '++', 'greedy++', '||' or 'points' "
            "instead (they never densify the data).")


def draw_centres(init, x, k, rng, engine, *, weights=None, one_dimensional=False):
    """Initial centres of seeding ``init`` (one of :data:`SEEDINGS`) as a
    host NumPy array; ``one_dimensional`` is passed to the Gaussian draw."""
    if init == "random":
        _check_spread_size(x, engine)
        return init_gaussian(x, k, rng, engine, one_dimensional=one_dimensional,
                             weights=weights)
    if init == "greedy++":
        return init_kpp(x, k, rng, engine, n_local_trials=greedy_trials(k),
                        weights=weights)
    return INIT_METHODS[init](x, k, rng, engine, weights=weights)
