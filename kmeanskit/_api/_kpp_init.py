"""``kpp_init``: k-means++ (plain, greedy or k-means||) starting centres."""

from .._backends._dispatch import dispatch
from .._base import _validate
from .._base._docstrings import fill_doc
from .._base._rng import as_generator
from .._core import _magnitude
from .._core._kmeans_parallel import init_kmeans_parallel
from .._core._seeding import greedy_trials, init_kpp

__all__ = ["kpp_init"]


@fill_doc
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
    {{workers}}
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

    {{array_libraries}}

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
    generator = as_generator(rng)
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
        return greedy_trials(k)
    return _validate.check_count(n_local_trials, "n_local_trials")
