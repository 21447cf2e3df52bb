"""Yinyang's group bounds give exactly the plain Lloyd kernel's assignments."""

import numpy as np
import pytest

import kmeanskit
from kmeanskit._backends._engines import group_count
from kmeanskit._backends._engines.compiled import CompiledEngine, group_centres
from kmeanskit._core._passes import bound_groups
from kmeanskit._ext import _kernels
from kmeanskit.estimators import KMeans


def _mixture(n, d, k, spread, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-spread, spread, size=(k, d))
    return centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))


def _lloyd_update(result, centres, dtype):
    nonempty = result.counts > 0
    centres = centres.copy()
    means = result.sums[nonempty] / result.counts[nonempty, None]
    centres[nonempty] = means.astype(dtype)
    return centres


def _same_pass(got, ref):
    np.testing.assert_array_equal(got.labels, ref.labels)
    np.testing.assert_array_equal(got.counts, ref.counts)
    np.testing.assert_array_equal(got.sums, ref.sums)
    assert got.inertia == ref.inertia
    assert got.distance_sum == ref.distance_sum


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d, k, spread, groups",
                         [(2, 40, 8.0, 4), (12, 64, 3.0, 6), (20, 33, 1.0, 5),
                          (40, 130, 6.0, 13)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("method", ["direct", "dot", "gemm"])
def test_group_bounds_equal_lloyd_every_iteration(dtype, d, k, spread, groups,
                                                  weighted, method):
    # Pass by pass: labels, sums, counts, inertia bit-identical to the plain
    # kernel of the same method fed the same centres, bounds carried along.
    n = 6000
    x = _mixture(n, d, k, spread).astype(dtype)
    w = np.random.default_rng(1).uniform(0.5, 2, size=n) if weighted else None
    engine = CompiledEngine(method=method)
    state = engine.start_bounds(x, groups)
    assert state.lower.shape == (n, groups) and state.lower.dtype == np.float32
    centres = x[:k].copy()
    scans = []
    for _ in range(10):
        ref = engine.lloyd_pass(x, centres, w, return_labels=True)
        got = engine.bounded_pass(x, centres, state, w, return_labels=True)
        _same_pass(got, ref)
        scans.append(state.n_scans)
        centres = _lloyd_update(ref, centres, dtype)
    assert scans[0] == n  # the first pass has no bounds yet
    assert state.groups.n_groups == groups
    if spread >= 6:
        # Separated clusters: later passes compute a small share of distances.
        assert scans[-1] < 0.1 * n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_group_bounds_prune_more_than_hamerly_with_many_centres(dtype):
    x = _mixture(20000, 16, 200, 6.0, seed=2).astype(dtype)
    engine = CompiledEngine()
    centres = x[:200].copy()
    hamerly, groups = engine.start_bounds(x), engine.start_bounds(x, 20)
    scans = {"hamerly": [], "groups": []}
    for _ in range(12):
        ref = engine.lloyd_pass(x, centres, return_labels=True)
        for name, state in (("hamerly", hamerly), ("groups", groups)):
            got = engine.bounded_pass(x, centres, state, return_labels=True)
            _same_pass(got, ref)
            scans[name].append(state.n_scans)
        centres = _lloyd_update(ref, centres, dtype)
    assert sum(scans["groups"][1:]) < 0.5 * sum(scans["hamerly"][1:])


@pytest.mark.parametrize("method", ["direct", "dot", "gemm"])
def test_exact_ties_break_like_lloyd(method):
    # Duplicate centres land in different groups: every row of theirs is an
    # exact tie, which must go to the lower index as in a plain pass.
    rng = np.random.default_rng(4)
    base = rng.uniform(-5, 5, size=(30, 8))
    centres = np.vstack([base, base[::-1]])  # centre j == centre 59 - j
    x = base[rng.integers(0, 30, size=3000)] + 0.3 * rng.normal(size=(3000, 8))
    engine = CompiledEngine(method=method)
    state = engine.start_bounds(x, 6)
    c = centres.copy()
    for _ in range(4):
        ref = engine.lloyd_pass(x, c, return_labels=True)
        got = engine.bounded_pass(x, c, state, return_labels=True)
        _same_pass(got, ref)
        c = c + 1e-3 * rng.normal(size=c.shape)  # moves: bounds are used


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_group_bounds_do_not_depend_on_threads(n_threads):
    x = _mixture(40000, 24, 96, 4.0, seed=5).astype(np.float32)
    runs = []
    for threads in (1, n_threads):
        engine = CompiledEngine(n_threads=threads)
        state = engine.start_bounds(x, 9)
        c = x[:96].copy()
        for _ in range(5):
            result = engine.bounded_pass(x, c, state, return_labels=True)
            c = _lloyd_update(result, c, np.float32)
        runs.append((result, c))
    _same_pass(runs[1][0], runs[0][0])
    np.testing.assert_array_equal(runs[1][1], runs[0][1])


def test_public_yinyang_same_answer_as_lloyd():
    x = _mixture(30000, 32, 300, 20.0, seed=6).astype(np.float32)
    start = kmeanskit.kpp_init(x, 300, rng=0)
    assert bound_groups(x, 300) == 8  # memory-capped: 32 float32 features
    lloyd = kmeanskit.kmeans2(x, start, iter=15, minit="matrix",
                              algorithm="lloyd", return_info=True)
    yy = kmeanskit.kmeans2(x, start, iter=15, minit="matrix",
                           algorithm="yinyang", return_info=True)
    np.testing.assert_array_equal(yy[0], lloyd[0])
    np.testing.assert_array_equal(yy[1], lloyd[1])
    assert yy[2].inertia == lloyd[2].inertia
    a = kmeanskit.kmeans(x, start, thresh=1e-6, algorithm="lloyd")
    b = kmeanskit.kmeans(x, start, thresh=1e-6, algorithm="yinyang")
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]


