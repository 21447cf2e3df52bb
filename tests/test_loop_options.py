"""kmeans2's extensions: return_info, tol, empty, n_init, callback and trace.

References, one per feature:

* SciPy's own kmeans2 (the trace's centroids after i iterations are SciPy's
  result for ``iter=i``; the default path is unchanged);
* scikit-learn's ``KMeans`` with the same initial centres (``tol``: same
  iterations, centroids, labels and inertia);
* hand-computed 1-D cases (the empty-cluster policies);
* separate single-start calls (``n_init``: the documented rng streams).

Tolerances: centroids are means of the same point sets summed in a different
order, so float64 results agree to rtol 1e-12 (1e-10 against scikit-learn,
whose inertia and means are accumulated per chunk in another order);
labels are compared exactly (no ties in these data).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.cluster import vq as sp

from kmeanskit import ClusterError, KMeansInfo, Trace, kmeans2, vq

RTOL = 1e-12


def _inertia(data, centroid, weights=None):
    """Weighted sum of squared distances to the nearest centroid, via vq."""
    dist = vq(data, centroid)[1]
    w = np.ones(len(data)) if weights is None else weights
    return float(np.sum(w * dist**2))


def _overlapping(seed=0, n=300, d=3):
    """Five overlapping blobs: Lloyd needs several iterations to settle."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-2, 2, size=(5, d))
    return np.concatenate([c + rng.standard_normal((n // 5, d)) for c in centres])


# --------------------------------------------------------------------------
# return_info, and the default path left alone

class TestReturnInfo:
    def test_default_is_scipy(self, blobs):
        init = blobs[[0, 1, 2]].copy()
        out = kmeans2(blobs, init, iter=3, minit="matrix")
        ref = sp.kmeans2(blobs, init, iter=3, minit="matrix")
        assert len(out) == 2
        assert_allclose(out[0], ref[0], rtol=RTOL)
        assert_array_equal(out[1], ref[1])

    def test_info_does_not_change_the_result(self, uniform2d):
        init = uniform2d[:5].copy()
        c, lab = kmeans2(uniform2d, init, iter=4, minit="matrix")
        c2, lab2, info = kmeans2(uniform2d, init, iter=4, minit="matrix",
                                 return_info=True)
        assert_array_equal(c, c2)
        assert_array_equal(lab, lab2)  # still SciPy's "before the last update"
        assert isinstance(info, KMeansInfo)
        assert info.n_iter == 4 and info.converged is False
        assert info.inertias_per_start is None and info.trace is None
        # the inertia belongs to the returned centroids
        assert info.inertia == pytest.approx(_inertia(uniform2d, c), rel=RTOL)

    def test_info_is_frozen(self, blobs):
        info = kmeans2(blobs, 3, minit="++", rng=0, return_info=True)[2]
        with pytest.raises(AttributeError):
            info.inertia = 0.0


# --------------------------------------------------------------------------
# tol: scikit-learn's rule, compared with scikit-learn

class TestTol:
    @pytest.mark.parametrize("tol", [1e-4, 1e-2, 0.0])
    def test_same_as_sklearn(self, tol):
        cluster = pytest.importorskip("sklearn.cluster")
        x = _overlapping()
        init = x[[0, 70, 140, 200, 260]].copy()
        c, lab, info = kmeans2(x, init, iter=300, minit="matrix", tol=tol,
                               return_info=True)
        ref = cluster.KMeans(5, init=init, n_init=1, tol=tol, max_iter=300,
                             algorithm="lloyd").fit(x)
        assert info.n_iter == ref.n_iter_
        assert info.converged
        assert_allclose(c, ref.cluster_centers_, rtol=1e-10, atol=1e-12)
        assert_array_equal(lab, ref.labels_)
        assert info.inertia == pytest.approx(ref.inertia_, rel=1e-10)

    def test_iteration_limit(self):
        x = _overlapping()
        init = x[[0, 70, 140, 200, 260]].copy()
        _, _, info = kmeans2(x, init, iter=2, minit="matrix", tol=1e-12,
                             return_info=True)
        assert info.n_iter == 2 and not info.converged

    def test_labels_and_inertia_agree_with_centroids(self):
        x = _overlapping(seed=3)
        c, lab, info = kmeans2(x, 5, iter=3, minit="++", rng=1, tol=1e-9,
                               return_info=True)
        assert_array_equal(lab, vq(x, c)[0])
        assert info.inertia == pytest.approx(_inertia(x, c), rel=RTOL)

    def test_hamerly_same_as_lloyd(self):
        x = _overlapping(seed=5)
        init = x[:5].copy()
        a = kmeans2(x, init, iter=100, minit="matrix", tol=1e-6, return_info=True)
        b = kmeans2(x, init, iter=100, minit="matrix", tol=1e-6,
                    algorithm="hamerly", return_info=True)
        assert_allclose(a[0], b[0], rtol=RTOL)
        assert_array_equal(a[1], b[1])
        assert a[2].n_iter == b[2].n_iter

    def test_thresh_warns_tol_does_not(self, blobs):
        with pytest.warns(UserWarning, match="thresh"):
            kmeans2(blobs, 3, thresh=1e-3, minit="++", rng=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            kmeans2(blobs, 3, thresh=1e-5, minit="++", rng=0, tol=1e-3)


# --------------------------------------------------------------------------
# empty clusters: hand-computed 1-D cases

# Points 0, 4, 10, 11, 12 from centres 2, 11, 100: the third cluster is empty
# after the first assignment (means 2 and 11).
#   'farthest': distances to the nearest live centre are 4, 4, 1, 0, 1; the
#   farthest row is 0 (tied with 4, lowest index first), so the centre moves
#   to 0; then {4}, {10, 11, 12}, {0}: centres 4, 11, 0, inertia 1 + 0 + 1.
#   'split': the heaviest cluster is {10, 11, 12}; its member farthest from
#   11 is 10 (tied with 12), so the centre moves to 10; then {0, 4},
#   {11, 12}, {10}: centres 2, 11.5, 10, inertia 4 + 4 + 0.25 + 0.25.
_EMPTY_DATA = np.array([0.0, 4.0, 10.0, 11.0, 12.0])
_EMPTY_INIT = np.array([2.0, 11.0, 100.0])
_EMPTY_EXPECTED = {
    "farthest": ([4.0, 11.0, 0.0], [2, 0, 1, 1, 1], 2.0),
    "split": ([2.0, 11.5, 10.0], [0, 0, 2, 1, 1], 8.5),
}


@pytest.mark.xp_function("kmeans2")
class TestEmpty:
    @pytest.mark.parametrize("policy", ["farthest", "split"])
    def test_hand_computed(self, xp_backend, policy):
        data = xp_backend.asarray(_EMPTY_DATA)
        init = xp_backend.asarray(_EMPTY_INIT)
        c, lab, info = kmeans2(data, init, iter=10, empty=policy,
                               return_info=True)
        centres, labels, inertia = _EMPTY_EXPECTED[policy]
        assert_allclose(xp_backend.to_numpy(c), centres, rtol=RTOL)
        assert_array_equal(xp_backend.to_numpy(lab), labels)
        assert info.inertia == pytest.approx(inertia, rel=RTOL)

    def test_none_keeps_scipy_behaviour(self, xp_backend):
        data = xp_backend.asarray(_EMPTY_DATA)
        init = xp_backend.asarray(_EMPTY_INIT)
        with pytest.warns(UserWarning, match="empty"):
            c, _ = kmeans2(data, init, iter=2)
        assert_allclose(xp_backend.to_numpy(c), [2.0, 11.0, 100.0], rtol=RTOL)
        with pytest.raises(ClusterError):
            kmeans2(data, init, iter=2, missing="raise")

    @pytest.mark.parametrize("policy", ["farthest", "split"])
    def test_zero_weight_rows_never_take_a_centre(self, policy):
        """Row 0 would be 'farthest' but weighs nothing: absent rows are
        never chosen (with weight 0 dropped, 4 is the farthest)."""
        w = np.array([0.0, 1.0, 1.0, 1.0, 1.0])
        c, _ = kmeans2(_EMPTY_DATA, _EMPTY_INIT, iter=10, empty=policy,
                       weights=w)
        ref, _ = kmeans2(_EMPTY_DATA[1:], _EMPTY_INIT, iter=10, empty=policy)
        assert_allclose(c, ref, rtol=RTOL)

    @pytest.mark.parametrize("policy", ["farthest", "split"])
    def test_no_nan_and_nothing_left_empty(self, policy):
        """Many more clusters than Gaussian draws can seed: every cluster of
        the result has members, and no centroid is NaN."""
        x = _overlapping(seed=2, n=200, d=2)
        c, lab = kmeans2(x, 40, iter=20, minit="random", rng=0, empty=policy)
        assert np.isfinite(c).all()
        assert np.bincount(lab, minlength=40).min() > 0

    def test_unrepairable_falls_back_to_missing(self):
        """Fewer distinct points than clusters: no move can fill a cluster,
        so `missing` applies, and no centroid is NaN."""
        data = np.array([1.0, 1.0, 5.0, 5.0])
        init = np.array([1.0, 5.0, 9.0])
        with pytest.warns(UserWarning, match="empty"):
            c, lab = kmeans2(data, init, iter=3, empty="farthest")
        assert np.isfinite(c).all()
        assert_array_equal(lab, [0, 0, 1, 1])
        with pytest.raises(ClusterError):
            kmeans2(data, init, iter=3, empty="split", missing="raise")


# --------------------------------------------------------------------------
# n_init: the documented stream of every start

class TestRestarts:
    def _single(self, x, rng, **kw):
        return kmeans2(x, 5, iter=50, minit="++", rng=rng, tol=1e-8,
                       return_info=True, **kw)

    def test_each_start_alone(self):
        x = _overlapping(seed=7)
        c, lab, info = self._single(x, 123, n_init=4)
        assert len(info.inertias_per_start) == 4
        assert info.inertia == min(info.inertias_per_start)
        for i, child in enumerate(np.random.default_rng(123).spawn(4)):
            ci, labi, infoi = self._single(x, child)
            assert infoi.inertia == info.inertias_per_start[i]
            if i == info.best_start:
                assert_array_equal(ci, c)
                assert_array_equal(labi, lab)

    def test_legacy_seed_stream(self):
        """seed=int: one draw of four 32-bit words seeds a SeedSequence."""
        x = _overlapping(seed=8)
        _, _, info = kmeans2(x, 5, iter=50, minit="points", seed=9, n_init=3,
                             tol=1e-8, return_info=True)
        words = np.random.RandomState(9).randint(0, 2**32, size=4, dtype=np.uint64)
        children = np.random.SeedSequence([int(w) for w in words]).spawn(3)
        for i, child in enumerate(children):
            infoi = kmeans2(x, 5, iter=50, minit="points",
                            rng=np.random.default_rng(child), tol=1e-8,
                            return_info=True)[2]
            assert infoi.inertia == info.inertias_per_start[i]

    def test_restarts_do_not_lose(self, grid9):
        """The kept start is never worse than the first one alone, and the
        labels agree with the returned centroids."""
        c, lab, info = kmeans2(grid9, 9, minit="points", rng=4, n_init=8,
                               return_info=True)
        assert info.inertia <= info.inertias_per_start[0]
        assert_array_equal(lab, vq(grid9, c)[0])
        assert info.inertia == pytest.approx(_inertia(grid9, c), rel=RTOL)

    def test_given_centroids_warn(self, blobs):
        with pytest.warns(RuntimeWarning, match="n_init=3 ignored"):
            kmeans2(blobs, blobs[:3].copy(), minit="matrix", n_init=3)


# --------------------------------------------------------------------------
# callback and trace

class TestTrace:
    def test_trace_is_scipys_path(self, uniform2d):
        """Centroids after i iterations are SciPy's kmeans2(iter=i); the
        inertia of iteration i is that of the centroids before it."""
        init = uniform2d[:6].copy()
        c, lab, info = kmeans2(uniform2d, init, iter=5, minit="matrix",
                               trace=True, return_info=True)
        ref = sp.kmeans2(uniform2d, init, iter=5, minit="matrix")
        assert_allclose(c, ref[0], rtol=RTOL)
        assert_array_equal(lab, ref[1])  # tracing changes nothing
        tr = info.trace
        assert isinstance(tr, Trace) and len(tr) == 5
        assert tr.centroids.shape == (6, 6, 2)
        assert_array_equal(tr.centroids[0], init)
        for i in range(1, 6):
            step = sp.kmeans2(uniform2d, init, iter=i, minit="matrix")[0]
            assert_allclose(tr.centroids[i], step, rtol=RTOL)
            assert tr.inertia[i - 1] == pytest.approx(
                _inertia(uniform2d, tr.centroids[i - 1]), rel=1e-10)
            moved = np.sum((tr.centroids[i] - tr.centroids[i - 1]) ** 2)
            assert tr.shift[i - 1] == pytest.approx(moved, rel=1e-10, abs=1e-300)

    def test_callback(self, uniform2d):
        calls = []

        def hook(iteration, centroids, inertia, shift):
            with pytest.raises(ValueError):
                centroids[0, 0] = 1.0  # read-only: the loop's own array
            calls.append((iteration, centroids.copy(), inertia, shift))

        init = uniform2d[:4].copy()
        _, _, info = kmeans2(uniform2d, init, iter=6, minit="matrix",
                             callback=hook, trace=True, return_info=True)
        assert [call[0] for call in calls] == [1, 2, 3, 4, 5, 6]
        for i, (_, centroids, inertia, shift) in enumerate(calls):
            assert_array_equal(centroids, info.trace.centroids[i + 1])
            assert inertia == info.trace.inertia[i]
            assert shift == info.trace.shift[i]

    def test_trace_stops_with_tol(self, grid9):
        _, _, info = kmeans2(grid9, 9, iter=100, minit="++", rng=3, tol=1e-6,
                             trace=True, return_info=True)
        assert len(info.trace) == info.n_iter < 100
        # stopped at the first iteration whose shift met scikit-learn's rule
        limit = 1e-6 * np.mean(np.var(grid9, axis=0))
        assert info.trace.shift[-1] <= limit
        assert (info.trace.shift[:-1] > limit).all()

    def test_callback_per_start(self, blobs):
        seen = []
        kmeans2(blobs, 3, iter=4, minit="++", rng=0, n_init=2,
                callback=lambda i, c, inertia, s: seen.append(i))
        assert seen == [1, 2, 3, 4, 1, 2, 3, 4]


# --------------------------------------------------------------------------
# bad arguments

@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"n_init": 0}, ValueError, "n_init"),
    ({"n_init": 2.5}, TypeError, "n_init"),
    ({"tol": -1.0}, ValueError, "tol"),
    ({"tol": "small"}, TypeError, "tol"),
    ({"tol": float("nan")}, ValueError, "tol"),
    ({"empty": "drop"}, ValueError, "empty policy 'drop'"),
    ({"callback": 3}, TypeError, "callback"),
    ({"trace": "yes"}, TypeError, "trace"),
    ({"return_info": 1}, TypeError, "return_info"),
])
def test_bad_arguments(blobs, kw, error, match):
    with pytest.raises(error, match=match):
        kmeans2(blobs, 3, minit="++", rng=0, **kw)


# --------------------------------------------------------------------------
# every option on every backend: same answer as NumPy

@pytest.mark.xp_function("kmeans2")
def test_options_on_every_backend(xp_backend):
    x = _overlapping(seed=11)
    w = np.random.default_rng(0).integers(0, 4, size=len(x)).astype(float)
    kw = dict(iter=40, minit="++", rng=5, n_init=3, tol=1e-6, empty="farthest",
              weights=w, trace=True, return_info=True)
    c, lab, info = kmeans2(x, 5, **kw)
    kw["weights"] = xp_backend.asarray(w)
    xc, xlab, xinfo = kmeans2(xp_backend.asarray(x), 5, **kw)
    xp_backend.check(xc, "float64")
    assert_allclose(xp_backend.to_numpy(xc), c, rtol=RTOL, atol=RTOL)
    assert_array_equal(xp_backend.to_numpy(xlab), lab)
    assert xinfo.n_iter == info.n_iter
    assert_allclose(xinfo.inertias_per_start, info.inertias_per_start, rtol=RTOL)
    assert_allclose(xinfo.trace.centroids, info.trace.centroids, rtol=RTOL,
                    atol=RTOL)
