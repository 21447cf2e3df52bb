"""Tests for kmeanskit.kmeans2 (fixed-iteration Lloyd with several inits)."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.cluster import vq as sp

from kmeanskit import ClusterError, kmeans2, vq

# Centroids are means of the same point sets as SciPy's, only summed in a
# possibly different order: rtol 1e-12 for float64.  For float32, SciPy sums
# in float32 and kmeanskit in float64, so they differ by float32 rounding:
# rtol 1e-5.  atol covers coordinates that are close to zero.
RTOL64, ATOL64 = 1e-12, 1e-12
RTOL32, ATOL32 = 1e-5, 1e-5


def _tol(dtype):
    if dtype == np.float32:
        return dict(rtol=RTOL32, atol=ATOL32)
    return dict(rtol=RTOL64, atol=ATOL64)


def _record(fn, *args, **kwargs):
    """Call fn, returning (result, whether an empty-cluster UserWarning was seen)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, any(issubclass(w.category, UserWarning) for w in rec)


def _assert_same_as_scipy(data, k, **kw):
    """Run kmeanskit and SciPy with identical arguments and compare everything."""
    (c, lab), warned = _record(kmeans2, data, k, **kw)
    (rc, rlab), rwarned = _record(sp.kmeans2, data, k, **kw)
    assert c.shape == rc.shape
    assert c.dtype == rc.dtype == data.dtype
    assert lab.dtype == np.int32
    assert_allclose(c, rc, **_tol(data.dtype))
    # random data: no exact ties, so the labels must agree exactly
    assert_array_equal(lab, rlab)
    # same trajectory -> an empty cluster is met by both or by neither
    assert warned == rwarned
    return c, lab


class TestKmeans2Matrix:
    def test_scipy_literal_one_and_two_steps(self, X_small, codet1, codet2, label1):
        """From X[:3]: one step gives CODET1, two give CODET2 (SciPy's test data)."""
        c1, l1 = kmeans2(X_small, X_small[:3].copy(), iter=1)
        c2, l2 = kmeans2(X_small, X_small[:3].copy(), iter=2)
        assert_allclose(c1, codet1, rtol=RTOL64)
        assert_allclose(c2, codet2, rtol=RTOL64)
        # labels of the last iteration are computed before its update
        assert_array_equal(l2, label1)

    @pytest.mark.parametrize("iter", [1, 3, 10])
    def test_matches_scipy(self, blobs4d, iter):
        """minit='matrix' equals SciPy for any iter (deterministic)."""
        init = blobs4d[[0, 1, 2, 3]].copy()
        _assert_same_as_scipy(blobs4d, init, iter=iter, minit="matrix")

    def test_matches_scipy_float32(self, blobs32):
        """float32 stays float32 and equals SciPy's within float32 rounding."""
        init = blobs32[[0, 1, 2]].copy()
        _assert_same_as_scipy(blobs32, init, iter=5, minit="matrix")

    def test_float32_data_float64_init(self, blobs32):
        """A float64 code book on float32 data gives float32 centroids (data dtype)."""
        init = np.array([[0.2, 0.1], [4.5, 0.3], [0.1, 4.4]])
        _assert_same_as_scipy(blobs32, init, iter=5, minit="matrix")

    def test_one_dimensional(self, data1d):
        """1-D data with a 1-D initial code book: centroids (k,), labels (M,)."""
        init = np.array([-1.0, 0.5, 1.0])
        c, lab = _assert_same_as_scipy(data1d, init, iter=10, minit="matrix")
        assert c.shape == (3,)
        assert lab.shape == data1d.shape

    def test_labels_are_from_before_last_update(self, uniform2d):
        """Labels are the assignment before the final update (as SciPy)."""
        init = uniform2d[:5].copy()
        c, lab = kmeans2(uniform2d, init, iter=1, minit="matrix")
        assert_array_equal(lab, vq(uniform2d, init)[0])
        # and the returned centroids are the means of those labels
        means = np.array([uniform2d[lab == j].mean(0) for j in range(5)])
        assert_allclose(c, means, rtol=RTOL64)

    def test_array_k_ignores_minit_string(self, blobs):
        """An array k is a code book even when minit names a random method."""
        init = blobs[[5, 6, 7]].copy()
        ref = kmeans2(blobs, init, minit="matrix")
        for minit in ("points", "random", "++"):
            c, lab = kmeans2(blobs, init, minit=minit)
            assert_allclose(c, ref[0], rtol=RTOL64)
            assert_array_equal(lab, ref[1])

    def test_thresh_is_unused(self, uniform2d):
        """thresh does not stop the iterations early (SciPy: 'not used yet');
        kmeanskit says so with a warning that points at tol."""
        init = uniform2d[:6].copy()
        with pytest.warns(UserWarning, match="does not use thresh.*tol="):
            c, lab = kmeans2(uniform2d, init, iter=8, thresh=100.0, minit="matrix")
        rc, rlab = sp.kmeans2(uniform2d, init, iter=8, thresh=100.0, minit="matrix")
        assert_allclose(c, rc, rtol=RTOL64, atol=ATOL64)
        assert_array_equal(lab, rlab)

    def test_iter_numpy_integer(self, blobs):
        """iter may be a NumPy integer."""
        init = blobs[[0, 1, 2]].copy()
        a = kmeans2(blobs, init, iter=np.int64(4), minit="matrix")
        b = kmeans2(blobs, init, iter=4, minit="matrix")
        assert_allclose(a[0], b[0], rtol=RTOL64)
        assert_array_equal(a[1], b[1])


