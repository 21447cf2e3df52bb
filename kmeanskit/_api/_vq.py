"""The scipy.cluster.vq-compatible functions: whiten, vq, kmeans, kmeans2.

Each public function validates its arguments once, converts the caller's
arrays for the engine, runs the shared code (seeding, the Lloyd loop) and
converts the results back.  Signatures, defaults, return types and error
types are SciPy's; every departure is listed in the docstring's Notes.
"""

import numpy as np

from .._backends._dispatch import dispatch
from .._backends._engines import host_dtype
from .._base import _validate
from .._base._docstrings import fill_doc
from .._base._errors import ClusterError
from .._base._rng import UNSET, resolve_rng
from .._base._warnings import warn_external
from .._core import _magnitude
from .._core._lloyd import (
    ALGORITHM_CHOICES,
    EMPTY_POLICIES,
    data_inertia,
    run_lloyd,
    tolerance_scale,
)
from .._core._restarts import seeded_restarts
from .._core._result import KMeansInfo, TraceRecorder
from .._core._seeding import SEEDINGS, draw_centres, init_points

__all__ = ["whiten", "vq", "kmeans", "kmeans2"]

MINIT_CHOICES = SEEDINGS
"""kmeans2's seeding names besides 'matrix' (SciPy's four names, plus
'greedy++' and '||')."""

_EMPTY_CLUSTER_MESSAGE = (
    "One of the clusters is empty. Re-run kmeans with a different initialization."
)


def whiten(obs, check_finite=None):
    """Normalize each feature (column) to unit variance.

    Each column of `obs` is divided by its standard deviation, which puts
    features measured on different scales on an equal footing before k-means.

    Parameters
    ----------
    obs : array_like
        Observations, one per row; the standard deviation is taken along axis
        0 (for 1-D input, over the whole vector).
    check_finite : bool, optional
        Whether to check that `obs` contains only finite numbers.  Default
        (None): True, except for lazy arrays (Dask, JAX), whose values are
        then not read, as in SciPy.

    Returns
    -------
    result : array
        `obs` divided column-wise by its (population, ``ddof=0``) standard
        deviation, in `obs`'s array library and on its device.  float32
        stays float32; integers give the library's default float (float64
        for NumPy).

    Raises
    ------
    ValueError
        If `obs` contains an inf or NaN (with `check_finite`), or is 0-D.
    TypeError
        If `obs` is not numeric.

    Warns
    -----
    RuntimeWarning
        If a column has zero standard deviation; that column is returned
        unchanged.  Only issued when `check_finite` is on, as in SciPy.

    See Also
    --------
    scipy.cluster.vq.whiten : the function this one replaces.

    Notes
    -----
    Same results, dtypes and warnings as :func:`scipy.cluster.vq.whiten`.
    Complex input is accepted, as by SciPy.

    Written with Array API calls only, so it runs in the caller's library
    on its device; on Dask it builds a lazy graph, and it works inside
    ``jax.jit``.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import whiten
    >>> features = np.array([[1.9, 2.3, 1.7],
    ...                      [1.5, 2.5, 2.2],
    ...                      [0.8, 0.6, 1.7]])
    >>> whiten(features)
    array([[4.17944278, 2.69811351, 7.21248917],
           [3.29956009, 2.93273208, 9.33380951],
           [1.75976538, 0.7038557 , 7.21248917]])
    """
    route = dispatch("whiten", obs, names=("obs",), native=True)
    xp = route.xp
    arr = route.arrays[0]
    if arr.ndim == 0:
        raise ValueError("obs must have at least one dimension, got a 0-D array.")
    kind = route.dtype(arr).kind
    if kind not in "biufc":
        raise TypeError(f"obs must be a numeric array, got dtype {route.dtype(arr)}.")
    if kind in "biu":
        arr = route.astype(arr, route.default_float())
    lazy = route.is_lazy(arr)
    if check_finite is None:
        check_finite = not lazy
    if check_finite:
        route.check_finite(arr, "obs")
    if arr.shape[0] == 0:
        # No observations: nothing to scale (SciPy returns the empty array,
        # after NumPy's warnings about a standard deviation of no values).
        return route.back(arr * 1)
    if route.dtype(arr).kind in "fc" and not lazy:
        # The result does not depend on the data's scale; its variance may
        # overflow (or underflow) where the data itself does not.
        arr = _magnitude.scale_free(route, arr)
    std_dev = route.column_std(arr)
    zero_std = std_dev == 0
    # Whether a column is constant is only read when it is cheap or asked
    # for: a lazy array without check_finite stays lazy (no warning then).
    any_zero = None if lazy and not check_finite else route.any(zero_std)
    if any_zero is None or any_zero:
        std_dev = xp.where(zero_std, xp.ones_like(std_dev), std_dev)
    if check_finite and any_zero:
        warn_external(
            "Some columns have standard deviation zero. "
            "The values of these columns will not change.",
            RuntimeWarning,
        )
    return route.back(arr / std_dev)


