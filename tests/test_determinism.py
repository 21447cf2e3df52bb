"""Determinism of the newer functions, Dask chunks that raise, and what
can (and cannot) be checked cheaply about 64-bit row indices.

The worker-count test checks, through the kernels' ``last_team_size()``
diagnostic, that the threads it asks for really ran.

kmeans2/vq/kmeans/kpp_init across worker counts: tests/test_workers.py;
across array libraries: tests/test_properties.py (test_backend_properties).
"""

import os

import numpy as np
import pytest

import kmeanskit as K

# Sizes chosen so that every function below really runs several threads
# (checked by test_same_rng_bit_identical_for_every_worker_count): the
# kernels run serially below 2**17 distance terms (rows x centres x
# features; 2**18 for the exact silhouette).  The smallest sweeps are
# k-means++'s, one centre at a time: N x D = 160 000 terms; one mini-batch:
# BATCH x K x D = 163 840; the silhouette: 800 x 800 x D = 5.1 million.
N, D, K_ = 20_000, 8, 5
BATCH = 4096
SILHOUETTE_ROWS = 800


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12)
    centres = rng.uniform(-5, 5, size=(K_, D))
    return centres[rng.integers(0, K_, size=N)] + rng.normal(size=(N, D))


def _fits(x):
    """Every seeded public fit that takes ``workers``, as name -> callable."""
    sil = x[:SILHOUETTE_ROWS]
    return {
        "kmeans2": lambda w: K.kmeans2(x, K_, minit="++", rng=1, workers=w),
        "kmeans2-||": lambda w: K.kmeans2(x, K_, minit="||", rng=1, workers=w),
        "kpp_init": lambda w: (K.kpp_init(x, K_, rng=1, workers=w),),
        "minibatch_kmeans": lambda w: K.minibatch_kmeans(
            x, K_, rng=1, batch_size=BATCH, workers=w)[:2],
        "kmedians": lambda w: K.kmedians(x, K_, rng=1, workers=w)[:2],
        "spherical_kmeans": lambda w: K.spherical_kmeans(x, K_, rng=1,
                                                         workers=w)[:2],
        "silhouette_samples": lambda w: (K.silhouette_samples(
            sil, np.arange(SILHOUETTE_ROWS) % K_, workers=w),),
    }


FIT_NAMES = list(_fits(np.zeros((1, 1))))

# Rows of the kernel calls that must run on every thread asked for: the
# whole data, one mini-batch, the silhouette's rows.  Smaller calls run
# serially by design (k-means||'s re-clustering of its few candidates,
# mini-batch seeding on its init sample below the serial threshold).
FULL_ROWS = {N, BATCH, SILHOUETTE_ROWS}
# The fewest tasks of those calls: a mini-batch's BATCH / 256 row chunks
# (the data's: 32 blocks or 79 chunks; the silhouette's: 50 groups of 16).
MIN_TASKS = BATCH // 256


@pytest.fixture
def kernel_teams(monkeypatch):
    """Log ``(kernel, rows, team size)`` for every call of a compiled kernel
    with a parallel loop (every public function of these modules but the
    diagnostics and the method helpers); the team size is the module's
    ``last_team_size()`` right after the call."""
    from kmeanskit._ext import _cityblock, _kernels, _silhouette

    log = []
    for module in (_kernels, _cityblock, _silhouette):
        for name in dir(module):
            kernel = getattr(module, name)
            if (name.startswith("_") or not callable(kernel)
                    or name in ("last_team_size", "max_threads", "mixed_tally",
                                "mixed", "uses_blas")):
                continue

            def logged(x, *args, _kernel=kernel, _name=name, _module=module):
                out = _kernel(x, *args)
                log.append((_name, x.shape[0], _module.last_team_size()))
                return out

            monkeypatch.setattr(module, name, logged)
    return log


def _threads(workers):
    """The thread count ``workers`` asks for (-1: one per core)."""
    return (os.cpu_count() or 1) if workers == -1 else workers


