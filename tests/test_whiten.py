"""Tests for kmeanskit.whiten (SciPy-compatible per-feature scaling)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.cluster import vq as sp

from kmeanskit import whiten

# whiten is one division by a population std; the only freedom an
# implementation has is the summation order of the std, so results agree with
# SciPy to a few ulps.  rtol 1e-12 (float64) / 1e-6 (float32) leaves room for
# a different but correctly rounded reduction.
RTOL64 = 1e-12
RTOL32 = 1e-6


class TestWhiten:
    def test_scipy_literal_example(self, whiten_obs):
        """Each column is divided by its population (ddof=0) std."""
        expected = whiten_obs / whiten_obs.std(axis=0)
        out = whiten(whiten_obs)
        assert_allclose(out, expected, rtol=RTOL64)
        # the whitened columns have unit variance
        assert_allclose(out.std(axis=0), [1.0, 1.0], rtol=RTOL64)

    def test_docstring_values(self):
        """Reproduces SciPy's documented whiten example numbers."""
        features = np.array([[1.9, 2.3, 1.7], [1.5, 2.5, 2.2], [0.8, 0.6, 1.7]])
        expected = np.array(
            [
                [4.17944278, 2.69811351, 7.21248917],
                [3.29956009, 2.93273208, 9.33380951],
                [1.75976538, 0.7038557, 7.21248917],
            ]
        )
        # the reference numbers are printed with 8 decimals
        assert_allclose(whiten(features), expected, rtol=1e-8)

    @pytest.mark.parametrize("shape", [(50, 3), (7, 1), (1000, 2)])
    def test_matches_scipy_float64(self, shape):
        """float64 results equal SciPy's and stay float64."""
        x = np.random.default_rng(3).normal(2.0, 3.0, size=shape)
        out = whiten(x)
        assert out.dtype == np.float64
        assert out.shape == shape
        assert_allclose(out, sp.whiten(x), rtol=RTOL64)

    def test_float32_stays_float32(self, blobs32):
        """float32 input gives float32 output equal to SciPy's."""
        out = whiten(blobs32)
        assert out.dtype == np.float32
        assert_allclose(out, sp.whiten(blobs32), rtol=RTOL32)

    @pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8])
    def test_integer_input_gives_float64(self, dtype):
        """Integer input is promoted to float64, as SciPy does."""
        x = np.array([[1, 2], [3, 7], [5, 4], [2, 9]], dtype=dtype)
        out = whiten(x)
        assert out.dtype == np.float64
        assert_allclose(out, sp.whiten(x), rtol=RTOL64)

    def test_one_dimensional(self):
        """1-D input is divided by one std for the whole vector."""
        x = np.array([1.0, 2.0, 4.0, 8.0, 3.0])
        out = whiten(x)
        assert out.shape == (5,)
        assert_allclose(out, x / x.std(), rtol=RTOL64)

    def test_three_dimensional(self):
        """Any rank is accepted; the std is taken along axis 0 (as SciPy)."""
        x = np.random.default_rng(8).normal(size=(6, 3, 2))
        out = whiten(x)
        assert out.shape == x.shape
        assert_allclose(out, sp.whiten(x), rtol=RTOL64)

    def test_complex_accepted(self, X_small):
        """Complex data is accepted and whitened as SciPy does."""
        z = X_small + 1j * X_small[::-1]
        out = whiten(z)
        assert np.iscomplexobj(out)
        assert_allclose(out, sp.whiten(z), rtol=RTOL64)

    def test_zero_std_column_warns_and_is_unchanged(self, whiten_obs):
        """A constant column gives a RuntimeWarning and is returned unchanged."""
        x = whiten_obs.copy()
        x[:, 1] = 3.25
        with pytest.warns(RuntimeWarning, match="(?i)standard deviation"):
            out = whiten(x)
        assert_array_equal(out[:, 1], x[:, 1])
        assert_allclose(out[:, 0], x[:, 0] / x[:, 0].std(), rtol=RTOL64)

    def test_zero_std_warning_points_at_caller(self, whiten_obs):
        """The zero-std RuntimeWarning points at the caller's line (stacklevel)."""
        whiten_obs[:, 0] = 1.0
        with pytest.warns(RuntimeWarning) as rec:
            whiten(whiten_obs)
        assert rec[0].filename == __file__

    def test_float32_zero_std_column(self, whiten_obs):
        """float32 with a constant column: warning, float32 result, column unchanged."""
        x = whiten_obs.astype(np.float32)
        x[:, 0] = np.float32(0.5)
        with pytest.warns(RuntimeWarning):
            out = whiten(x)
        assert out.dtype == np.float32
        assert_array_equal(out[:, 0], x[:, 0])

    def test_no_warning_without_zero_std(self, whiten_obs):
        """Ordinary data raises no warning (warnings are errors in this suite)."""
        whiten(whiten_obs)

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite_raises(self, whiten_obs, bad):
        """NaN or inf raises ValueError when check_finite is on (default)."""
        whiten_obs[2, 1] = bad
        with pytest.raises(ValueError, match="(?i)nan|inf|finite"):
            whiten(whiten_obs)
        with pytest.raises(ValueError, match="(?i)nan|inf|finite"):
            whiten(whiten_obs, check_finite=True)

    def test_check_finite_false_propagates_nan(self, whiten_obs):
        """check_finite=False skips the check: NaN flows into its column only."""
        whiten_obs[2, 1] = np.nan
        out = whiten(whiten_obs, check_finite=False)
        assert np.isnan(out[:, 1]).all()
        assert_allclose(
            out[:, 0], whiten_obs[:, 0] / whiten_obs[:, 0].std(), rtol=RTOL64
        )

    def test_accepts_nested_lists(self):
        """Array-likes (lists) are accepted and converted like np.asarray."""
        obs = [[1.0, 2.0], [3.0, 5.0], [4.0, 1.0]]
        assert_allclose(whiten(obs), sp.whiten(np.asarray(obs)), rtol=RTOL64)

    def test_returns_new_array(self, whiten_obs):
        """The result is a new array, not a view of the input."""
        out = whiten(whiten_obs)
        assert not np.shares_memory(out, whiten_obs)
