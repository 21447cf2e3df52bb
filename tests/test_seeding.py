# ruff: noqa: NPY002  (these tests exercise NumPy's legacy global RandomState on purpose)
"""Tests for k-means++ seeding (kpp_init) and the SPEC 7 rng / legacy seed rules."""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.cluster import vq as sp
from scipy.cluster.vq import _kpp as scipy_kpp

from kmeanskit import kmeans, kmeans2, kpp_init

RTOL64, ATOL64 = 1e-12, 1e-12


def _potential(X, centres):
    """Sum over points of the squared distance to the nearest centre."""
    X2 = X.reshape(len(X), -1)
    C2 = np.asarray(centres).reshape(len(centres), -1)
    d2 = ((X2[:, None, :] - C2[None, :, :]) ** 2).sum(-1)
    return d2.min(axis=1).sum()


def _rows_of(X, centres):
    """Index of the data row equal to each centre (-1 if none)."""
    X2 = X.reshape(len(X), -1)
    out = []
    for c in np.asarray(centres).reshape(len(centres), -1):
        hit = np.flatnonzero((X2 == c).all(axis=1))
        out.append(hit[0] if len(hit) else -1)
    return np.array(out)


class TestKppInit:
    @pytest.mark.parametrize("seed", [0, 1, 2, 3])
    @pytest.mark.parametrize("k", [1, 3, 7])
    def test_matches_scipy_kpp(self, blobs4d, k, seed):
        """n_local_trials=1 with the same Generator equals SciPy's _kpp (same draws)."""
        got = kpp_init(blobs4d, k, rng=np.random.default_rng(seed))
        ref = scipy_kpp(blobs4d, k, np.random.default_rng(seed), np)
        assert got.shape == (k, 4)
        assert_array_equal(got, ref)

    def test_consumes_same_draws_as_scipy(self, blobs):
        """After seeding, the Generator is in the same state as after SciPy's _kpp."""
        g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
        kpp_init(blobs, 4, rng=g1)
        scipy_kpp(blobs, 4, g2, np)
        assert g1.random() == g2.random()

    def test_rng_int_is_default_rng(self, blobs):
        """rng=int means np.random.default_rng(int) (SPEC 7)."""
        a = kpp_init(blobs, 5, rng=123)
        b = kpp_init(blobs, 5, rng=np.random.default_rng(123))
        assert_array_equal(a, b)
        assert_array_equal(a, scipy_kpp(blobs, 5, np.random.default_rng(123), np))

    def test_one_dimensional(self, data1d):
        """1-D data gives (k,) centres equal to SciPy's."""
        got = kpp_init(data1d, 3, rng=np.random.default_rng(4))
        ref = scipy_kpp(data1d, 3, np.random.default_rng(4), np)
        assert got.shape == (3,)
        assert_array_equal(got, ref)

    def test_float32_keeps_dtype(self, blobs32):
        """float32 data gives float32 centres (SciPy's _kpp would give float64)."""
        got = kpp_init(blobs32, 4, rng=np.random.default_rng(6))
        ref = scipy_kpp(blobs32, 4, np.random.default_rng(6), np)
        assert got.dtype == np.float32
        assert_array_equal(got, ref.astype(np.float32))

    def test_centres_are_distinct_data_rows(self, blobs4d):
        """Every centre is a data row, and no row is chosen twice."""
        got = kpp_init(blobs4d, 8, rng=0)
        idx = _rows_of(blobs4d, got)
        assert (idx >= 0).all()
        assert len(set(idx.tolist())) == 8

    def test_default_rng_none_is_fresh_entropy(self, uniform2d):
        """The default rng=None is fresh entropy: it ignores np.random.seed."""
        np.random.seed(0)
        a = kpp_init(uniform2d, 6)
        np.random.seed(0)
        b = kpp_init(uniform2d, 6)
        # 6 of 200 points chosen twice identically by chance: probability < 1e-10
        assert not np.array_equal(a, b)

    def test_check_finite_false(self, blobs):
        """check_finite=False is accepted and gives the same result on finite data."""
        a = kpp_init(blobs, 3, rng=5, check_finite=False)
        assert_array_equal(a, kpp_init(blobs, 3, rng=5))


