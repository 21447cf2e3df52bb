"""k-medians against hand-computed cases and brute force.

References: medians worked out by hand; NumPy's median of the repeated
data (the weighted median's definition); a plain NumPy k-medians loop from
the same start; a brute-force check that each returned centre minimises
its cluster's L1 cost over every candidate value of each feature.

Tolerances: medians are data values or midpoints of two, so they match
exactly; objectives (sums of n distances in another order) to rtol 1e-12.
"""

import doctest

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import kmeanskit._api._medians as medians_module
from kmeanskit import kmedians
from kmeanskit._api._medians import weighted_median


def _blobs(seed, n=200, d=3, k=4):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    x = centres[rng.integers(0, k, n)] + rng.laplace(size=(n, d))
    return x


def _reference(x, centres, n_iter=100):
    """k-medians, plainly, from ``centres`` until the labels settle."""
    c = centres.astype(np.float64).copy()
    labels = None
    for _ in range(n_iter):
        new = np.argmin(np.abs(x[:, None, :] - c[None]).sum(axis=2), axis=1)
        if labels is not None and (new == labels).all():
            break
        labels = new
        for j in range(c.shape[0]):
            if (labels == j).any():
                c[j] = np.median(x[labels == j], axis=0)
    return c, labels


def test_docstring_examples():
    with np.printoptions(legacy=False):
        failures, attempted = doctest.testmod(
            medians_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failures == 0


def test_weighted_median_by_hand():
    values = np.array([[1.0], [2.0], [3.0], [10.0]])
    assert weighted_median(values, np.ones(4)).tolist() == [2.5]
    assert weighted_median(values, np.array([1.0, 1.0, 3.0, 1.0])).tolist() == [3.0]
    # Weight 3 of 6 reached exactly at 2: the midpoint with the next value
    # of positive weight (3 has weight 0, so 10).
    assert weighted_median(values, np.array([1.0, 2.0, 0.0, 3.0])).tolist() == [6.0]


@pytest.mark.parametrize("seed", range(20))
def test_weighted_median_is_median_of_repeated_rows(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 6, size=(int(rng.integers(1, 12)), 3)).astype(float)
    w = rng.integers(0, 4, size=len(values))
    w[0] += 1  # some weight
    assert_array_equal(weighted_median(values, w.astype(float)),
                       np.median(np.repeat(values, w, axis=0), axis=0))


@pytest.mark.parametrize("seed", range(4))
def test_matches_numpy_reference(seed):
    x = _blobs(seed)
    start = x[:4]
    c, label, info = kmedians(x, 4, init=start, tol=0.0)
    rc, rlabel = _reference(x, start)
    assert_array_equal(c, rc)
    assert_array_equal(label, rlabel)
    assert info.inertia == pytest.approx(
        np.abs(x - rc[rlabel]).sum(), rel=1e-12)
    assert info.converged and info.metric == "cityblock"


def test_centres_minimise_the_l1_cost_of_their_clusters():
    x = _blobs(5, n=120)
    c, label, _ = kmedians(x, 3, rng=1, n_init=2)
    for j in range(3):
        members = x[label == j]
        for f in range(x.shape[1]):
            # An L1 cost is piecewise linear: its minimum is at a data value.
            candidates = members[:, f]
            costs = np.abs(members[:, f][:, None] - candidates[None]).sum(axis=0)
            best = costs.min()
            assert np.abs(members[:, f] - c[j, f]).sum() == pytest.approx(
                best, rel=1e-12)


def test_integer_weights_are_repeated_rows():
    x = _blobs(6, n=90)
    w = np.random.default_rng(6).integers(0, 4, size=90)
    start = x[w > 0][:4]
    c, label, info = kmedians(x, 4, init=start, weights=w, tol=0.0)
    rc, rlabel, rinfo = kmedians(np.repeat(x, w, axis=0), 4, init=start, tol=0.0)
    assert_array_equal(c, rc)
    assert_array_equal(np.repeat(label, w), rlabel)
    assert info.inertia == pytest.approx(rinfo.inertia, rel=1e-12)
    assert info.n_iter == rinfo.n_iter


def test_one_dimensional_and_float32():
    x = np.array([0.0, 1.0, 2.0, 50.0, 10.0, 11.0, 12.0], dtype=np.float32)
    c, label, info = kmedians(x, 2, init=np.array([0.0, 10.0]))
    assert c.dtype == np.float32 and c.shape == (2,)
    assert c.tolist() == [1.0, 11.5]  # medians of {0,1,2} and {10,11,12,50}
    assert info.inertia == pytest.approx(2.0 + 41.0)  # 1+0+1; 1.5+.5+.5+38.5


@pytest.mark.parametrize("empty, moved", [("farthest", True), ("keep", False)])
def test_empty_cluster(empty, moved):
    x = _blobs(7, n=60)
    start = np.vstack([x[:2], [[1e6, 1e6, 1e6]]])  # the last gets nothing
    c, label, _ = kmedians(x, 3, init=start, empty=empty, max_iter=5)
    assert (c[2] != start[2]).any() == moved
    assert (np.bincount(label, minlength=3) > 0).all() == moved


def test_inputs_not_mutated():
    x = _blobs(8, n=60)
    w = np.ones(60)
    start = x[:3].copy()
    copies = [a.copy() for a in (x, w, start)]
    kmedians(x, 3, weights=w, init=start)
    for a, b in zip((x, w, start), copies, strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("kw, error, match", [
    ({"empty": "drop"}, ValueError, "empty policy 'drop'"),
    ({"init": "matrix"}, ValueError, "init 'matrix'"),
    ({"init": np.ones((3, 2))}, ValueError, r"shape \(k, 3\)"),
    ({"max_iter": -1}, ValueError, "max_iter"),
    ({"tol": "small"}, TypeError, "tol"),
    ({"weights": np.full(40, -1.0)}, ValueError, "weights must be >= 0"),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        kmedians(_blobs(9, n=40), 3, **kw)


def test_bad_data():
    x = _blobs(10, n=40)
    x[5, 1] = np.inf
    with pytest.raises(ValueError, match="data must not contain"):
        kmedians(x, 3)
    with pytest.raises(TypeError, match="data must hold floating-point"):
        kmedians(np.ones((10, 2), dtype=int), 2)
    with pytest.raises(ValueError, match="k=41"):
        kmedians(_blobs(10, n=40), 41)


@pytest.mark.xp_function("kmedians")
def test_every_backend(xp_backend):
    x = _blobs(11)
    c, label, info = kmedians(x, 4, rng=3, n_init=2)
    xc, xlabel, xinfo = kmedians(xp_backend.asarray(x), 4, rng=3, n_init=2)
    xp_backend.check(xc, "float64")
    assert_allclose(xp_backend.to_numpy(xc), c, rtol=0, atol=0)
    assert_array_equal(xp_backend.to_numpy(xlabel), label)
    assert xinfo.inertia == info.inertia