@fill_doc
def vq(obs, code_book, check_finite=True, *, workers=None):
    """Assign each observation to the nearest code (centroid) of a code book.

    Parameters
    ----------
    obs : array_like, shape (M, N) or (M,)
        Observations, one per row (ideally whitened, see :func:`whiten`).
    code_book : array_like, shape (k, N) or (k,)
        Codes, one per row, usually from :func:`kmeans` or :func:`kmeans2`.
        Must have the same number of dimensions and features as `obs`.
    check_finite : bool, optional
        Whether to check that both arrays contain only finite numbers.
        Default: True.
    {{workers_scipy}}

    Returns
    -------
    code : array, shape (M,)
        Index of the nearest code for each observation (int32; int64 for
        integer input, as in SciPy).  Exact ties go to the lowest index.
    dist : array, shape (M,)
        Euclidean (not squared) distance to that code, in the common floating
        dtype of the inputs (float32 stays float32; integers give float64).

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), mismatched ranks or numbers
        of features, an array of more than two dimensions, an empty code
        book, or complex input.
    TypeError
        If an input is not numeric.

    See Also
    --------
    scipy.cluster.vq.vq : the function this one replaces.

    Notes
    -----
    The work is chunked over rows and multi-threaded; the M-by-k matrix of
    distances is never formed.  The nearest code is found from distances by
    direct differences for narrow data and through the identity
    ``|x - c|^2 = |x|^2 - 2 x.c + |c|^2`` (one BLAS product per chunk) for
    wide data (float64 from 10 features, float32 from 32); SciPy switches to
    the identity from 5 features.  So on points at (almost) exactly equal
    distance from two codes the libraries can break the tie differently;
    elsewhere codes are identical.  The returned distance is always
    recomputed from coordinate differences for the chosen code.

    Arrays of any library implementing the Python Array API standard are
    accepted (PyTorch, JAX, CuPy, Dask, array-api-strict, ...); results are
    arrays of the same library on the same device.  See the support matrix
    in the documentation ("Array libraries and engines") for what each
    library gets; arrays of two libraries in one call raise ``TypeError``.
    Inside ``jax.jit`` pass ``check_finite=False``.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import vq
    >>> code_book = np.array([[1., 1., 1.],
    ...                       [2., 2., 2.]])
    >>> features = np.array([[1.9, 2.3, 1.7],
    ...                      [1.5, 2.5, 2.2],
    ...                      [0.8, 0.6, 1.7]])
    >>> vq(features, code_book)
    (array([1, 1, 0], dtype=int32), array([0.43588989, 0.73484692, 0.83066239]))
    """
    route = dispatch("vq", obs, code_book, names=("obs", "code_book"))
    obs_arr, book_arr = route.arrays
    for name, arr in (("obs", obs_arr), ("code_book", book_arr)):
        if arr.ndim == 0 or arr.ndim > 2:
            raise ValueError(
                f"{name} must be a 1-D or 2-D array, got ndim={arr.ndim} "
                f"(shape {tuple(arr.shape)})."
            )
    if obs_arr.ndim != book_arr.ndim:
        raise ValueError(
            "obs and code_book must have the same number of dimensions, got "
            f"obs.ndim={obs_arr.ndim} and code_book.ndim={book_arr.ndim}."
        )
    if obs_arr.ndim == 2 and obs_arr.shape[1] != book_arr.shape[1]:
        raise ValueError(
            "obs and code_book must have the same number of features (columns), "
            f"got {obs_arr.shape[1]} and {book_arr.shape[1]}."
        )
    if book_arr.shape[0] == 0:
        raise ValueError("code_book is empty: it needs at least one code.")
    if obs_arr.ndim == 2 and obs_arr.shape[1] == 0:
        _validate.raise_no_features(obs_arr, "obs")
    obs_dtype, book_dtype = route.dtype(obs_arr), route.dtype(book_arr)
    integer_input = obs_dtype.kind in "biu" and book_dtype.kind in "biu"
    for name, arr, dtype in (("obs", obs_arr, obs_dtype),
                             ("code_book", book_arr, book_dtype)):
        _validate.floating_dtype(dtype, name, integers="float64")
        if check_finite and dtype.kind == "f":
            route.check_finite(arr, name)
    dtype = route.float_dtype(_validate.floating_dtype(
        np.result_type(obs_dtype, book_dtype), "obs", integers="float64"
    ))
    x = route.to_2d(route.astype(obs_arr, dtype))
    c = route.to_2d(route.astype(book_arr, dtype))
    x, c, exponent = _magnitude.into_range(route, x, c)
    labels, sqdist = route.engine(workers).assign(x, c)
    dist = _magnitude.restore(route.xp.sqrt(sqdist), exponent)
    if integer_input:
        # SciPy answers integer input from its pure-Python path: default ints.
        labels = route.astype(labels, route.default_int())
    return route.back(labels), route.back(dist)


