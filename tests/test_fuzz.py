"""Fuzzing the public API: every call returns a valid result or raises a
documented exception.

Each case draws an array (shape, dtype, layout, magnitude, NaN/inf
placement) and keyword values from a seeded NumPy generator, calls one
public function, and accepts exactly two outcomes:

* a valid result: right shapes and dtypes, labels in range, finite
  centroids and distances whenever the input was finite; warnings only from
  kmeanskit itself, attributed to the caller's line (``stacklevel``);
* ``ValueError``, ``TypeError`` or ``ClusterError``.

A documented error passes a case, so each function must also return a
valid result in a stated least share of its cases (``MIN_RESULT_SHARE``,
with the shares measured): a function that rejected every input fails.

Anything else (IndexError, ZeroDivisionError, a NumPy warning or error
leaking out, a hang) fails the case and prints how to replay it.  A hang
is caught twice: SIGALRM raises in Python-level loops, and
``faulthandler.dump_traceback_later`` ends the process with a traceback if
a compiled loop never returns.

Budget: ``KMEANSKIT_FUZZ_CASES`` cases per function (default 300: about
3 000 calls in all, a few seconds).  The release run documented in
docs/reliability.rst uses ``KMEANSKIT_FUZZ_CASES=20000`` and
``KMEANSKIT_FUZZ_SEED`` to vary the stream.

Regression tests for the bugs fuzzing found are at the end, each named
after its bug.
"""

import faulthandler
import os
import signal
import threading
import warnings

import numpy as np
import pytest

import kmeanskit as K
from kmeanskit import ClusterError

CASES = int(os.environ.get("KMEANSKIT_FUZZ_CASES", "300"))
SEED = int(os.environ.get("KMEANSKIT_FUZZ_SEED", "12"))
CASE_TIMEOUT = 30.0  # seconds; a case takes milliseconds
DOCUMENTED = (ValueError, TypeError, ClusterError)


# --------------------------------------------------------------------------
# Case generation

_DTYPES = ["f8"] * 6 + ["f4"] * 3 + ["f2", "i4", "i8", "u1", "bool", "c16",
                                      "O", "U3"]
_EXPONENTS = [0] * 8 + [300, -300, 150, -150, 30, -30, 307, -307]


class Case:
    """One drawn input: the array, how it was made, and its finiteness."""

    def __init__(self, rng, tmp_path):
        self.rng = rng
        kind = int(rng.integers(0, 9))
        if kind == 0:
            shape = (int(rng.integers(0, 3)), int(rng.integers(0, 4)))  # 0-size
        elif kind == 1:
            shape = (int(rng.integers(0, 30)),)  # 1-D
        elif kind == 2:
            shape = (int(rng.integers(1, 6)), int(rng.integers(50, 300)))  # wide
        elif kind == 3:
            shape = (int(rng.integers(1, 4)), 2, 2)  # 3-D
        elif kind == 4:
            shape = ()  # 0-D
        else:
            shape = (int(rng.integers(1, 60)), int(rng.integers(1, 6)))
        exponent = int(rng.choice(_EXPONENTS))
        base = np.array(rng.normal(size=shape) * 10.0 ** exponent)
        if base.size and rng.random() < 0.2:
            base = np.array(np.round(base))  # duplicated rows and values
        if base.ndim == 2 and base.shape[1] and rng.random() < 0.15:
            base[:, 0] = 3.0  # a constant column
        if base.size and rng.random() < 0.08:
            base[...] = base.flat[0]  # all rows equal
        dtype = str(rng.choice(_DTYPES))
        with np.errstate(all="ignore"):
            if dtype == "bool":
                a = base > 0
            else:
                a = base.astype(dtype)
        self.nonfinite = False
        if a.ndim and a.size and a.dtype.kind in "fc" and rng.random() < 0.12:
            where = tuple(int(rng.integers(0, s)) for s in a.shape)
            a[where] = rng.choice([np.nan, np.inf, -np.inf])
        if a.dtype.kind in "fc" and a.size:
            self.nonfinite = not np.isfinite(a).all()
        self.layout = "C"
        layout = int(rng.integers(0, 8))
        if layout == 1 and a.ndim == 2:
            a, self.layout = np.asfortranarray(a), "F"
        elif layout == 2 and a.ndim >= 1:
            a, self.layout = np.repeat(a, 2, axis=0)[::2], "strided"
        elif layout == 3 and a.ndim >= 1:
            a, self.layout = a[::-1], "reversed rows"
        elif layout == 4 and a.ndim == 2:
            a, self.layout = a[:, ::-1], "reversed columns"
        elif layout == 5 and a.ndim:
            a = a.copy()
            a.flags.writeable = False
            self.layout = "read-only"
        elif layout == 6 and a.size and a.dtype.kind in "biuf":
            path = tmp_path / f"case{rng.integers(1 << 30)}.dat"
            m = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
            m[...] = a
            m.flush()
            del m
            a = np.memmap(path, dtype=a.dtype, mode="r", shape=a.shape)
            self.layout = "read-only memmap"
        self.a = a
        self.n = a.shape[0] if a.ndim else 1

    def __repr__(self):
        return (f"<{self.a.dtype} {self.a.shape} {self.layout}"
                f"{' non-finite' if self.nonfinite else ''}>")

    # keyword values ------------------------------------------------------
    def k(self):
        choice = int(self.rng.integers(0, 12))
        if choice == 0:
            return [0, -1, 2.5, "3", None, np.nan, 10 ** 20, True][
                int(self.rng.integers(0, 8))]
        if choice == 1:
            return self.n + 1  # more clusters than points
        if choice == 2:
            return max(self.n, 1)  # k = n
        if choice == 3:
            return 1
        return int(self.rng.integers(1, 6))

    def bad(self, huge=True):
        """A keyword value that is sometimes valid, often not.  ``huge``:
        include 10**12, for counts that do not fix the amount of work."""
        values = [None, -1, 0, 1, 2, 3.5, np.nan, np.inf, "x", True, [1], -5,
                  1e-12] + ([10 ** 12] if huge else [])
        return values[int(self.rng.integers(0, len(values)))]

    def maybe(self, kw, name, draw, p=0.3):
        if self.rng.random() < p:
            kw[name] = draw()

    def pick(self, *options):
        return options[int(self.rng.integers(0, len(options)))]


