"""The Dask engine, under the threaded scheduler and on a real cluster.

Every test that takes the ``scheduler`` fixture runs twice: with Dask's
default threaded scheduler, and on a ``dask.distributed`` LocalCluster of two
single-threaded worker processes (started once for the module).  Results are
compared with the same call on the NumPy array the Dask array holds.

Tolerances: the Dask engine runs the compiled kernel on each block and adds
the per-block float64 sums in a different order than the kernel does over
the whole array, so float64 centroids agree to rounding (rtol 1e-12, the
same bound as the other backends); labels and seeding draws are equal.
"""

import os
import signal
import time
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from kmeanskit import kmeans, kmeans2, kpp_init, spherical_kmeans, vq, whiten  # noqa: E402
from kmeanskit._backends._engines import get_engine  # noqa: E402
from kmeanskit._backends._engines._dask_shards import drop_resident  # noqa: E402
from kmeanskit._backends._engines.compiled import CompiledEngine  # noqa: E402
from kmeanskit._backends._engines.dask import SPLIT_EVERY, DaskEngine  # noqa: E402

RTOL = 1e-12


def _blobs(n=1200, d=3, k=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    x = centres[rng.integers(k, size=n)] + rng.normal(size=(n, d))
    return x.astype(dtype)


@pytest.fixture(scope="module")
def _cluster():
    """One LocalCluster (2 processes x 1 thread) for the whole module."""
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # port / resource notices at start-up
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, memory_limit="1GiB")
    yield cluster
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster.close()


@pytest.fixture(scope="module", params=["threads", "distributed"])
def scheduler(request):
    """'threads' (Dask's default) or 'distributed' (a Client on the cluster)."""
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield None
        return
    import distributed

    cluster = request.getfixturevalue("_cluster")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = distributed.Client(cluster)
    with client:
        yield client


_on_cluster_only = pytest.mark.parametrize("scheduler", ["distributed"],
                                           indirect=True)


def _equal_results(actual, expected):
    centroid, label = actual
    np.testing.assert_allclose(centroid.compute(), expected[0], rtol=RTOL, atol=RTOL)
    np.testing.assert_array_equal(label.compute(), expected[1])


# --------------------------------------------------------------------------
# Same results as NumPy

@pytest.mark.parametrize("minit", ["points", "++", "random", "||"])
def test_kmeans2_same_as_numpy(scheduler, minit):
    x = _blobs()
    data = da.from_array(x, chunks=250)
    # 'random' can leave a cluster empty: then both warn alike.
    with warnings.catch_warnings(record=True) as on_numpy:
        warnings.simplefilter("always")
        expected = kmeans2(x, 4, minit=minit, rng=3)
    with warnings.catch_warnings(record=True) as on_dask:
        warnings.simplefilter("always")
        centroid, label = kmeans2(data, 4, minit=minit, rng=3)
    assert [str(w.message) for w in on_dask] == [str(w.message) for w in on_numpy]
    assert isinstance(label, da.Array) and label.chunks[0] == data.chunks[0]
    _equal_results((centroid, label), expected)