class TestKmeans2RandomInits:
    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_matches_scipy_2d(self, blobs, minit, seed):
        """Same rng=int gives SciPy's centroids and labels for every random init."""
        _assert_same_as_scipy(blobs, 3, minit=minit, rng=seed)

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_matches_scipy_4d_more_clusters(self, blobs4d, minit):
        """4-D data, k=6 (more clusters than blobs)."""
        _assert_same_as_scipy(blobs4d, 6, iter=5, minit=minit, rng=42)

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_matches_scipy_float32(self, blobs32, minit):
        """float32 data: float32 centroids equal to SciPy's within float32 rounding."""
        _assert_same_as_scipy(blobs32, 3, minit=minit, rng=7)

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_matches_scipy_1d(self, data1d, minit):
        """1-D data for every random init."""
        c, _ = _assert_same_as_scipy(data1d, 3, minit=minit, rng=3)
        assert c.shape == (3,)

    def test_random_init_more_features_than_points(self):
        """minit='random' with N > M (SciPy's SVD branch) equals SciPy."""
        rng = np.random.default_rng(21)
        X = np.concatenate([rng.normal(0, 1, (4, 10)), rng.normal(8, 1, (4, 10))])
        _assert_same_as_scipy(X, 2, iter=3, minit="random", rng=5)

    @pytest.mark.parametrize("seed", [1, 22, 26, 29])
    def test_random_init_more_features_than_points_float32(self, seed):
        """float32 data, N > M: SciPy's draws (its SVD runs in float32).

        These seeds gave other centroids when the SVD ran on float64 data:
        the float32 factorisation flips the signs of some singular vectors.
        """
        rng = np.random.default_rng(seed)
        n = int(rng.integers(2, 8))
        d, k = int(rng.integers(n + 1, 20)), int(rng.integers(1, 4))
        X = rng.normal(size=(n, d)).astype(np.float32)
        _assert_same_as_scipy(X, k, iter=1, minit="random", rng=seed)

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_seed_keyword_matches_scipy(self, blobs4d, minit):
        """Legacy seed=int (a RandomState stream) also reproduces SciPy."""
        _assert_same_as_scipy(blobs4d, 4, iter=4, minit=minit, seed=11)

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_shapes_and_dtypes(self, blobs, minit):
        """Centroids (k, N) float64, labels (M,) int32 within [0, k)."""
        c, lab = kmeans2(blobs, 3, minit=minit, rng=0)
        assert c.shape == (3, 2) and c.dtype == np.float64
        assert lab.shape == (180,) and lab.dtype == np.int32
        assert lab.min() >= 0 and lab.max() < 3

    def test_finds_the_blobs(self, blobs, blobs_labels):
        """'++' recovers the three blobs: the partition equals the true one."""
        c, lab = kmeans2(blobs, 3, minit="++", rng=0)
        # a perfect clustering up to relabelling: each true blob maps to one label
        pairs = set(zip(blobs_labels.tolist(), lab.tolist(), strict=True))
        assert len(pairs) == 3

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_float_k_warns_and_is_truncated(self, blobs, minit):
        """DEPARTURE: a non-integral k warns, then acts as int(k) for every minit."""
        with pytest.warns(UserWarning, match="k was not an integer"):
            c, lab = kmeans2(blobs, 3.7, minit=minit, rng=2)
        ref_c, ref_lab = kmeans2(blobs, 3, minit=minit, rng=2)
        assert c.shape == (3, 2)
        assert_allclose(c, ref_c, rtol=RTOL64)
        assert_array_equal(lab, ref_lab)

    @pytest.mark.parametrize("k", [np.int64(3), np.int32(3)])
    def test_numpy_integer_k(self, blobs, k):
        """k may be a NumPy integer scalar."""
        c, lab = kmeans2(blobs, k, minit="points", rng=4)
        ref_c, ref_lab = kmeans2(blobs, 3, minit="points", rng=4)
        assert_allclose(c, ref_c, rtol=RTOL64)
        assert_array_equal(lab, ref_lab)