# --------------------------------------------------------------------------
# The calls: each returns (result, what to check)


def _whiten(c):
    return K.whiten(c.a, check_finite=c.pick(True, False, None)), "whiten"


def _vq(c):
    book = c.a[:max(1, int(c.rng.integers(0, 5)))] if c.a.ndim else c.a
    if c.rng.random() < 0.2:
        book = np.asarray(c.rng.normal(size=c.pick((3, 2), (2,), (1, 5))))
    return K.vq(c.a, book, check_finite=c.rng.random() < 0.8), "vq"


def _kmeans(c):
    kw = {}
    # iter is the number of restarts: 10**12 of them is work, not a hang.
    c.maybe(kw, "iter", lambda: c.bad(huge=False))
    c.maybe(kw, "thresh", c.bad)
    k = c.k()
    if c.a.ndim and c.rng.random() < 0.15:
        k = c.a[:int(c.rng.integers(1, 4))]
    return K.kmeans(c.a, k, rng=int(c.rng.integers(100)), **kw), "kmeans"


def _kmeans2(c):
    kw = {"minit": c.pick("random", "points", "++", "matrix", "bogus"),
          "missing": c.pick("warn", "raise", "warn", "bad")}
    # iter passes run exactly (as SciPy's): 10**12 of them is work, not a hang.
    c.maybe(kw, "iter", lambda: c.bad(huge=False))
    c.maybe(kw, "n_init", lambda: c.bad(huge=False), 0.2)
    c.maybe(kw, "empty", lambda: c.pick(None, "drop", "farthest", "keep", "x"), 0.2)
    if c.a.ndim and c.rng.random() < 0.2:
        n = c.a.shape[0]
        kw["weights"] = c.pick(np.ones(n), np.zeros(n), c.rng.random(n),
                               np.ones(n + 1))
    k = c.k()
    if kw["minit"] == "matrix" and c.a.ndim and c.rng.random() < 0.8:
        k = c.a[:max(1, min(c.n, int(c.rng.integers(1, 4))))]
    return K.kmeans2(c.a, k, rng=int(c.rng.integers(100)), **kw), "kmeans2"


def _kpp_init(c):
    kw = {}
    # Trials are work (memory ~ trials): 10**12 of them is not a bug.
    c.maybe(kw, "n_local_trials", lambda: c.bad(huge=False))
    c.maybe(kw, "method", lambda: c.pick("++", "||", "greedy", "x"))
    return K.kpp_init(c.a, c.k(), rng=int(c.rng.integers(100)), **kw), "centres"


