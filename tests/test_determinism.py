"""Determinism of the newer functions, Dask chunks that raise, and what
can (and cannot) be checked cheaply about 64-bit row indices.

kmeans2/vq/kmeans/kpp_init across worker counts: tests/test_workers.py;
across array libraries: tests/test_properties.py (test_backend_properties).
"""

import os

import numpy as np
import pytest

import kmeanskit as K


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12)
    centres = rng.uniform(-5, 5, size=(5, 6))
    return centres[rng.integers(0, 5, size=4000)] + rng.normal(size=(4000, 6))


def _fits(x):
    """Every seeded public fit that takes ``workers``, as name -> callable."""
    return {
        "kmeans2": lambda w: K.kmeans2(x, 5, minit="++", rng=1, workers=w),
        "kmeans2-||": lambda w: K.kmeans2(x, 5, minit="||", rng=1, workers=w),
        "kpp_init": lambda w: (K.kpp_init(x, 5, rng=1, workers=w),),
        "minibatch_kmeans": lambda w: K.minibatch_kmeans(
            x, 5, rng=1, batch_size=256, workers=w)[:2],
        "kmedians": lambda w: K.kmedians(x, 5, rng=1, workers=w)[:2],
        "spherical_kmeans": lambda w: K.spherical_kmeans(x, 5, rng=1, workers=w)[:2],
        "silhouette_samples": lambda w: (K.silhouette_samples(
            x[:800], np.arange(800) % 5, workers=w),),
    }


FIT_NAMES = list(_fits(np.zeros((1, 1))))


@pytest.mark.parametrize("name", FIT_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_rng_bit_identical_for_every_worker_count_and_call(data, name, dtype):
    # Fixed row partition, ordered reduction: the thread count never
    # changes a bit; nor does calling again (no hidden state).
    fit = _fits(data.astype(dtype))[name]
    reference = fit(1)
    for workers in (1, 2, -1):
        for got, ref in zip(fit(workers), reference, strict=True):
            np.testing.assert_array_equal(got, ref)


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
    assert not np.array_equal(K.kpp_init(data, 5, rng=1), K.kpp_init(data, 5, rng=2))


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
    from kmeanskit._validate import to_2d

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
    from kmeanskit._engines.compiled import CompiledEngine

    n = 2 ** 31 + 8
    path = tmp_path / "huge.f32"
    with open(path, "wb") as f:
        f.seek((n - 8) * 4)
        f.write(np.full(8, 10.0, dtype=np.float32).tobytes())
    x = np.memmap(path, dtype=np.float32, mode="r", shape=(n, 1))
    result = CompiledEngine().lloyd_pass(x, np.array([[0.0], [10.0]], np.float32))
    np.testing.assert_array_equal(result.counts, [n - 8, 8])
    np.testing.assert_array_equal(result.sums, [[0.0], [80.0]])