@pytest.mark.parametrize("d", [3, 16])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kmeans2_matrix_both_kernels_and_dtypes(scheduler, d, dtype):
    """Direct (d=3) and matrix-product (d=16) kernels, float32 and float64."""
    x = _blobs(d=d, dtype=dtype)
    start = x[[0, 1, 2, 3]].copy()
    centroid, label = kmeans2(da.from_array(x, chunks=300), da.from_array(start),
                              minit="matrix", iter=5)
    ref_centroid, ref_label = kmeans2(x, start, minit="matrix", iter=5)
    assert centroid.dtype == dtype
    rtol = RTOL if dtype == np.float64 else 1e-5  # float32 centroid rounding
    np.testing.assert_allclose(centroid.compute(), ref_centroid, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(label.compute(), ref_label)


@pytest.mark.parametrize("n_local_trials", [1, "auto"])
@pytest.mark.parametrize("method", ["++", "||"])
def test_kpp_init_same_centres(scheduler, method, n_local_trials):
    """Seeds are rows of the data, drawn as on NumPy: exactly equal."""
    x = _blobs()
    centres = kpp_init(da.from_array(x, chunks=200), 6, rng=11, method=method,
                       n_local_trials=n_local_trials)
    np.testing.assert_array_equal(
        centres.compute(),
        kpp_init(x, 6, rng=11, method=method, n_local_trials=n_local_trials))


def test_vq_and_whiten_same_as_numpy(scheduler):
    x = _blobs(d=12)
    data = da.from_array(x, chunks=300)
    book = x[[5, 500, 900]].copy()
    code, dist = vq(data, da.from_array(book))
    assert isinstance(code, da.Array) and isinstance(dist, da.Array)
    ref_code, ref_dist = vq(x, book)
    code, dist = dask.compute(code, dist)
    np.testing.assert_array_equal(code, ref_code)
    np.testing.assert_allclose(dist, ref_dist, rtol=RTOL)
    np.testing.assert_allclose(whiten(data).compute(), whiten(x), rtol=RTOL)


def test_kmeans_same_as_numpy(scheduler):
    x = _blobs()
    book, distortion = kmeans(da.from_array(x, chunks=400), 4, iter=2, rng=2)
    ref_book, ref_distortion = kmeans(x, 4, iter=2, rng=2)
    np.testing.assert_allclose(book.compute(), ref_book, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(distortion.compute(), ref_distortion, rtol=RTOL)


def test_one_dimensional(scheduler):
    x = _blobs(d=1)[:, 0]
    centroid, label = kmeans2(da.from_array(x, chunks=500), 3, minit="++", rng=1)
    assert centroid.shape == (3,)
    _equal_results((centroid, label), kmeans2(x, 3, minit="++", rng=1))


def test_empty_cluster_warns(scheduler):
    x = _blobs()
    start = np.array([x[0], [1e3, 1e3, 1e3]])
    with pytest.warns(UserWarning, match="One of the clusters is empty"):
        centroid, _ = kmeans2(da.from_array(x, chunks=400), da.from_array(start),
                              iter=2, minit="matrix")
    np.testing.assert_array_equal(centroid.compute()[1], start[1])


# --------------------------------------------------------------------------
# The engine's passes

@pytest.mark.parametrize("weights", ["none", "numpy", "dask"])
def test_lloyd_pass_matches_compiled(scheduler, weights):
    """Sums, counts and inertia of one pass, with and without weights,
    through blocks of different sizes (one of them empty)."""
    x = _blobs(n=700, d=5)
    w = np.random.default_rng(1).uniform(size=700)
    c = x[[0, 100, 200]].copy()
    data = da.from_array(x, chunks=((0, 300, 250, 150), (5,)))
    w_arg = {"none": None, "numpy": w,
             "dask": da.from_array(w, chunks=200)}[weights]
    result = DaskEngine().lloyd_pass(data, c, w_arg, return_labels=True)
    whole = CompiledEngine().lloyd_pass(x, c, None if w_arg is None else w,
                                        return_labels=True)
    np.testing.assert_allclose(result.sums, whole.sums, rtol=RTOL)
    np.testing.assert_allclose(result.counts, whole.counts, rtol=RTOL)
    np.testing.assert_allclose(result.inertia, whole.inertia, rtol=RTOL)
    np.testing.assert_allclose(result.distance_sum, whole.distance_sum, rtol=RTOL)
    np.testing.assert_array_equal(result.labels.compute(), whole.labels)


@pytest.mark.parametrize("n_local_trials", [1, "auto"])
@pytest.mark.parametrize("method", ["++", "||"])
def test_weighted_seeding_same_centres(scheduler, method, n_local_trials):
    """Weighted draws (zero weights included) pick the rows NumPy picks."""
    x = _blobs()
    w = np.random.default_rng(12).integers(0, 4, size=x.shape[0]).astype(float)
    centres = kpp_init(da.from_array(x, chunks=200), 6, rng=11, method=method,
                       n_local_trials=n_local_trials,
                       weights=da.from_array(w, chunks=200))
    np.testing.assert_array_equal(
        centres.compute(),
        kpp_init(x, 6, rng=11, method=method, n_local_trials=n_local_trials,
                 weights=w))


@pytest.mark.parametrize("empty", ["farthest", "split"])
def test_weighted_kmeans2_with_repairs_same_as_numpy(scheduler, empty):
    """Weights, tol, restarts and empty-cluster repairs (a far-off start
    centre that attracts nothing) run on the blocks as they do in memory."""
    x = _blobs()
    w = np.random.default_rng(13).uniform(0.5, 2.0, size=x.shape[0])
    start = np.vstack([x[:3], [[1e3, 1e3, 1e3]]])
    kwargs = dict(minit="matrix", tol=1e-6, empty=empty, return_info=True)
    ref = kmeans2(x, start, weights=w, **kwargs)
    got = kmeans2(da.from_array(x, chunks=200), da.from_array(start),
                  weights=da.from_array(w, chunks=200), **kwargs)
    np.testing.assert_allclose(got[0].compute(), ref[0], rtol=RTOL)
    np.testing.assert_array_equal(got[1].compute(), ref[1])
    assert got[2].n_iter == ref[2].n_iter
    np.testing.assert_allclose(got[2].inertia, ref[2].inertia, rtol=RTOL)


def test_weighted_moments_match_numpy(scheduler):
    x = _blobs(d=3) + 1e3
    w = np.random.default_rng(14).integers(0, 3, size=x.shape[0]).astype(float)
    mean, cov = DaskEngine().moments(da.from_array(x, chunks=256), "cov", w)
    np.testing.assert_allclose(mean, np.average(x, axis=0, weights=w), rtol=RTOL)
    np.testing.assert_allclose(cov, np.cov(x, rowvar=False, fweights=w.astype(int)),
                               rtol=1e-9)


def test_moments_match_numpy(scheduler):
    x = _blobs(d=4) + 1e6  # far from the origin: a shift-free sum would cancel
    engine = DaskEngine()
    mean, cov = engine.moments(da.from_array(x, chunks=256), "cov")
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=RTOL)
    np.testing.assert_allclose(cov, np.cov(x, rowvar=False), rtol=1e-9)
    _, var = engine.moments(da.from_array(x, chunks=256), "var")
    np.testing.assert_allclose(var, np.var(x[:, 0], ddof=1), rtol=1e-9)


@_on_cluster_only
def test_tasks_per_pass_is_blocks_plus_a_small_tree(scheduler):
    """One pass runs one task per block plus the reduction tree (partial
    sums per SPLIT_EVERY blocks, then Dask's aggregate and finalize tasks),
    as counted by the cluster's task stream."""
    from distributed import get_task_stream

    x = _blobs(n=1600)
    data = da.from_array(x, chunks=25).persist()  # 64 blocks: two tree levels
    engine = get_engine(da)
    engine.lloyd_pass(data, x[:4], None)  # warm-up: workers import kmeanskit
    with get_task_stream(scheduler) as stream:
        engine.lloyd_pass(data, x[:4], None)
    n_blocks = data.numblocks[0]
    assert len(stream.data) <= n_blocks + -(-n_blocks // SPLIT_EVERY) + 2


# --------------------------------------------------------------------------
# Persisted on the cluster: tasks on the blocks' futures, one per worker

def _persisted(x, chunks):
    import dask.distributed

    data = da.from_array(x, chunks=chunks).persist()
    dask.distributed.wait(data)
    return data


class _RoundTrips:
    """Counts the client's blocking requests (each ``Client.sync``)."""

    def __init__(self, client):
        self.client, self.count, self.original = client, 0, client.sync

    def __enter__(self):
        def counting(*args, **kwargs):
            self.count += 1
            return self.original(*args, **kwargs)

        self.client.sync = counting
        return self

    def __exit__(self, *exc):
        self.client.sync = self.original


@_on_cluster_only
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("init", ["++", "greedy++", "||"])
def test_persisted_seeding_same_centres(scheduler, init, weighted):
    """The fused steps on the blocks' futures draw NumPy's rows, with and
    without (zero) weights, through blocks of different sizes."""
    import dask.distributed  # noqa: F401

    x = _blobs()
    data = _persisted(x, ((150, 450, 250, 350), (3,)))
    w = (np.random.default_rng(12).integers(0, 4, size=x.shape[0]).astype(float)
         if weighted else None)
    kwargs = {"method": "||" if init == "||" else "++",
              "n_local_trials": "auto" if init == "greedy++" else 1}
    got = kpp_init(data, 6, rng=11, **kwargs,
                   weights=None if w is None else da.from_array(w, chunks=300))
    np.testing.assert_array_equal(got.compute(),
                                  kpp_init(x, 6, rng=11, weights=w, **kwargs))


@_on_cluster_only
@pytest.mark.parametrize("minit", ["points", "++", "random", "||"])
def test_persisted_kmeans2_same_as_numpy(scheduler, minit):
    import dask.distributed  # noqa: F401

    x = _blobs()
    data = _persisted(x, 250)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 'random' may empty one
        expected = kmeans2(x, 4, minit=minit, rng=3)
        got = kmeans2(data, 4, minit=minit, rng=3)
    _equal_results(got, expected)


@_on_cluster_only
def test_persisted_spherical_same_as_numpy(scheduler):
    """Spherical k-means runs the same fused passes on its unit rows, which
    are persisted with the data (not recomputed per pass)."""
    import dask.distributed  # noqa: F401

    x = _blobs(d=4) + 0.5
    data = _persisted(x, 300)
    ref = spherical_kmeans(x, 4, rng=5, max_iter=20)
    got = spherical_kmeans(data, 4, rng=5, max_iter=20)
    np.testing.assert_allclose(got[0].compute(), ref[0], rtol=RTOL, atol=RTOL)
    np.testing.assert_array_equal(got[1].compute(), ref[1])
    assert got[2].n_iter == ref[2].n_iter


@_on_cluster_only
def test_persisted_spherical_round_trips(scheduler):
    """Spherical k-means on persisted data: its unit rows persisted and
    checked for zero rows in one round trip, the layout of the unit rows
    located in one, its tolerance scale in one pass; then its seeding,
    iterations and final assignment.  Zero rows raise as on NumPy."""
    x = _blobs(d=4) + 0.5
    data = _persisted(x, 300)
    k, max_iter = 4, 3
    with _RoundTrips(scheduler) as trips:
        _, _, info = spherical_kmeans(data, k, rng=5, max_iter=max_iter, tol=None)
    assert info.n_iter == max_iter
    # zero-row check, who_has (unless the layout of these unit rows, whose
    # keys depend on the data's, is known), k seeding steps, the
    # iterations, final pass
    assert k + max_iter + 2 <= trips.count <= 1 + 1 + k + max_iter + 1
    with _RoundTrips(scheduler) as trips:
        spherical_kmeans(data, k, rng=5, max_iter=max_iter)
    assert trips.count <= 1 + 1 + 1 + k + max_iter + 1  # and the tolerance pass
    x[[2, 7]] = 0.0
    with pytest.raises(ValueError, match="data rows 2 and 7 are all zeros"):
        spherical_kmeans(_persisted(x, 300), k, rng=5)


@_on_cluster_only
def test_persisted_round_trips(scheduler):
    """One round trip per k-means++ step (greedy trials included), per
    k-means|| round and per Lloyd iteration, plus one to locate the blocks
    (``who_has``) the first time an array is seen; and one task per worker
    in each pass."""
    import dask.distributed
    from distributed import get_task_stream

    x = _blobs(n=4_000)
    data = _persisted(x, 250)  # 16 blocks on 2 workers
    k = 6
    for trials, located in ((1, 1), ("auto", 0)):
        with _RoundTrips(scheduler) as trips:
            kpp_init(data, k, rng=0, n_local_trials=trials)
        assert trips.count == k + located, (trials, trips.count)
    with _RoundTrips(scheduler) as trips:
        kpp_init(data, k, rng=0, method="||")
    assert trips.count <= 1 + 5 + 1  # first centre, rounds, weighing
    engine = get_engine(da)
    with get_task_stream(scheduler) as stream, _RoundTrips(scheduler) as trips:
        engine.lloyd_pass(data, x[:4], None)
        engine.lloyd_pass(data, x[:4], None)
    assert trips.count == 2
    n_workers = len(scheduler.scheduler_info()["workers"])
    assert len(_task_names(stream)) <= 2 * n_workers
    assert dask.distributed.futures_of(data)  # the data stays persisted


def _task_names(stream):
    """The functions of the tasks in ``stream`` (less the requests to drop
    the running minima of seedings now over)."""
    names = [record["key"].rsplit("-", 5)[0] for record in stream.data]
    return [name for name in names if name != "drop_resident"]


@_on_cluster_only
def test_persisted_seeding_tasks_per_step(scheduler):
    """A k-means++ step is two levels of tasks: the search on the workers
    holding the targets, then one task per worker that lowers the running
    minimum (kept on that worker) and sends back its sums -- or, greedy,
    weighs the candidates; a k-means|| round, one task per worker drawing,
    then one per worker lowering."""
    from distributed import get_task_stream

    x = _blobs(n=4_000)
    data = _persisted(x, 250)
    n_workers = len(scheduler.scheduler_info()["workers"])
    k = 5
    kpp_init(data, k, rng=0)  # the layout located
    engine = get_engine(da)
    _, state = engine.d2_start(data, 3)
    with get_task_stream(scheduler) as stream:
        engine.d2_pick(data, state, 0.5)
    names = _task_names(stream)
    assert sorted(set(names)) == ["_find_rows", "_group_advance"]
    assert names.count("_find_rows") == 1
    assert names.count("_group_advance") == n_workers
    _, state = engine.d2_start(data, 3)
    with get_task_stream(scheduler) as stream:
        trials = engine.d2_trials(data, state, np.array([0.1, 0.5, 0.9]) * state.total)
        chosen = engine.d2_select(data, trials[3], 1)
        engine.d2_trials(data, chosen, np.array([0.2, 0.6]) * chosen.total)
    names = _task_names(stream)
    assert names.count("_group_trials") == 2 * n_workers
    assert 2 <= names.count("_find_rows") <= 2 * n_workers
    assert set(names) == {"_find_rows", "_group_trials"}
    _, state = engine.d2_start(data, 3)  # (the workers keep two versions)
    with get_task_stream(scheduler) as stream:
        engine.d2_sample(data, state, 1e-3 / state.total, seed=7)
    names = _task_names(stream)
    assert sorted(names) == (["_group_advance"] * n_workers
                             + ["_group_sample"] * n_workers)


@_on_cluster_only
@pytest.mark.parametrize("trials", [1, 3])
def test_persisted_seeding_rebuilds_lost_values(scheduler, trials):
    """Running minima lost on the workers (a task run elsewhere, a worker
    replaced) are rebuilt from the centres so far: the same draws."""
    import gc

    from kmeanskit._core._seeding import init_kpp

    x = _blobs(n=3_000)
    data = _persisted(x, 250)
    w = np.random.default_rng(3).uniform(0.5, 2.0, x.shape[0])
    engine = get_engine(da)
    for weights in (None, w):
        expected = init_kpp(x, 6, np.random.default_rng(5), get_engine(np),
                            n_local_trials=trials, weights=weights)
        name = "d2_pick" if trials == 1 else "d2_trials"
        original = getattr(engine, name)
        calls = []

        def losing(*args, original=original, calls=calls, **kwargs):
            calls.append(1)
            if len(calls) % 2:
                assert sum(scheduler.run(drop_resident).values()) > 0
            return original(*args, **kwargs)

        setattr(engine, name, losing)
        try:
            got = init_kpp(data, 6, np.random.default_rng(5), engine,
                           n_local_trials=trials, weights=weights)
        finally:
            delattr(engine, name)
        np.testing.assert_array_equal(got, expected)
    gc.collect()
    # The client dropped every state: the workers hold no running minimum.
    time.sleep(0.5)  # the requests to drop them are not waited for
    assert not sum(scheduler.run(drop_resident).values())


@_on_cluster_only
def test_persisted_sums_in_block_order(scheduler):
    """Pass sums do not depend on where the blocks are: the data spread
    over both workers and all on one give bitwise the same sums (here
    large per-block vectors, added on the cluster in fixed groups)."""
    x = _blobs(n=3_000, d=6)
    c = x[:40].copy()
    spread = _persisted(x, 200)
    expected = get_engine(da).lloyd_pass(spread, c, None)
    one = list(scheduler.scheduler_info()["workers"])[:1]
    together = scheduler.persist(da.from_array(x.copy(), chunks=200), workers=one)
    dask.distributed.wait(together)
    again = get_engine(da).lloyd_pass(together, c, None)
    np.testing.assert_array_equal(again.sums, expected.sums)
    np.testing.assert_array_equal(again.counts, expected.counts)
    assert again.inertia == expected.inertia
    whole = CompiledEngine().lloyd_pass(x, c)
    np.testing.assert_allclose(expected.sums, whole.sums, rtol=RTOL)


# --------------------------------------------------------------------------
# Never gathered

def _record_gathers(client):
    """Wrap the client's transfer of results so each value's size is recorded."""
    from dask.sizeof import sizeof

    sizes = []
    original = client._gather_remote

    async def recording(direct, local_worker):
        response = await original(direct, local_worker)
        sizes.extend(sizeof(v) for v in response.get("data", {}).values())
        return response

    client._gather_remote = recording
    return sizes, lambda: setattr(client, "_gather_remote", original)


@_on_cluster_only
@pytest.mark.parametrize("minit", ["++", "||", "random", "points"])
def test_data_never_reaches_the_client(scheduler, minit):
    """On a cluster, nothing larger than one block of the data (here much
    less: k-sized sums, row indices, chosen rows) is sent to the client.
    (Under the threaded scheduler, test_backends.py's
    test_dask_computes_as_declared bounds what each compute returns.)"""
    x = _blobs(n=20_000, d=4)
    data = da.from_array(x, chunks=2_000).persist()
    block = x[:2_000].nbytes
    sizes, restore = _record_gathers(scheduler)
    try:
        with warnings.catch_warnings():
            # An empty cluster ('random' seeds) is beside the point here.
            warnings.simplefilter("ignore", UserWarning)
            centroid, label = kmeans2(data, 5, minit=minit, rng=0, iter=3)
        kpp_init(data, 5, rng=0, method="||")
    finally:
        restore()
    assert sizes, "nothing was gathered: the recording is broken"
    assert max(sizes) < block / 10, (max(sizes), block)
    assert isinstance(label, da.Array)


# --------------------------------------------------------------------------
# Awkward inputs

def test_unknown_chunk_sizes(scheduler):
    """kmeans2 needs n and refuses NaN chunks clearly; vq maps over them."""
    x = _blobs()
    data = da.from_array(x, chunks=250)
    masked = data[data[:, 0] > -np.inf]  # same rows, unknown chunk sizes
    assert np.isnan(masked.shape[0])
    with pytest.raises(ValueError, match="unknown chunk sizes.*compute_chunk_sizes"):
        kmeans2(masked, 3, minit="points", rng=0)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        kpp_init(masked, 3, rng=0)
    book = x[:3].copy()
    code, _ = vq(masked, da.from_array(book))
    np.testing.assert_array_equal(code.compute(), vq(x, book)[0])


def test_column_chunks_rechunked_once_with_a_warning(scheduler):
    x = _blobs(d=4)
    data = da.from_array(x, chunks=(300, 2))
    with pytest.warns(da.PerformanceWarning, match="along its columns") as record:
        result = kmeans2(data, 3, minit="++", rng=5)
    assert len(record) == 1
    _equal_results(result, kmeans2(x, 3, minit="++", rng=5))


def test_non_finite_data(scheduler):
    """kmeans2 raises in its first pass; lazy vq raises when computed."""
    x = _blobs()
    x[777, 1] = np.nan
    data = da.from_array(x, chunks=250)
    for minit in ("points", "++", "random"):
        with pytest.raises(ValueError, match="data must not contain infs or NaNs"):
            kmeans2(data, 3, minit=minit, rng=0)
    code, _ = vq(data, da.from_array(x[:2]))
    with pytest.raises(ValueError, match="obs must not contain infs or NaNs"):
        code.compute()
    # check_finite=False reads nothing for the check, as on NumPy.
    vq(data, da.from_array(x[:2]), check_finite=False)[0].compute()


def test_input_never_mutated(scheduler):
    x = _blobs()
    data = da.from_array(x.copy(), chunks=250).persist()
    kmeans2(data, 3, minit="++", rng=0)[1].compute()
    kpp_init(data, 3, rng=0, method="||", n_local_trials=3)
    np.testing.assert_array_equal(data.compute(), x)


# --------------------------------------------------------------------------
# Faults

@pytest.mark.slow
def test_worker_killed_mid_run(monkeypatch):
    """A worker process killed between two passes of kmeans2 (its share of
    the persisted data lost with it): Dask recomputes the lost blocks and
    the answer is NumPy's, or the call fails with Dask's error; never a
    wrong answer."""
    distributed = pytest.importorskip("distributed")
    x = _blobs(n=4_000, d=3)
    start = x[:4].copy()
    expected = kmeans2(x, start, minit="matrix", iter=12)
    original_pass = DaskEngine.lloyd_pass
    passes = []

    def pass_then_kill(self, *args, **kwargs):
        passes.append(1)
        if len(passes) == 5:
            os.kill(victim, signal.SIGKILL)
        return original_pass(self, *args, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            victim = next(iter(client.run(os.getpid).values()))
            data = da.from_array(x, chunks=500).persist()
            distributed.wait(data)
            monkeypatch.setattr(DaskEngine, "lloyd_pass", pass_then_kill)
            try:
                centroid, label = kmeans2(data, da.from_array(start),
                                          minit="matrix", iter=12)
                result = (centroid.compute(), label.compute())
            except distributed.scheduler.KilledWorker:
                result = None  # Dask's own clear error: acceptable
            survivors = client.run(os.getpid).values()
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.close()
            cluster.close()
    assert len(passes) == 12 or result is None
    assert victim not in survivors, "the worker was not killed"
    if result is not None:
        np.testing.assert_allclose(result[0], expected[0], rtol=RTOL, atol=RTOL)
        np.testing.assert_array_equal(result[1], expected[1])


@_on_cluster_only
def test_estimators_fit_on_the_cluster_without_gathering(scheduler):
    """kmeanskit.estimators hand Dask arrays to the functions as they are:
    the fit equals the NumPy fit, labels_ and predict stay lazy.  KMeans
    sends nothing larger than a tenth of a block to the client;
    MiniBatchKMeans only its sampled rows (the seeding sample, batches)."""
    pytest.importorskip("sklearn", minversion="1.6")
    from kmeanskit.estimators import KMeans, MiniBatchKMeans

    x = _blobs(n=20_000, d=4)
    data = da.from_array(x, chunks=2_000).persist()
    fits = []
    bounds = ((KMeans, x[:2_000].nbytes / 10), (MiniBatchKMeans, x.nbytes / 5))
    for make, bound in bounds:
        sizes, restore = _record_gathers(scheduler)
        try:
            fits.append(make(5, random_state=0).fit(data))
            predicted = fits[-1].predict(data)
        finally:
            restore()
        assert max(sizes) < bound, (make, max(sizes))
        assert isinstance(fits[-1].labels_, da.Array)
        assert isinstance(predicted, da.Array)
        ref = make(5, random_state=0).fit(x)
        assert isinstance(fits[-1].cluster_centers_, np.ndarray)
        np.testing.assert_allclose(fits[-1].cluster_centers_, ref.cluster_centers_,
                                   rtol=1e-9)
        np.testing.assert_array_equal(fits[-1].labels_.compute(), ref.labels_)
        np.testing.assert_array_equal(predicted.compute(), ref.predict(x))
