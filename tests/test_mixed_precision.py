"""Certified mixed precision: float64 data through float32 tiles gives the
float64 kernels' labels and distances bit for bit, on adversarial data too.

Each case compares the mixed method with the plain float64 method on the
same arrays (``assign``, ``lloyd_pass``, ``lloyd_iterations``) and, through
``mixed_tally``, checks which tiers settled the rows: a case built to need
the float64 tiers must reach them, or it would test nothing.
"""

import numpy as np
import pytest

from kmeanskit._backends._engines.compiled import (
    CompiledEngine,
    choose_method,
    mixed_method,
    pays_mixed,
)
from kmeanskit._ext import _kernels as K

PAIRS = [(K.GEMM, K.GEMM), (K.DOT, K.DOT), (K.GEMM, K.DOT), (K.DOT, K.GEMM)]


def _assign(x, c, method, threads=2):
    labels = np.empty(x.shape[0], dtype=np.int32)
    sqdist = np.empty(x.shape[0], dtype=x.dtype)
    K.assign(x, c, labels, sqdist, method, threads)
    return labels, sqdist


def _lloyd(x, c, method, threads=2, weights=None):
    k, d = c.shape
    sums, counts = np.empty((k, d)), np.empty(k)
    labels = np.empty(x.shape[0], dtype=np.int32)
    stats = K.lloyd_pass(x, c, weights, sums, counts, labels, method, threads)
    return labels, sums, counts, stats


def _same_as_float64(x, c, pair, threads=2):
    """Assert the mixed method reproduces the float64 one; the tally of the
    mixed ``assign`` (rows settled by tiers 1, 2, 3)."""
    plain, mixed = pair[0], K.mixed(*pair)
    lab64, sq64 = _assign(x, c, plain, threads)
    lab, sq = _assign(x, c, mixed, threads)
    tally = K.mixed_tally()
    np.testing.assert_array_equal(lab, lab64)
    np.testing.assert_array_equal(sq, sq64)
    for got, want in zip(_lloyd(x, c, mixed, threads), _lloyd(x, c, plain, threads),
                         strict=True):
        np.testing.assert_array_equal(got, want)
    return tally


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize(("n", "d", "k"), [(1, 16, 16), (255, 24, 40), (257, 64, 64),
                                           (3000, 96, 128), (5000, 33, 300)])
def test_random_data_mostly_certified_in_float32(n, d, k, pair):
    rng = np.random.default_rng(n + d + k)
    x = rng.normal(size=(n, d))
    c = x[rng.integers(0, n, k)] + rng.normal(scale=0.1, size=(k, d))
    tally = _same_as_float64(x, c, pair)
    assert sum(tally) == n
    assert tally[0] >= 0.95 * n, tally


@pytest.mark.parametrize("pair", PAIRS)
def test_exact_ties_recompute_their_chunk(pair):
    # Midpoints of two centres (exactly representable): every method sees a
    # tie, broken by its own rounding; only tier 3 can reproduce that.
    rng = np.random.default_rng(1)
    c = rng.integers(-8, 8, size=(32, 40)).astype(np.float64)
    x = rng.normal(size=(2000, 40))
    x[::97] = (c[3] + c[17]) / 2
    tally = _same_as_float64(x, c, pair)
    assert tally[2] >= 256, tally  # at least one chunk recomputed


@pytest.mark.parametrize("pair", PAIRS)
def test_near_ties_below_float32_resolution_settle_in_float64(pair):
    # Rows a relative 1e-9 from the bisector of two centres: float32 cannot
    # tell the sides apart (it gets some of them wrong), float64 can.
    rng = np.random.default_rng(2)
    d, k = 48, 24
    c = rng.normal(size=(k, d))
    x = rng.normal(size=(3000, d))
    mid, axis = (c[5] + c[9]) / 2, c[9] - c[5]
    side = rng.choice([-1.0, 1.0], size=300)
    x[::10] = mid + (side * 1e-9)[:, None] * axis
    tally = _same_as_float64(x, c, pair)
    assert tally[1] >= 300, tally
    labels, _ = _assign(x, c, K.mixed(*pair))
    np.testing.assert_array_equal(labels[::10], np.where(side > 0, 9, 5))
    wrong_in_float32 = _assign(x.astype(np.float32), c.astype(np.float32), pair[1])[0]
    assert np.any(wrong_in_float32[::10] != labels[::10])


@pytest.mark.parametrize("offset", [1e3, 1e6, 1e12])
@pytest.mark.parametrize("pair", PAIRS[:2])
def test_far_from_the_origin(offset, pair):
    # The shift by the centres' mean keeps float32 useful however far the
    # data sit from the origin (the float64 bound grows with |x| |c|).
    rng = np.random.default_rng(3)
    x = offset + rng.normal(size=(2000, 32))
    c = offset + rng.normal(size=(64, 32))
    tally = _same_as_float64(x, c, pair)
    if offset <= 1e3:
        assert tally[0] >= 0.9 * x.shape[0], tally
    else:
        # At 1e6 the float64 identity itself loses most digits of the
        # distances (|x| |c| ~ 3e13 against gaps ~ 1): no row can be
        # certified against it, every chunk is recomputed as it runs.
        assert tally[2] == x.shape[0], tally


