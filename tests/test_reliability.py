"""Reliability: extreme magnitudes, interruption, threads, repeated calls.

Regression tests are named after the failure they guard against.
"""

import _thread
import os
import threading
import time

import numpy as np
import pytest

import kmeanskit
from kmeanskit import kmeans, kmeans2, kpp_init, vq, whiten

# Powers of two: scaling by them is exact, so every result must be exactly
# the scaled result of the base data.
EXTREME_SCALES = [2.0 ** 1000, 2.0 ** -1000, 2.0 ** 120, 2.0 ** -120]


def _base(n=300, d=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


@pytest.mark.parametrize("scale", EXTREME_SCALES)
@pytest.mark.parametrize("minit", ["points", "++", "random"])
def test_kmeans2_near_float_limits_equals_scaled_result(scale, minit):
    # SciPy 1.17 crashes the interpreter on normal(size=(200, 2)) * 1e300
    # (squared distances overflow, labels run out of range).  Here the
    # clustering of x * 2**e is that of x, centroids scaled exactly.
    x = _base()
    centroid, label = kmeans2(x * scale, 4, minit=minit, rng=1)
    ref_centroid, ref_label = kmeans2(x, 4, minit=minit, rng=1)
    assert np.isfinite(centroid).all()
    np.testing.assert_array_equal(label, ref_label)
    np.testing.assert_array_equal(centroid, ref_centroid * scale)


@pytest.mark.parametrize("scale", EXTREME_SCALES)
def test_vq_kmeans_kpp_whiten_near_float_limits(scale):
    x = _base(seed=2)
    label, dist = vq(x * scale, x[:5] * scale)
    ref_label, ref_dist = vq(x, x[:5])
    np.testing.assert_array_equal(label, ref_label)
    np.testing.assert_array_equal(dist, ref_dist * scale)
    # kmeans's thresh is absolute: in the data's units.
    book, distortion = kmeans(x * scale, 3, rng=3, thresh=1e-5 * scale)
    ref_book, ref_distortion = kmeans(x, 3, rng=3, thresh=1e-5)
    np.testing.assert_array_equal(book, ref_book * scale)
    assert distortion == ref_distortion * scale
    np.testing.assert_array_equal(kpp_init(x * scale, 4, rng=4),
                                  kpp_init(x, 4, rng=4) * scale)
    np.testing.assert_allclose(whiten(x * scale), whiten(x), rtol=1e-14)


def test_kmeans_terminates_when_distances_overflow():
    # Regression: with distances overflowing to inf the change in distortion
    # was NaN, which never compared <= thresh, and kmeans looped forever.
    # Now data this large is scaled into range, and a NaN change stops the
    # loop as in SciPy (``while diff > thresh``).
    from kmeanskit._backends._engines.compiled import CompiledEngine
    from kmeanskit._core._lloyd import run_lloyd

    x = _base() * 1e300
    with np.errstate(over="ignore", invalid="ignore"):
        outcome = run_lloyd(CompiledEngine(), x, x[:3].copy(), thresh=1e-5,
                            empty="drop")
    assert outcome.n_iter <= 2
    book, distortion = kmeans(x, 3, rng=0)
    assert np.isfinite(book).all() and np.isfinite(distortion)


def test_info_of_overflowing_data_is_honest():
    # The inertia of data near 1e300 is beyond the float range: inf, not a
    # wrapped-around or NaN number; the trace is in the data's units.
    x = _base() * 2.0 ** 1000
    _, _, info = kmeans2(x, 3, minit="++", rng=0, trace=True, return_info=True)
    assert info.inertia == np.inf
    _, _, ref = kmeans2(x / 2.0 ** 1000, 3, minit="++", rng=0, trace=True,
                        return_info=True)
    np.testing.assert_array_equal(info.trace.centroids,
                                  ref.trace.centroids * 2.0 ** 1000)


def test_long_compiled_run_stops_on_ctrl_c_and_leaves_no_damage():
    # The fixed-iteration kernel checks for signals between passes.
    x = _base(n=100_000, d=8, seed=5)
    before = x.copy()
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            kmeans2(x, 16, iter=10_000_000, minit="points", rng=0)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 30
    np.testing.assert_array_equal(x, before)
    # Nothing left half-updated: the next call is the same as a fresh one.
    a = kmeans2(x, 16, iter=3, minit="points", rng=0)
    b = kmeans2(x.copy(), 16, iter=3, minit="points", rng=0)
    np.testing.assert_array_equal(a[0], b[0])


def test_threads_calling_at_once_get_the_serial_answers():
    # The kernels release the GIL and keep no shared state.
    x = _base(n=20_000, d=6, seed=6)
    seeds = list(range(6))
    serial = [kmeans2(x, 8, minit="++", rng=s) for s in seeds]
    results = [None] * len(seeds)

    def work(i):
        results[i] = kmeans2(x, 8, minit="++", rng=seeds[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(seeds))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got, ref in zip(results, serial, strict=True):
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[1], ref[1])


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"),
                    reason="needs /proc/self/statm (Linux)")
def test_no_memory_growth_over_1000_calls():
    # A leak of even 1 KB per call would add 1 MB here; allocator noise
    # stays far below the 4 MB allowed.
    x = _base(n=2000, d=4, seed=7)

    def calls(count):
        for i in range(count):
            kmeans2(x, 5, minit="++", rng=i, return_info=True)
            vq(x, x[:5])
            kpp_init(x, 5, rng=i, n_local_trials=3)

    calls(200)  # warm caches and allocator pools
    before = _rss_bytes()
    calls(1000)
    assert _rss_bytes() - before < 4 * 2 ** 20


def test_interpreter_survives_the_scipy_segfault_case():
    # The exact call the issue quotes, in this process: it must return.
    x = np.random.default_rng(0).normal(size=(200, 2)) * 1e300
    for minit in ("points", "++"):
        centroid, label = kmeans2(x, 3, minit=minit, rng=0)
        assert np.isfinite(centroid).all()
        assert label.min() >= 0 and label.max() < 3
    assert kmeanskit.whiten(x).shape == x.shape
