"""The ``workers`` keyword: validated, and results never depend on it."""

import os

import numpy as np
import pytest

import kmeanskit


@pytest.fixture
def data():
    # 7000 x 20: even k-means++'s one-centre sweeps (140 000 distance terms)
    # are above the kernels' serial threshold of 2**17, so workers=2 really
    # runs two threads everywhere (checked with _ran_on).
    rng = np.random.default_rng(11)
    centres = rng.uniform(-5, 5, size=(6, 20))
    return centres[rng.integers(0, 6, size=7000)] + rng.normal(size=(7000, 20))


def _ran_on(threads):
    """Whether the most recent kernel loop ran on ``threads`` threads (always
    true without OpenMP, where every call runs on one)."""
    from kmeanskit._ext import _kernels

    return not _kernels.HAVE_OPENMP or _kernels.last_team_size() == threads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kmeans2_identical_for_any_worker_count(data, dtype):
    # Fixed block partition + ordered reduction: bit-identical results.
    x = data.astype(dtype)
    results = [kmeanskit.kmeans2(x, 6, minit="++", rng=3, workers=w)
               for w in (1, 2, -1)]
    assert _ran_on(os.cpu_count() or 1)  # workers=-1: one thread per core
    for centroid, label in results[1:]:
        np.testing.assert_array_equal(centroid, results[0][0])
        np.testing.assert_array_equal(label, results[0][1])


def test_vq_kmeans_kpp_identical_for_any_worker_count(data):
    # The other public functions that take workers agree across counts too.
    book = data[:8]
    one = kmeanskit.vq(data, book, workers=1)[1]
    two = kmeanskit.vq(data, book, workers=2)[1]
    assert _ran_on(2)
    np.testing.assert_array_equal(one, two)
    a = kmeanskit.kmeans(data, 4, iter=3, rng=1, workers=1)
    b = kmeanskit.kmeans(data, 4, iter=3, rng=1, workers=2)
    assert _ran_on(2)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    one = kmeanskit.kpp_init(data, 5, rng=2, workers=1)
    two = kmeanskit.kpp_init(data, 5, rng=2, workers=2)
    assert _ran_on(2)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("workers, error", [(0, ValueError), (-2, ValueError),
                                            (1.5, TypeError), ("2", TypeError),
                                            (True, TypeError)])
def test_invalid_workers_rejected(data, workers, error):
    # SciPy's convention: -1 or a positive int; anything else names the argument.
    with pytest.raises(error, match="workers"):
        kmeanskit.kmeans2(data, 3, minit="points", rng=0, workers=workers)
    with pytest.raises(error, match="workers"):
        kmeanskit.vq(data, data[:3], workers=workers)