def test_yinyang_with_dropped_clusters_and_one_centre():
    # kmeans drops empty clusters (the code book shrinks: new groups); a
    # single centre has nothing to group and runs Hamerly's pass.
    x = _mixture(5000, 6, 30, 6.0, seed=3)
    guess = np.vstack([x[:30], [[1e3] * 6]])
    a = kmeanskit.kmeans(x, guess, thresh=1e-5, algorithm="lloyd")
    b = kmeanskit.kmeans(x, guess, thresh=1e-5, algorithm="yinyang")
    assert a[0].shape == (30, 6)
    np.testing.assert_array_equal(a[0], b[0])
    engine = CompiledEngine()
    state = engine.start_bounds(x, 4)
    one = x[:1].copy()
    got = engine.bounded_pass(x, one, state, return_labels=True)
    _same_pass(got, engine.lloyd_pass(x, one, return_labels=True))
    assert state.lower.ndim == 1


def test_elkan_estimator_runs_group_bounds():
    x = _mixture(20000, 16, 100, 10.0, seed=8)
    start = kmeanskit.kpp_init(x, 100, rng=1)
    fits = [KMeans(100, init=start, n_init=1, algorithm=a, tol=0, max_iter=12).fit(x)
            for a in ("lloyd", "elkan", "yinyang")]
    for fit in fits[1:]:
        np.testing.assert_array_equal(fit.labels_, fits[0].labels_)
        np.testing.assert_array_equal(fit.cluster_centers_, fits[0].cluster_centers_)


def test_other_engines_accept_yinyang():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    x = _mixture(3000, 10, 40, 5.0, seed=9)
    start = x[:40].copy()
    dense = kmeanskit.kmeans2(x, start, iter=6, minit="matrix", algorithm="lloyd")
    sparse = kmeanskit.kmeans2(scipy_sparse.csr_matrix(x), start, iter=6,
                               minit="matrix", algorithm="yinyang")
    np.testing.assert_array_equal(np.asarray(sparse[1]), dense[1])
    np.testing.assert_allclose(np.asarray(sparse[0]), dense[0], rtol=1e-10)


