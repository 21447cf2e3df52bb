"""Mini-batch k-means (Sculley, 2010), whole-data and streaming forms.

One step takes a batch of rows, assigns them to the nearest centres and
moves every centre that received rows to the running mean of all rows it has
ever received: centre j, having absorbed mass ``n_j`` so far, becomes
``(n_j c_j + sum of its new rows) / (n_j + their mass)``, a learning rate of
``1 / n_j`` per centre.  Clusters whose mass stays tiny are re-seeded on
rows of a batch from time to time (scikit-learn's rule, below).

:class:`MiniBatchState` and :func:`minibatch_update` are the streaming form
(one batch at a time, from anywhere); :func:`minibatch_kmeans` samples the
batches from an array, stops early on the exponentially weighted average of
the batch inertia, and ends with one assignment of the whole data.

Where the work happens: a batch is small (``batch_size`` by d), so each step
brings its rows to the host and runs on the compiled kernels; only the
sampling of rows and the final full-data assignment touch the data, with
the data's own engine (so GPU data stays on the GPU).
"""

import math

import numpy as np

from .._backends._dispatch import dispatch
from .._backends._engines import get_engine, host_dtype
from .._base import _validate
from .._base._docstrings import fill_doc
from .._core import _magnitude, _variants
from .._core._lloyd import tolerance_scale
from .._core._restarts import start_generators, start_streams
from .._core._result import KMeansInfo, TraceRecorder
from .._core._seeding import draw_centres

__all__ = ["MiniBatchState", "minibatch_kmeans", "minibatch_update"]


def _check_ratio(value):
    try:
        ratio = float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"reassignment_ratio must be a number in [0, 1], got {value!r}.") from None
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(
            f"reassignment_ratio must be in [0, 1], got {value!r}: clusters "
            "lighter than this fraction of the heaviest one are re-seeded.")
    return ratio


class MiniBatchState:
    """The state of a streaming mini-batch k-means: centres and their mass.

    Create it from initial centroids, then feed it batches with
    :func:`minibatch_update`; it is updated in place.

    Parameters
    ----------
    centroids : array_like, shape (k, N)
        Initial centroids (e.g. :func:`~kmeanskit.kpp_init` on a first
        batch).  Copied, and kept in float64 on the host.
    rng : {None, int, numpy.random.Generator}, optional
        Source of the re-seeding draws, normalised by
        :func:`numpy.random.default_rng`.
    reassignment_ratio : float, optional
        Clusters whose mass is below this fraction of the heaviest one's are
        re-seeded on rows of the current batch, after every ``10 * k`` rows
        seen (or whenever a cluster has received nothing yet).  0 disables
        re-seeding.  Default: 0.01 (scikit-learn's).

    Attributes
    ----------
    centroids : ndarray, shape (k, N)
        Current centres (float64).
    counts : ndarray, shape (k,)
        Mass (sum of weights) each centre has absorbed.
    n_steps : int
        Batches absorbed so far.
    batch_inertia : float
        Weighted sum of squared distances of the last batch to the centres
        it was assigned to (before they moved); NaN before the first batch.
    shift : float
        Squared distance the centres moved in the last update, summed.

    Raises
    ------
    ValueError
        If `centroids` is not a finite 2-D array with at least one row, or
        `reassignment_ratio` is outside [0, 1].

    See Also
    --------
    minibatch_update : absorb one batch.
    minibatch_kmeans : the whole-data driver.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import MiniBatchState, minibatch_update
    >>> state = MiniBatchState([[0.0, 0.0], [10.0, 10.0]], rng=0)
    >>> state = minibatch_update(state, [[1.0, 1.0], [9.0, 9.0]])
    >>> state.centroids
    array([[1., 1.],
           [9., 9.]])
    >>> state.counts
    array([1., 1.])
    """

    def __init__(self, centroids, *, rng=None, reassignment_ratio=0.01):
        route = dispatch("minibatch_update", centroids, names=("centroids",))
        book = np.array(route.to_host(route.arrays[0]), dtype=np.float64, copy=True)
        if book.ndim != 2 or book.shape[0] < 1:
            raise ValueError(
                "centroids must be a 2-D array with one centre per row, got "
                f"shape {tuple(book.shape)}.")
        _validate.check_finite_array(book, "centroids")
        self.centroids = book
        self.counts = np.zeros(book.shape[0])
        self.rng = np.random.default_rng(rng)
        self.reassignment_ratio = _check_ratio(reassignment_ratio)
        self.n_steps = 0
        self.batch_inertia = math.nan
        self.shift = math.nan
        self._since_reseed = 0.0

    def __repr__(self):
        k, d = self.centroids.shape
        return f"<MiniBatchState: {k} centres in {d}-D after {self.n_steps} batches>"