def _minibatch(c):
    kw = {}
    # With max_no_improvement None or large, max_iter passes run (documented):
    # 10**12 of them is work, not a hang.
    for name in ("batch_size", "max_iter", "reassignment_ratio", "init_size",
                 "max_no_improvement"):
        c.maybe(kw, name, lambda huge=name != "max_iter": c.bad(huge), 0.15)
    c.maybe(kw, "init", lambda: c.pick("greedy++", "points", "x"), 0.2)
    return (K.minibatch_kmeans(c.a, c.k(), rng=int(c.rng.integers(100)), **kw),
            "fit")


def _kmedians(c):
    kw = {}
    # With tol=None max_iter iterations run (documented): 10**12 is work.
    c.maybe(kw, "max_iter", lambda: c.bad(huge=False))
    c.maybe(kw, "tol", c.bad)
    c.maybe(kw, "empty", lambda: c.pick("farthest", "drop", "keep", "x"), 0.2)
    c.maybe(kw, "init", lambda: c.pick("greedy++", "points", "x"), 0.2)
    return K.kmedians(c.a, c.k(), rng=int(c.rng.integers(100)), **kw), "fit"


def _spherical(c):
    kw = {}
    # With tol=None max_iter iterations run (documented): 10**12 is work.
    c.maybe(kw, "max_iter", lambda: c.bad(huge=False))
    c.maybe(kw, "tol", c.bad)
    c.maybe(kw, "empty", lambda: c.pick("farthest", "drop", "keep", "x"), 0.2)
    return (K.spherical_kmeans(c.a, c.k(), rng=int(c.rng.integers(100)), **kw),
            "fit")


def _kmedoids(c):
    kw = {}
    c.maybe(kw, "method", lambda: c.pick("fasterpam", "alternate", "pam"))
    c.maybe(kw, "metric", lambda: c.pick("euclidean", "sqeuclidean", "cityblock",
                                         "cosine", "precomputed", "x"))
    c.maybe(kw, "init", lambda: c.pick("++", "points", "build", "x"))
    c.maybe(kw, "max_iter", c.bad, 0.2)
    c.maybe(kw, "sample_size", c.bad, 0.2)
    return K.kmedoids(c.a, c.k(), rng=int(c.rng.integers(100)), **kw), "medoids"


_METRICS = ("inertia", "calinski_harabasz_score", "davies_bouldin_score",
            "kmeans_bic", "kmeans_aic", "silhouette_samples", "silhouette_score")


def _metric(c):
    n = c.n
    labels = c.pick(lambda: c.rng.integers(0, 3, size=n),
                    lambda: np.zeros(n, int),
                    lambda: np.arange(n),
                    lambda: c.rng.integers(-1, 3, size=n),
                    lambda: c.rng.integers(0, 3, size=n + 1),
                    lambda: c.rng.integers(0, 3, size=n).astype(float))()
    name = c.pick(*_METRICS)
    kw = {}
    if name.startswith("silhouette"):
        c.maybe(kw, "method", lambda: c.pick("exact", "simplified", "x"), 0.5)
    if name == "silhouette_score" and c.rng.random() < 0.3:
        kw.update(sample_size=c.bad(), rng=0)
    return getattr(K, name)(c.a, labels, **kw), name


CALLS = {f.__name__.lstrip("_"): f for f in (
    _whiten, _vq, _kmeans, _kmeans2, _kpp_init, _minibatch, _kmedians,
    _spherical, _kmedoids, _metric)}


# --------------------------------------------------------------------------
# Checking a result


def _n_d(a):
    a = np.asarray(a)
    return (a.shape[0], 1) if a.ndim == 1 else a.shape


def _check_labels(labels, n, k):
    labels = np.asarray(labels)
    assert labels.shape == (n,), labels.shape
    assert labels.dtype.kind in "iu", labels.dtype
    if n:
        assert 0 <= labels.min() and labels.max() < k, (labels.min(), labels.max())


def _check_centres(centres, data, finite):
    centres = np.asarray(centres)
    data = np.asarray(data)
    assert centres.dtype in (np.float32, np.float64), centres.dtype
    if data.dtype.kind == "f" and data.dtype.itemsize >= 4:
        assert centres.dtype == data.dtype, (centres.dtype, data.dtype)
    assert centres.ndim == data.ndim, (centres.shape, data.shape)
    if data.ndim == 2:
        assert centres.shape[1] == data.shape[1]
    if finite:
        assert np.isfinite(centres).all(), "non-finite centroids"
    return centres.shape[0]