@pytest.mark.parametrize("d, k, itemsize, expected",
                         [(32, 256, 4, 8), (32, 256, 8, 16), (128, 1024, 4, 32),
                          (128, 1024, 8, 64), (64, 100, 4, 10), (4, 1000, 4, 1),
                          (256, 19, 8, 1), (256, 20, 8, 2)])
def test_group_count_rule(d, k, itemsize, expected):
    groups = group_count(d, k, itemsize)
    assert groups == expected
    if groups > 1:
        # The float32 bounds take at most a quarter of the data's memory.
        assert groups * 4 <= 0.25 * d * itemsize
        assert groups <= k // 10


def test_group_count_bounds_the_memory_in_practice():
    x = _mixture(4000, 16, 300, 5.0).astype(np.float32)
    state = CompiledEngine().start_bounds(x, bound_groups(x, 300))
    assert state.lower.nbytes <= 0.25 * x.nbytes


def test_group_centres_is_a_deterministic_partition():
    rng = np.random.default_rng(0)
    centres = np.vstack([rng.normal(size=(50, 3)) + [40, 0, 0],
                         rng.normal(size=(50, 3)) - [40, 0, 0]])
    groups = group_centres(centres, 2)
    assert groups.n_groups == 2
    # The two far-apart clouds are the two groups.
    assert len(set(groups.group_of[:50])) == 1
    assert len(set(groups.group_of[50:])) == 1
    assert groups.group_of[0] != groups.group_of[50]
    # order lists each group contiguously, increasing within a group.
    for g in range(groups.n_groups):
        members = groups.order[groups.start[g]:groups.start[g + 1]]
        assert (groups.group_of[members] == g).all()
        assert (np.diff(members) > 0).all()
    assert sorted(groups.order) == list(range(100))
    again = group_centres(centres, 2)
    np.testing.assert_array_equal(again.group_of, groups.group_of)


def test_group_centres_drops_empty_groups():
    centres = np.zeros((12, 2))  # all equal: one group can hold them all
    groups = group_centres(centres, 5)
    assert groups.n_groups == 1
    assert groups.start.tolist() == [0, 12]
    assert group_centres(np.arange(6.0)[:, None], 10).n_groups == 6


def _kernel_args(n=100, d=3, k=6):
    x = np.random.default_rng(0).normal(size=(n, d))
    c = x[:k].copy()
    groups = group_centres(c, 2)
    return dict(
        x=x, c=c, grouped=np.ascontiguousarray(c[groups.order]),
        order=groups.order, group_start=groups.start, group_of=groups.group_of,
        half_sep=np.zeros(k), drift=np.zeros(groups.n_groups), weights=None,
        labels=np.zeros(n, np.int32),
        lower=np.zeros((n, groups.n_groups), np.float32),
        sums=np.zeros((k, d)), counts=np.zeros(k), initial=True,
        method=_kernels.DIRECT, n_threads=1)


@pytest.mark.parametrize("change, message", [
    (dict(drift=np.zeros(5)), "inconsistent array shapes"),
    (dict(order=np.array([0, 1, 2, 3, 4, 9], np.int32)), "out of range"),
    (dict(group_start=np.array([0, 0, 6], np.int32)), "empty group"),
    (dict(group_start=np.array([0, 2, 5], np.int32)), "cover the centres"),
    (dict(weights=np.ones(3)), "one entry per row"),
])
def test_kernel_rejects_inconsistent_groups(change, message):
    args = _kernel_args()
    args.update(change)
    with pytest.raises(ValueError, match=message):
        _kernels.yinyang_pass(*args.values())


def test_kernel_checks_labels_once_bounds_exist():
    args = _kernel_args()
    args.update(initial=False, labels=np.full(100, 7, np.int32))
    with pytest.raises(ValueError, match="labels out of range"):
        _kernels.yinyang_pass(*args.values())