@pytest.mark.parametrize("name", FIT_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_rng_bit_identical_on_repeated_calls(data, name, dtype):
    # No hidden state: calling again gives the same bits (with or without
    # OpenMP).
    fit = _fits(data.astype(dtype))[name]
    for got, ref in zip(fit(1), fit(1), strict=True):
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("name", FIT_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_rng_bit_identical_for_every_worker_count(data, name, dtype,
                                                       kernel_teams):
    # Fixed row partition, ordered reduction: the thread count never
    # changes a bit, with more threads than cores (3, 4 on a 2-core
    # machine) too.  The kernels' team sizes show that these threads really
    # ran: without them, identical bits would prove nothing.
    if not K.show_config("dicts")["openmp"]:
        pytest.skip("built without OpenMP: every call runs on one thread "
                    "whatever workers says, so there is nothing to compare")
    fit = _fits(data.astype(dtype))[name]
    reference = fit(1)
    for workers in (1, 2, -1, 3, 4):
        kernel_teams.clear()
        for got, ref in zip(fit(workers), reference, strict=True):
            np.testing.assert_array_equal(got, ref)
        calls = [call for call in kernel_teams if call[1] in FULL_ROWS]
        assert calls, f"{name}: no kernel call over {sorted(FULL_ROWS)} rows"
        # OpenMP gives every thread asked for (unless OMP_DYNAMIC or
        # OMP_THREAD_LIMIT say otherwise), up to the call's number of tasks
        # (row chunks, blocks or query groups): MIN_TASKS or more here.
        threads = _threads(workers)
        least = min(threads, MIN_TASKS)
        wrong = sorted({call for call in calls
                        if not least <= call[2] <= threads})
        assert not wrong, (f"{name}, workers={workers}: {len(wrong)} distinct "
                           f"kernel calls (kernel, rows, team size) not on "
                           f"{threads} threads: {wrong[:5]}")


def test_kmedoids_same_rng_bit_identical(data):
    # kmedoids has no workers keyword: repeated calls, and CLARA's samples.
    x = data[:600]
    for kw in ({}, {"method": "alternate"}, {"sample_size": 200}):
        a, b = K.kmedoids(x, 4, rng=5, **kw), K.kmedoids(x, 4, rng=5, **kw)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert a[2].inertia == b[2].inertia


def test_different_rng_gives_a_different_start(data):
    # The determinism above is not a constant answer: another seed moves
    # the seeding (so the bit-identity tests can fail).
    assert not np.array_equal(K.kpp_init(data, K_, rng=1),
                              K.kpp_init(data, K_, rng=2))


# --------------------------------------------------------------------------
# Dask: a chunk that raises inside the computation


def test_dask_chunk_that_raises_surfaces_the_error_not_a_result():
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(0).normal(size=(900, 3))
    good = da.from_array(x, chunks=300)

    class ChunkFailed(RuntimeError):
        pass

    def poison(block, block_info=None):
        if block_info[0]["chunk-location"][0] == 1:
            raise ChunkFailed("block 1 could not be read")
        return block

    bad = good.map_blocks(poison, dtype=x.dtype)
    start = da.from_array(x[:3].copy())
    with pytest.raises(ChunkFailed, match="block 1"):
        centroid, labels = K.kmeans2(bad, start, minit="matrix", iter=3)
        # Lazy results: the error must come when they are computed.
        centroid.compute(), labels.compute()
    with pytest.raises(ChunkFailed, match="block 1"):
        labels, dist = K.vq(bad, start)
        labels.compute(), dist.compute()
    # The same graph without the failing block gives the NumPy answer.
    centroid, labels = K.kmeans2(good, start, minit="matrix", iter=3)
    ref = K.kmeans2(x, x[:3].copy(), minit="matrix", iter=3)
    # rtol: chunked float64 sums in another order than NumPy's one pass.
    np.testing.assert_allclose(centroid.compute(), ref[0], rtol=1e-12)


# --------------------------------------------------------------------------
# 64-bit row indices


def test_zero_stride_views_are_copied_by_validation():
    # Why a zero-stride view cannot test n ~ 2**31 cheaply: validation makes
    # every input C-contiguous, so a broadcast row becomes a real copy.
    from kmeanskit._base._validate import to_2d

    view = np.lib.stride_tricks.as_strided(np.ones(3), shape=(1000, 3),
                                           strides=(0, 8))
    out = to_2d(view)
    assert out.flags.c_contiguous and out.strides == (24, 8)


@pytest.mark.skipif(os.environ.get("KMEANSKIT_TEST_HUGE") != "1",
                    reason="reads an 8.6 GB sparse memmap: set KMEANSKIT_TEST_HUGE=1")
def test_lloyd_pass_over_more_than_2_31_rows(tmp_path):
    # A C-contiguous, read-only memmap is used in place (no copy).  Its
    # 2**31 + 8 rows are a hole in a sparse file (zeros) except the last 8,
    # which only a row index computed in 64 bits reaches.  One pass without
    # labels has k-sized outputs, so only the reads cost memory (page cache).
    from kmeanskit._backends._engines.compiled import CompiledEngine

    n = 2 ** 31 + 8
    path = tmp_path / "huge.f32"
    with open(path, "wb") as f:
        f.seek((n - 8) * 4)
        f.write(np.full(8, 10.0, dtype=np.float32).tobytes())
    x = np.memmap(path, dtype=np.float32, mode="r", shape=(n, 1))
    result = CompiledEngine().lloyd_pass(x, np.array([[0.0], [10.0]], np.float32))
    np.testing.assert_array_equal(result.counts, [n - 8, 8])
    np.testing.assert_array_equal(result.sums, [[0.0], [80.0]])
