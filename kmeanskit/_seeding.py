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
:func:`kpp_init` validates and dispatches.
"""

import math
import numbers

import numpy as np

from . import _magnitude, _validate
from ._dispatch import dispatch
from ._engines import (
    candidate_potentials,
    d2_draw,
    d2_search,
    moments,
    potential,
    scale_rows,
    spread_dof,
    take,
    to_host,
)
from ._kmeans_parallel import init_kmeans_parallel
from ._rng import random_integer
from ._warnings import warn_external

__all__ = ["kpp_init", "init_points", "init_gaussian", "init_kpp", "INIT_METHODS"]


def kpp_init(data, k, *, rng=None, n_local_trials=1, check_finite=True,
             workers=None, weights=None, method="++"):
    """Choose k initial centres from the data by k-means++.

    The first centre is a uniformly random observation; each further one is
    an observation drawn with probability proportional to its squared
    distance to the nearest centre chosen so far (Arthur & Vassilvitskii,
    2007), which spreads the centres over the data.

    Parameters
    ----------
    data : array_like, shape (M, N) or (M,)
        Observations, one per row, float32 or float64.
    k : int
        Number of centres, >= 1.
    rng : {None, int, numpy.random.Generator, numpy.random.RandomState}, optional
        Source of the draws.  A ``Generator`` or ``RandomState`` is used as
        is; anything else goes through :func:`numpy.random.default_rng`
        (``None``: fresh entropy).
    n_local_trials : int or 'auto', optional
        Candidates drawn per centre.  1 (default) is plain k-means++ with
        SciPy's draws.  More makes it *greedy* k-means++: of that many
        candidates, the one that most lowers the potential (the sum of
        squared distances to the nearest centre) is kept, as scikit-learn
        does; ``'auto'`` uses scikit-learn's ``2 + int(log(k))``.
    check_finite : bool, optional
        Whether to check that `data` contains only finite numbers.
        Default: True.
    workers : int, optional
        Threads for the compiled kernels: None (default) uses OpenMP's default
        (``OMP_NUM_THREADS``, else every core), -1 every core, a positive int
        exactly that many.  Results do not depend on it.
    weights : array_like, shape (M,), optional
        Non-negative sample weights with the meaning of replication: a row
        of weight w is drawn as often as w copies of it would be.  Every
        draw, the first included, is then proportional to the weight (times
        the squared distance for the further centres); rows of weight 0 are
        never chosen.  Default: every row weighs 1 (SciPy's draws).
    method : {'++', '||'}, optional
        '++' (default): k-means++ as above, one pass over the data per
        centre.  '||': k-means|| [2]_, for data too large for k passes: a
        few oversampling passes collect about ``10 k`` candidates, which
        weighted k-means++ (with `n_local_trials`) reduces to k in memory.

    Returns
    -------
    centres : array, shape (k, N) or (k,)
        Rows of `data` (copies), in the data's dtype, array library and
        device.

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), k < 1, a non-integer `k`,
        ``n_local_trials < 1``, an unknown `method`, empty or complex data,
        data of more than two dimensions, or `weights` of the wrong shape,
        negative, not finite or all zero.
    TypeError
        On integer or non-numeric data, or non-real `weights`.

    Warns
    -----
    UserWarning
        If the data has fewer distinct points than `k`; the remaining centres
        then repeat data points (drawn uniformly, one draw per centre).

    See Also
    --------
    kmeans2 : ``minit='++'`` uses this seeding.

    Notes
    -----
    SciPy keeps its k-means++ private (``scipy.cluster.vq._kpp``); with
    ``n_local_trials=1`` and the same generator this function returns the
    same centres: one ``integers(M)`` draw for the first centre, then one
    ``uniform()`` per further centre, located by a left ``searchsorted`` in
    the cumulative sum of the normalised squared distances.  Those distances
    are kept as a running minimum computed by direct differences in float64,
    so each new centre costs O(M N), not O(M N k) as in SciPy.

    The greedy variant's expected potential is lower at the price of
    `n_local_trials` times more distance computations per centre.

    With `weights`, the first centre is drawn by one ``uniform()`` located
    in the cumulative weights (not SciPy's ``integers(M)``, which has no
    weighted form), and each further one as above with the squared
    distances multiplied by the weights.  So integer weights give exactly
    the centres that the rows repeated that many times give with
    ``weights=numpy.ones(...)`` and the same `rng`.

    ``method='||'`` draws differently (see :mod:`kmeanskit._kmeans_parallel`
    for the order): its first centre is a uniformly random row (dask-ml's
    starts at row 0), each of its 5 rounds keeps every row with probability
    ``min(1, 2 k D^2 / phi)`` using a per-row random stream (so the result
    does not depend on chunking or on the array library), and the
    candidates are weighted by their cluster sizes before the final
    k-means++ (dask-ml leaves them unweighted).

    Arrays of any library implementing the Python Array API standard are
    accepted (PyTorch, JAX, CuPy, Dask, array-api-strict, ...); results are
    arrays of the same library on the same device, and the random draws are
    made by NumPy on the host, so the same `rng` gives the same result on
    every library.  See the support matrix in the documentation ("Array
    libraries and engines"); arrays of two libraries raise ``TypeError``.

    References
    ----------
    .. [1] D. Arthur and S. Vassilvitskii, "k-means++: the advantages of
       careful seeding", Proceedings of the Eighteenth Annual ACM-SIAM
       Symposium on Discrete Algorithms, 2007.
    .. [2] B. Bahmani, B. Moseley, A. Vattani, R. Kumar and S. Vassilvitskii,
       "Scalable k-means++", Proceedings of the VLDB Endowment 5(7), 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import kpp_init
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(rng=0)
    >>> kpp_init(data, 9, rng=0).shape
    (9, 2)
    >>> kpp_init(data, 9, rng=0, n_local_trials="auto").shape
    (9, 2)
    >>> kpp_init(data, 9, rng=0, method="||").shape
    (9, 2)

    A row of weight 0 is never chosen:

    >>> points = np.array([[0.0], [1.0], [10.0]])
    >>> sorted(kpp_init(points, 2, rng=0, weights=[1.0, 1.0, 0.0]).ravel().tolist())
    [0.0, 1.0]
    """
    if isinstance(rng, np.random.RandomState | np.random.Generator):
        generator = rng
    else:
        generator = np.random.default_rng(rng)
    route = dispatch("kpp_init", data, weights, names=("data", "weights"))
    values = route.as_data(route.arrays[0], "data", check_finite=check_finite)
    if route.size(values) < 1:
        raise ValueError(f"data is empty (shape {tuple(values.shape)}).")
    count = _validate.check_k_count(k, values.shape[0])
    trials = _local_trials(n_local_trials, count)
    _validate.check_option(method, "method", ("++", "||"))
    if weights is not None:
        weights = _validate.check_weights(route.to_host(route.arrays[1]),
                                          values.shape[0])
    x, exponent = _magnitude.into_range(route, route.to_2d(values))
    seed_with = init_kpp if method == "++" else init_kmeans_parallel
    centres = seed_with(x, count, generator, route.engine(workers),
                        n_local_trials=trials, weights=weights)
    centres = _magnitude.restore(centres, exponent)
    if values.ndim == 1:
        centres = centres[:, 0]
    return route.back(centres)


def _local_trials(n_local_trials, k):
    if isinstance(n_local_trials, str):
        _validate.check_option(n_local_trials, "n_local_trials", ("auto",))
        return 2 + int(math.log(k))
    if isinstance(n_local_trials, bool) or not isinstance(
        n_local_trials, numbers.Integral
    ):
        raise TypeError(
            f"n_local_trials must be a positive int or 'auto', got {n_local_trials!r}."
        )
    if n_local_trials < 1:
        raise ValueError(f"n_local_trials must be at least 1, got {n_local_trials}.")
    return int(n_local_trials)


def init_points(x, k, rng, engine=None, *, weights=None):
    """``k`` distinct rows of ``x`` chosen at random, uniformly or with
    probability proportional to ``weights`` (NumPy's sequential draw
    without replacement)."""
    p = None if weights is None else weights / np.sum(weights)
    idx = rng.choice(x.shape[0], size=k, replace=False, p=p)
    return take(engine, x, idx)


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
        mu, _ = moments(engine, x, None, weights)
        rng.standard_normal(size=(k,) if one_dimensional else (k, d))
        return np.tile(mu, (k, 1))
    if one_dimensional:
        mu, variance = moments(engine, x, "var", weights)
        std = math.sqrt(variance)
        draws = rng.standard_normal(size=k)
        return (draws * std)[:, np.newaxis] + mu
    if d > n:
        # More features than observations: the covariance is singular, so
        # sample in the span of the centred data through its SVD (on the
        # host: fewer rows than columns, and LAPACK's signs on every backend).
        host = to_host(engine, x)
        if weights is None:
            # SciPy centres and factors in the data's own dtype: a float32
            # SVD can differ from the float64 one in the signs of its
            # singular vectors, hence in every draw.
            mu = host.mean(axis=0)
            centred = host - mu
            dof = n - 1.0
        else:
            # sqrt(w) * (x - mu) has the weighted scatter matrix as its Gram.
            mu, _ = moments(engine, x, None, weights)
            centred = (host - mu) * np.sqrt(weights)[:, np.newaxis]
            dof = spread_dof(float(np.sum(weights)))
        _, s, vh = np.linalg.svd(centred, full_matrices=False)
        draws = rng.standard_normal(size=(k, s.size))
        factor = (s[:, np.newaxis] * vh).astype(np.float64) / math.sqrt(dof)
        return draws @ factor + mu
    mu, cov = moments(engine, x, "cov", weights)
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
    (O(n d) work each), computed by direct differences in float64.  With one
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
    first = take(engine, x, [index])
    centres = np.empty((k, d), dtype=first.dtype)
    centres[0] = first[0]
    closest = engine.min_sqdist(x, centres[0:1])
    warned = False
    for i in range(1, k):
        mass = closest if weights is None else scale_rows(engine, closest, weights)
        total = potential(engine, mass)
        if not total > 0:
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
        elif n_local_trials == 1:
            index = d2_draw(engine, mass, total, rng.uniform())
        else:
            index, closest = _best_of_candidates(
                x, engine, closest, mass, total, rng, n_local_trials, weights
            )
            centres[i] = take(engine, x, [index])[0]
            continue
        centres[i] = take(engine, x, [index])[0]
        closest = engine.min_sqdist(x, centres[i:i + 1], closest)
    return centres


def _draw_proportional(mass, total, rng):
    """One row index drawn with probability ``mass / total`` (SciPy's rule:
    a left ``searchsorted`` of one ``uniform()`` in the normalised cumulative
    sum) from host NumPy ``mass``; rows of zero mass are never returned."""
    cumulative = np.cumsum(mass / total)
    index = int(np.searchsorted(cumulative, rng.uniform()))
    # Rounding can leave cumulative[-1] a hair below 1.
    return min(index, int(np.flatnonzero(mass)[-1]))


def _best_of_candidates(x, engine, closest, mass, total, rng, n_trials,
                        weights=None):
    """Greedy k-means++ step: the candidate giving the lowest potential
    (``mass`` is ``closest``, times the weights when there are weights).

    All candidates are weighed in one sweep over the data where the engine
    can; only the winner's distances then update ``closest`` (exactly, by
    direct differences).
    """
    candidates = d2_search(engine, mass, rng.uniform(size=n_trials) * total)
    rows = take(engine, x, candidates)
    potentials = candidate_potentials(engine, x, rows, closest, weights)
    best = int(np.argmin(potentials))
    closest = engine.min_sqdist(x, rows[best:best + 1], closest)
    return int(candidates[best]), closest


INIT_METHODS = {
    "random": init_gaussian,
    "points": init_points,
    "++": init_kpp,
    "||": init_kmeans_parallel,
}
"""kmeans2's ``minit`` strings and the functions they name."""
