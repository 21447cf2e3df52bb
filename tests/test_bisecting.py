"""bisecting_kmeans: the tree, the strategies, weights, and its checks."""

import numpy as np
import pytest

from kmeanskit import bisecting_kmeans, vq
from kmeanskit._api._bisecting import descend
from kmeanskit.datasets import grid_blobs

DATA, _ = grid_blobs(grid_size=3, n_per_blob=40, rng=0)


@pytest.mark.parametrize("strategy", ["biggest_inertia", "largest_cluster"])
def test_partition_tree_and_inertia_agree(strategy):
    c, label, info = bisecting_kmeans(DATA, 6, rng=0, bisecting_strategy=strategy,
                                      return_info=True)
    assert c.shape == (6, 2) and label.dtype == np.int32
    assert set(np.unique(label)) == set(range(6))
    assert len(info.hierarchy) == 5
    np.testing.assert_array_equal(descend(DATA, info.hierarchy), label)
    # Each centre is the mean of its cluster (the tree's partition).
    for j in range(6):
        np.testing.assert_allclose(c[j], DATA[label == j].mean(axis=0), atol=1e-12)
    own = ((DATA - c[label]) ** 2).sum()
    np.testing.assert_allclose(info.inertia, own, rtol=1e-12)


def test_nested_partitions():
    """The clustering for k refines the one for k - 1 (same draws)."""
    _, coarse = bisecting_kmeans(DATA, 3, rng=1)
    _, fine = bisecting_kmeans(DATA, 4, rng=1)
    for j in range(4):
        assert np.unique(coarse[fine == j]).size == 1


def test_integer_weights_equal_repetition():
    w = np.arange(DATA.shape[0]) % 3 + 1.0
    init = lambda rows, k, rng: rows[:k]  # noqa: E731 - deterministic seeding
    c_w, _ = bisecting_kmeans(DATA, 4, weights=w, init=init, tol=0.0)
    c_r, _ = bisecting_kmeans(np.repeat(DATA, w.astype(int), axis=0), 4,
                              init=init, tol=0.0)
    np.testing.assert_allclose(c_w, c_r, atol=1e-12)


def test_one_cluster_is_the_mean():
    c, label, info = bisecting_kmeans(DATA, 1, return_info=True)
    np.testing.assert_allclose(c[0], DATA.mean(axis=0))
    assert (label == 0).all() and info.hierarchy == ()


def test_float32_and_seedings():
    for init in ("points", "greedy++", "++", "random"):
        c, label = bisecting_kmeans(DATA.astype(np.float32), 5, init=init, rng=0,
                                    n_init=2)
        assert c.dtype == np.float32
        assert (vq(DATA, c.astype(np.float64))[0] >= 0).all()


@pytest.mark.parametrize("kwargs, error", [
    ({"bisecting_strategy": "smallest"}, ValueError),
    ({"init": "nope"}, ValueError),
    ({"init": "||"}, ValueError),
    ({"init": 3}, TypeError),
    ({"n_init": 0}, ValueError),
    ({"tol": -1.0}, ValueError),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        bisecting_kmeans(DATA, 3, **kwargs)


def test_more_clusters_than_points():
    with pytest.raises(ValueError):
        bisecting_kmeans(DATA[:3], 4)
