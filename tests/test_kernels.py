"""The compiled engine's primitives against plain NumPy references."""

import numpy as np
import pytest

from kmeanskit._backends._engines.compiled import CompiledEngine

DTYPES = [np.float32, np.float64]
METHODS = ["direct", "dot", "gemm"]
# Sizes straddling the kernels' 256-row chunks and their block partition.
SIZES = [1, 255, 256, 257, 1000, 9000]


def _data(n, d, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(k, d)).astype(dtype)


def _reference_sqdist(x, c):
    x64, c64 = x.astype(np.float64), c.astype(np.float64)
    return ((x64[:, None, :] - c64[None, :, :]) ** 2).sum(axis=2)


def _tolerance(dtype):
    # float32 distances are summed in float32: a few ulps of the magnitude.
    return {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("d", [1, 3, 40])
def test_assign_matches_brute_force(n, d, dtype, method):
    # Labels are the argmin of the full distance matrix; distances match it.
    x, c = _data(n, d, 7, dtype)
    labels, sqdist = CompiledEngine(method=method).assign(x, c)
    full = _reference_sqdist(x, c)
    assert labels.dtype == np.int32 and sqdist.dtype == dtype
    np.testing.assert_array_equal(labels, full.argmin(axis=1))
    np.testing.assert_allclose(sqdist, full.min(axis=1), **_tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 31, 33, 63, 65, 100, 257])
@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 6])
def test_direct_distances_are_feature_order_sums(n, d, dtype):
    # The direct kernel works on blocks of 64 (float32) or 32 (float64) rows,
    # with d = 1..4 specialised: whatever the block and its padding, each
    # distance is the sum over features in order 0..d-1 in the data dtype,
    # bit for bit, and the label is the first index of the smallest one.
    x, c = _data(n, d, 11, dtype, seed=d)
    labels, sqdist = CompiledEngine(method="direct").assign(x, c)
    full = np.zeros((n, c.shape[0]), dtype=dtype)
    for t in range(d):
        full = full + (x[:, None, t] - c[None, :, t]) ** 2
    np.testing.assert_array_equal(labels, full.argmin(axis=1))
    np.testing.assert_array_equal(sqdist, full.min(axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rows_with_nan_distances_get_label_zero(dtype):
    # SciPy's vq gives such a row label 0 and an infinite distance; the
    # blocked direct kernel keeps that, and the other rows are unaffected.
    x, c = _data(70, 3, 4, dtype)
    x[[0, 40, 69], 1] = np.nan
    labels, sqdist = CompiledEngine(method="direct").assign(x, c)
    assert (labels[[0, 40, 69]] == 0).all() and np.isinf(sqdist[[0, 40, 69]]).all()
    fine = np.isfinite(x).all(axis=1)
    np.testing.assert_array_equal(
        labels[fine], _reference_sqdist(x[fine], c).argmin(axis=1))


@pytest.mark.parametrize("method", METHODS)
def test_assign_ties_go_to_lowest_index(method):
    # Two identical centres: every point picks the first of them.
    x = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]])
    c = np.array([[3.0, 3.0], [1.0, 1.0], [1.0, 1.0]])
    labels, _ = CompiledEngine(method=method).assign(x, c)
    np.testing.assert_array_equal(labels, [1, 1, 0])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("weighted", [False, True])
