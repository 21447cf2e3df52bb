"""Mini-batch k-means: the streaming update by hand, the whole-data driver
against scikit-learn's MiniBatchKMeans, and weights as replication.

Tolerance against scikit-learn: both are randomised and land in different
local optima from run to run, so the comparison is on the median, over 8
seeds, of the final full-data inertia divided by the best Lloyd inertia
(scikit-learn's KMeans, 5 starts).  Measured: medians 1.0011 (kmeanskit)
and 1.0009 (scikit-learn), both within 0.2% of the optimum on this data; the
test allows 1% above the optimum (mini-batch stops on a noisy criterion) and
1% between the two medians.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from kmeanskit import (
    KMeansInfo,
    MiniBatchState,
    kmeans2,
    minibatch_kmeans,
    minibatch_update,
    vq,
)


def _blobs(seed=0, n=6000, d=4, k=6):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, d))
    x = centres[rng.integers(k, size=n)] + 1.5 * rng.standard_normal((n, d))
    return x


class TestStreamingUpdate:
    def test_running_means_by_hand(self):
        state = MiniBatchState([[0.0], [10.0]], reassignment_ratio=0.0)
        minibatch_update(state, [[1.0], [2.0], [9.0]])
        # centre 0 gets {1, 2}: mean 1.5, mass 2; centre 1 gets {9}
        assert_allclose(state.centroids, [[1.5], [9.0]])
        assert_array_equal(state.counts, [2.0, 1.0])
        assert state.batch_inertia == pytest.approx(1 + 4 + 1)
        assert state.shift == pytest.approx(1.5**2 + 1.0)
        minibatch_update(state, [[3.0], [12.0]])
        # (2 * 1.5 + 3) / 3 = 2 and (1 * 9 + 12) / 2 = 10.5
        assert_allclose(state.centroids, [[2.0], [10.5]])
        assert state.n_steps == 2

    def test_weights_are_copies(self):
        rows = np.array([[1.0, 0.0], [2.0, 1.0], [8.0, 9.0], [9.0, 7.0]])
        w = np.array([3, 1, 2, 5])
        a = MiniBatchState([[0.0, 0.0], [10.0, 10.0]], reassignment_ratio=0.0)
        b = MiniBatchState([[0.0, 0.0], [10.0, 10.0]], reassignment_ratio=0.0)
        minibatch_update(a, rows, weights=w)
        minibatch_update(b, np.repeat(rows, w, axis=0))
        assert_allclose(a.centroids, b.centroids, rtol=1e-15)
        assert_array_equal(a.counts, b.counts)

    def test_reseeds_a_centre_that_gets_nothing(self):
        rows = np.array([[0.0], [1.0], [2.0], [3.0]])
        state = MiniBatchState([[1.0], [100.0]], rng=0)
        minibatch_update(state, rows)
        # centre 1 received nothing: moved onto a row of the batch, and
        # given the other centre's mass so it is not re-seeded at once
        assert state.centroids[1, 0] in rows[:, 0]
        assert_array_equal(state.counts, [4.0, 4.0])

    def test_bad_input(self):
        state = MiniBatchState([[0.0, 0.0]])
        with pytest.raises(ValueError, match="2 columns"):
            minibatch_update(state, np.zeros((3, 3)))
        with pytest.raises(TypeError, match="MiniBatchState"):
            minibatch_update("state", np.zeros((3, 2)))
        with pytest.raises(ValueError, match="reassignment_ratio"):
            MiniBatchState([[0.0]], reassignment_ratio=2.0)
        with pytest.raises(ValueError, match="2-D"):
            MiniBatchState([0.0, 1.0])


class TestMinibatchKmeans:
    def test_against_sklearn(self):
        cluster = pytest.importorskip("sklearn.cluster")
        x = _blobs()
        best = cluster.KMeans(6, n_init=5, random_state=0).fit(x).inertia_
        ours, theirs = [], []
        for seed in range(8):
            _, _, info = minibatch_kmeans(x, 6, batch_size=256, rng=seed, n_init=3)
            ref = cluster.MiniBatchKMeans(6, batch_size=256, n_init=3,
                                          random_state=seed).fit(x)
            ours.append(info.inertia / best)
            theirs.append(ref.inertia_ / best)
        assert 1.0 - 1e-9 <= np.median(ours) <= 1.01
        assert abs(np.median(ours) - np.median(theirs)) <= 0.01

    def test_result_agrees_with_itself(self):
        x = _blobs(seed=1)
        c, lab, info = minibatch_kmeans(x, 6, batch_size=128, rng=3, trace=True)
        assert isinstance(info, KMeansInfo)
        code, dist = vq(x, c)
        assert_array_equal(lab, code)
        assert info.inertia == pytest.approx(np.sum(dist**2), rel=1e-10)
        assert len(info.trace) == info.n_iter
        assert_allclose(info.trace.centroids[-1], c, rtol=1e-15)

    def test_close_to_lloyd(self):
        """From the same start, mini-batch ends near Lloyd's fixed point."""
        x = _blobs(seed=2)
        _, _, lloyd = kmeans2(x, 6, iter=100, minit="++", rng=0, n_init=3,
                              tol=1e-8, return_info=True)
        _, _, mb = minibatch_kmeans(x, 6, batch_size=512, rng=0, n_init=3)
        assert mb.inertia / lloyd.inertia < 1.01

    def test_weights_mean_replication(self):
        """Integer weights sample exactly the rows that the repeated data
        (with unit weights: the same sampling rule) samples."""
        x = _blobs(seed=4, n=600)
        w = np.random.default_rng(0).integers(0, 4, size=len(x))
        a = minibatch_kmeans(x, 5, batch_size=64, max_iter=5, rng=1, weights=w)
        rep = np.repeat(x, w, axis=0)
        b = minibatch_kmeans(rep, 5, batch_size=64, max_iter=5, rng=1,
                             weights=np.ones(len(rep)))
        assert_allclose(a[0], b[0], rtol=1e-12)
        assert_array_equal(np.repeat(a[1], w), b[1])
        assert a[2].inertia == pytest.approx(b[2].inertia, rel=1e-12)

    def test_n_init_validation_inertias(self):
        x = _blobs(seed=5)
        _, _, info = minibatch_kmeans(x, 6, rng=2, n_init=4)
        assert len(info.inertias_per_start) == 4
        assert info.inertias_per_start[info.best_start] == min(info.inertias_per_start)

    def test_no_early_stop(self):
        x = _blobs(seed=6, n=1000)
        _, _, info = minibatch_kmeans(x, 3, batch_size=100, max_iter=2,
                                      max_no_improvement=None, rng=0)
        assert info.n_iter == 20 and not info.converged

    def test_given_centroids(self):
        x = _blobs(seed=7, n=500)
        init = x[:4].copy()
        c, _, _ = minibatch_kmeans(x, 4, init=init, rng=0, max_iter=1)
        assert c.shape == (4, 4)
        assert_array_equal(init, x[:4])  # not written to

    def test_given_centroids_always_finite(self):
        # The steps need finite centres: check_finite=False skips the data only.
        x = _blobs(seed=7, n=100)
        init = x[:3].copy()
        init[1, 0] = np.inf
        with pytest.raises(ValueError, match="init must not contain"):
            minibatch_kmeans(x, 3, init=init, check_finite=False)

    @pytest.mark.parametrize(("kw", "error", "match"), [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"max_iter": 1.5}, TypeError, "max_iter"),
        ({"max_no_improvement": -1}, ValueError, "max_no_improvement"),
        ({"init_size": 2}, ValueError, "init_size=2 is smaller than k=3"),
        ({"reassignment_ratio": -0.1}, ValueError, "reassignment_ratio"),
        ({"init": "bogus"}, ValueError, "init 'bogus'"),
        ({"init": np.zeros((2, 2))}, ValueError, "shape"),
        ({"n_init": 0}, ValueError, "n_init"),
    ])
    def test_bad_arguments(self, kw, error, match):
        with pytest.raises(error, match=match):
            minibatch_kmeans(_blobs(n=100, d=2), 3, **kw)


