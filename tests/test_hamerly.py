"""Hamerly's bounded pass gives exactly the direct Lloyd kernel's assignments."""

import numpy as np
import pytest

import kmeanskit
from kmeanskit._engines.compiled import CompiledEngine
from kmeanskit._lloyd import run_lloyd


def _mixture(n, d, k, spread, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-spread, spread, size=(k, d))
    return centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d, k, spread", [(2, 9, 8.0), (5, 12, 2.0), (20, 7, 1.0), (3, 1, 1.0)])
@pytest.mark.parametrize("weighted", [False, True])
def test_bounded_pass_equals_direct_lloyd_every_iteration(dtype, d, k, spread, weighted):
    # Pass by pass: labels, sums, counts and inertia are bit-identical to the
    # direct kernel fed the same centres, while bounds are carried along.
    x = _mixture(3000, d, k, spread).astype(dtype)
    w = np.random.default_rng(1).uniform(0.5, 2, size=3000) if weighted else None
    engine = CompiledEngine(method="direct")
    state = engine.start_bounds(x)
    centres = x[:k].copy()
    scans = []
    for _ in range(8):
        ref = engine.lloyd_pass(x, centres, w, return_labels=True)
        got = engine.bounded_pass(x, centres, state, w, return_labels=True)
        np.testing.assert_array_equal(got.labels, ref.labels)
        np.testing.assert_array_equal(got.counts, ref.counts)
        np.testing.assert_array_equal(got.sums, ref.sums)
        assert got.inertia == ref.inertia
        scans.append(state.n_scans)
        nonempty = ref.counts > 0
        centres = centres.copy()
        centres[nonempty] = (ref.sums[nonempty] / ref.counts[nonempty, None]).astype(dtype)
    assert scans[0] == 3000  # the first pass has no bounds yet
    if k > 1 and spread >= 8:
        # Well separated clusters: later passes skip most full scans.
        assert scans[-1] < 0.2 * 3000


def test_run_lloyd_hamerly_matches_lloyd_with_dropped_clusters():
    # kmeans drops empty clusters; the bounds are reset and results still agree.
    x = _mixture(2000, 2, 4, 6.0, seed=3)
    guess = np.vstack([x[:4], [[1e3, 1e3]]])  # the far centre attracts nothing
    engine = CompiledEngine(method="direct")
    a = run_lloyd(engine, x, guess, thresh=1e-5, empty="drop", algorithm="lloyd")
    b = run_lloyd(engine, x, guess, thresh=1e-5, empty="drop", algorithm="hamerly")
    assert a.centroids.shape == (4, 2)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    assert a.n_iter == b.n_iter


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_public_algorithm_keyword_same_answer(dtype):
    # kmeans2 / kmeans with algorithm='hamerly' return what 'lloyd' returns.
    x = _mixture(5000, 3, 6, 5.0, seed=4).astype(dtype)
    c1, l1 = kmeanskit.kmeans2(x, 6, minit="++", rng=0)
    c2, l2 = kmeanskit.kmeans2(x, 6, minit="++", rng=0, algorithm="hamerly")
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(l1, l2)
    b1, d1 = kmeanskit.kmeans(x, 6, iter=3, rng=0)
    b2, d2 = kmeanskit.kmeans(x, 6, iter=3, rng=0, algorithm="hamerly")
    np.testing.assert_array_equal(b1, b2)
    assert d1 == d2


def test_unknown_algorithm_rejected():
    # The message names the argument and the accepted values.
    x = _mixture(50, 2, 2, 1.0)
    with pytest.raises(ValueError, match="algorithm.*'lloyd'"):
        kmeanskit.kmeans2(x, 2, minit="points", rng=0, algorithm="elkan")
    with pytest.raises(ValueError, match="algorithm"):
        kmeanskit.kmeans(x, 2, rng=0, algorithm=None)