def _missing_policy(missing):
    """The callable kmeans2 runs when a cluster becomes empty."""

    def warn():
        warn_external(_EMPTY_CLUSTER_MESSAGE, UserWarning)

    def raise_():
        raise ClusterError(_EMPTY_CLUSTER_MESSAGE)

    return {"warn": warn, "raise": raise_}[missing]


@fill_doc
def kmeans(obs, k_or_guess, iter=20, thresh=1e-5, check_finite=True, *,
           rng=UNSET, seed=UNSET, workers=None, algorithm='lloyd'):
    """Code book of k centroids by k-means, keeping the best of several runs.

    Runs Lloyd's algorithm until the mean distance to the nearest centroid
    changes by at most `thresh`, from `iter` different random starts (or
    once from a given code book), and returns the code book with the lowest
    distortion.

    Parameters
    ----------
    obs : array_like, shape (M, N) or (M,)
        Observations, one per row, float32 or float64 (ideally whitened).
    k_or_guess : int or array_like
        Number of centroids (an int or any size-1 array), each run starting
        from `k` distinct observations drawn at random; or an initial code
        book of shape (k, N), in which case a single run starts from it and
        `iter` is ignored.
    iter : int, optional
        Number of runs (restarts) from random starts; the best is returned.
        Not the number of Lloyd iterations.  Default: 20.
    thresh : float, optional
        A run stops when the mean distance changes by at most `thresh`
        between two successive iterations.  Must be >= 0.  Default: 1e-5.
    {{check_finite_inputs}}
    rng : {None, int, numpy.random.Generator}, optional
        Source of the random starts, normalised by
        :func:`numpy.random.default_rng` (``rng=None``: fresh entropy).  When
        neither `rng` nor `seed` is given, NumPy's global ``RandomState`` is
        used, so :func:`numpy.random.seed` makes results repeatable, as in
        SciPy.
    seed : {None, int, numpy.random.RandomState, numpy.random.Generator}, optional
        SciPy's legacy name with the legacy meaning (an int seeds a
        ``RandomState``, a different stream from ``rng=int``).  Give at most
        one of `rng` and `seed`.
    {{workers_scipy}}
    {{algorithm}}

    Returns
    -------
    codebook : array, shape (k', N) or (k',)
        The centroids, in the data's dtype.  ``k' < k`` when a cluster lost
        all its observations: such centroids are dropped, as in SciPy.
    distortion : float
        Mean Euclidean (non-squared) distance from each observation to its
        nearest centroid of `codebook`, a NumPy scalar of the data's dtype
        (a 0-d array for other array libraries).

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), a non-integer or < 1 count,
        more clusters than observations, an empty code book, ``iter < 1``,
        ``thresh < 0``, mismatched code book shape, or complex data.
    TypeError
        On integer or non-numeric data, non-integer `iter`, or both `rng` and
        `seed`.

    See Also
    --------
    kmeans2 : fixed number of Lloyd iterations, more seeding methods.
    scipy.cluster.vq.kmeans : the function this one replaces.

    Notes
    -----
    Random numbers are drawn exactly as SciPy draws them (one
    ``choice(M, k, replace=False)`` per run), so the same `rng` or `seed`
    gives SciPy's code book.  Differences from SciPy 1.17:

    * `distortion` belongs to the returned code book, i.e. it equals
      ``vq(obs, codebook)[1].mean()``; SciPy 1.17 reports the value from
      before its last update (scipy/scipy#24069, since fixed in SciPy's
      development branch).  Runs are ranked by this value.
    * ``thresh < 0`` raises ``ValueError`` (SciPy never stops), and more
      clusters than observations raise a ``ValueError`` that says so.
    * Cluster means are summed in float64 for float32 data (SciPy sums in
      float32), so float32 code books agree with SciPy's to about 1e-5.

    {{array_libraries}}

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import kmeans, whiten
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(grid_size=2, n_per_blob=50, rng=0)
    >>> codebook, distortion = kmeans(whiten(data), 4, rng=1)
    >>> codebook.shape
    (4, 2)
    """
    func = "kmeans"
    generator = resolve_rng(rng, seed, func_name=func)
    _require_k(k_or_guess, "k_or_guess")
    route = dispatch(func, obs, k_or_guess, names=("obs", "k_or_guess"))
    obs_arr, guess_arr = route.arrays
    data = route.as_data(obs_arr, "obs", check_finite=check_finite)
    iter = _validate.check_count(iter, "iter")
    thresh = _validate.check_thresh(thresh)
    _validate.check_option(algorithm, "algorithm", ALGORITHM_CHOICES)
    x = route.to_2d(data)
    engine = route.engine(workers)

    guess_size = route.size(guess_arr)
    if guess_size != 1:
        if guess_size < 1:
            raise ValueError(
                "k_or_guess is an empty code book: it needs at least one centroid."
            )
        guess = _code_book(route, guess_arr, data, "k_or_guess", check_finite)
        x, guess, exponent = _magnitude.into_range(route, x, guess)
        thresh = _magnitude.restore(thresh, exponent, -1)  # in x's new units
        outcome = run_lloyd(engine, x, guess, thresh=thresh, empty="drop",
                            algorithm=algorithm)
        codebook = outcome.centroids
        distortion = _mean_distance(route, engine, x, outcome)
    else:
        k = _validate.check_k_count(route.item(guess_arr), x.shape[0],
                                    name="k_or_guess", points_needed=True)
        x, exponent = _magnitude.into_range(route, x)
        thresh = _magnitude.restore(thresh, exponent, -1)  # in x's new units
        codebook, distortion, lowest = None, None, np.inf
        for _ in range(iter):
            start = init_points(x, k, generator, engine)
            outcome = run_lloyd(engine, x, start, thresh=thresh, empty="drop",
                                algorithm=algorithm)
            run_distortion = _mean_distance(route, engine, x, outcome)
            if float(run_distortion) < lowest:
                codebook, distortion = outcome.centroids, run_distortion
                lowest = float(run_distortion)
    codebook = _magnitude.restore(codebook, exponent)
    distortion = _magnitude.restore(distortion, exponent)
    if data.ndim == 1:
        codebook = codebook[:, 0]
    return route.back(codebook), route.back(distortion)