def test_auto_tries_group_bounds_where_they_fit():
    from kmeanskit._core._passes import TimedPasses, make_passes

    engine = CompiledEngine()
    wide = np.zeros((5000, 32), np.float32)
    passes = make_passes(engine, wide, "auto", 256)
    assert isinstance(passes, TimedPasses)
    assert passes.bounds.lower.shape == (5000, 8)
    narrow = np.zeros((5000, 4), np.float32)  # k * d >= 1024, no group fits
    passes = make_passes(engine, narrow, "auto", 300)
    assert isinstance(passes, TimedPasses) and passes.bounds.lower.ndim == 1
    assert make_passes(engine, wide, "hamerly", 256).bounds.lower.ndim == 1


def test_group_bounds_are_set_up_by_hamerlys_sweep_in_mixed_precision():
    # 'auto' tries group bounds on float64 data too: their set-up sweep is
    # Hamerly's, through certified float32 arithmetic where that pays, so
    # it costs what Hamerly's does.
    from kmeanskit._backends._engines.compiled import pays_mixed
    from kmeanskit._core._passes import make_passes

    rng = np.random.default_rng(12)
    x = rng.normal(size=(5000, 64))
    centres = x[rng.choice(5000, 256, replace=False)]
    assert pays_mixed(64, 256)
    engine = CompiledEngine()
    passes = make_passes(engine, x, "auto", 256)
    assert passes.bounds.lower.shape == (5000, 25)  # k / 10
    passes.run(centres, None, False)
    assert _kernels.mixed_tally()[0] > 0  # rows settled in float32
    # Asked for by name, the group bounds run on float64 as well.
    assert make_passes(engine, x, "yinyang", 256).bounds.lower.ndim == 2


@pytest.mark.parametrize(("n", "d", "dtype", "k", "groups"), [
    (5001, 8, np.float32, 40, 2),      # two groups, an odd number of rows
    (4999, 64, np.float64, 256, 25),
    (3000, 16, np.float32, 60, 4),
])
def test_group_bounds_start_at_hamerlys_runner_up(monkeypatch, n, d, dtype, k,
                                                  groups):
    # Every group of a row starts at its runner-up distance from Hamerly's
    # sweep, rounded down to float32, written inside the bounds' own memory
    # block by block from the last row (small blocks here); the sweep's
    # labels and sums are Hamerly's.
    from kmeanskit._backends._engines import compiled

    monkeypatch.setattr(compiled, "SETUP_ROWS", 97)
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, d)).astype(dtype)
    centres = x[rng.choice(n, k, replace=False)]
    engine = CompiledEngine()
    state = engine.start_bounds(x, groups)
    assert state.lower.shape == (n, groups)
    first = engine.bounded_pass(x, centres, state, return_labels=True)
    hamerly = engine.start_bounds(x)
    reference = engine.bounded_pass(x, centres, hamerly, return_labels=True)
    np.testing.assert_array_equal(first.labels, reference.labels)
    np.testing.assert_array_equal(first.sums, reference.sums)
    bounds = state.lower
    assert bounds.shape == (n, state.groups.n_groups)
    assert np.all(bounds == bounds[:, :1])
    as_float64 = bounds[:, 0].astype(np.float64)
    assert np.all(as_float64 <= hamerly.lower)
    assert np.all(as_float64 >= np.nextafter(hamerly.lower.astype(np.float32),
                                             np.float32(0)))


def test_group_bounds_set_up_when_groups_come_out_fewer(monkeypatch):
    # Centres in fewer places than groups: the empty groups are dropped and
    # the bounds are set up in a new, narrower array.
    from kmeanskit._backends._engines import compiled

    monkeypatch.setattr(compiled, "SETUP_ROWS", 64)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 16)).astype(np.float32)
    centres = np.repeat(x[:3], 20, axis=0)  # 60 centres in 3 places
    engine = CompiledEngine()
    state = engine.start_bounds(x, 4)
    engine.bounded_pass(x, centres, state)
    assert state.lower.shape == (2000, state.groups.n_groups)
    assert state.groups.n_groups < 4
    hamerly = engine.start_bounds(x)
    engine.bounded_pass(x, centres, hamerly)
    assert np.all(state.lower[:, 0].astype(np.float64) <= hamerly.lower)
    assert np.all(state.lower == state.lower[:, :1])