class TestKmeans2EmptyClusters:
    def _far_init(self, X):
        return np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [100.0, 100.0]])

    def test_warn_keeps_centroid(self, blobs):
        """missing='warn': UserWarning, and the empty centroid keeps its position."""
        init = self._far_init(blobs)
        with pytest.warns(UserWarning, match="(?i)empty"):
            c, lab = kmeans2(blobs, init, iter=3, minit="matrix", missing="warn")
        assert_array_equal(c[3], [100.0, 100.0])
        assert not (lab == 3).any()
        with pytest.warns(UserWarning, match="(?i)empty"):
            rc, _ = sp.kmeans2(blobs, init, iter=3, minit="matrix", missing="warn")
        assert_allclose(c, rc, rtol=RTOL64, atol=ATOL64)

    def test_warnings_point_at_caller(self, blobs):
        """Empty-cluster and non-integer-k warnings point at the caller's line."""
        with pytest.warns(UserWarning, match="(?i)empty") as rec:
            kmeans2(blobs, self._far_init(blobs), iter=1, minit="matrix")
        assert rec[0].filename == __file__
        with pytest.warns(UserWarning, match="not an integer") as rec:
            kmeans2(blobs, 2.5, minit="points", rng=0)
        assert rec[0].filename == __file__

    def test_warn_is_default(self, blobs):
        """The default missing policy is 'warn'."""
        with pytest.warns(UserWarning, match="(?i)empty"):
            kmeans2(blobs, self._far_init(blobs), iter=2, minit="matrix")

    def test_raise(self, blobs):
        """missing='raise': ClusterError for an empty cluster."""
        with pytest.raises(ClusterError, match="(?i)empty"):
            kmeans2(blobs, self._far_init(blobs), minit="matrix", missing="raise")

    def test_raise_without_empty_cluster_is_silent(self, blobs):
        """missing='raise' does nothing when no cluster is empty."""
        init = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
        c, _ = kmeans2(blobs, init, minit="matrix", missing="raise")
        assert np.isfinite(c).all()

    def test_cluster_error_is_exception(self):
        """ClusterError is an Exception subclass (so `except Exception` catches it)."""
        assert issubclass(ClusterError, Exception)


def _quiet(fn, *args, **kwargs):
    """Run with warnings allowed (degenerate inputs may warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


class TestKmeans2Degenerate:
    """DEPARTURES: SciPy may raise LinAlgError or give NaN here; kmeanskit must not."""

    @pytest.mark.parametrize("minit", ["points", "random", "++"])
    def test_all_points_equal(self, minit, no_hang):
        """Identical points: finite centroids of shape (k, N), labels in range."""
        X = np.full((15, 2), -1.5)
        c, lab = _quiet(kmeans2, X, 3, minit=minit, rng=0)
        assert c.shape == (3, 2)
        assert np.isfinite(c).all()
        assert lab.dtype == np.int32
        assert ((lab >= 0) & (lab < 3)).all()
        # every point is at distance 0 from the centroid it is labelled with
        assert_allclose(c[lab], X, rtol=0, atol=1e-12)

    @pytest.mark.parametrize("minit", ["random", "++"])
    def test_fewer_distinct_points_than_k(self, minit, no_hang):
        """Two distinct points, k=4: no crash, finite centroids."""
        X = np.repeat(np.array([[0.0, 1.0], [3.0, -2.0]]), 6, axis=0)
        c, lab = _quiet(kmeans2, X, 4, minit=minit, rng=1)
        assert c.shape == (4, 2)
        assert np.isfinite(c).all()
        assert ((lab >= 0) & (lab < 4)).all()

    @pytest.mark.parametrize("minit", ["random", "++"])
    def test_k_greater_than_n(self, X_small, minit, no_hang):
        """k > number of observations with '++'/'random': no crash, finite centroids."""
        c, lab = _quiet(kmeans2, X_small, 15, minit=minit, rng=2)
        assert c.shape == (15, 2)
        assert np.isfinite(c).all()
        assert lab.shape == (11,)

    @pytest.mark.parametrize(
        "case", ["collinear", "constant_column", "duplicate_column"]
    )
    def test_random_init_rank_deficient(self, case, no_hang):
        """minit='random' on rank-deficient data (SciPy: LinAlgError): finite result."""
        rng = np.random.default_rng(3)
        t = rng.normal(size=40)
        cols = {
            "collinear": [t, 2.0 * t + 1.0],
            "constant_column": [t, np.full(40, 4.0)],
            "duplicate_column": [t, rng.normal(size=40), t],
        }[case]
        X = np.column_stack(cols)
        c, lab = _quiet(kmeans2, X, 3, minit="random", rng=4)
        assert c.shape == (3, X.shape[1])
        assert np.isfinite(c).all()
        assert ((lab >= 0) & (lab < 3)).all()

    def test_random_init_single_point_1d(self, no_hang):
        """1-D data whose values are all equal (zero variance), minit='random'."""
        X = np.full(8, 2.0)
        c, lab = _quiet(kmeans2, X, 2, minit="random", rng=0)
        assert c.shape == (2,)
        assert np.isfinite(c).all()
