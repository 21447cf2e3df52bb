"""k-medoids (FasterPAM, alternating, CLARA) against brute force.

References: exhaustive search over all k-subsets (the true optimum) on
small problems; a brute-force scan of all k (M - k) single swaps (FasterPAM
must stop where none improves); the alternating method's fixed-point
conditions checked directly; the repeated-data identity for weights;
SciPy's ``cdist`` for the dissimilarities.

Tolerances: total deviations of the same medoids summed in another order
agree to rtol 1e-12 (float64 rounding); FasterPAM declines swaps that gain
less than a relative 1e-12, so "no improving swap" is checked at 1e-10.
"""

import doctest
import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import cdist

import kmeanskit._api._medoids as medoids_module
from kmeanskit import kmedoids

RTOL = 1e-12


def _deviation(d, medoids, w=None):
    w = np.ones(d.shape[0]) if w is None else w
    return float(w @ d[:, medoids].min(axis=1))


def _blobs(seed, n=300, k=6, d=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(k, d))
    return centres[rng.integers(0, k, n)] + rng.normal(size=(n, d))


def _small(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(7, 11)), int(rng.integers(2, 4))
    x = rng.normal(size=(n, 2))
    return x, k, rng.integers(1, 4, size=n).astype(float)


def test_docstring_examples():
    with np.printoptions(legacy=False):
        failures, attempted = doctest.testmod(
            medoids_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failures == 0


@pytest.mark.parametrize("seed", range(12))
def test_fasterpam_reaches_the_exhaustive_optimum(seed):
    # PAM's swap search is a local search: one start can stop in a local
    # optimum (a few percent of these tiny random problems), so the best of
    # eight starts is compared with the optimum over all k-subsets.
    x, k, w = _small(seed)
    d = cdist(x, x)
    optimum = min(_deviation(d, list(c), w)
                  for c in itertools.combinations(range(len(x)), k))
    found = min(kmedoids(d, k, metric="precomputed", init="points", rng=r,
                         weights=w)[2].inertia for r in range(8))
    assert found == pytest.approx(optimum, rel=RTOL)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("init", ["++", "build", "points"])
def test_fasterpam_stops_where_no_swap_improves(seed, init):
    x, k, w = _small(100 + seed)
    d = cdist(x, x)
    medoids, label, info = kmedoids(x, k, init=init, rng=seed, weights=w)
    assert info.converged
    assert info.inertia == pytest.approx(_deviation(d, medoids, w), rel=RTOL)
    assert_array_equal(label, np.argmin(d[:, medoids], axis=1))
    for slot, candidate in itertools.product(range(k), range(len(x))):
        if candidate in medoids:
            continue
        swapped = medoids.copy()
        swapped[slot] = candidate
        assert _deviation(d, swapped, w) >= info.inertia * (1 - 1e-10)


@pytest.mark.parametrize("method", ["fasterpam", "alternate"])
def test_one_medoid_is_exact(method):
    x = _blobs(1, n=50)
    d = cdist(x, x, "cityblock")
    medoids, label, info = kmedoids(x, 1, metric="cityblock", method=method)
    assert medoids.tolist() == [int(np.argmin(d.sum(axis=1)))]
    assert_array_equal(label, np.zeros(50, dtype=np.int32))


@pytest.mark.parametrize("seed", range(4))
def test_alternate_stops_at_its_fixed_point(seed):
    x = _blobs(seed, n=120, k=4)
    d = cdist(x, x)
    medoids, label, info = kmedoids(d, 4, metric="precomputed",
                                    method="alternate", rng=seed)
    assert info.converged
    assert_array_equal(label, np.argmin(d[:, medoids], axis=1))
    for j, m in enumerate(medoids):
        members = np.flatnonzero(label == j)
        costs = d[np.ix_(members, members)].sum(axis=1)
        assert d[m, members].sum() == pytest.approx(costs.min(), rel=RTOL)


@pytest.mark.parametrize("seed", range(3))
def test_fasterpam_beats_alternate(seed):
    x = _blobs(10 + seed, n=400, k=8)
    d = cdist(x, x)
    alt, _, alt_info = kmedoids(d, 8, metric="precomputed", method="alternate",
                                rng=seed)
    # From the same start (same rng): an empirical comparison.
    _, _, fp_info = kmedoids(d, 8, metric="precomputed", rng=seed)
    assert fp_info.inertia <= alt_info.inertia
    # From the alternating method's result: FasterPAM only makes swaps that
    # lower the total deviation, so it can only do better.
    _, _, polished = kmedoids(d, 8, metric="precomputed", init=alt)
    assert polished.inertia <= alt_info.inertia


@pytest.mark.parametrize("method", ["fasterpam", "alternate"])
def test_integer_weights_are_repeated_rows(method):
    x = _blobs(5, n=90, k=4)
    w = np.random.default_rng(5).integers(0, 4, size=90)
    m, label, info = kmedoids(x, 4, method=method, init="build", weights=w)
    rm, rlabel, rinfo = kmedoids(np.repeat(x, w, axis=0), 4, method=method,
                                 init="build")
    assert_array_equal(x[m], np.repeat(x, w, axis=0)[rm])
    assert info.inertia == pytest.approx(rinfo.inertia, rel=RTOL)
    assert_array_equal(np.repeat(label, w), rlabel)
    assert (w[m] > 0).all()


def test_metric_matches_precomputed_matrix():
    x = _blobs(6, n=150)
    for metric in ("euclidean", "cityblock", "cosine"):
        m, label, info = kmedoids(x, 5, metric=metric, rng=3)
        pm, plabel, pinfo = kmedoids(cdist(x, x, metric), 5,
                                     metric="precomputed", rng=3)
        assert_array_equal(m, pm)
        assert_array_equal(label, plabel)
        assert info.inertia == pytest.approx(pinfo.inertia, rel=RTOL)
        assert info.metric == metric


def test_float32_data():
    x = _blobs(7, n=200)
    m64, _, info64 = kmedoids(x, 5, rng=1, init="build")
    m32, _, info32 = kmedoids(x.astype(np.float32), 5, rng=1, init="build")
    assert_array_equal(m32, m64)
    # float32 dissimilarities: about 1e-7 relative each.
    assert info32.inertia == pytest.approx(info64.inertia, rel=1e-5)


class TestClara:
    def test_samples(self):
        x = _blobs(8, n=2000, k=5)
        m, label, info = kmedoids(x, 5, sample_size=200, n_samples=4, rng=0)
        assert len(info.inertias_per_start) == 4
        assert info.inertia == min(info.inertias_per_start)
        assert info.inertias_per_start[info.best_start] == info.inertia
        d = cdist(x, x[m])
        assert_array_equal(label, np.argmin(d, axis=1))
        assert info.inertia == pytest.approx(d.min(axis=1).sum(), rel=RTOL)
        # Close to a fit on all the data (5 well-separated blobs).
        _, _, full = kmedoids(x, 5, rng=0)
        assert info.inertia <= 1.05 * full.inertia

    def test_large_data_switches_to_clara(self, monkeypatch):
        monkeypatch.setattr(medoids_module, "FULL_MATRIX_MAX_ROWS", 500)
        x = _blobs(9, n=600, k=3)
        _, _, info = kmedoids(x, 3, rng=0)
        assert len(info.inertias_per_start) == 5

    def test_weighted_rows_of_zero_weight_never_medoids(self):
        x = _blobs(10, n=500, k=3)
        w = np.ones(500)
        w[::2] = 0.0
        m, _, info = kmedoids(x, 3, sample_size=60, rng=1, weights=w)
        assert (w[m] > 0).all()
        assert info.inertia == pytest.approx(
            float(w @ cdist(x, x[m]).min(axis=1)), rel=RTOL)


def test_inputs_not_mutated():
    x = _blobs(11, n=60)
    d = cdist(x, x)
    w = np.arange(60, dtype=float) % 3 + 1
    init = np.array([0, 1, 2])
    copies = [a.copy() for a in (x, d, w, init)]
    kmedoids(x, 3, weights=w, init=init)
    kmedoids(d, 3, metric="precomputed", weights=w, init=init)
    for a, b in zip((x, d, w, init), copies, strict=True):
        assert_array_equal(a, b)


class TestBadInput:
    x = _blobs(12, n=20)

    @pytest.mark.parametrize("kw, error, match", [
        ({"metric": "manhattan"}, ValueError, "metric 'manhattan'"),
        ({"method": "pam"}, ValueError, "method 'pam'"),
        ({"init": "kmeans"}, ValueError, "init 'kmeans'"),
        ({"init": [0, 1]}, ValueError, "3 row indices"),
        ({"init": [0, 1, 20]}, ValueError, r"\[0, 20\)"),
        ({"init": [0, 1, 1]}, ValueError, "distinct"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"sample_size": 3}, ValueError, "sample_size"),
        ({"sample_size": 10, "init": [0, 1, 2]}, ValueError, "CLARA"),
        ({"weights": -np.ones(20)}, ValueError, "weights must be >= 0"),
        ({"weights": np.ones(5)}, ValueError, "one weight per observation"),
    ])
    def test_options(self, kw, error, match):
        with pytest.raises(error, match=match):
            kmedoids(self.x, 3, **kw)

    def test_k(self):
        with pytest.raises(ValueError, match="k=21"):
            kmedoids(self.x, 21)
        with pytest.raises(ValueError, match="at least 1"):
            kmedoids(self.x, 0)

    def test_nan(self):
        x = self.x.copy()
        x[3, 1] = np.nan
        with pytest.raises(ValueError, match="data must not contain"):
            kmedoids(x, 3)

    def test_zero_row_with_cosine(self):
        x = self.x.copy()
        x[4] = 0.0
        with pytest.raises(ValueError, match="cosine"):
            kmedoids(x, 3, metric="cosine")

    def test_precomputed_matrix(self):
        d = cdist(self.x, self.x)
        with pytest.raises(ValueError, match="square"):
            kmedoids(d[:, :5], 3, metric="precomputed")
        bad = d.copy()
        bad[2, 7] += 1.0
        with pytest.raises(ValueError, match=r"symmetric: \[2, 7\]"):
            kmedoids(bad, 3, metric="precomputed")
        bad = d.copy()
        bad[4, 6] = bad[6, 4] = -1.0
        with pytest.raises(ValueError, match=r">= 0, got -1.0 at \[4, 6\]"):
            kmedoids(bad, 3, metric="precomputed")


@pytest.mark.xp_function("kmedoids")
def test_every_backend(xp_backend):
    x = _blobs(13, n=120)
    w = np.random.default_rng(0).integers(1, 3, size=120).astype(float)
    m, label, info = kmedoids(x, 4, rng=2, weights=w)
    xm, xlabel, xinfo = kmedoids(xp_backend.asarray(x), 4, rng=2,
                                 weights=xp_backend.asarray(w))
    xp_backend.check(xm, "int64")
    xp_backend.check(xlabel, "int32")
    assert_array_equal(xp_backend.to_numpy(xm), m)
    assert_array_equal(xp_backend.to_numpy(xlabel), label)
    assert xinfo.inertia == pytest.approx(info.inertia, rel=RTOL)
    assert_allclose(info.inertia, _deviation(cdist(x, x), m, w), rtol=RTOL)