@fill_doc
def minibatch_update(state, batch, *, weights=None, check_finite=True, workers=None):
    """Absorb one batch into a :class:`MiniBatchState` (in place).

    Parameters
    ----------
    state : MiniBatchState
        Updated in place, and returned.
    batch : array_like or sparse matrix, shape (b, N)
        Rows of this batch, float32 or float64, of any supported array
        library (a Dask chunk is computed).
    weights : array_like, shape (b,), optional
        Non-negative weights of the rows: a row of weight w moves its centre
        exactly as w copies of it would.  Default: all ones.
    check_finite : bool, optional
        Whether to check the batch for infs and NaNs.  Default: True.
    {{workers}}

    Returns
    -------
    state : MiniBatchState
        The same object, updated.

    Raises
    ------
    ValueError
        On a batch that is not 2-D, has another number of features than the
        centres, holds an inf or NaN (with `check_finite`), or on bad
        `weights`.
    TypeError
        If `state` is not a :class:`MiniBatchState`, or on integer data.

    Notes
    -----
    Each centre moves to the running mean of every row it has received:
    with mass ``n_j`` absorbed before and rows of total mass ``m_j`` (sum
    ``s_j``) in this batch, ``c_j <- (n_j c_j + s_j) / (n_j + m_j)``
    (Sculley's per-centre learning rate ``1 / n_j``, applied to the batch
    at once as scikit-learn does).  Then, after every ``10 * k`` rows of
    mass or while some centre has received nothing, clusters lighter than
    ``reassignment_ratio`` times the heaviest are moved onto rows of the
    batch drawn without replacement in proportion to the weights (at most
    half the batch), and given the smallest mass among the others, so that
    they are not re-seeded again at once.

    Examples
    --------
    Streaming over the blocks of an array (a Dask array's
    ``x.blocks`` work the same way):

    >>> import numpy as np
    >>> from kmeanskit import MiniBatchState, kpp_init, minibatch_update
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(grid_size=2, n_per_blob=200, rng=0)
    >>> blocks = np.array_split(np.random.default_rng(0).permutation(data), 8)
    >>> state = MiniBatchState(kpp_init(blocks[0], 4, rng=1), rng=2)
    >>> for block in blocks:
    ...     state = minibatch_update(state, block)
    >>> state.n_steps, int(state.counts.sum())
    (8, 800)
    """
    if not isinstance(state, MiniBatchState):
        raise TypeError(
            f"state must be a MiniBatchState, got {type(state).__name__}.")
    route = dispatch("minibatch_update", batch, weights, names=("batch", "weights"))
    values = route.as_data(route.arrays[0], "batch", check_finite=check_finite)
    rows = route.host_data(route.to_2d(values))
    if values.ndim != 2 or rows.shape[1] != state.centroids.shape[1]:
        raise ValueError(
            f"batch must be 2-D with {state.centroids.shape[1]} columns (one per "
            f"feature of the centroids), got shape {tuple(values.shape)}.")
    w = None
    if weights is not None:
        w = _validate.check_weights(route.to_host(route.arrays[1]), rows.shape[0])
    _absorb(state, rows, w, route.host_engine(workers))
    return state


def _absorb(state, rows, weights, engine):
    """One mini-batch step on host rows (validated): update, then re-seed."""
    centres = state.centroids
    result = engine.lloyd_pass(rows, centres.astype(rows.dtype), weights)
    received = result.counts > 0
    total = state.counts + result.counts
    moved = centres.copy()
    moved[received] = (centres[received] * state.counts[received, np.newaxis]
                       + result.sums[received]) / total[received, np.newaxis]
    state.counts = total
    mass = float(rows.shape[0] if weights is None else np.sum(weights))
    state._since_reseed += mass
    k = centres.shape[0]
    if state.reassignment_ratio > 0 and (
            (total == 0).any() or state._since_reseed >= 10 * k):
        state._since_reseed = 0.0
        _reseed_light(state, moved, rows, weights, engine)
    step = moved - centres
    state.shift = float(np.sum(step * step))
    state.centroids = moved
    state.batch_inertia = float(result.inertia)
    state.n_steps += 1