class TestGreedyKpp:
    @pytest.mark.parametrize("trials", [2, 5, "auto"])
    def test_distinct_data_rows(self, grid9, trials):
        """Greedy k-means++ returns k distinct data rows."""
        got = kpp_init(grid9, 9, rng=1, n_local_trials=trials)
        assert got.shape == (9, 2)
        idx = _rows_of(grid9, got)
        assert (idx >= 0).all()
        assert len(set(idx.tolist())) == 9

    @pytest.mark.parametrize("trials", [3, "auto"])
    def test_deterministic_for_seed(self, grid9, trials):
        """Same seed, same centres; a different seed gives different centres."""
        a = kpp_init(grid9, 9, rng=17, n_local_trials=trials)
        b = kpp_init(grid9, 9, rng=17, n_local_trials=trials)
        c = kpp_init(grid9, 9, rng=18, n_local_trials=trials)
        assert_array_equal(a, b)
        assert not np.array_equal(a, c)

    @pytest.mark.parametrize("k", [2, 9, 20])
    def test_auto_is_2_plus_log_k(self, grid9, k):
        """n_local_trials='auto' means 2 + int(log(k)) (scikit-learn's rule)."""
        a = kpp_init(grid9, k, rng=3, n_local_trials="auto")
        b = kpp_init(grid9, k, rng=3, n_local_trials=2 + int(math.log(k)))
        assert_array_equal(a, b)

    def test_lower_potential_than_plain(self, grid9):
        """Over 12 seeds, greedy (auto) seeding has lower mean potential than plain."""
        plain = [_potential(grid9, kpp_init(grid9, 9, rng=s)) for s in range(12)]
        greedy = [
            _potential(grid9, kpp_init(grid9, 9, rng=s, n_local_trials="auto"))
            for s in range(12)
        ]
        assert np.mean(greedy) < np.mean(plain)

    def test_greedy_differs_from_plain(self, grid9):
        """n_local_trials > 1 is a different algorithm than n_local_trials=1."""
        results = [
            np.array_equal(
                kpp_init(grid9, 9, rng=s), kpp_init(grid9, 9, rng=s, n_local_trials=4)
            )
            for s in range(3)
        ]
        assert not all(results)

    @pytest.mark.parametrize("d", [3, 12])
    def test_equals_a_plain_numpy_greedy_step_by_step(self, d):
        """Same draws as a direct NumPy greedy k-means++: at every step the
        candidate with the lowest potential (one batched sweep in kmeanskit;
        GEMM-ranked from d = 12 on) is the one kept."""
        X = np.random.default_rng(11).normal(size=(3000, d))
        k, trials = 6, 4
        got = kpp_init(X, k, rng=np.random.default_rng(5), n_local_trials=trials)

        rng = np.random.default_rng(5)
        chosen = [int(rng.integers(X.shape[0], dtype=np.int64))]
        closest = ((X - X[chosen[0]]) ** 2).sum(axis=1)
        for _ in range(1, k):
            targets = rng.uniform(size=trials) * closest.sum()
            candidates = np.minimum(
                np.searchsorted(np.cumsum(closest), targets), X.shape[0] - 1)
            trial = np.minimum(
                closest, ((X[:, None, :] - X[candidates][None]) ** 2).sum(axis=2).T)
            best = int(np.argmin(trial.sum(axis=1)))
            chosen.append(int(candidates[best]))
            closest = trial[best]
        assert_array_equal(got, X[chosen])

    def test_k_one(self, grid9):
        """k=1 gives one data row for any number of trials."""
        got = kpp_init(grid9, 1, rng=0, n_local_trials=5)
        assert got.shape == (1, 2)
        assert _rows_of(grid9, got)[0] >= 0


# ---------------------------------------------------------------------------
# SPEC 7 rng / legacy seed, shared by kmeans and kmeans2
# ---------------------------------------------------------------------------


def _k2(mod, X, **kw):
    # minit='random' with a single step on unclustered data: the result
    # depends on every draw, so different streams give different results.
    # About 6% of streams leave a cluster empty; that warning is not what
    # these tests are about (and rng=None draws a fresh stream every run).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "One of the clusters is empty", UserWarning)
        return mod.kmeans2(X, 5, iter=1, minit="random", **kw)


def _km(mod, X, **kw):
    # one restart (so only the draws matter, not how restarts are ranked) and
    # a huge thresh, which stops after two Lloyd updates: the result depends
    # on the drawn starting points rather than on a shared optimum
    return mod.kmeans(X, 5, iter=1, thresh=1e9, **kw)


def _same(a, b):
    return np.array_equal(a[0], b[0]) or (
        a[0].shape == b[0].shape and np.allclose(a[0], b[0], rtol=RTOL64, atol=ATOL64)
    )


class _KK:
    kmeans = staticmethod(kmeans)
    kmeans2 = staticmethod(kmeans2)


RUNNERS = pytest.mark.parametrize("run", [_k2, _km], ids=["kmeans2", "kmeans"])