def test_lloyd_pass_matches_reference(n, dtype, weighted, method):
    # Sums, counts and inertia equal a NumPy computation from the argmin labels.
    x, c = _data(n, 4, 5, dtype, seed=1)
    w = np.random.default_rng(2).uniform(0.5, 2.0, size=n) if weighted else None
    result = CompiledEngine(method=method).lloyd_pass(x, c, w, return_labels=True)
    full = _reference_sqdist(x, c)
    labels = full.argmin(axis=1)
    weights = np.ones(n) if w is None else w
    np.testing.assert_array_equal(result.labels, labels)
    expected_counts = np.bincount(labels, weights=weights, minlength=5)
    np.testing.assert_allclose(result.counts, expected_counts, rtol=1e-12)
    expected_sums = np.zeros((5, 4))
    np.add.at(expected_sums, labels, weights[:, None] * x.astype(np.float64))
    np.testing.assert_allclose(result.sums, expected_sums, rtol=1e-10, atol=1e-10)
    best = full.min(axis=1)
    np.testing.assert_allclose(result.inertia, np.sum(weights * best),
                               **_tolerance(dtype))
    np.testing.assert_allclose(result.distance_sum, np.sum(weights * np.sqrt(best)),
                               **_tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("d, k", [(1, 3), (2, 9), (3, 4), (4, 25), (6, 7),
                                  (8, 40), (2, 200)])
def test_cluster_sums_of_sorted_rows(d, k, weighted, dtype):
    # Rows sorted by cluster, as in data generated cluster by cluster: the
    # accumulation spreads consecutive rows over interleaved copies of small
    # sums (k * (d + 1) <= 128 doubles, with d = 1..4 specialised) and adds
    # large ones directly; both equal NumPy's sums, and a row count that is
    # not a multiple of the copies leaves none out.
    rng = np.random.default_rng(d * 1000 + k)
    c = rng.normal(scale=20.0, size=(k, d)).astype(dtype)
    sizes = rng.integers(0, 40, size=k)
    x = np.concatenate([c[j] + rng.normal(size=(s, d)) for j, s in enumerate(sizes)])
    x = np.ascontiguousarray(x[:x.shape[0] - 3], dtype=dtype)
    n = x.shape[0]
    w = rng.uniform(0.5, 2.0, size=n) if weighted else None
    result = CompiledEngine(method="direct").lloyd_pass(x, c, w, return_labels=True)
    labels = _reference_sqdist(x, c).argmin(axis=1)
    np.testing.assert_array_equal(result.labels, labels)
    weights = np.ones(n) if w is None else w
    np.testing.assert_allclose(
        result.counts, np.bincount(labels, weights=weights, minlength=k), rtol=1e-13)
    expected = np.zeros((k, d))
    np.add.at(expected, labels, weights[:, None] * x.astype(np.float64))
    np.testing.assert_allclose(result.sums, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_lloyd_pass_does_not_depend_on_thread_count(dtype, method):
    # Fixed row blocks reduced in a fixed order: bit-identical for 1, 2, 3 threads.
    x, c = _data(20000, 6, 8, dtype, seed=3)
    results = [CompiledEngine(n_threads=t, method=method).lloyd_pass(x, c)
               for t in (1, 2, 3)]
    for other in results[1:]:
        np.testing.assert_array_equal(other.sums, results[0].sums)
        np.testing.assert_array_equal(other.counts, results[0].counts)
        assert other.inertia == results[0].inertia
        assert other.distance_sum == results[0].distance_sum


def test_lloyd_pass_without_labels_returns_none():
    # Labels are only materialised on request.
    x, c = _data(100, 2, 3, np.float64)
    assert CompiledEngine().lloyd_pass(x, c).labels is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_min_sqdist_is_float64_running_minimum(dtype):
    # Distances in float64 by direct differences; `current` is only ever lowered.
    x, c = _data(700, 3, 4, dtype, seed=4)
    engine = CompiledEngine()
    fresh = engine.min_sqdist(x, c)
    assert fresh.dtype == np.float64
    np.testing.assert_allclose(fresh, _reference_sqdist(x, c).min(axis=1), rtol=1e-14)
    running = engine.min_sqdist(x, c[:1])
    for j in range(1, 4):
        running = engine.min_sqdist(x, c[j:j + 1], running)
    np.testing.assert_array_equal(running, fresh)


def _sequential_sqdist(x, c):
    """Float64 squared distances summed feature by feature in order, the
    arithmetic SciPy's k-means++ draws are made from."""
    x64, c64 = x.astype(np.float64), c.astype(np.float64)
    total = np.zeros((x.shape[0], c.shape[0]))
    for t in range(x.shape[1]):
        total = total + (x64[:, t, None] - c64[None, :, t]) ** 2
    return total


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("d", [1, 3, 9, 300])
def test_min_sqdist_is_bit_exact_in_feature_order(n, d, dtype):
    # Vectorised over groups of rows (with a ragged last group), each sum is
    # still the in-order float64 sum: bit-identical to the sequential loop.
    x, c = _data(n, d, 3, dtype, seed=5)
    got = CompiledEngine().min_sqdist(x, c)
    np.testing.assert_array_equal(got, _sequential_sqdist(x, c).min(axis=1))


def _reference_potentials(x, candidates, current, weights):
    capped = np.minimum(current[:, None], _reference_sqdist(x, candidates))
    return (capped if weights is None else weights[:, None] * capped).sum(axis=0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("weighted", [False, True])
def test_candidate_potentials_match_reference(n, dtype, weighted, method):
    # sum_i w_i min(current_i, |x_i - c_j|^2) for each candidate, in one sweep.
    x, c = _data(n, 12, 6, dtype, seed=6)
    engine = CompiledEngine(method=method)
    current = engine.min_sqdist(x, c[:2])
    candidates = x[np.random.default_rng(7).integers(0, n, size=5)]
    w = np.random.default_rng(8).uniform(0.5, 2.0, size=n) if weighted else None
    got = engine.candidate_potentials(x, candidates, current, w)
    expected = _reference_potentials(x, candidates, current, w)
    assert got.shape == (5,) and got.dtype == np.float64
    # Direct: float64 differences.  GEMM: |x|^2 + |c|^2 - 2 x.c cancels, so
    # its error scales with the squared norms (x.c from BLAS in the data
    # dtype: ~1e-7 of them in float32); it only serves to rank candidates.
    if method == "direct":
        np.testing.assert_allclose(got, expected, rtol=1e-10)
    else:
        scale = np.sum(x.astype(np.float64) ** 2) + n * np.max(
            np.sum(candidates.astype(np.float64) ** 2, axis=1))
        eps = 1e-6 if dtype == np.float32 else 1e-13
        np.testing.assert_allclose(got, expected, rtol=0, atol=eps * scale)


@pytest.mark.parametrize("method", METHODS)
def test_candidate_potentials_do_not_depend_on_thread_count(method):
    x, c = _data(30000, 16, 4, np.float64, seed=9)
    current = CompiledEngine().min_sqdist(x, c[:1])
    runs = [CompiledEngine(n_threads=t, method=method).candidate_potentials(
        x, c[1:], current) for t in (1, 2, 3)]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])


def test_candidate_potentials_of_a_chosen_point_never_exceed_current():
    # A candidate already among the centres cannot lower the potential.
    x, _ = _data(500, 5, 1, np.float64, seed=10)
    engine = CompiledEngine()
    current = engine.min_sqdist(x, x[:3])
    got = engine.candidate_potentials(x, x[:3], current)
    np.testing.assert_allclose(got, current.sum(), rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_kernels_accept_read_only_inputs(method):
    # const memoryviews: read-only data (memmaps, views) is accepted, not copied.
    x, c = _data(300, 3, 4, np.float64)
    x.flags.writeable = False
    c.flags.writeable = False
    engine = CompiledEngine(method=method)
    labels, _ = engine.assign(x, c)
    assert engine.lloyd_pass(x, c).counts.sum() == 300
    np.testing.assert_array_equal(labels, _reference_sqdist(x, c).argmin(axis=1))


def test_centres_are_cast_to_the_data_dtype():
    # float64 centres with float32 data: the kernel runs in float32.
    x, c = _data(50, 2, 3, np.float32)
    labels, sqdist = CompiledEngine().assign(x, c.astype(np.float64))
    assert sqdist.dtype == np.float32
    np.testing.assert_array_equal(labels, _reference_sqdist(x, c).argmin(axis=1))


def test_kernel_rejects_inconsistent_shapes():
    # The thin wrappers guard against memory errors from mismatched buffers.
    from kmeanskit._ext import _kernels

    x, c = _data(10, 3, 2, np.float64)
    with pytest.raises(ValueError, match="inconsistent"):
        _kernels.assign(x, c[:, :2].copy(), np.empty(10, np.int32), np.empty(10),
                        _kernels.DIRECT, 1)
    with pytest.raises(ValueError, match="method"):
        _kernels.assign(x, c, np.empty(10, np.int32), np.empty(10), 7, 1)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_finite_check_without_temporaries(order, dtype):
    # The finiteness check is exact: overflowing sums of finite values pass,
    # a single NaN or inf anywhere (also past the first block) is caught.
    from kmeanskit._base._validate import _all_finite

    big = np.full((300, 400), np.finfo(dtype).max / 2, dtype=dtype, order=order)
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum(big))  # the fast path cannot decide here
    assert _all_finite(big)
    for value in (np.nan, np.inf, -np.inf):
        bad = big.copy(order=order)
        bad[-1, -1] = value
        assert not _all_finite(bad)
    assert _all_finite(np.ones((5, 3), dtype=dtype, order=order))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_lloyd_iterations_equal_python_loop(method, dtype, weighted):
    # The one-call loop gives bit-identical centres, labels, sums and the
    # number of passes with an empty cluster as lloyd_pass + update in Python.
    from kmeanskit._core._lloyd import _updated_centres

    x, _ = _data(3000, 5, 6, dtype, seed=7)
    start = np.vstack([x[:5], np.full((1, 5), 50.0, dtype=dtype)])  # one stays empty
    w = np.random.default_rng(8).uniform(0.5, 2, size=3000) if weighted else None
    engine = CompiledEngine(method=method)
    centres, empty = start.copy(), 0
    for it in range(7):
        ref = engine.lloyd_pass(x, centres, w, return_labels=it == 6)
        centres, nonempty = _updated_centres(ref, centres, dtype)
        empty += int(not nonempty.all())
    got_centres, got, got_empty = engine.lloyd_iterations(x, start, 7, w,
                                                          return_labels=True)
    np.testing.assert_array_equal(got_centres, centres)
    np.testing.assert_array_equal(got.labels, ref.labels)
    np.testing.assert_array_equal(got.sums, ref.sums)
    assert got.inertia == ref.inertia and got.distance_sum == ref.distance_sum
    assert got_empty == empty == 7


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [5, 16, 23, 40])
def test_exact_ties_go_to_lowest_index(dtype, k, method):
    # Small-integer data makes every product and distance exact in both
    # kernels, so ties are real ties (many of them, on this grid); each must
    # go to the lowest centre index, across the GEMM argmin's lanes too.
    rng = np.random.default_rng(5)
    x = rng.integers(-3, 4, size=(700, 12)).astype(dtype)
    c = rng.integers(-3, 4, size=(k, 12)).astype(dtype)
    for j in {3, max(4, k // 2), k - 1}:  # one centre at several indices
        c[j] = x[7]
    labels, _ = CompiledEngine(method=method).assign(x, c)
    assert labels[7] == 3
    np.testing.assert_array_equal(labels, _reference_sqdist(x, c).argmin(axis=1))


def test_kernels_refuse_zero_width_rows():
    # d = 0 would leave outputs unwritten (found by the fuzz suite through the
    # public API, which now rejects such data before any kernel runs).
    from kmeanskit._ext import _kernels

    x, c = np.empty((5, 0)), np.empty((2, 0))
    with pytest.raises(ValueError, match="no features"):
        _kernels.assign(x, c, np.empty(5, np.int32), np.empty(5), _kernels.DIRECT, 1)
    with pytest.raises(ValueError, match="no features"):
        _kernels.lloyd_pass(x, c, None, np.empty((2, 0)), np.empty(2), None,
                            _kernels.DIRECT, 1)
    with pytest.raises(ValueError, match="no features"):
        _kernels.min_sqdist(x, c, np.full(5, np.inf), 1)


def test_assignment_method_rule():
    # The shape rule behind the kernel choice: one centre or one or two
    # features always go direct, wide rows always to BLAS, and without fused
    # multiply-add in hardware the DOT kernels are never chosen.
    from kmeanskit._backends._engines import assignment_method

    for dtype in DTYPES:
        for k in [1, 2, 9, 32, 256]:
            for d in [1, 2, 3, 5, 16, 64, 65, 300]:
                fused = assignment_method(d, k, dtype)
                plain = assignment_method(d, k, dtype, fused=False)
                assert plain in ("direct", "gemm")
                if k == 1 or d <= 2:
                    assert fused == plain == "direct"
                elif d > 64:
                    assert fused == plain == "gemm"
                else:
                    # FMA only ever turns a choice into DOT.
                    assert fused in ("dot", plain)


def test_assignment_method_without_wide_vectors():
    # Without AVX-512 the fused products give way to BLAS tiles from 49
    # float32 features; float64 and narrower rows keep the same choice.
    from kmeanskit._backends._engines import assignment_method
    from kmeanskit._backends._engines.compiled import choose_method
    from kmeanskit._ext import _kernels

    for k in (32, 128, 1024):
        assert assignment_method(64, k, np.float32, wide=True) == "dot"
        assert assignment_method(64, k, np.float32, wide=False) == "gemm"
        assert assignment_method(49, k, np.float32, wide=False) == "gemm"
        assert assignment_method(48, k, np.float32, wide=False) == "dot"
        for d in (5, 16, 32, 64):
            assert (assignment_method(d, k, np.float64, wide=False)
                    == assignment_method(d, k, np.float64, wide=True))
    # The compiled engine passes what this CPU has.
    if _kernels.FAST_FMA:
        wide = _kernels.DOT if _kernels.WIDE_VECTORS else _kernels.GEMM
        assert choose_method(64, 128, np.float32) == wide