def _reseed_light(state, centres, rows, weights, engine):
    """Move clusters lighter than ``ratio * heaviest`` onto batch rows."""
    counts = state.counts
    light = counts < state.reassignment_ratio * counts.max()
    available = rows.shape[0] if weights is None else int(np.count_nonzero(weights))
    cap = min(rows.shape[0] // 2, available)
    if light.sum() > cap:
        # Keep the lightest ``cap`` of them (stable order: ties by index).
        keep_light = np.argsort(counts, kind="stable")[:cap]
        light = np.zeros_like(light)
        light[keep_light] = True
    n_light = int(light.sum())
    if n_light == 0:
        return
    p = None if weights is None else weights / np.sum(weights)
    chosen = state.rng.choice(rows.shape[0], size=n_light, replace=False, p=p)
    centres[light] = engine.take(rows, chosen)
    counts[light] = counts[~light].min()


class _RowSampler:
    """Row indices drawn with replacement, uniformly or in proportion to
    the weights (one ``random`` draw per row, located in the cumulative
    weights), i.e. uniformly among the rows repeated as the weights say."""

    def __init__(self, n, weights):
        self.n = n
        self.cumulative = None if weights is None else np.cumsum(weights)

    def __call__(self, rng, size):
        if self.cumulative is None:
            return rng.integers(self.n, size=size)
        targets = rng.random(size) * self.cumulative[-1]
        index = np.searchsorted(self.cumulative, targets, side="right")
        return np.minimum(index, self.n - 1)


@fill_doc
def minibatch_kmeans(data, k, *, batch_size=1024, max_iter=100,
                     max_no_improvement=10, init_size=None,
                     reassignment_ratio=0.01, n_init=1, rng=None, weights=None,
                     init=_variants.DEFAULT_INIT, check_finite=True, workers=None,
                     callback=None, trace=False, minit=_validate.NOT_GIVEN,
                     tol=None):
    """Cluster observations by mini-batch k-means (Sculley, 2010).

    Each step draws a batch of rows, assigns them and moves each centre to
    the running mean of the rows it has received; it stops after `max_iter`
    passes' worth of rows or when the smoothed batch inertia stops
    improving.  Much faster than Lloyd's algorithm on large data, at a
    slightly higher inertia.

    Parameters
    ----------
    data : array_like or sparse matrix, shape (M, N)
        Observations, one per row, float32 or float64, of any supported
        array library.
    k : int
        Number of clusters.
    batch_size : int, optional
        Rows per step (capped at M).  Default: 1024.
    max_iter : int, optional
        Largest number of passes over the data: at most
        ``max_iter * M // batch_size`` steps (M: the total weight with
        `weights`).  Default: 100.
    max_no_improvement : int or None, optional
        Stop after this many consecutive steps without a new minimum of the
        exponentially weighted average (EWA) of the batch inertia (0: stop at
        the first step that measures it).  None: never stop early.
        Default: 10.
    init_size : int, optional
        Rows sampled to seed each start, and to compare the starts when
        ``n_init > 1``.  Default: ``3 * batch_size``, at most M, at least k.
    reassignment_ratio : float, optional
        Re-seed clusters lighter than this fraction of the heaviest (see
        :func:`minibatch_update`); 0 disables it.  Default: 0.01.
    n_init : int, optional
        Number of seedings tried; the one of lowest inertia on the
        validation sample is run (scikit-learn's meaning: the others are
        not run).  Default: 1.
    rng : {None, int, numpy.random.Generator}, optional
        Source of every draw, normalised by
        :func:`numpy.random.default_rng`.  See Notes for the draw order.
    weights : array_like, shape (M,), optional
        Non-negative sample weights meaning replication: rows are sampled in
        proportion to them (so a row of weight w is drawn as often as w
        copies), and the final inertia is weighted.  Default: all ones.
    init : {'greedy++', '++', 'points', 'random', '||'} or array_like, optional
        Seeding on the init sample: greedy k-means++ (default; ``2 +
        int(log k)`` candidates per centre, scikit-learn's), plain k-means++
        (SciPy's draws), k distinct rows of it, Gaussian draws (kmeans2's
        ``minit='random'``), k-means|| (``kpp_init(method='||')``), or the
        initial centroids, shape (k, N) (`n_init` is then ignored).
    check_finite : bool, optional
        Whether to check the data for infs and NaNs.  Default: True.
    {{workers}}
    callback : callable, optional
        Called after each step as ``callback(step, centroids, inertia,
        shift)``, the inertia being the batch's scaled to the data's mass.
    trace : bool, optional
        Keep the history in ``info.trace``.  Default: False.
    tol : float or None, optional
        Also stop when the squared shift of the centres in one step, summed,
        is at most `tol` times the mean per-feature variance of the data
        (scikit-learn's ``MiniBatchKMeans(tol=...)``; 0 or None: never).
        Default: None.
    {{minit_deprecated}}

    Returns
    -------
    centroid : array, shape (k, N)
        The centres, in the data's dtype, library and device.
    label : array, shape (M,)
        int32 index of each observation's nearest centre (a final
        assignment of the whole data).
    info : KMeansInfo
        ``inertia`` of the whole data (weighted), ``n_iter`` the number of
        steps, ``converged`` whether it stopped early, and with
        ``n_init > 1`` the validation inertia of every seeding in
        ``inertias_per_start``.

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), data that is not 2-D, k < 1
        or more clusters than observations, a non-positive `batch_size`,
        `max_iter`, `max_no_improvement`, `n_init` or `init_size` (or an
        `init_size` below k), `reassignment_ratio` outside [0, 1], an
        unknown `init`, centres of the wrong shape or not finite, or bad
        `weights`.
    TypeError
        On integer data or non-integer counts.

    See Also
    --------
    MiniBatchState, minibatch_update : the streaming form.
    kmeans2 : Lloyd's algorithm.

    Notes
    -----
    Draw order.  With ``n_init=1``: the init sample (``init_size`` rows),
    the seeding, then the batches, all from `rng`.  With ``n_init > 1``:
    the validation sample and then the batches from `rng`, and start ``i``
    (its init sample and seeding) from ``rng.spawn(n_init)[i]``, as for
    :func:`~kmeanskit.kmeans2`.  Rows are sampled with replacement:
    ``integers(M, size)`` without weights; with weights, ``random(size)``
    located in the cumulative weights.  Re-seeding draws come from a
    generator spawned from `rng` after the seeding.

    Early stopping follows scikit-learn's ``MiniBatchKMeans``: the EWA of
    the per-row batch inertia with ``alpha = min(1, 2 * batch_size /
    (M + 1))`` (M: the total weight with `weights`), the first step left
    out.  Labels and inertia always come from a full assignment of the data
    to the returned centres.

    Each step runs on the host through the compiled kernels (a batch is
    ``batch_size`` rows); sampling rows and the final assignment run with
    the data's engine, so data on a GPU stays there.

    References
    ----------
    .. [1] D. Sculley, "Web-scale k-means clustering", Proceedings of the
       19th International Conference on World Wide Web, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import minibatch_kmeans
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(grid_size=3, n_per_blob=500, rng=0)
    >>> centroid, label, info = minibatch_kmeans(data, 9, batch_size=256, rng=0)
    >>> centroid.shape, label.shape, info.n_iter > 0
    ((9, 2), (4500,), True)
    """
    func = "minibatch_kmeans"
    init = _variants.resolve_init(func, init, minit)
    batch_size = _validate.check_count(batch_size, "batch_size")
    max_iter = _validate.check_count(max_iter, "max_iter")
    max_no_improvement = _validate.check_count(
        max_no_improvement, "max_no_improvement", minimum=0, allow_none=True)
    n_init = _validate.check_count(n_init, "n_init")
    reassignment_ratio = _check_ratio(reassignment_ratio)
    callback = _validate.check_callback(callback)
    trace = _validate.check_flag(trace, "trace")
    tol = _validate.check_tol(tol)
    generator = np.random.default_rng(rng)
    route, values, count, weights_arr, book = _variants.check_inputs(
        func, data, k, weights, init, check_finite=check_finite)
    if book is not None and not check_finite:
        # Checked even so: the steps cannot start from non-finite centres.
        _validate.check_finite_array(book, "init")
    n = values.shape[0]
    init_size = _init_size(init_size, batch_size, count, n)
    engine = route.engine(workers)
    host = engine if engine.name == "compiled" else get_engine(workers=workers)
    dtype = host_dtype(values)
    # Data near the float limits is clustered scaled by 2**-exponent (exact).
    if book is None:
        values, exponent = _magnitude.into_range(route, values)
    else:
        values, book, exponent = _magnitude.into_range(route, values, book)
    if exponent:
        callback = _magnitude.restoring_callback(callback, exponent)
    sample = _RowSampler(n, weights_arr)
    tol_abs = tol * tolerance_scale(engine, values, weights_arr) if tol else None

    def seed(start_rng):
        if book is not None:
            return book
        rows = engine.take_batch(values, sample(start_rng, init_size))
        return draw_centres(init, rows, count, start_rng, host).astype(np.float64)

    inertias, best = None, 0
    streams = start_streams(generator, 1 if book is not None else n_init)
    if len(streams) == 1:
        start = seed(streams[0])
    else:
        # The validation rows come from the call's generator after the
        # starts' streams are split off it, then each start seeds from its own.
        valid = engine.take_batch(values, sample(generator, init_size))
        starts = [seed(stream) for stream in streams]
        inertias = tuple(float(host.lloyd_pass(valid, c.astype(dtype)).inertia)
                         for c in starts)
        best = int(np.argmin(inertias))
        start = starts[best]

    state = MiniBatchState(start, rng=start_generators(generator, 1)[0],
                           reassignment_ratio=reassignment_ratio)
    total_weight = float(n if weights_arr is None else np.sum(weights_arr))
    b = min(batch_size, n)
    recorder = TraceRecorder(callback, trace)
    if recorder.active:
        recorder.start(state.centroids)
    converged = _run_batches(state, engine, host, values, sample, generator, b,
                             max(1, int(max_iter * total_weight // b)),
                             max_no_improvement,
                             total_weight, recorder, tol_abs)
    centroid = state.centroids.astype(dtype)
    final = engine.lloyd_pass(values, centroid, weights_arr, return_labels=True)
    info = KMeansInfo(
        inertia=_magnitude.restore(float(final.inertia), exponent, 2),
        n_iter=state.n_steps,
        converged=converged,
        inertias_per_start=None if inertias is None else tuple(
            _magnitude.restore(v, exponent, 2) for v in inertias),
        best_start=best,
        trace=_magnitude.restore_trace(recorder.result(), exponent),
    )
    centroid = _magnitude.restore(centroid, exponent)
    return route.back(centroid), route.back(final.labels), info


def _init_size(init_size, batch_size, k, n):
    if init_size is None:
        return max(min(3 * batch_size, n), min(k, n))
    init_size = _validate.check_count(init_size, "init_size")
    if init_size < k:
        raise ValueError(
            f"init_size={init_size} is smaller than k={k}: the seeding needs at "
            "least k sampled rows.")
    # More rows than the data has add nothing (scikit-learn clips too); an
    # init_size of 10**12 used to try to allocate terabytes.
    return min(init_size, n)


def _run_batches(state, engine, host, values, sample, rng, b, n_steps,
                 max_no_improvement, total_weight, recorder, tol=None):
    """The steps of :func:`minibatch_kmeans`; True if stopped early."""
    alpha = min(1.0, 2.0 * b / (total_weight + 1.0))
    ewa, best_ewa, stale = None, math.inf, 0
    for step in range(1, n_steps + 1):
        rows = engine.take_batch(values, sample(rng, b))
        _absorb(state, rows, None, host)
        per_row = state.batch_inertia / b
        if recorder.active:
            recorder.step(step, state.centroids, per_row * total_weight, state.shift)
        if step == 1:
            continue  # the first batch measures the seeding, not the steps
        if tol is not None and state.shift <= tol:
            return True
        if max_no_improvement is None:
            continue
        ewa = per_row if ewa is None else ewa * (1.0 - alpha) + per_row * alpha
        if ewa < best_ewa:
            best_ewa, stale = ewa, 0
        else:
            stale += 1
        # Checked after an improvement too: max_no_improvement=0 stops at the
        # first measured step, as scikit-learn's MiniBatchKMeans does.
        if stale >= max_no_improvement:
            return True
    return False
