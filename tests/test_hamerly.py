"""Hamerly's bounded pass gives exactly the direct Lloyd kernel's assignments."""

import numpy as np
import pytest

import kmeanskit
from kmeanskit._backends._engines.compiled import CompiledEngine
from kmeanskit._core._lloyd import run_lloyd


def _mixture(n, d, k, spread, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-spread, spread, size=(k, d))
    return centres[rng.integers(0, k, size=n)] + rng.normal(size=(n, d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d, k, spread",
                         [(2, 9, 8.0), (5, 12, 2.0), (20, 7, 1.0), (3, 1, 1.0)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("method", ["direct", "dot", "gemm"])
def test_bounded_pass_equals_lloyd_every_iteration(dtype, d, k, spread, weighted,
                                                   method):
    # Pass by pass: labels, sums, counts and inertia are bit-identical to the
    # plain kernel of the same method fed the same centres, while bounds are
    # carried along (GEMM: its lower bounds allow for the identity's rounding).
    x = _mixture(3000, d, k, spread).astype(dtype)
    w = np.random.default_rng(1).uniform(0.5, 2, size=3000) if weighted else None
    engine = CompiledEngine(method=method)
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
        means = ref.sums[nonempty] / ref.counts[nonempty, None]
        centres[nonempty] = means.astype(dtype)
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


class _ScriptedClock:
    """A clock whose successive readings advance by scripted pass durations."""

    def __init__(self, durations):
        self.readings = []
        now = 0.0
        for step in durations:
            self.readings += [now, now + step]
            now += step
        self.readings.reverse()

    def __call__(self):
        return self.readings.pop()


def test_auto_keeps_the_faster_kind_of_pass_and_retries_bounds():
    # Scripted timings drive the choice; every pass still equals a plain one.
    from kmeanskit._core._passes import TimedPasses

    x = _mixture(4000, 2, 5, 10.0, seed=6)
    engine = CompiledEngine(method="direct")
    engine.scan_estimate = lambda *args: None  # the clock alone decides
    # The bounds first: full sweep 10 (standing for a plain pass), bounded
    # 12 (slower: plain from then on), 2 plain passes of 9, then the bounds
    # are retried: full sweep, bounded 11 (slower than the plain 9), so
    # 2 x RETRY_GROWTH plain passes before the next try: full sweep, bounded
    # 4 (kept).
    assert TimedPasses.RETRY_GROWTH == 4
    clock = _ScriptedClock([10, 12, 9, 9, 10, 11] + [9] * 8 + [10, 4, 4])
    passes = TimedPasses(engine, x, retry_after=2, clock=clock)
    centres = x[:5].copy()
    kinds = []
    for _ in range(17):
        kinds.append("bounded" if passes.bounded else "plain")
        got = passes.run(centres, None, True)
        ref = engine.lloyd_pass(x, centres, None, return_labels=True)
        np.testing.assert_array_equal(got.labels, ref.labels)
        np.testing.assert_array_equal(got.sums, ref.sums)
        centres = (ref.sums / ref.counts[:, None]).astype(x.dtype)
    assert kinds == (["bounded", "bounded", "plain", "plain", "bounded",
                      "bounded"] + ["plain"] * 8 + ["bounded"] * 3)
    assert not clock.readings


def test_auto_leaves_bounds_the_engine_gave_up_on():
    # Overlapping clusters: the bounds stop pruning after one bounded pass
    # (most rows need a full scan); even though that pass was timed as
    # faster, plain passes take over at once (and the bounds get a retry
    # later).
    from kmeanskit._core._passes import TimedPasses

    x = np.random.default_rng(8).normal(size=(4000, 8))  # one blob
    engine = CompiledEngine(method="direct")
    engine.scan_estimate = lambda *args: None  # (see the test below)
    passes = TimedPasses(engine, x, clock=_ScriptedClock([10, 1, 10, 10, 10]))
    centres = x[:20].copy()
    kinds = []
    for _ in range(5):
        kinds.append("bounded" if passes.bounded else "plain")
        result = passes.run(centres, None, False)
        centres = (result.sums / result.counts[:, None]).astype(x.dtype)
    assert kinds == ["bounded", "bounded", "plain", "plain", "plain"]
    assert passes.failed_tries == 1


@pytest.mark.parametrize("n_groups", [1, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scan_estimate_bounds_the_rows_the_next_pass_scans(n_groups, dtype):
    # With every row in the sample (n <= ESTIMATE_SAMPLE), the estimate is
    # at least the fraction of rows the next bounded pass scans, for
    # Hamerly's bounds and group bounds alike, at every pass; and it tells
    # separated clusters (few scans once settled) from one blob (nearly
    # every row right after the set-up sweep, where 'auto' asks).
    from kmeanskit._backends._engines.compiled import ESTIMATE_SAMPLE

    blob = np.random.default_rng(3).normal(size=(1000, 16))
    for x, separated in ((_mixture(1000, 4, 40, 30.0, seed=2), True),
                         (blob, False)):
        assert x.shape[0] <= ESTIMATE_SAMPLE
        x = x.astype(dtype)
        engine = CompiledEngine()
        state = engine.start_bounds(x, n_groups)
        centres = x[:40].copy()
        assert engine.scan_estimate(x, centres, state) is None  # no bounds yet
        estimates, scanned = [], []
        for _ in range(8):
            result = engine.bounded_pass(x, centres, state)
            centres = (result.sums / result.counts[:, None]).astype(dtype)
            estimate = engine.scan_estimate(x, centres, state)
            probe = engine.bounded_pass(x, centres, state)  # the pass judged
            estimates.append(estimate)
            # A group-bounds pass counts partial scans: at most the rows.
            scanned.append(state.n_scans / x.shape[0])
            centres = (probe.sums / probe.counts[:, None]).astype(dtype)
        assert all(e >= s for e, s in zip(estimates, scanned, strict=True))
        if separated:
            assert estimates[-1] < 0.1
        else:
            assert estimates[0] > 0.9


def test_auto_skips_a_bounded_pass_the_estimate_dooms():
    # One blob: right after the set-up sweep the estimate says most rows
    # would be scanned, so the try fails without that bounded pass.
    from kmeanskit._core._passes import TimedPasses

    x = np.random.default_rng(8).normal(size=(4000, 8))
    engine = CompiledEngine(method="direct")
    calls = []
    bounded_pass = engine.bounded_pass
    engine.bounded_pass = lambda *a, **k: calls.append(1) or bounded_pass(*a, **k)
    passes = TimedPasses(engine, x, clock=_ScriptedClock([10] * 4))
    centres = x[:20].copy()
    kinds = []
    for _ in range(4):
        kinds.append("bounded" if passes.bounded else "plain")
        result = passes.run(centres, None, True)
        ref = engine.lloyd_pass(x, centres, None, return_labels=True)
        np.testing.assert_array_equal(result.labels, ref.labels)
        centres = (ref.sums / ref.counts[:, None]).astype(x.dtype)
    assert kinds == ["bounded", "bounded", "plain", "plain"]
    assert len(calls) == 1  # the sweep; the second pass ran plain
    assert passes.failed_tries == 1


def test_auto_hands_runs_of_plain_passes_to_one_engine_call(monkeypatch):
    # A fixed number of iterations on one blob: the bounds' set-up sweep,
    # a try that the estimate fails, then the plain passes until the retry
    # in one lloyd_iterations call, the retry's sweep; from there on, any
    # run of plain passes is one call too.  The result is Lloyd's.
    from kmeanskit._backends._engines import compiled

    x = np.random.default_rng(5).normal(size=(20_000, 16))
    start = x[:64].copy()
    ref_c, ref_l = kmeanskit.kmeans2(x, start, iter=30, minit="matrix")
    calls = []
    iterations = compiled.CompiledEngine.lloyd_iterations
    bounded_pass = compiled.CompiledEngine.bounded_pass

    def counted_iterations(self, x, c, n_iter, *args, **kwargs):
        calls.append(("plain", n_iter))
        return iterations(self, x, c, n_iter, *args, **kwargs)

    def counted_bounded(self, *args, **kwargs):
        calls.append(("bounded", 1))
        return bounded_pass(self, *args, **kwargs)

    monkeypatch.setattr(compiled.CompiledEngine, "lloyd_iterations",
                        counted_iterations)
    monkeypatch.setattr(compiled.CompiledEngine, "bounded_pass", counted_bounded)
    c, labels = kmeanskit.kmeans2(x, start, iter=30, minit="matrix",
                                  algorithm="auto")
    np.testing.assert_array_equal(c, ref_c)
    np.testing.assert_array_equal(labels, ref_l)
    assert calls[:3] == [("bounded", 1), ("plain", 20), ("bounded", 1)]
    assert sum(count for _, count in calls) == 30
    kinds = [kind for kind, _ in calls]
    assert ("plain", "plain") not in zip(kinds, kinds[1:], strict=False)


def test_auto_runs_plain_passes_on_engines_without_bounds():
    # The portable engine's bounded pass is a plain pass: nothing to time.
    from kmeanskit._backends._engines.portable import PortableEngine
    from kmeanskit._core._passes import Passes, make_passes

    engine = PortableEngine(np)
    assert not engine.prunes and CompiledEngine().prunes
    x = np.zeros((40_000, 8))
    assert type(make_passes(engine, x, "auto", 256)) is Passes


def test_hamerly_gives_up_bounds_that_stop_pruning_until_reset():
    # One blob: most rows need a full scan, so after the first bounded pass
    # (which sets the bounds up) and one that scans too much, plain passes
    # run, each equal to the engine's plain pass; a reset tries bounds again.
    from kmeanskit._core._passes import BoundedPasses

    x = np.random.default_rng(8).normal(size=(4000, 8))
    engine = CompiledEngine(method="direct")
    passes = BoundedPasses(engine, x)
    centres = x[:20].copy()
    pruning = []
    for _ in range(4):
        got = passes.run(centres, None, True)
        ref = engine.lloyd_pass(x, centres, None, return_labels=True)
        np.testing.assert_array_equal(got.labels, ref.labels)
        np.testing.assert_array_equal(got.sums, ref.sums)
        pruning.append(passes.pruning)
        centres = (ref.sums / ref.counts[:, None]).astype(x.dtype)
    assert pruning == [True, False, False, False]
    assert passes.bounds.n_scans == x.shape[0]
    passes.reset()
    assert passes.pruning


@pytest.mark.parametrize("spread", [30.0, 0.5])
def test_public_auto_same_answer_as_lloyd(spread):
    # Separated (bounds pay) and overlapping (they do not) clusters, large
    # enough for 'auto' to time passes: the results are those of 'lloyd'.
    x = _mixture(20000, 16, 64, spread, seed=7)
    c1, l1 = kmeanskit.kmeans2(x, 64, iter=12, minit="++", rng=1)
    c2, l2 = kmeanskit.kmeans2(x, 64, iter=12, minit="++", rng=1, algorithm="auto")
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(l1, l2)
    b1, d1 = kmeanskit.kmeans(x, 64, iter=2, rng=1)
    b2, d2 = kmeanskit.kmeans(x, 64, iter=2, rng=1, algorithm="auto")
    np.testing.assert_array_equal(b1, b2)
    assert d1 == d2


def test_auto_runs_plain_passes_where_bounds_cannot_pay():
    # Two features and nine centres: a plain pass costs less per row than a
    # bounded pass's own bookkeeping, so 'auto' does not try the bounds; with
    # much more work per row (8 x 256) it times both.
    from kmeanskit._backends._engines.compiled import CompiledEngine
    from kmeanskit._core._passes import Passes, TimedPasses, make_passes

    engine = CompiledEngine()
    narrow = np.zeros((400_000, 2))
    wide = np.zeros((40_000, 8))
    assert type(make_passes(engine, narrow, "auto", 9)) is Passes
    assert isinstance(make_passes(engine, wide, "auto", 256), TimedPasses)


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e8])
def test_centre_gaps_are_lower_bounds(offset):
    # Hamerly's half separations come from the GEMM identity, lowered by a
    # bound on its rounding: never above the direct distances, and close to
    # them unless the centres sit far out (where they can only prune less).
    from scipy.spatial.distance import cdist

    from kmeanskit._backends._engines.compiled import _nearest_gaps

    rng = np.random.default_rng(int(offset) % 1000)
    centres = offset + rng.normal(size=(300, 40))
    centres[7] = centres[3]  # a duplicate: gap 0
    exact = cdist(centres, centres)
    np.fill_diagonal(exact, np.inf)
    exact = exact.min(axis=1)
    gaps = _nearest_gaps(centres)
    assert np.all(gaps <= exact) and gaps[7] == 0 and gaps[3] == 0
    np.testing.assert_allclose(gaps, exact, rtol=1e-6, atol=1e-6)