def check_result(case, result, what):
    """Assert that ``result`` of a call on ``case`` is valid."""
    finite = not case.nonfinite
    n = case.n
    if what == "whiten":
        out = np.asarray(result)
        assert out.shape == case.a.shape
        if finite:
            assert np.isfinite(out).all()
    elif what == "vq":
        labels, dist = result
        assert np.asarray(dist).shape == (n,)
        if finite:  # inf only where the true distance is beyond the range
            assert (np.asarray(dist) >= 0).all() and not np.isnan(dist).any()
        _check_labels(labels, n, np.iinfo(np.int64).max)
    elif what == "kmeans":
        book, distortion = result
        _check_centres(book, case.a, finite)
        if finite:  # may be +inf for data near the float limits
            assert distortion >= 0
    elif what == "kmeans2":
        centroid, labels = result
        k = _check_centres(centroid, case.a, finite)
        _check_labels(labels, n, k)
    elif what == "centres":
        _check_centres(result, case.a, finite)
    elif what == "fit":
        centroid, labels, info = result
        k = _check_centres(centroid, case.a, finite)
        _check_labels(labels, n, k)
        assert isinstance(info, K.KMeansInfo)
        if finite:
            assert info.inertia >= 0 and not np.isnan(info.inertia)
    elif what == "medoids":
        medoids, labels, info = result
        medoids = np.asarray(medoids)
        assert medoids.ndim == 1 and len(set(medoids.tolist())) == medoids.size
        assert 0 <= medoids.min() and medoids.max() < n
        _check_labels(labels, n, medoids.size)
    elif what == "silhouette_samples":
        values = np.asarray(result)
        assert values.shape == (n,)
        assert (np.abs(values) <= 1 + 1e-6).all()
    else:  # a scalar metric; inertia of huge data may be +inf, never NaN
        value = result[0] if isinstance(result, tuple) else result
        if finite:
            assert not np.isnan(value), value


# --------------------------------------------------------------------------
# Guarding against hangs


class _Hang(Exception):
    pass


def _guarded(fn):
    """Run ``fn()``; raise ``_Hang`` after CASE_TIMEOUT seconds in a Python
    loop, end the process with a traceback if a compiled loop never returns."""
    use_alarm = (hasattr(signal, "SIGALRM")
                 and threading.current_thread() is threading.main_thread())
    if use_alarm:
        def on_alarm(signum, frame):
            raise _Hang(f"no result within {CASE_TIMEOUT} s")

        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, CASE_TIMEOUT)
    faulthandler.dump_traceback_later(2 * CASE_TIMEOUT, exit=True)
    try:
        return fn()
    finally:
        faulthandler.cancel_dump_traceback_later()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, old)


RESULT, REJECTED, FAILED = "result", "documented error", "failure"


