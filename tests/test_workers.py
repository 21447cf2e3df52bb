"""The ``workers`` keyword: validated, and results never depend on it."""

import numpy as np
import pytest

import kmeanskit


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    centres = rng.uniform(-5, 5, size=(6, 20))
    return centres[rng.integers(0, 6, size=6000)] + rng.normal(size=(6000, 20))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kmeans2_identical_for_any_worker_count(data, dtype):
    # Fixed block partition + ordered reduction: bit-identical results.
    x = data.astype(dtype)
    results = [kmeanskit.kmeans2(x, 6, minit="++", rng=3, workers=w)
               for w in (1, 2, -1)]
    for centroid, label in results[1:]:
        np.testing.assert_array_equal(centroid, results[0][0])
        np.testing.assert_array_equal(label, results[0][1])


def test_vq_kmeans_kpp_identical_for_any_worker_count(data):
    # The other public functions that take workers agree across counts too.
    book = data[:8]
    np.testing.assert_array_equal(kmeanskit.vq(data, book, workers=1)[1],
                                  kmeanskit.vq(data, book, workers=2)[1])
    a = kmeanskit.kmeans(data, 4, iter=3, rng=1, workers=1)
    b = kmeanskit.kmeans(data, 4, iter=3, rng=1, workers=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    np.testing.assert_array_equal(kmeanskit.kpp_init(data, 5, rng=2, workers=1),
                                  kmeanskit.kpp_init(data, 5, rng=2, workers=2))


@pytest.mark.parametrize("workers, error", [(0, ValueError), (-2, ValueError),
                                            (1.5, TypeError), ("2", TypeError),
                                            (True, TypeError)])
def test_invalid_workers_rejected(data, workers, error):
    # SciPy's convention: -1 or a positive int; anything else names the argument.
    with pytest.raises(error, match="workers"):
        kmeanskit.kmeans2(data, 3, minit="points", rng=0, workers=workers)
    with pytest.raises(error, match="workers"):
        kmeanskit.vq(data, data[:3], workers=workers)
