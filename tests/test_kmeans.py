"""Tests for kmeanskit.kmeans (SciPy's restart-based k-means)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.cluster import vq as sp

from kmeanskit import kmeans, vq

# Code books are means of the same point sets as SciPy's, only summed in a
# possibly different order (float64 accumulation): rtol 1e-12 for float64.
# For float32 SciPy accumulates in float32 and kmeanskit in float64, so the
# two differ by float32 rounding: rtol 1e-5.  atol covers coordinates near 0.
RTOL64, ATOL64 = 1e-12, 1e-12
RTOL32, ATOL32 = 1e-5, 1e-5
# Distortion vs. mean(vq(...)[1]): both are means of the same distances,
# possibly computed by different kernels: 1e-10 relative.
DIST_RTOL = 1e-10


def _sort_rows(a):
    """Rows in lexicographic order (restarts may list centroids differently)."""
    a = np.asarray(a)
    if a.ndim == 1:
        return np.sort(a)
    return a[np.lexsort(a.T[::-1])]


class TestKmeans:
    def test_scipy_literal_guess(self, X_small, codet2):
        """From the first three points, kmeans converges to SciPy's CODET2."""
        book, dist = kmeans(X_small, X_small[:3].copy())
        assert_allclose(book, codet2, rtol=RTOL64)
        assert_allclose(dist, np.mean(vq(X_small, codet2)[1]), rtol=DIST_RTOL)

    def test_guess_ignores_iter(self, X_small, codet2):
        """With an initial code book, iter (restarts) has no effect."""
        book1, d1 = kmeans(X_small, X_small[:3].copy(), iter=1)
        book5, d5 = kmeans(X_small, X_small[:3].copy(), iter=5)
        assert_allclose(book1, codet2, rtol=RTOL64)
        assert_allclose(book5, book1, rtol=RTOL64)
        assert d1 == d5

    def test_guess_matches_scipy(self, blobs):
        """With a given code book the result equals SciPy's exactly (no randomness)."""
        guess = blobs[[0, 1, 2, 3]].copy()
        book, _ = kmeans(blobs, guess)
        ref, _ = sp.kmeans(blobs, guess)
        assert book.shape == ref.shape
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)

    @pytest.mark.parametrize("seed", [0, 1, 2, 3])
    def test_matches_scipy_rng_int(self, blobs, seed):
        """Same rng=int gives SciPy's code book (same draws, same restarts)."""
        book, dist = kmeans(blobs, 3, iter=4, rng=seed)
        ref, ref_dist = sp.kmeans(blobs, 3, iter=4, rng=seed)
        assert book.shape == ref.shape
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)
        # SciPy 1.17.1 reports the pre-update distortion (gh-24069); on these
        # converged blobs the two agree to well within the default thresh.
        assert abs(dist - ref_dist) <= 1e-3 * ref_dist

    @pytest.mark.parametrize("seed", [10, 11])
    def test_matches_scipy_many_clusters(self, grid9, seed):
        """k=9 on a 3x3 grid (local minima, empty clusters occur) equals SciPy."""
        book, _ = kmeans(grid9, 9, iter=3, rng=seed)
        ref, _ = sp.kmeans(grid9, 9, iter=3, rng=seed)
        assert book.shape == ref.shape
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)

    @pytest.mark.parametrize("k", [2, 3, 5])
    def test_distortion_is_of_returned_codebook(self, blobs4d, k):
        """DEPARTURE (gh-24069): distortion = mean(vq(obs, codebook)[1])."""
        book, dist = kmeans(blobs4d, k, iter=3, rng=5)
        assert_allclose(dist, np.mean(vq(blobs4d, book)[1]), rtol=DIST_RTOL)

    def test_distortion_of_returned_codebook_when_not_converged(self, uniform2d):
        """DEPARTURE: a large thresh stops early; distortion fits the returned book."""
        guess = uniform2d[:6].copy()
        book, dist = kmeans(uniform2d, guess, thresh=0.5)
        ref, _ = sp.kmeans(uniform2d, guess, thresh=0.5)
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)
        assert_allclose(dist, np.mean(vq(uniform2d, book)[1]), rtol=DIST_RTOL)

    def test_distortion_is_mean_euclidean_not_squared(self, X_small, codet2):
        """Distortion is the mean of non-squared Euclidean distances."""
        _, dist = kmeans(X_small, codet2.copy())
        d = np.sqrt(((X_small[:, None, :] - codet2[None]) ** 2).sum(-1)).min(1)
        assert_allclose(dist, d.mean(), rtol=DIST_RTOL)

    def test_return_types_float64(self, blobs):
        """Code book (k, d) float64; distortion a 0-d float64 scalar."""
        book, dist = kmeans(blobs, 3, rng=0)
        assert isinstance(book, np.ndarray)
        assert book.shape == (3, 2)
        assert book.dtype == np.float64
        assert np.ndim(dist) == 0
        assert np.asarray(dist).dtype == np.float64
        assert float(dist) > 0

    def test_float32_in_float32_out(self, blobs32):
        """float32 data gives a float32 code book and distortion, equal to SciPy's."""
        book, dist = kmeans(blobs32, 3, iter=3, rng=4)
        ref, _ = sp.kmeans(blobs32, 3, iter=3, rng=4)
        assert book.dtype == np.float32
        assert np.asarray(dist).dtype == np.float32
        assert_allclose(book, ref, rtol=RTOL32, atol=ATOL32)
        # float32 mean distance: compare at float32 precision
        assert_allclose(
            dist, np.mean(vq(blobs32, book)[1].astype(np.float64)), rtol=1e-5
        )

    def test_float32_data_float64_guess(self, blobs32):
        """A float64 guess on float32 data gives SciPy's float32 code book."""
        guess = np.array([[0.2, 0.1], [4.5, 0.3], [0.1, 4.4]])
        book, dist = kmeans(blobs32, guess)
        ref, _ = sp.kmeans(blobs32, guess)
        assert book.dtype == np.float32
        assert np.asarray(dist).dtype == np.float32
        assert_allclose(book, ref, rtol=RTOL32, atol=ATOL32)

    def test_one_dimensional(self, data1d):
        """1-D data gives a 1-D code book equal to SciPy's."""
        book, dist = kmeans(data1d, 3, iter=3, rng=2)
        ref, _ = sp.kmeans(data1d, 3, iter=3, rng=2)
        assert book.ndim == 1
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)
        assert_allclose(_sort_rows(book), [-3, 0, 4], atol=0.2)
        assert_allclose(dist, np.mean(vq(data1d, book)[1]), rtol=DIST_RTOL)

    def test_finds_the_blobs(self, blobs):
        """The three true centres are recovered (blobs have std 0.5, 60 points each)."""
        book, _ = kmeans(blobs, 3, rng=0)
        truth = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
        code, dist = vq(truth, book)
        assert sorted(code.tolist()) == [0, 1, 2]
        # the mean of 60 points with std 0.5 is within ~0.2 of the centre
        assert (dist < 0.25).all()

    def test_empty_cluster_is_dropped(self, blobs):
        """A code book row that attracts no point is removed (as SciPy)."""
        guess = np.array([[0.1, 0.1], [4.9, 0.1], [0.1, 4.9], [100.0, 100.0]])
        book, dist = kmeans(blobs, guess)
        ref, _ = sp.kmeans(blobs, guess)
        assert book.shape == (3, 2)
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)
        assert_allclose(dist, np.mean(vq(blobs, book)[1]), rtol=DIST_RTOL)

    def test_k_equals_n(self, X_small):
        """k = number of (distinct) points: every point is a centroid, distortion 0."""
        book, dist = kmeans(X_small, len(X_small), rng=0)
        assert_allclose(_sort_rows(book), _sort_rows(X_small), rtol=RTOL64)
        assert dist == 0

    @pytest.mark.parametrize("k", [3.0, np.int64(3), np.int32(3), np.array(3)])
    def test_integral_k_spellings(self, blobs, k):
        """k given as an integral float, NumPy integer or 0-d array acts like int 3."""
        book, dist = kmeans(blobs, k, iter=2, rng=8)
        ref_book, ref_dist = kmeans(blobs, 3, iter=2, rng=8)
        assert_allclose(book, ref_book, rtol=RTOL64)
        assert dist == ref_dist

    def test_restarts_ranked_by_distortion_of_returned_book(self, uniform2d):
        """Each restart equals SciPy's run from the same start; the best is kept.

        Restarts are ranked by the distortion of the code book each returns
        (SciPy's fix for gh-24069, merged in its development branch); SciPy
        1.17 ranks by a value from before the last update and can keep a
        worse restart.  The starts are SciPy's draws: one choice per restart.
        """
        for seed in (0, 5):
            book, dist = kmeans(uniform2d, 5, iter=2, rng=seed)
            draws = np.random.default_rng(seed)
            runs = []
            for _ in range(2):
                start = uniform2d[draws.choice(len(uniform2d), 5, replace=False)]
                run_book, run_dist = kmeans(uniform2d, start)
                ref_book, _ = sp.kmeans(uniform2d, start)
                assert_allclose(run_book, ref_book, rtol=RTOL64, atol=ATOL64)
                runs.append((run_dist, run_book))
            best_dist, best_book = min(runs, key=lambda run: run[0])
            assert_allclose(book, best_book, rtol=RTOL64, err_msg=f"seed={seed}")
            assert dist == best_dist
            assert_allclose(dist, np.mean(vq(uniform2d, book)[1]), rtol=DIST_RTOL)

    def test_iter_is_number_of_restarts(self, uniform2d):
        """More restarts never give a worse distortion; both equal SciPy's books."""
        b1, d1 = kmeans(uniform2d, 5, iter=1, rng=3)
        b6, d6 = kmeans(uniform2d, 5, iter=6, rng=3)
        assert_allclose(
            b1, sp.kmeans(uniform2d, 5, iter=1, rng=3)[0], rtol=RTOL64, atol=ATOL64
        )
        assert_allclose(
            b6, sp.kmeans(uniform2d, 5, iter=6, rng=3)[0], rtol=RTOL64, atol=ATOL64
        )
        # the first restart uses the same draws in both calls
        assert d6 <= d1 * (1 + 1e-12)

    def test_thresh_zero_runs_to_convergence(self, uniform2d):
        """thresh=0 iterates until the distortion stops changing; equals SciPy."""
        guess = uniform2d[:4].copy()
        book, _ = kmeans(uniform2d, guess, thresh=0.0)
        ref, _ = sp.kmeans(uniform2d, guess, thresh=0.0)
        assert_allclose(book, ref, rtol=RTOL64, atol=ATOL64)
        # converged: one more Lloyd step does not move the centroids
        code = vq(uniform2d, book)[0]
        means = np.array([uniform2d[code == j].mean(0) for j in range(len(book))])
        assert_allclose(means, book, rtol=1e-12, atol=1e-14)

    def test_huge_thresh_stops_after_two_updates(self, X_small, codet2):
        """SciPy's loop: the first change is inf, so a huge thresh does 2 updates."""
        book, _ = kmeans(X_small, X_small[:3].copy(), thresh=1e9)
        ref, _ = sp.kmeans(X_small, X_small[:3].copy(), thresh=1e9)
        assert_allclose(book, ref, rtol=RTOL64)
        assert_allclose(book, codet2, rtol=RTOL64)

    def test_iter_numpy_integer(self, blobs):
        """iter may be a NumPy integer."""
        book, _ = kmeans(blobs, 3, iter=np.int64(2), rng=1)
        assert_allclose(book, kmeans(blobs, 3, iter=2, rng=1)[0], rtol=RTOL64)


class TestKmeansDegenerate:
    def test_all_points_equal(self, no_hang):
        """Identical points: no error, every row is that point, distortion 0."""
        X = np.full((12, 3), 2.5)
        book, dist = kmeans(X, 3, rng=0)
        assert 1 <= book.shape[0] <= 3
        assert book.shape[1] == 3
        assert_array_equal(book, np.full_like(book, 2.5))
        assert dist == 0

    def test_fewer_distinct_points_than_k(self, no_hang):
        """Two distinct points and k=4: no error; rows are the distinct points."""
        X = np.repeat(np.array([[0.0, 1.0], [3.0, -2.0]]), 5, axis=0)
        book, dist = kmeans(X, 4, rng=1)
        assert book.shape[0] <= 4
        assert np.isfinite(book).all()
        for row in book:
            assert any(np.array_equal(row, p) for p in ([0.0, 1.0], [3.0, -2.0]))
        assert dist == 0
