"""Sample weights mean replication: weight w == the row repeated w times.

References: the same call on the repeated data (exact identity for the
deterministic paths and for k-means++ drawn through the weighted rule),
scikit-learn's ``KMeans(sample_weight=...)``, and sampling frequencies
against the stated probabilities.

Tolerances: means of the same multiset of points summed in another order
agree to rtol 1e-12.  Frequencies are checked to 5 binomial standard errors
(the seeds are fixed, so this cannot flake; it catches a wrong probability
law, whose error would be dozens of standard errors at these counts).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from kmeanskit import kmeans2, kpp_init, vq

RTOL = 1e-12


def _data(seed=0, n=60, d=3):
    rng = np.random.default_rng(seed)
    centres = np.array(
        [[0.0] * d, [4.0] + [0.0] * (d - 1), [0.0, 4.0] + [1.0] * (d - 2)])
    x = np.concatenate([c + rng.standard_normal((n // 3, d)) for c in centres])
    w = rng.integers(0, 5, size=len(x))
    return rng.permutation(x), w


def _repeated(x, w):
    return np.repeat(x, w, axis=0)


class TestKmeans2Identity:
    @pytest.mark.parametrize("options", [
        {},
        {"tol": 1e-8},
        {"empty": "split"},
        {"algorithm": "hamerly", "tol": 0.0},
    ])
    def test_matrix_init(self, options):
        x, w = _data()
        init = x[[1, 2, 3]].copy()
        c, lab, info = kmeans2(x, init, iter=20, minit="matrix", weights=w,
                               return_info=True, **options)
        rc, rlab, rinfo = kmeans2(_repeated(x, w), init, iter=20, minit="matrix",
                                  return_info=True, **options)
        assert_allclose(c, rc, rtol=RTOL, atol=RTOL)
        assert_array_equal(np.repeat(lab, w), rlab)
        assert info.inertia == pytest.approx(rinfo.inertia, rel=RTOL)
        assert info.n_iter == rinfo.n_iter

    def test_random_init(self):
        """'random' draws from the weighted mean and covariance: the repeated
        data's Gaussian, so the same draws give the same start."""
        x, w = _data(seed=1)
        c, lab = kmeans2(x, 3, iter=5, minit="random", rng=4, weights=w)
        rc, rlab = kmeans2(_repeated(x, w), 3, iter=5, minit="random", rng=4)
        assert_allclose(c, rc, rtol=1e-10, atol=1e-10)
        assert_array_equal(np.repeat(lab, w), rlab)

    def test_same_as_sklearn(self):
        cluster = pytest.importorskip("sklearn.cluster")
        x, _ = _data(seed=2)
        w = np.random.default_rng(3).uniform(0.1, 3.0, size=len(x))
        init = x[[0, 1, 2]].copy()
        c, lab, info = kmeans2(x, init, iter=300, minit="matrix", weights=w,
                               tol=0.0, return_info=True)
        ref = cluster.KMeans(3, init=init, n_init=1, tol=0.0, max_iter=300,
                             algorithm="lloyd").fit(x, sample_weight=w)
        assert_allclose(c, ref.cluster_centers_, rtol=1e-10, atol=1e-12)
        assert_array_equal(lab, ref.labels_)
        assert info.inertia == pytest.approx(ref.inertia_, rel=1e-10)

    def test_points_draw_in_proportion_to_weights(self):
        """The start (trace.centroids[0]) is the documented draw
        choice(M, k, replace=False, p=w/sum(w)); zero-weight rows never
        appear in it."""
        x, w = _data(seed=4)
        for seed in range(20):
            info = kmeans2(x, 3, iter=1, minit="points", rng=seed, weights=w,
                           trace=True, return_info=True)[2]
            start = info.trace.centroids[0]
            drawn = np.random.default_rng(seed).choice(
                len(x), 3, replace=False, p=w / w.sum())
            assert_array_equal(start, x[drawn])
            assert (w[drawn] > 0).all()

    def test_points_needs_k_positive_weights(self):
        x, _ = _data()
        w = np.zeros(len(x))
        w[:2] = 1.0
        with pytest.raises(ValueError, match="2 positive entries; at least 3"):
            kmeans2(x, 3, minit="points", rng=0, weights=w)

    def test_weights_not_mutated(self):
        x, w = _data()
        w = w.astype(float)
        before = w.copy()
        kmeans2(x, 3, minit="++", rng=0, weights=w, tol=1e-4)
        assert_array_equal(w, before)