@pytest.mark.parametrize("scale", [1e-42, 1e-30, 1e-20, 1e15, 1e18, 1e30, 1e36, 1e200])
@pytest.mark.parametrize("pair", PAIRS[:2])
def test_near_and_beyond_the_float32_range(scale, pair):
    # Subnormal in float32, tiny, large, overflowing float32's products or
    # its range: the certified rows stay right, the rest fall back.
    rng = np.random.default_rng(4)
    x = scale * rng.normal(size=(1500, 20))
    c = scale * rng.normal(size=(40, 20))
    tally = _same_as_float64(x, c, pair)
    if scale >= 1e30:
        assert tally[0] == 0, tally  # beyond float32's reach: nothing certified


@pytest.mark.parametrize("pair", PAIRS[:2])
def test_non_finite_rows_and_centres_fall_back(pair):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1000, 20))
    c = rng.normal(size=(30, 20))
    x[7, 3], x[300, 0], x[301, 5] = np.nan, np.inf, -np.inf
    tally = _same_as_float64(x, c, pair)
    # Rows 7, 300 and 301 send their chunks (rows 0-511) to tier 3.
    assert tally == (1000 - 512, 0, 512), tally
    c[4, 2] = np.nan  # no float32 centres at all: the plain float64 pass
    _same_as_float64(x, c, pair)
    assert K.mixed_tally() == (0, 0, 0)


def test_threads_do_not_change_the_results():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(20000, 40))
    c = rng.normal(size=(80, 40))
    x[::50] = (c[1] + c[2]) / 2
    mixed = K.mixed(K.DOT, K.GEMM)
    one, two = _lloyd(x, c, mixed, threads=1), _lloyd(x, c, mixed, threads=2)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)


def test_lloyd_iterations_and_weights_match():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4000, 64))
    c0 = x[:100].copy()
    w = rng.uniform(0.5, 2.0, size=4000)
    results = []
    for mixed in (False, True):
        engine = CompiledEngine(mixed=mixed)
        results.append(engine.lloyd_iterations(x, c0, 5, w, return_labels=True))
    (c_plain, r_plain, e_plain), (c_mixed, r_mixed, e_mixed) = results
    np.testing.assert_array_equal(c_mixed, c_plain)
    np.testing.assert_array_equal(r_mixed.labels, r_plain.labels)
    np.testing.assert_array_equal(r_mixed.sums, r_plain.sums)
    assert (r_mixed.inertia, e_mixed) == (r_plain.inertia, e_plain)
    assert sum(K.mixed_tally()) == 5 * 4000


def test_float32_data_ignore_the_mixed_bits():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(500, 32)).astype(np.float32)
    c = rng.normal(size=(20, 32)).astype(np.float32)
    np.testing.assert_array_equal(_assign(x, c, K.mixed(K.GEMM, K.DOT))[0],
                                  _assign(x, c, K.GEMM)[0])


def test_the_rule_and_invalid_methods():
    assert not pays_mixed(4, 256) and not pays_mixed(32, 8) and pays_mixed(64, 64)
    assert mixed_method(64, 256, np.float32) == choose_method(64, 256, np.float32)
    assert mixed_method(2, 256, np.float64) == K.DIRECT
    assert K.uses_blas(mixed_method(256, 256, np.float64))
    with pytest.raises(ValueError, match="mixed-precision method"):
        K.mixed(K.DIRECT, K.GEMM)
    with pytest.raises(ValueError, match="mixed-precision method"):
        K.mixed(K.GEMM, K.DIRECT)


@pytest.mark.parametrize("pair", PAIRS[:2])
def test_hamerly_passes_match(pair):
    # The scanned rows go through the mixed tiers; the bounds from float32
    # are valid (slightly looser) lower bounds, so the labels, sums and
    # inertia of every pass are the float64 method's.
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.normal(loc=4 * i, size=(700, 24)) for i in range(6)])
    x[::37] = (x[1] + x[2]) / 2
    runs = []
    for engine in (CompiledEngine(mixed=False), CompiledEngine(mixed=True)):
        state, c, passes = engine.start_bounds(x), x[::100][:30].copy(), []
        for step in range(6):
            result = engine.bounded_pass(x, c, state, return_labels=True)
            if step == 0:
                tally = K.mixed_tally()  # the first pass scans every row
            passes.append(result)
            c = result.sums / np.maximum(result.counts, 1)[:, None]
        runs.append(passes)
    assert tally[0] > 0.9 * x.shape[0] and tally[1] + tally[2] > 0, tally
    for plain, mixed in zip(*runs, strict=True):
        np.testing.assert_array_equal(mixed.labels, plain.labels)
        np.testing.assert_array_equal(mixed.sums, plain.sums)
        assert mixed.inertia == plain.inertia
