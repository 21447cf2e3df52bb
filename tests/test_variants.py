"""The arguments minibatch_kmeans, spherical_kmeans and kmedians share.

All three read data, k, weights and init through one helper
(``kmeanskit._core._variants.check_inputs``), so a bad one gets the same error from
each; the checks particular to one function are tested in its own file.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from kmeanskit import kmedians, minibatch_kmeans, spherical_kmeans
from kmeanskit._core._variants import check_inputs

FUNCTIONS = [minibatch_kmeans, spherical_kmeans, kmedians]


def _data(n=30, d=3):
    # Positive coordinates: no row of zeros for spherical k-means.
    return np.random.default_rng(0).uniform(1.0, 2.0, size=(n, d))


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("rows", [2, 4])
def test_given_centres_must_be_k(func, rows):
    # k is the number of clusters even when the centres are given.
    x = _data()
    with pytest.raises(ValueError, match=(
            rf"init centroids must have shape \(k, 3\) = \(3, 3\), "
            rf"got \({rows}, 3\)")):
        func(x, 3, init=x[:rows])


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("kw, error, match", [
    ({"init": "bogus"}, ValueError, "Unknown init 'bogus'"),
    ({"init": np.full((3, 3), np.nan)}, ValueError, "init must not contain"),
    ({"weights": np.ones(29)}, ValueError, "one weight per observation"),
    ({"weights": np.r_[np.zeros(28), 1.0, 1.0]}, ValueError,
     "2 positive entries; at least 3"),
])
def test_bad_arguments(func, kw, error, match):
    with pytest.raises(error, match=match):
        func(_data(), 3, **kw)


@pytest.mark.parametrize("func", FUNCTIONS)
@pytest.mark.parametrize("k, match", [
    (0, "k must be at least 1"),
    (2.5, "k must be an integer"),
    (31, "k=31 clusters cannot be seeded from 30 observations"),
])
def test_bad_k(func, k, match):
    with pytest.raises(ValueError, match=match):
        func(_data(), k)


@pytest.mark.parametrize("func", FUNCTIONS)
def test_no_observations(func):
    with pytest.raises(ValueError, match="cannot be seeded from 0 observations"):
        func(np.ones((0, 3)), 2)


def test_check_inputs_returns_host_copies():
    x = _data()
    w = np.arange(30)
    inputs = check_inputs("kmedians", x, 3, w, x[:3].tolist(), check_finite=True)
    assert inputs.values is x and inputs.count == 3
    assert inputs.weights.dtype == np.float64 and inputs.weights is not w
    assert_array_equal(inputs.given, x[:3])
    assert check_inputs("kmedians", x, 3, None, "++", check_finite=True).given is None


def test_check_inputs_one_dimensional():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="ndim=1"):
        check_inputs("spherical_kmeans", x, 2, None, "++", check_finite=True)
    inputs = check_inputs("kmedians", x, 2, None, [1.0, 5.0], check_finite=True,
                          one_dimensional=True)
    assert inputs.values.ndim == 1 and inputs.given.shape == (2, 1)
