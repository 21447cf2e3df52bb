"""Tests for kmeanskit.vq (nearest code book entry and its distance)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.cluster import vq as sp

from kmeanskit import vq

# Distances: an implementation may use the |x|^2 - 2 x.c + |c|^2 expansion,
# whose rounding error is relative to |x|^2 rather than to the distance.  On
# these O(1)..O(10) data sets with O(0.1)+ distances that stays far below 1e-10
# relative; float32 distances are compared at 1e-5 (about 80 ulps).
DIST_RTOL64 = 1e-10
DIST_RTOL32 = 1e-5


def _direct(obs, book):
    """Reference nearest-centre codes and distances by brute force."""
    obs2 = obs.reshape(len(obs), -1).astype(np.float64)
    book2 = book.reshape(len(book), -1).astype(np.float64)
    d = np.sqrt(((obs2[:, None, :] - book2[None, :, :]) ** 2).sum(-1))
    return d.argmin(axis=1), d.min(axis=1)


class TestVq:
    def test_scipy_literal_data(self, X_small, codet1, label1):
        """Codes on SciPy's literal data equal the hand-checked labels."""
        code, dist = vq(X_small, codet1)
        assert_array_equal(code, label1)
        _, ref = _direct(X_small, codet1)
        assert_allclose(dist, ref, rtol=DIST_RTOL64, atol=1e-14)

    def test_docstring_example(self):
        """Reproduces SciPy's documented vq example."""
        code_book = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
        features = np.array([[1.9, 2.3, 1.7], [1.5, 2.5, 2.2], [0.8, 0.6, 1.7]])
        code, dist = vq(features, code_book)
        assert_array_equal(code, [1, 1, 0])
        assert_allclose(dist, [0.43588989, 0.73484692, 0.83066239], rtol=1e-8)

    def test_matches_scipy_float64(self, blobs4d):
        """float64: int32 codes and float64 distances equal to SciPy's."""
        book = blobs4d[[0, 10, 20, 30, 40, 50]] + 0.01
        code, dist = vq(blobs4d, book)
        ref_code, ref_dist = sp.vq(blobs4d, book)
        assert code.dtype == np.int32
        assert dist.dtype == np.float64
        assert code.shape == dist.shape == (len(blobs4d),)
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)

    def test_matches_scipy_float32(self, blobs32):
        """float32: int32 codes and float32 distances equal to SciPy's."""
        book = blobs32[[1, 2, 3, 4]] + np.float32(0.05)
        code, dist = vq(blobs32, book)
        ref_code, ref_dist = sp.vq(blobs32, book)
        assert code.dtype == np.int32
        assert dist.dtype == np.float32
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL32, atol=1e-6)

    @pytest.mark.parametrize(
        "obs_dt, book_dt",
        [
            (np.float32, np.float64),
            (np.float64, np.float32),
            (np.int64, np.float64),
            (np.float32, np.int32),
        ],
    )
    def test_mixed_dtypes_promote(self, blobs, obs_dt, book_dt):
        """Mixed dtypes promote to their common float type, as SciPy does."""
        obs = (blobs * 10).astype(obs_dt)
        book = (blobs[[0, 5, 9]] * 10).astype(book_dt)
        code, dist = vq(obs, book)
        ref_code, ref_dist = sp.vq(obs, book)
        assert code.dtype == ref_code.dtype == np.int32
        assert dist.dtype == ref_dist.dtype
        assert_array_equal(code, ref_code)
        rtol = DIST_RTOL32 if dist.dtype == np.float32 else DIST_RTOL64
        assert_allclose(dist, ref_dist, rtol=rtol, atol=1e-5)

    @pytest.mark.parametrize("dtype", [np.int32, np.int64])
    def test_integer_inputs(self, X_small, dtype):
        """Integer obs and code book: int64 codes, float64 distances (py_vq)."""
        obs = X_small.astype(dtype)
        book = np.array([[3, 3], [6, 4], [6, 2]], dtype=dtype)
        code, dist = vq(obs, book)
        ref_code, ref_dist = sp.vq(obs, book)
        assert code.dtype == np.int64
        assert dist.dtype == np.float64
        # no exact ties in this data
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)

    def test_one_dimensional(self, data1d):
        """1-D obs and 1-D code book: each value is one observation."""
        book = np.array([-2.5, 0.1, 3.9, 10.0])
        code, dist = vq(data1d, book)
        ref_code, ref_dist = _direct(data1d, book)
        assert code.shape == dist.shape == data1d.shape
        assert code.dtype == np.int32
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)
        assert_allclose(dist, sp.vq(data1d, book)[1], rtol=DIST_RTOL64)

    def test_single_code(self, blobs):
        """A one-row code book assigns everything to code 0."""
        code, dist = vq(blobs, blobs[[7]])
        assert_array_equal(code, np.zeros(len(blobs)))
        assert_allclose(
            dist, np.linalg.norm(blobs - blobs[7], axis=1), rtol=DIST_RTOL64, atol=1e-12
        )

    def test_exact_match_has_zero_distance(self, blobs):
        """An observation equal to a code book row is at distance 0 (as SciPy)."""
        book = blobs[[3, 70, 150]]
        code, dist = vq(blobs, book)
        assert_array_equal(code[[3, 70, 150]], [0, 1, 2])
        # SciPy returns exactly 0.0 here; allow only rounding-level noise,
        # far below the sqrt(eps * |x|^2) ~ 1e-7 a careless expansion gives
        assert_allclose(dist[[3, 70, 150]], 0.0, atol=1e-12)

    def test_tie_goes_to_a_tied_code(self):
        """A point equidistant from two codes gets one of them."""
        obs = np.array([[0.0, 0.0], [2.0, 0.0]])
        book = np.array([[1.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
        code, dist = vq(obs, book)
        assert set(code.tolist()) <= {0, 1}
        assert_allclose(dist, [1.0, 1.0], rtol=1e-15)

    def test_many_codes(self, blobs):
        """More codes than features and than a typical tile (k = 150)."""
        rng = np.random.default_rng(0)
        book = rng.uniform(-1, 6, size=(150, 2))
        code, dist = vq(blobs, book)
        ref_code, ref_dist = sp.vq(blobs, book)
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)

    def test_wide_data(self):
        """Many features (d = 64) still match SciPy."""
        rng = np.random.default_rng(12)
        obs = rng.normal(size=(40, 64))
        book = rng.normal(size=(5, 64))
        code, dist = vq(obs, book)
        ref_code, ref_dist = sp.vq(obs, book)
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)

    def test_accepts_lists(self, X_small, codet1, label1):
        """Array-likes are accepted."""
        code, _ = vq(X_small.tolist(), codet1.tolist())
        assert_array_equal(code, label1)

    def test_check_finite_false_skips_check(self, X_small, codet1):
        """check_finite=False: no error on NaN in obs; finite rows are unaffected."""
        X_small[4, 0] = np.nan
        code, dist = vq(X_small, codet1, check_finite=False)
        keep = np.arange(len(X_small)) != 4
        ref_code, ref_dist = _direct(X_small[keep], codet1)
        assert_array_equal(code[keep], ref_code)
        assert_allclose(dist[keep], ref_dist, rtol=DIST_RTOL64, atol=1e-14)

    def test_non_contiguous_and_fortran(self, blobs4d):
        """Strided and Fortran-ordered inputs give the C-contiguous result."""
        book = blobs4d[[0, 1, 2]] + 0.1
        ref_code, ref_dist = vq(blobs4d, book)
        big = np.zeros((len(blobs4d) * 2, 8))
        big[::2, ::2] = blobs4d
        strided = big[::2, ::2]
        code, dist = vq(strided, np.asfortranarray(book))
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)
        code, dist = vq(np.asfortranarray(blobs4d), book)
        assert_array_equal(code, ref_code)
        assert_allclose(dist, ref_dist, rtol=DIST_RTOL64)