def _mean_distance(route, engine, x, outcome):
    """Mean distance from the rows of ``x`` to the returned code book."""
    xp = route.xp
    _, sqdist = engine.assign(x, outcome.centroids)
    return xp.mean(xp.sqrt(sqdist))


def _code_book(route, book, data, name, check_finite):
    """Validate an initial code book against ``data``; return it as a (k, d)
    NumPy array in the data's dtype (code books are small: always on the host)."""
    book = route.to_host(book)
    if book.ndim != data.ndim:
        raise ValueError(
            f"{name} must have the same number of dimensions as the data: got "
            f"{name}.ndim={book.ndim} and data.ndim={data.ndim}."
        )
    if data.ndim == 2 and book.shape[1] != data.shape[1]:
        raise ValueError(
            f"{name} must have one column per feature of the data: got "
            f"{book.shape[1]} columns for {data.shape[1]} features."
        )
    _validate.floating_dtype(book.dtype, name, integers="float64")
    if check_finite:
        _validate.check_finite_array(book, name)
    # A copy in the data dtype: the caller's array is never written to.
    return _validate.to_2d(np.array(book, dtype=host_dtype(data), copy=True))


@fill_doc
def kmeans2(data, k, iter=10, thresh=1e-5, minit='random', missing='warn',
            check_finite=True, *, rng=UNSET, seed=UNSET, workers=None,
            algorithm='lloyd', n_init=1, tol=None, empty=None, weights=None,
            callback=None, trace=False, return_info=False):
    """Classify observations into k clusters by Lloyd's algorithm.

    Called as SciPy's ``kmeans2`` it runs exactly `iter` Lloyd steps and
    returns SciPy's result.  The keyword-only extensions add restarts, a
    convergence tolerance, empty-cluster repair, sample weights, a
    per-iteration hook and a result object (see Notes).

    Parameters
    ----------
    data : array_like, shape (M, N) or (M,)
        Observations, one per row, float32 or float64.  1-D data is M
        observations of one feature.
    k : int or array_like
        Number of clusters, or, with ``minit='matrix'`` (or whenever `k` has
        more than one element), the initial centroids, shape (k, N).
    iter : int, optional
        Number of Lloyd iterations (assignment + update); with `tol`, the
        largest number.  Default: 10.
    thresh : float, optional
        Not used, as in SciPy; a value other than the default warns (use
        `tol` to stop on convergence).
    minit : {'random', 'points', '++', 'greedy++', '||', 'matrix'}, optional
        Initialization: 'random' draws k centroids from a Gaussian with the
        data's mean and covariance; 'points' picks k distinct observations at
        random; '++' is k-means++ (see :func:`kpp_init`); 'greedy++' is
        greedy k-means++, ``2 + int(log k)`` candidates per centre
        (scikit-learn's seeding, a kmeanskit extension, see Notes); '||' is
        k-means||, k-means++ in a few passes for large (Dask) data (a
        kmeanskit extension, see ``kpp_init(method='||')``); 'matrix' takes
        `k` as the initial centroids.  Default: 'random'.
    missing : {'warn', 'raise'}, optional
        What to do when a cluster has no observations: warn and keep its
        previous centroid, or raise :class:`ClusterError`.  Default: 'warn'.
    {{check_finite_inputs}}
    rng : {None, int, numpy.random.Generator}, optional
        Source of the initialization, normalised by
        :func:`numpy.random.default_rng` (``rng=None``: fresh entropy).  When
        neither `rng` nor `seed` is given, NumPy's global ``RandomState`` is
        used, as in SciPy.
    seed : {None, int, numpy.random.RandomState, numpy.random.Generator}, optional
        SciPy's legacy name with the legacy meaning.  Give at most one of
        `rng` and `seed`.
    {{workers_scipy}}
    {{algorithm}}
    n_init : int, optional
        Number of starts; the one with the lowest inertia is kept (the
        first on ties).  Default: 1.  See Notes for the random stream of
        each start.  Ignored, with a ``RuntimeWarning``, when the initial
        centroids are given.
    tol : float, optional
        Stop when the squared distance moved by the centroids in one
        iteration, summed over centroids, is at most ``tol`` times the mean
        over features of the data's (weighted) variance: scikit-learn's
        rule.  Default (None): run exactly `iter` iterations, as SciPy.
    empty : {None, 'farthest', 'split', 'keep'}, optional
        What to do with a cluster left without observations.  None
        (default): SciPy's behaviour, governed by `missing` (the centroid
        keeps its place).  'farthest': move its centroid onto the
        observation farthest from its nearest centroid (scikit-learn's
        repair).  'split': move it onto the observation of the heaviest
        cluster farthest from that cluster's centroid, so the next step
        splits the heaviest cluster.  'keep': the centroid keeps its place,
        as with None, and `missing` applies, but the run ends with a final
        assignment (see Notes, "Which labels"); the same vocabulary as the
        other k-means functions' `empty`.  If every observation already
        sits on a centroid no move helps, and `missing` applies.
    weights : array_like, shape (M,), optional
        Non-negative sample weights meaning replication: weight w counts as
        the observation repeated w times, in the means, the inertia, `tol`'s
        variance and the seeding (see Notes).  Default: all ones.
    callback : callable, optional
        Called after each iteration as ``callback(iteration, centroids,
        inertia, shift)``: the iteration number (from 1), the centroids
        after it (float, shape (k, N), a read-only view of the loop's own
        array: copy it to keep it), the inertia of its assignment step and
        the squared shift of the centroids (summed).  With ``n_init > 1`` it
        is called for every start, the count restarting at 1.
    trace : bool, optional
        Keep the history of the kept start in ``info.trace`` (a
        :class:`~kmeanskit.Trace`: centroids per iteration, start included;
        inertia and shift per iteration).  Default: False.
    return_info : bool, optional
        Also return a :class:`~kmeanskit.KMeansInfo`.  Default: False.

    Returns
    -------
    centroid : array, shape (k, N) or (k,)
        The centroids after the last iteration, in the data's dtype.
    label : array, shape (M,)
        int32 index of each observation's centroid.  As SciPy: from the last
        assignment step, i.e. against the centroids *before* the last
        update.  With `n_init` > 1, `tol` or `empty`: from a final
        assignment against the returned centroids (see Notes).
    info : KMeansInfo
        Only with ``return_info=True``: the inertia of the returned
        centroids (weighted sum of squared distances to the nearest one),
        the iterations run and whether `tol` was met, the inertia of every
        start, and the trace.

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), data of more than two
        dimensions, empty input, k < 1, more clusters than observations with
        'points', an initial code book of the wrong shape, ``iter < 1``, an
        unknown `minit`, `missing` or `empty`, ``n_init < 1``, ``tol < 0``,
        `weights` of the wrong shape, negative, not finite or all zero, or
        complex data.
    TypeError
        On integer or non-numeric data, non-integer `iter` or `n_init`, both
        `rng` and `seed`, a non-callable `callback`, or a non-bool `trace`
        or `return_info`.
    ClusterError
        With ``missing='raise'``, when a cluster becomes empty (and `empty`
        cannot repair it).

    Warns
    -----
    UserWarning
        With ``missing='warn'``, once per iteration that leaves a cluster
        empty (and unrepaired); when a non-integer `k` is converted; and
        when `thresh` is given a value other than its default.
    RuntimeWarning
        When ``n_init > 1`` is given with initial centroids.

    See Also
    --------
    kmeans : restarts until convergence, SciPy's other k-means.
    kpp_init : k-means++ seeding on its own.
    scipy.cluster.vq.kmeans2 : the function this one replaces.

    Notes
    -----
    Random numbers are drawn exactly as SciPy draws them, so with the same
    `rng` or `seed` every `minit` gives SciPy's initial centroids and
    therefore SciPy's result.  Departures, each where SciPy fails:

    * 'random' on data whose covariance is singular (a constant or collinear
      column) samples through a square-root factor of the covariance from
      its eigendecomposition instead of raising ``LinAlgError``; the draws
      are unchanged, so non-degenerate data gives SciPy's centroids.
    * A non-integer `k` warns and is truncated for every `minit` (SciPy
      warns, then fails with ``TypeError`` for 'random' and '++'); a size-1
      array `k` is a count for every `minit`.
    * '++' on data with fewer distinct points than `k` warns and repeats
      points instead of producing NaN; more clusters than observations with
      'points' raises a ``ValueError`` that says so.
    * Cluster means are summed in float64 for float32 data (SciPy sums in
      float32), so float32 centroids agree with SciPy's to about 1e-5.

    The extensions (none of them in SciPy):

    * **Which labels.**  Without `n_init`, `tol` or `empty`, the labels are
      SciPy's (made before the last update).  With any of them the run
      ends with one more assignment against the returned centroids, so
      `label`, `centroid` and ``info.inertia`` describe one partition.
      ``info.inertia`` always belongs to the returned centroids.
    * **Greedy seeding.**  ``minit='greedy++'`` (not in SciPy, whose '++'
      draws one candidate per centre) draws ``2 + int(log k)`` candidates
      per further centre and keeps the one that most lowers the potential,
      as scikit-learn's ``KMeans``: better starts, so fewer restarts.  With
      one start it consumes `rng` as ``kpp_init(data, k, rng=rng,
      n_local_trials='auto')`` does, so ``kmeans2(data, k, minit='greedy++',
      rng=s)`` equals ``kmeans2(data, kpp_init(data, k, rng=s,
      n_local_trials='auto'), minit='matrix')``.
    * **Restarts.**  With ``n_init=1`` the draws come from `rng` (or `seed`)
      itself, as in SciPy.  With ``n_init > 1``, start ``i`` draws from the
      ``i``-th of ``n_init`` independent child generators: for a
      ``Generator`` (``rng=int`` included) ``rng.spawn(n_init)[i]``, so
      ``kmeans2(data, k, rng=numpy.random.default_rng(s).spawn(n)[i])``
      repeats start ``i`` of ``kmeans2(data, k, rng=s, n_init=n)`` alone
      (with its labels from the final assignment, e.g. with ``tol=0``);
      for a ``RandomState`` (``seed=``, or the global state) one draw of
      four 32-bit words seeds a ``SeedSequence`` whose ``spawn(n_init)``
      children are used.  ``info.best_start`` is the kept start.
    * **Weights.**  Means and inertia are weighted; with ``minit='matrix'``
      integer weights give exactly the result of the repeated data (to
      rounding).  Seeding with weights draws differently from SciPy:
      'points' draws ``choice(M, k, replace=False, p=w/sum(w))``, 'random'
      uses the weighted mean and covariance, '++' is described in
      :func:`kpp_init`.  scikit-learn's `tol` uses the unweighted variance.
    * **Cost.**  SciPy's fixed iterations run in one compiled call; `tol`,
      `empty`, `callback` or `trace` take the Python loop (one call per
      iteration, the same arithmetic), `tol` costs two extra passes for the
      variance and the final assignment one more; ``return_info`` alone
      costs one pass for the inertia.

    {{array_libraries}}
    `weights` are brought to the host (M float64 values) for validation.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import kmeans2
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, truth = grid_blobs(grid_size=3, n_per_blob=30, rng=0)
    >>> centroid, label = kmeans2(data, 9, minit='++', rng=2)
    >>> centroid.shape, label.shape, label.dtype
    ((9, 2), (270,), dtype('int32'))

    Ten k-means++ starts, each run to convergence, with the result object:

    >>> centroid, label, info = kmeans2(data, 9, iter=100, minit='++', rng=2,
    ...                                 n_init=10, tol=1e-4, return_info=True)
    >>> info.converged, len(info.inertias_per_start)
    (True, 10)
    >>> bool(info.inertia == min(info.inertias_per_start))
    True
    """
    func = "kmeans2"
    iter = _validate.check_count(iter, "iter")
    _validate.check_option(missing, "missing method", ("warn", "raise"))
    _validate.check_option(algorithm, "algorithm", ALGORITHM_CHOICES)
    n_init = _validate.check_count(n_init, "n_init")
    tol = _validate.check_tol(tol)
    if empty is not None:
        _validate.check_option(empty, "empty policy", EMPTY_POLICIES)
    callback = _validate.check_callback(callback)
    trace = _validate.check_flag(trace, "trace")
    return_info = _validate.check_flag(return_info, "return_info")
    _warn_if_thresh_given(thresh)
    on_empty = _missing_policy(missing)
    generator = resolve_rng(rng, seed, func_name=func)
    _require_k(k, "k")
    route = dispatch(func, data, k, weights, names=("data", "k", "weights"))
    data_arr, k_arr, weights_arr = route.arrays
    values = route.as_data(data_arr, "data", check_finite=check_finite)
    k_size = route.size(k_arr)
    if route.size(values) < 1 or k_size < 1:
        raise ValueError(
            "Empty input is not supported: data and k must both have at least "
            f"one element (data.shape={tuple(values.shape)}, k has {k_size})."
        )
    x = route.to_2d(values)
    engine = route.engine(workers)

    given = None
    if minit == "matrix" or k_size > 1:
        given = _code_book(route, k_arr, values, "k", check_finite)
        count = given.shape[0]
        if n_init > 1:
            warn_external(
                f"n_init={n_init} ignored: the initial centroids are given, so "
                "every start would be the same; running one.", RuntimeWarning)
            n_init = 1
    else:
        count = _cluster_count(route.item(k_arr))
        _validate.check_option(minit, "init method", MINIT_CHOICES)
        if minit == "points":
            _validate.check_k_count(count, x.shape[0], points_needed=True)
    if weights_arr is not None:
        weights_arr = _validate.check_weights(
            route.to_host(weights_arr), x.shape[0],
            at_least=count if given is None and minit == "points" else 1)

    finish = n_init > 1 or tol is not None or empty is not None
    if given is None:
        x, exponent = _magnitude.into_range(route, x)
    else:
        x, given, exponent = _magnitude.into_range(route, x, given)
    if exponent:
        callback = _magnitude.restoring_callback(callback, exponent)
    tol_abs = None if tol is None else tol * tolerance_scale(engine, x, weights_arr)

    def seed(start_rng):
        if given is not None:
            return given
        return _initial_centres(minit, x, count, start_rng, engine,
                                one_dimensional=values.ndim == 1, weights=weights_arr)

    kept = seeded_restarts(engine, x, generator, n_init, seed,
                           recorder=lambda: TraceRecorder(callback, trace),
                           max_iter=iter, tol=tol_abs, empty=empty or "keep",
                           on_empty=on_empty, weights=weights_arr, return_labels=True,
                           algorithm=algorithm, finish=finish)
    outcome = kept.outcome
    centroid = _magnitude.restore(outcome.centroids, exponent)
    if values.ndim == 1:
        centroid = centroid[:, 0]
    if not return_info:
        return route.back(centroid), route.back(outcome.labels)
    inertia = outcome.inertia if finish else data_inertia(
        engine, x, outcome.centroids, weights_arr)
    info = KMeansInfo(
        inertia=_magnitude.restore(float(inertia), exponent, 2),
        n_iter=outcome.n_iter,
        converged=outcome.converged,
        inertias_per_start=tuple(
            _magnitude.restore(v, exponent, 2) for v in kept.inertias
        ) if n_init > 1 else None,
        best_start=kept.best,
        trace=_magnitude.restore_trace(outcome.trace, exponent),
    )
    return route.back(centroid), route.back(outcome.labels), info


