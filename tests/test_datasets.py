"""Tests for kmeanskit.datasets.grid_blobs (the CLI's demo data)."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from kmeanskit.datasets import grid_blobs


class TestGridBlobs:
    def test_defaults(self):
        """Defaults: 3x3 grid, 100 points per blob -> X (900, 2) float64, y ints."""
        X, y = grid_blobs()
        assert X.shape == (900, 2)
        assert X.dtype == np.float64
        assert y.shape == (900,)
        assert np.issubdtype(y.dtype, np.integer)
        assert np.isfinite(X).all()

    @pytest.mark.parametrize("grid_size, n_per_blob", [(2, 5), (4, 10), (1, 7)])
    def test_shapes_and_label_counts(self, grid_size, n_per_blob):
        """grid_size**2 labels 0..g^2-1, each with exactly n_per_blob points."""
        X, y = grid_blobs(grid_size=grid_size, n_per_blob=n_per_blob)
        n = grid_size**2 * n_per_blob
        assert X.shape == (n, 2)
        assert_array_equal(np.sort(np.unique(y)), np.arange(grid_size**2))
        assert_array_equal(np.bincount(y), np.full(grid_size**2, n_per_blob))

    def test_deterministic_default_rng(self):
        """The default rng=0 makes the data reproducible."""
        X1, y1 = grid_blobs()
        X2, y2 = grid_blobs()
        assert_array_equal(X1, X2)
        assert_array_equal(y1, y2)

    def test_rng_changes_data(self):
        """A different rng gives different points."""
        X0, _ = grid_blobs(rng=0)
        X1, _ = grid_blobs(rng=1)
        assert not np.array_equal(X0, X1)

    def test_rng_generator_same_as_int(self):
        """SPEC 7: rng=int and rng=default_rng(int) give the same data."""
        Xa, ya = grid_blobs(rng=5)
        Xb, yb = grid_blobs(rng=np.random.default_rng(5))
        assert_array_equal(Xa, Xb)
        assert_array_equal(ya, yb)

    def test_blob_spread_is_scale(self):
        """Within-blob standard deviation is about `scale` in each coordinate."""
        for scale in (0.1, 0.3):
            X, y = grid_blobs(scale=scale, n_per_blob=200)
            stds = np.array([X[y == j].std(axis=0) for j in range(9)])
            # 200 samples: the std estimate is within ~15% of the truth
            assert np.all(np.abs(stds / scale - 1) < 0.25), stds

    def test_centres_form_a_grid(self):
        """Blob means lie on a grid_size x grid_size lattice, well separated."""
        X, y = grid_blobs(grid_size=3, n_per_blob=100, scale=0.1)
        means = np.array([X[y == j].mean(axis=0) for j in range(9)])
        for axis in (0, 1):
            v = np.sort(means[:, axis])
            groups = np.split(v, [3, 6])
            # three distinct coordinate values, three blobs on each
            for g in groups:
                # the mean of 100 points with std 0.1 is within ~0.04 of its centre
                assert np.ptp(g) < 0.1
            gaps = [
                groups[1].min() - groups[0].max(),
                groups[2].min() - groups[1].max(),
            ]
            assert min(gaps) > 0.3  # columns of blobs at least 3 std apart
            # equally spaced lattice
            centres = [g.mean() for g in groups]
            assert abs((centres[1] - centres[0]) - (centres[2] - centres[1])) < 0.1