class TestKppIdentity:
    @pytest.mark.parametrize("trials", [1, 3])
    def test_repeated_rows(self, trials):
        """Integer weights draw exactly what the repeated rows with unit
        weights draw (one uniform() per centre, located by cumulative mass)."""
        x, w = _data(seed=5)
        rep = _repeated(x, w)
        for seed in range(10):
            got = kpp_init(x, 6, rng=seed, weights=w, n_local_trials=trials)
            ref = kpp_init(rep, 6, rng=seed, weights=np.ones(len(rep)),
                           n_local_trials=trials)
            assert_array_equal(got, ref)

    def test_first_centre_frequencies(self):
        points = np.array([[0.0], [1.0], [2.0], [3.0]])
        w = np.array([1.0, 2.0, 3.0, 4.0])
        n = 4000
        firsts = [int(kpp_init(points, 1, rng=s, weights=w)[0, 0]) for s in range(n)]
        counts = np.bincount(firsts, minlength=4)
        p = w / w.sum()
        assert np.all(np.abs(counts - n * p) <= 5 * np.sqrt(n * p * (1 - p)))

    def test_second_centre_frequencies(self):
        """Given the first centre at 0, the second is drawn with probability
        w * D^2: rows 1 and 3 (weights 1 and 2) in the ratio 1 : 18."""
        points = np.array([[0.0], [1.0], [3.0]])
        w = np.array([1.0, 1.0, 2.0])
        seconds = []
        for s in range(4000):
            c = kpp_init(points, 2, rng=s, weights=w)[:, 0]
            if c[0] == 0.0:
                seconds.append(c[1])
        seconds = np.array(seconds)
        n = len(seconds)
        share = np.mean(seconds == 3.0)
        p = 18 / 19
        assert abs(share - p) <= 5 * np.sqrt(p * (1 - p) / n)
        assert n > 500  # the first centre is 0 a quarter of the time

    def test_bad_weights(self):
        x, _ = _data()
        with pytest.raises(ValueError, match="one weight per observation"):
            kpp_init(x, 2, weights=np.ones(3))
        with pytest.raises(ValueError, match="weights must be >= 0"):
            kpp_init(x, 2, weights=-np.ones(len(x)))
        with pytest.raises(ValueError, match="finite"):
            kpp_init(x, 2, weights=np.full(len(x), np.nan))
        with pytest.raises(ValueError, match="0 positive entries"):
            kpp_init(x, 2, weights=np.zeros(len(x)))
        with pytest.raises(TypeError, match="real numbers"):
            kpp_init(x, 2, weights=np.ones(len(x), dtype=complex))


@pytest.mark.xp_function("kmeans2", "kpp_init")
class TestBackends:
    def test_kmeans2(self, xp_backend):
        x, w = _data(seed=6)
        c, lab = kmeans2(x, 3, iter=8, minit="random", rng=1, weights=w)
        xc, xlab = kmeans2(xp_backend.asarray(x), 3, iter=8, minit="random",
                           rng=1, weights=xp_backend.asarray(w))
        assert_allclose(xp_backend.to_numpy(xc), c, rtol=RTOL, atol=RTOL)
        assert_array_equal(xp_backend.to_numpy(xlab), lab)

    def test_kpp_init(self, xp_backend):
        x, w = _data(seed=7)
        ref = kpp_init(x, 5, rng=2, weights=w, n_local_trials="auto")
        got = kpp_init(xp_backend.asarray(x), 5, rng=2,
                       weights=xp_backend.asarray(w), n_local_trials="auto")
        xp_backend.check(got, "float64")
        assert_array_equal(xp_backend.to_numpy(got), ref)

    def test_inertia_is_weighted(self, xp_backend):
        x, w = _data(seed=8)
        c, _, info = kmeans2(xp_backend.asarray(x), 3, minit="++", rng=0,
                             weights=xp_backend.asarray(w), return_info=True)
        dist = vq(x, xp_backend.to_numpy(c))[1]
        assert info.inertia == pytest.approx(float(np.sum(w * dist**2)), rel=1e-10)