def _warn_if_thresh_given(thresh):
    """kmeans2 ignores ``thresh`` (as SciPy does): say so when it is set."""
    try:
        default = float(thresh) == 1e-5
    except (TypeError, ValueError):
        default = False
    if not default:
        warn_external(
            f"kmeans2 does not use thresh (got {thresh!r}), as in SciPy; pass "
            "tol= to stop when the centroids settle.", UserWarning)


def _require_k(value, name):
    """A missing cluster count (None) is a ``TypeError`` naming the argument
    (it would otherwise reach the array dispatch as "no array")."""
    if value is None:
        raise TypeError(
            f"{name} must be a number of clusters or an array of initial "
            "centroids, got None."
        )


def _cluster_count(value):
    """kmeans2's scalar ``k``: a count >= 1; a non-integer warns and is truncated."""
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            "k must be a number of clusters or an array of initial centroids, "
            f"got {value!r}."
        ) from None
    if count < 1:
        raise ValueError(f"Cannot ask kmeans2 for {count} clusters (k was {value!r}).")
    if count != value:
        warn_external("k was not an integer, was converted.", UserWarning)
    return count


def _initial_centres(minit, x, k, rng, engine, *, one_dimensional, weights=None):
    """Initial centres by the named method, cast to the data dtype."""
    centres = draw_centres(minit, x, k, rng, engine, weights=weights,
                           one_dimensional=one_dimensional)
    return np.ascontiguousarray(centres, dtype=host_dtype(x))