class TestRngSemantics:
    @RUNNERS
    def test_omitted_uses_global_random_state(self, uniform2d, run):
        """No rng/seed: the global RandomState is used; np.random.seed repeats runs."""
        np.random.seed(31)
        a = run(_KK, uniform2d)
        np.random.seed(31)
        b = run(_KK, uniform2d)
        assert _same(a, b)

    @RUNNERS
    def test_omitted_matches_scipy_after_global_seed(self, uniform2d, run):
        """No rng/seed after np.random.seed: SciPy's result and global state after."""
        np.random.seed(5)
        a = run(_KK, uniform2d)
        after_a = np.random.random()
        np.random.seed(5)
        b = run(sp, uniform2d)
        after_b = np.random.random()
        assert _same(a, b)
        assert after_a == after_b

    @RUNNERS
    def test_omitted_advances_global_state(self, uniform2d, run):
        """Drawing from the global RandomState advances it."""
        np.random.seed(5)
        fresh = np.random.random()
        np.random.seed(5)
        run(_KK, uniform2d)
        assert np.random.random() != fresh

    @RUNNERS
    def test_rng_none_is_fresh_entropy(self, uniform2d, run):
        """Explicit rng=None: fresh entropy; the global RandomState is not touched."""
        np.random.seed(5)
        fresh = np.random.random()
        np.random.seed(5)
        a = run(_KK, uniform2d, rng=None)
        assert np.random.random() == fresh
        np.random.seed(5)
        b = run(_KK, uniform2d, rng=None)
        assert not _same(a, b)

    @RUNNERS
    @pytest.mark.parametrize("seed", [0, 7])
    def test_rng_int_is_default_rng(self, uniform2d, run, seed):
        """rng=int means np.random.default_rng(int): equals a Generator and SciPy."""
        a = run(_KK, uniform2d, rng=seed)
        b = run(_KK, uniform2d, rng=np.random.default_rng(seed))
        c = run(sp, uniform2d, rng=seed)
        assert _same(a, b)
        assert _same(a, c)

    @RUNNERS
    def test_rng_random_state_instance(self, uniform2d, run):
        """rng=RandomState goes through np.random.default_rng, as in SciPy."""
        a = run(_KK, uniform2d, rng=np.random.RandomState(3))
        b = run(sp, uniform2d, rng=np.random.RandomState(3))
        assert _same(a, b)

    @RUNNERS
    def test_rng_int_does_not_touch_global_state(self, uniform2d, run):
        """rng=int leaves NumPy's global RandomState alone."""
        np.random.seed(5)
        fresh = np.random.random()
        np.random.seed(5)
        run(_KK, uniform2d, rng=3)
        assert np.random.random() == fresh

    @RUNNERS
    def test_generator_is_used_in_place(self, uniform2d, run):
        """A passed Generator is advanced exactly as SciPy advances it."""
        g1, g2 = np.random.default_rng(4), np.random.default_rng(4)
        run(_KK, uniform2d, rng=g1)
        run(sp, uniform2d, rng=g2)
        assert g1.random() == g2.random()

    @RUNNERS
    @pytest.mark.parametrize("seed", [0, 7])
    def test_seed_int_is_random_state(self, uniform2d, run, seed):
        """Legacy seed=int is RandomState(int): equals SciPy, differs from rng=int."""
        a = run(_KK, uniform2d, seed=seed)
        b = run(sp, uniform2d, seed=seed)
        c = run(_KK, uniform2d, seed=np.random.RandomState(seed))
        d = run(_KK, uniform2d, rng=seed)
        assert _same(a, b)
        assert _same(a, c)
        assert not _same(a, d)

    @RUNNERS
    def test_seed_none_is_global_state(self, uniform2d, run):
        """Legacy seed=None uses the global RandomState (SciPy's check_random_state)."""
        np.random.seed(12)
        a = run(_KK, uniform2d, seed=None)
        np.random.seed(12)
        b = run(_KK, uniform2d)
        assert _same(a, b)

    @RUNNERS
    def test_seed_generator_accepted(self, uniform2d, run):
        """Legacy seed= also accepts a Generator, used as is."""
        a = run(_KK, uniform2d, seed=np.random.default_rng(2))
        b = run(sp, uniform2d, seed=np.random.default_rng(2))
        assert _same(a, b)

    @RUNNERS
    @pytest.mark.parametrize("rng, seed", [(None, None), (1, None), (None, 1), (1, 1)])
    def test_rng_and_seed_together_is_type_error(self, uniform2d, run, rng, seed):
        """Giving both rng and seed (even both None) is a TypeError naming them."""
        with pytest.raises(TypeError, match="rng|seed"):
            run(_KK, uniform2d, rng=rng, seed=seed)

    @RUNNERS
    @pytest.mark.parametrize("bad", ["abc", 1.5])
    def test_bad_seed_is_value_error(self, uniform2d, run, bad):
        """A seed that cannot seed a RandomState is a ValueError."""
        with pytest.raises(ValueError, match="seed|abc|1.5"):
            run(_KK, uniform2d, seed=bad)