def run_case(name, case):
    """One fuzz case: ``(outcome, failure)``, the outcome one of RESULT (a
    valid result), REJECTED (a documented exception) or FAILED, with the
    description of the failure (else None)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, what = _guarded(lambda: CALLS[name](case))
        except DOCUMENTED:
            result = None
        except Exception as exc:  # noqa: BLE001 - any other type is the finding
            return FAILED, f"{type(exc).__name__}: {exc}"
    for w in caught:
        if case.nonfinite:
            break  # check_finite=False on NaN data: NumPy may warn (caller's risk)
        # kmeanskit warns on purpose (UserWarning and its own RuntimeWarnings)
        # and attributes them to the caller; any other warning leaked out.
        if os.path.basename(w.filename) != os.path.basename(__file__):
            return FAILED, (f"leaked {w.category.__name__} from {w.filename}: "
                            f"{w.message}")
    if result is None:
        return REJECTED, None
    try:
        with np.errstate(all="ignore"):
            check_result(case, result, what)
    except AssertionError as exc:
        return FAILED, f"invalid result ({what}): {exc}"
    return RESULT, None


# Least share of each function's cases that must return a valid result, so
# that a function rejecting (nearly) everything it is given fails: a
# documented error passes a case, and most drawn inputs are invalid on
# purpose.  Measured with 300 cases per function: at the default seed 12,
# and the mean and the smallest share over seeds 0 to 29.  Each threshold
# is the smaller of half that mean and three quarters of that smallest
# share, rounded down to a whole percent: a margin for other seeds and for
# changes that accept or reject a few inputs more.
#
#   function     seed 12        mean    smallest   threshold
#   whiten       212 (70.7%)    71.7%   65.3%      35%
#   vq           122 (40.7%)    44.4%   39.3%      22%
#   kpp_init      71 (23.7%)    20.5%   15.3%      10%
#   kmedoids      62 (20.7%)    19.8%   15.7%       9%
#   kmeans        44 (14.7%)    17.6%   14.7%       8%
#   kmedians      48 (16.0%)    13.8%   10.3%       6%
#   metric        41 (13.7%)    12.6%    8.7%       6%
#   spherical     34 (11.3%)     9.3%    6.3%       4%
#   kmeans2       19  (6.3%)     8.0%    5.3%       4%
#   minibatch     22  (7.3%)     7.1%    2.7%       2%
#
# The shares are checked in runs of SHARE_CASES cases or more (the default
# and the release run); fewer cases are too few to bound a share.
MIN_RESULT_SHARE = {
    "whiten": 0.35, "vq": 0.22, "kpp_init": 0.10, "kmedoids": 0.09,
    "kmeans": 0.08, "kmedians": 0.06, "metric": 0.06, "spherical": 0.04,
    "kmeans2": 0.04, "minibatch": 0.02,
}
SHARE_CASES = 300


def fuzz(name, tmp_path, cases=CASES, seed=SEED):
    """Run ``cases`` cases of ``name``: (outcome counts, failure lines)."""
    rng = np.random.default_rng([seed, sorted(CALLS).index(name)])
    counts = dict.fromkeys((RESULT, REJECTED, FAILED), 0)
    failures = []
    for i in range(cases):
        case = Case(rng, tmp_path)
        outcome, failure = run_case(name, case)
        counts[outcome] += 1
        if failure is not None:
            failures.append(f"case {i} {case!r}: {failure}")
    return counts, failures


def check_result_share(name, counts):
    """Assert that enough of ``name``'s cases returned a valid result."""
    cases = sum(counts.values())
    if cases < SHARE_CASES:
        return
    share = MIN_RESULT_SHARE[name]
    assert counts[RESULT] >= share * cases, (
        f"{name}: only {counts[RESULT]} of {cases} cases returned a valid "
        f"result, below the {share:.0%} required ({counts}; replay with "
        f"KMEANSKIT_FUZZ_SEED={SEED})")


@pytest.mark.parametrize("name", sorted(CALLS))
def test_fuzz_public_api(name, tmp_path):
    counts, failures = fuzz(name, tmp_path)
    assert not failures, (
        f"{len(failures)} of {CASES} {name} cases failed ({counts}; replay "
        f"with KMEANSKIT_FUZZ_SEED={SEED}):\n" + "\n".join(failures[:10]))
    check_result_share(name, counts)


def test_every_fuzzed_function_has_a_result_share():
    assert set(MIN_RESULT_SHARE) == set(CALLS)


def test_fuzz_harness_fails_a_function_that_rejects_everything(tmp_path,
                                                               monkeypatch):
    # Documented errors alone must not pass: a kpp_init that rejected every
    # input fails on its share of results.
    def rejects(case):
        raise ValueError("no input is good enough")

    monkeypatch.setitem(CALLS, "kpp_init", rejects)
    counts, failures = fuzz("kpp_init", tmp_path, cases=SHARE_CASES)
    assert not failures and counts[REJECTED] == SHARE_CASES
    with pytest.raises(AssertionError, match="only 0 of 300 cases"):
        check_result_share("kpp_init", counts)


def test_fuzz_harness_catches_an_undocumented_exception(tmp_path, monkeypatch):
    # The harness must be able to fail: an IndexError is reported, not passed.
    def broken(case):
        raise IndexError("out of range")

    monkeypatch.setitem(CALLS, "broken", broken)
    case = Case(np.random.default_rng(0), tmp_path)
    assert run_case("broken", case) == (FAILED, "IndexError: out of range")