@pytest.mark.xp_function("minibatch_kmeans")
def test_every_backend(xp_backend):
    x = _blobs(seed=8, n=2000)
    c, lab, info = minibatch_kmeans(x, 5, batch_size=128, rng=4, n_init=2)
    xc, xlab, xinfo = minibatch_kmeans(xp_backend.asarray(x), 5, batch_size=128,
                                       rng=4, n_init=2)
    xp_backend.check(xc, "float64")
    assert_allclose(xp_backend.to_numpy(xc), c, rtol=1e-12)
    assert_array_equal(xp_backend.to_numpy(xlab), lab)
    assert xinfo.inertia == pytest.approx(info.inertia, rel=1e-12)


@pytest.mark.xp_function("minibatch_update")
def test_streaming_every_backend(xp_backend):
    x = _blobs(seed=9, n=800)
    blocks = np.array_split(x, 4)
    ref = MiniBatchState(x[:5], rng=0)
    got = MiniBatchState(xp_backend.asarray(x[:5]), rng=0)
    for block in blocks:
        minibatch_update(ref, block)
        minibatch_update(got, xp_backend.asarray(block))
    assert_allclose(got.centroids, ref.centroids, rtol=1e-12)


def test_one_dimensional_data_is_refused_by_name():
    # Mini-batch k-means takes (n, d) data only; the message names the rank
    # it takes rather than "1-D or 2-D".
    with pytest.raises(ValueError, match="must be a 2-D array, got .* ndim=1"):
        minibatch_kmeans(np.arange(20.0), 2)


def test_tol_stops_on_a_small_centre_shift():
    """``tol`` (scikit-learn's MiniBatchKMeans rule) ends the run early;
    without it and without max_no_improvement every step runs."""
    from kmeanskit.datasets import grid_blobs

    data, _ = grid_blobs(grid_size=2, n_per_blob=100, rng=0)
    *_, full = minibatch_kmeans(data, 4, batch_size=20, max_iter=5,
                                max_no_improvement=None, rng=0)
    *_, early = minibatch_kmeans(data, 4, batch_size=20, max_iter=5,
                                 max_no_improvement=None, tol=1e-2, rng=0)
    assert full.n_iter == 5 * 400 // 20 and not full.converged
    assert early.converged and early.n_iter < full.n_iter
    with pytest.raises(ValueError):
        minibatch_kmeans(data, 4, tol=-1.0)
