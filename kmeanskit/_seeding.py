"""Initial centres: random rows, a fitted Gaussian, and k-means++.

Each method draws from the random generator in the same order and with the
same calls as ``scipy.cluster.vq``, so the same ``rng`` gives SciPy's initial
centres (and hence SciPy's answer):

* ``'points'``: one ``choice(n, k, replace=False)``;
* ``'random'``: one block of ``standard_normal`` draws;
* ``'++'``: one ``integers(n)``, then one ``uniform()`` per further centre.

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

from . import _validate
from ._dispatch import dispatch
from ._engines import d2_draw, d2_search, moments, potential, take, to_host
from ._kmeans_parallel import init_kmeans_parallel
from ._rng import random_integer
from ._warnings import warn_external

__all__ = ["kpp_init", "init_points", "init_gaussian", "init_kpp", "INIT_METHODS"]


def kpp_init(data, k, *, rng=None, n_local_trials=1, check_finite=True,
             workers=None, method="++"):
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
        or data of more than two dimensions.
    TypeError
        On integer or non-numeric data.

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
    """
    if isinstance(rng, np.random.RandomState | np.random.Generator):
        generator = rng
    else:
        generator = np.random.default_rng(rng)
    route = dispatch("kpp_init", data, names=("data",))
    values = route.as_data(route.arrays[0], "data", check_finite=check_finite)
    if route.size(values) < 1:
        raise ValueError(f"data is empty (shape {tuple(values.shape)}).")
    count = _validate.check_k_count(k, values.shape[0])
    trials = _local_trials(n_local_trials, count)
    _validate.check_option(method, "method", ("++", "||"))
    x = route.to_2d(values)
    seed_with = init_kpp if method == "++" else init_kmeans_parallel
    centres = seed_with(x, count, generator, route.engine(workers),
                        n_local_trials=trials)
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


def init_points(x, k, rng, engine=None):
    """``k`` distinct rows of ``x`` chosen uniformly at random."""
    idx = rng.choice(x.shape[0], size=k, replace=False)
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


def init_gaussian(x, k, rng, engine=None, *, one_dimensional=False):
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
    """
    n, d = x.shape
    if n < 2:
        # A single observation has no spread: every centre is that point.  The
        # draws are still made so the generator advances as in the usual case.
        mu, _ = moments(engine, x)
        rng.standard_normal(size=(k,) if one_dimensional else (k, d))
        return np.tile(mu, (k, 1))
    if one_dimensional:
        mu, variance = moments(engine, x, "var")
        std = math.sqrt(variance)
        draws = rng.standard_normal(size=k)
        return (draws * std)[:, np.newaxis] + mu
    if d > n:
        # More features than observations: the covariance is singular, so
        # sample in the span of the centred data through its SVD (on the
        # host: fewer rows than columns, and LAPACK's signs on every backend).
        mu, _ = moments(engine, x)
        _, s, vh = np.linalg.svd(to_host(engine, x) - mu, full_matrices=False)
        draws = rng.standard_normal(size=(k, s.size))
        return draws @ (s[:, np.newaxis] * vh / math.sqrt(n - 1.0)) + mu
    mu, cov = moments(engine, x, "cov")
    draws = rng.standard_normal(size=(k, d))
    return draws @ _gaussian_factor(cov).T + mu


def _warn_few_distinct(k):
    warn_external(
        f"The data has fewer distinct points than k={k}: the remaining centres "
        "repeat data points, and their clusters will be empty.",
        UserWarning,
    )


def init_kpp(x, k, rng, engine, *, n_local_trials=1):
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
    """
    n, d = x.shape
    index = random_integer(rng, n)
    first = take(engine, x, [index])
    centres = np.empty((k, d), dtype=first.dtype)
    centres[0] = first[0]
    closest = engine.min_sqdist(x, centres[0:1])
    warned = False
    for i in range(1, k):
        total = potential(engine, closest)
        if not total > 0:
            # Every point is already a centre: nothing left to weigh by
            # distance.  Keep one draw per centre, now uniform over the rows.
            if not warned:
                _warn_few_distinct(k)
                warned = True
            index = min(int(rng.uniform() * n), n - 1)
        elif n_local_trials == 1:
            index = d2_draw(engine, closest, total, rng.uniform())
        else:
            index, closest = _best_of_candidates(
                x, engine, closest, total, rng, n_local_trials
            )
            centres[i] = take(engine, x, [index])[0]
            continue
        centres[i] = take(engine, x, [index])[0]
        closest = engine.min_sqdist(x, centres[i:i + 1], closest)
    return centres


def _best_of_candidates(x, engine, closest, total, rng, n_trials):
    """Greedy k-means++ step: the candidate giving the lowest potential."""
    candidates = d2_search(engine, closest, rng.uniform(size=n_trials) * total)
    best_index, best_closest, best_potential = -1, None, np.inf
    for index in candidates:
        trial = engine.min_sqdist(x, take(engine, x, [index]), closest.copy())
        trial_cost = potential(engine, trial)
        if trial_cost < best_potential:
            best_index, best_closest, best_potential = int(index), trial, trial_cost
    return best_index, best_closest


INIT_METHODS = {
    "random": init_gaussian,
    "points": init_points,
    "++": init_kpp,
    "||": init_kmeans_parallel,
}
"""kmeans2's ``minit`` strings and the functions they name."""