def test_fuzz_harness_catches_a_leaked_numpy_warning(tmp_path, monkeypatch):
    def noisy(case):
        # A warning raised inside a library (NumPy here), as one inside
        # kmeanskit would be: attributed to that file, not the caller's.
        return float(np.std(np.zeros((0, 2)), axis=0).sum()), "inertia"

    monkeypatch.setitem(CALLS, "noisy", noisy)
    case = Case(np.random.default_rng(1), tmp_path)
    case.nonfinite = False
    outcome, failure = run_case("noisy", case)
    assert outcome == FAILED and failure.startswith("leaked RuntimeWarning")


# --------------------------------------------------------------------------
# Regression tests, one per bug the fuzzing found

_X = np.random.default_rng(3).normal(size=(60, 3))


@pytest.mark.parametrize("call", [
    lambda a: K.kmeans(a, 2, rng=0),
    lambda a: K.kmeans2(a, 2, rng=0),
    lambda a: K.vq(a, a[:1]),
    lambda a: K.kpp_init(a, 2, rng=0),
    lambda a: K.minibatch_kmeans(a, 2, rng=0),
    lambda a: K.kmedians(a, 2, rng=0),
    lambda a: K.kmedoids(a, 2, rng=0),
    lambda a: K.spherical_kmeans(a, 2, rng=0),
    lambda a: K.inertia(a, np.array([0, 1, 0, 1, 0])),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_feature_data_rejected_not_read_past_its_end(call, dtype):
    # Bug: data of shape (n, 0) reached the kernels, which read memory they
    # never wrote: kmeans returned a garbage distortion, hung or crashed
    # the interpreter, minibatch_kmeans reported a garbage inertia.
    with pytest.raises(ValueError, match="feature|empty|zeros"):
        call(np.zeros((5, 0), dtype=dtype))


def test_zero_feature_whiten_returns_the_empty_array():
    # whiten has nothing to compute and stays SciPy's: the (5, 0) array back.
    assert K.whiten(np.zeros((5, 0))).shape == (5, 0)


@pytest.mark.parametrize("shape", [(0, 3), (0, 0)])
def test_whiten_of_no_rows_leaks_no_numpy_warning(shape):
    # Bug: NumPy's "Degrees of freedom <= 0" and divide warnings leaked out
    # (errors under -W error); now the empty array comes back quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = K.whiten(np.zeros(shape))
    assert out.shape == shape and out.dtype == np.float64


@pytest.mark.parametrize("call", [lambda: K.kmeans(_X, None),
                                  lambda: K.kmeans2(_X, None)])
def test_k_none_is_a_type_error_not_attribute_error(call):
    # Bug: AttributeError "'NoneType' object has no attribute 'size'".
    with pytest.raises(TypeError, match=r"\bk"):
        call()


SCALE = 2.0 ** 1000  # data near 1e301: squared distances overflow


def test_minibatch_near_float_limits_finite_and_scaled():
    # Bug: minibatch_kmeans on data near 1e307 returned non-finite centroids
    # (overflowing squared distances); now it clusters x * 2**1000 exactly
    # as x and scales the centroids and inertia back.
    centroid, labels, info = K.minibatch_kmeans(_X * SCALE, 3, rng=0)
    ref_centroid, ref_labels, ref_info = K.minibatch_kmeans(_X, 3, rng=0)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(centroid, ref_centroid * SCALE)
    assert info.inertia == np.inf  # its true value is beyond the float range
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        centroid, _, _ = K.minibatch_kmeans(_X * 1e307, 3, rng=0)
    assert np.isfinite(centroid).all()


def test_kmedians_near_float_limits_equals_scaled_result():
    # Bug: overflow warnings from the L1 sums near 1e307.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        centroid, labels, info = K.kmedians(_X * SCALE, 3, rng=0)
    ref_centroid, ref_labels, ref_info = K.kmedians(_X, 3, rng=0)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(centroid, ref_centroid * SCALE)
    assert info.inertia == ref_info.inertia * SCALE


@pytest.mark.parametrize("data", [_X * SCALE, (_X * 1e30).astype(np.float32)])
def test_spherical_kmeans_near_float_limits_keeps_directions(data):
    # Bug: row norms overflowed to inf, every row normalised to 0, and the
    # fit reported "fewer distinct points than k" and a wrong partition.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        centroid, labels, _ = K.spherical_kmeans(data, 3, rng=0)
    ref_centroid, ref_labels, _ = K.spherical_kmeans(_X.astype(data.dtype), 3,
                                                     rng=0)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_allclose(centroid, ref_centroid, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cityblock",
                                    "cosine"])
def test_kmedoids_near_float_limits_same_medoids(metric):
    # Bug: sqeuclidean dissimilarities near 1e307 overflowed (ValueError);
    # float32 data near 1e30 overflowed silently when cast (wrong medoids).
    power = {"sqeuclidean": 2, "cosine": 0}.get(metric, 1)
    ref = K.kmedoids(_X, 3, rng=0, metric=metric)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = K.kmedoids(_X * SCALE, 3, rng=0, metric=metric)
        got32 = K.kmedoids((_X * 2.0 ** 100).astype(np.float32), 3, rng=0,
                           metric=metric)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    with np.errstate(over="ignore"):  # sqeuclidean: beyond the float range
        expected = np.ldexp(ref[2].inertia, 1000 * power)
    assert got[2].inertia == expected
    ref32 = K.kmedoids(_X.astype(np.float32), 3, rng=0, metric=metric)
    np.testing.assert_array_equal(got32[0], ref32[0])


def test_metrics_near_float_limits_are_not_nan():
    # Bug: every partition metric of data near 1e301 was NaN (and the exact
    # silhouette a silent 0.0): squared distances overflowed.  Scale-free
    # scores now equal those of the unscaled data; inertia is +inf (beyond
    # the float range); BIC/AIC shift by exactly 2 n d log(2**1000).
    labels = K.kmeans2(_X, 3, minit="++", rng=0)[1]
    x = _X * SCALE
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("calinski_harabasz_score", "davies_bouldin_score",
                     "silhouette_score"):
            # rtol: the scaled sums are exact; only the float64 summation
            # order of cluster_stats' chunks may differ in the last bits.
            np.testing.assert_allclose(getattr(K, name)(x, labels),
                                       getattr(K, name)(_X, labels), rtol=1e-12)
        simplified = {"method": "simplified"}
        np.testing.assert_allclose(K.silhouette_samples(x, labels, **simplified),
                                   K.silhouette_samples(_X, labels, **simplified),
                                   rtol=1e-12)
        assert K.inertia(x, labels) == np.inf
        shift = 2.0 * _X.size * 1000 * np.log(2.0)
        for name in ("kmeans_bic", "kmeans_aic"):
            np.testing.assert_allclose(getattr(K, name)(x, labels),
                                       getattr(K, name)(_X, labels) + shift,
                                       rtol=1e-12)
        # Tiny data: the inertia underflowed to 0, so BIC was -inf.
        tiny = _X * 2.0 ** -1000
        np.testing.assert_allclose(K.kmeans_bic(tiny, labels),
                                   K.kmeans_bic(_X, labels) - shift, rtol=1e-12)


def test_kmeans2_iter_beyond_c_int_runs_in_kernel_sized_calls(monkeypatch):
    # Bug: kmeans2(..., iter=10**12) raised OverflowError ("value too large
    # to convert to int") from the fixed-iteration kernel's C int count.
    # Now counts beyond it run as consecutive kernel calls; shown here with
    # the limit lowered to 3 passes a call: 10 passes = 3 + 3 + 3 + 1.
    from kmeanskit._backends._engines import compiled

    ref = K.kmeans2(_X, 4, iter=10, minit="points", rng=0)
    monkeypatch.setattr(compiled, "MAX_KERNEL_PASSES", 3)
    got = K.kmeans2(_X, 4, iter=10, minit="points", rng=0)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    few = K.kmeans2(_X, 4, iter=3, minit="points", rng=0)
    assert not np.array_equal(few[0], ref[0])  # the passes after 3 did run


def test_whiten_complex_near_float_limits_not_zeroed():
    # Bug: complex data near 1e300 was not scaled into range: its standard
    # deviation overflowed to inf and whiten returned all zeros.
    z = _X[:, :2] @ np.array([1.0, 1j])[:, None] * np.ones((1, 2))
    ref = K.whiten(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = K.whiten(z * SCALE)
    np.testing.assert_allclose(got, ref, rtol=1e-13)


def test_minibatch_huge_init_size_is_clipped_not_allocated():
    # Bug: init_size=10**12 tried to allocate 7 TiB of sample indices
    # (MemoryError); rows beyond the data's add nothing, so it is clipped
    # to n, as scikit-learn does.
    a = K.minibatch_kmeans(_X, 3, rng=0, init_size=10 ** 12)
    b = K.minibatch_kmeans(_X, 3, rng=0, init_size=len(_X))
    np.testing.assert_array_equal(a[0], b[0])
