"""Spherical k-means against a direct NumPy implementation.

Reference: the textbook algorithm written out with NumPy (rows scaled to
unit length, assignment by the largest cosine, centre = normalised sum),
started from the same centres; the repeated-data identity for weights; the
defining invariance (scaling rows by positive factors changes nothing).

Tolerances: centres of the same clusters, summed in another order and
normalised, agree to 1e-12; objectives (sums of n cosines) to rtol 1e-10.
"""

import doctest

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import kmeanskit._api._spherical as spherical_module
from kmeanskit import spherical_kmeans


def _directions(seed, n=240, d=5, k=4):
    rng = np.random.default_rng(seed)
    axes = rng.normal(size=(k, d))
    x = axes[rng.integers(0, k, n)] + 0.35 * rng.normal(size=(n, d))
    return x * rng.uniform(0.5, 20.0, size=(n, 1))  # lengths carry nothing


def _reference(x, centres, n_iter=100):
    """Spherical k-means, plainly: labels and unit centres at the fixed point."""
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    c = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    labels = None
    for _ in range(n_iter):
        new = np.argmax(unit @ c.T, axis=1)
        if labels is not None and (new == labels).all():
            break
        labels = new
        for j in range(c.shape[0]):
            total = unit[labels == j].sum(axis=0)
            c[j] = total / np.linalg.norm(total)
    cos = np.max(unit @ c.T, axis=1)
    return c, np.argmax(unit @ c.T, axis=1), float(np.sum(1.0 - cos))


def test_docstring_examples():
    with np.printoptions(legacy=False):
        failures, attempted = doctest.testmod(
            spherical_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failures == 0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
def test_matches_numpy_reference(seed, algorithm):
    x = _directions(seed)
    start = x[[0, 1, 2, 3]]
    c, label, info = spherical_kmeans(x, 4, init=start, tol=0.0,
                                      algorithm=algorithm)
    rc, rlabel, robjective = _reference(x, start)
    assert_array_equal(label, rlabel)
    assert_allclose(c, rc, atol=1e-12)
    assert_allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-14)
    assert info.inertia == pytest.approx(robjective, rel=1e-10)
    assert info.converged and info.metric == "cosine"


def test_row_lengths_do_not_matter():
    x = _directions(5)
    scale = np.random.default_rng(5).uniform(0.01, 100.0, size=(len(x), 1))
    c, label, info = spherical_kmeans(x, 4, rng=2, n_init=3)
    sc, slabel, sinfo = spherical_kmeans(x * scale, 4, rng=2, n_init=3)
    assert_array_equal(label, slabel)
    assert_allclose(c, sc, atol=1e-12)
    assert len(info.inertias_per_start) == 3
    assert info.inertia == min(info.inertias_per_start)


def test_integer_weights_are_repeated_rows():
    x = _directions(6, n=90)
    w = np.random.default_rng(6).integers(0, 4, size=90)
    start = x[w > 0][:4]
    c, label, info = spherical_kmeans(x, 4, init=start, weights=w, tol=0.0)
    rc, rlabel, rinfo = spherical_kmeans(np.repeat(x, w, axis=0), 4, init=start,
                                         tol=0.0)
    assert_allclose(c, rc, atol=1e-12)
    assert_array_equal(np.repeat(label, w), rlabel)
    assert info.inertia == pytest.approx(rinfo.inertia, rel=1e-10)


def test_float32():
    x = _directions(7)
    c, label, _ = spherical_kmeans(x.astype(np.float32), 4, init=x[:4], tol=0.0)
    rc, rlabel, _ = _reference(x, x[:4])
    assert c.dtype == np.float32
    # float32 unit vectors: about 1e-7 per coordinate; same partition here.
    assert_array_equal(label, rlabel)
    assert_allclose(c, rc, atol=1e-5)


def test_inputs_not_mutated():
    x = _directions(8, n=60)
    w = np.ones(60)
    start = x[:3].copy()
    copies = [a.copy() for a in (x, w, start)]
    spherical_kmeans(x, 3, weights=w, init=start)
    for a, b in zip((x, w, start), copies, strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("kw, error, match", [
    ({"empty": "drop"}, ValueError, "empty policy 'drop'"),
    ({"init": "bogus"}, ValueError, "init 'bogus'"),
    ({"init": np.ones((3, 2))}, ValueError, r"shape \(k, 5\)"),
    ({"init": np.zeros((3, 5))}, ValueError, "row of zeros"),
    ({"max_iter": 0}, ValueError, "max_iter"),
    ({"n_init": 1.5}, TypeError, "n_init"),
    ({"tol": -1.0}, ValueError, "tol"),
    ({"algorithm": "elkan"}, ValueError, "algorithm 'elkan'"),
    ({"weights": np.ones(3)}, ValueError, "one weight per observation"),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match):
        spherical_kmeans(_directions(9, n=30), 3, **kw)


def test_bad_data():
    x = _directions(10, n=30)
    x[7] = 0.0
    with pytest.raises(ValueError, match="data row 7 is all zeros"):
        spherical_kmeans(x, 3)
    # Every zero row is named, not only the first (the first five, then
    # the count, when there are many).
    x[[2, 9]] = 0.0
    with pytest.raises(ValueError, match=r"data rows 2, 7 and 9 are all zeros"):
        spherical_kmeans(x, 3)
    x[10:20] = 0.0
    with pytest.raises(ValueError, match=r"data rows 2, 7, 9, 10, 11 and 8 more "
                                         r"\(13 in all\) are all zeros"):
        spherical_kmeans(x, 3)
    with pytest.raises(ValueError, match="must be a 2-D array"):
        spherical_kmeans(np.ones((2, 3, 4)), 2)
    # One direction per row: 1-D data is refused, and the message says so.
    with pytest.raises(ValueError, match="must be a 2-D array, got .* ndim=1"):
        spherical_kmeans(np.ones(5), 2)
    with pytest.raises(ValueError, match="at least 1"):
        spherical_kmeans(_directions(10, n=30), 0)


@pytest.mark.xp_function("spherical_kmeans")
def test_every_backend(xp_backend):
    x = _directions(11)
    w = np.random.default_rng(11).integers(1, 3, size=len(x)).astype(float)
    c, label, info = spherical_kmeans(x, 4, rng=3, weights=w)
    xc, xlabel, xinfo = spherical_kmeans(xp_backend.asarray(x), 4, rng=3,
                                         weights=xp_backend.asarray(w))
    xp_backend.check(xc, "float64")
    assert_allclose(xp_backend.to_numpy(xc), c, atol=1e-12)
    assert_array_equal(xp_backend.to_numpy(xlabel), label)
    assert xinfo.inertia == pytest.approx(info.inertia, rel=1e-10)
