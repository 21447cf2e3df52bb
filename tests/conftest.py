"""Shared fixtures for the kmeanskit test-suite.

The suite runs with warnings turned into errors (``filterwarnings = error`` in
pyproject.toml), so every test that expects a warning says so explicitly.

All data sets are small and seeded so the whole suite stays fast and repeatable.
"""

import collections
import contextlib
import importlib
import importlib.util
import json
import os

import numpy as np
import pytest

from kmeanskit._backends._capabilities import TEST_PARAMS, test_marks

# --------------------------------------------------------------------------
# hypothesis profiles (tests/test_properties.py): "ci" (the default) keeps
# the property suite to seconds; "release" runs 25x more examples.  Pick one
# with KMEANSKIT_HYPOTHESIS_PROFILE=release.  No deadline: the first call of
# a kernel on a new shape may take longer than hypothesis's 200 ms default.
# --------------------------------------------------------------------------
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # hypothesis is a test extra; the rest of the suite runs
    _hypothesis_settings = None
else:
    _hypothesis_settings.register_profile(
        "ci", max_examples=20, deadline=None, derandomize=True,
        print_blob=True)
    _hypothesis_settings.register_profile(
        "release", max_examples=500, deadline=None, print_blob=True)
    _hypothesis_settings.load_profile(
        os.environ.get("KMEANSKIT_HYPOTHESIS_PROFILE", "ci"))

# --------------------------------------------------------------------------
# SciPy's small literal test data (re-typed): 11 points in 2-D, an initial
# code book made of the first three points, and the code books after one and
# two Lloyd steps started from it.
# --------------------------------------------------------------------------
_X_SMALL = np.array(
    [
        [3.0, 3.0],
        [4.0, 3.0],
        [4.0, 2.0],
        [9.0, 2.0],
        [5.0, 1.0],
        [6.0, 2.0],
        [9.0, 4.0],
        [5.0, 2.0],
        [5.0, 4.0],
        [7.0, 4.0],
        [6.0, 5.0],
    ]
)
# Code book after one Lloyd step from X[:3] (also the first-step means).
_CODET1 = np.array([[3.0, 3.0], [6.2, 4.0], [5.8, 1.8]])
# Code book after two Lloyd steps from X[:3] (a fixed point).
_CODET2 = np.array([[11.0 / 3.0, 8.0 / 3.0], [6.75, 4.25], [6.25, 1.75]])
# Nearest entry of _CODET1 for every row of _X_SMALL (checked by hand).
_LABEL1 = np.array([0, 0, 0, 2, 2, 2, 1, 2, 1, 1, 1])

# Five observations used by SciPy's whiten test (re-typed).
_WHITEN_OBS = np.array(
    [
        [0.98744510, 0.82766775],
        [0.62093317, 0.19406729],
        [0.87545741, 0.00735733],
        [0.85124403, 0.26499712],
        [0.45067590, 0.45464607],
    ]
)


@pytest.fixture(autouse=True)
def _restore_global_numpy_rng():
    """Keep NumPy's global RandomState from leaking between tests."""
    state = np.random.get_state()  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002


@pytest.fixture
def X_small():
    """SciPy's 11x2 literal data set (float64, a fresh copy per test)."""
    return _X_SMALL.copy()


@pytest.fixture
def codet1():
    """Code book after one Lloyd step from the first three rows of X_small."""
    return _CODET1.copy()


@pytest.fixture
def codet2():
    """Converged code book from the first three rows of X_small."""
    return _CODET2.copy()


@pytest.fixture
def label1():
    """Labels of X_small against codet1."""
    return _LABEL1.copy()


@pytest.fixture
def whiten_obs():
    """SciPy's 5x2 whiten example."""
    return _WHITEN_OBS.copy()


def _make_blobs(centres, n_per, scale, seed):
    rng = np.random.default_rng(seed)
    centres = np.asarray(centres, dtype=np.float64)
    pts = [c + scale * rng.standard_normal((n_per, centres.shape[1])) for c in centres]
    X = np.concatenate(pts)
    y = np.repeat(np.arange(len(centres)), n_per)
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


@pytest.fixture(scope="session")
def _blobs_session():
    return _make_blobs([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]], 60, 0.5, 1234)


@pytest.fixture
def blobs(_blobs_session):
    """Three well-separated Gaussian blobs in 2-D: X (180, 2) float64."""
    return _blobs_session[0].copy()


@pytest.fixture
def blobs_labels(_blobs_session):
    """True blob index of every row of ``blobs``."""
    return _blobs_session[1].copy()


@pytest.fixture
def blobs32(_blobs_session):
    """The ``blobs`` data set as float32."""
    return _blobs_session[0].astype(np.float32)


@pytest.fixture(scope="session")
def _blobs4d_session():
    centres = np.array([[0, 0, 0, 0], [6, 0, 0, 0], [0, 6, 0, 0], [0, 0, 6, 6]])
    return _make_blobs(centres, 30, 0.7, 99)[0]


@pytest.fixture
def blobs4d(_blobs4d_session):
    """Four blobs in 4-D: X (120, 4) float64."""
    return _blobs4d_session.copy()


@pytest.fixture
def grid9():
    """Nine blobs on a 3x3 grid (spacing 1, std 0.15): X (270, 2) float64."""
    centres = [[i, j] for i in range(3) for j in range(3)]
    return _make_blobs(centres, 30, 0.15, 7)[0]


@pytest.fixture
def uniform2d():
    """200 unclustered points, uniform in the unit square (float64).

    With no cluster structure, different initialisations almost surely give
    different partitions, which makes "different random stream" observable.
    """
    return np.random.default_rng(2024).uniform(size=(200, 2))


@pytest.fixture
def data1d():
    """Three 1-D clusters around -3, 0 and 4: shape (90,) float64."""
    rng = np.random.default_rng(55)
    x = np.concatenate([rng.normal(m, 0.3, 30) for m in (-3.0, 0.0, 4.0)])
    return rng.permutation(x)


@pytest.fixture
def no_hang():
    """Fail (instead of hanging the suite) if the test body runs over 60 s.

    Uses SIGALRM, so it only interrupts Python-level loops; that is where a
    ``while diff > thresh`` style loop would spin.
    """
    import signal
    import threading

    if (
        not hasattr(signal, "SIGALRM")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def _handler(signum, frame):
        raise TimeoutError("call did not finish within 60 s (hang?)")

    old = signal.signal(signal.SIGALRM, _handler)
    signal.setitimer(signal.ITIMER_REAL, 60.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------
# Array libraries: the `xp` fixture.
#
# Its values come from kmeanskit._backends._capabilities.TEST_PARAMS (the same table
# that renders the README's support matrix); a library that is not installed
# is left out.  Environment variables, for runs on other machines:
#   KMEANSKIT_TEST_BACKENDS=numpy,torch   only these ids;
#   KMEANSKIT_TEST_DEVICE=cuda            PyTorch tensors on this device (the
#                                         cells of the 'torch-gpu' row apply);
#   KMEANSKIT_TEST_RECORD=outcomes.json   write each backend's outcomes, per
#                                         function of its `xp_function` marks
#                                         (what bench/gpu_record.py reads).
# A test marked `@pytest.mark.xp_function("vq", ...)` gets the skip/xfail
# marks that the capability table declares for those functions.
# --------------------------------------------------------------------------

def _installed(module):
    try:
        return importlib.util.find_spec(module.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


_SELECTED = [s for s in os.environ.get("KMEANSKIT_TEST_BACKENDS", "").split(",") if s]
# Every library of the support matrix is a parameter, installed or not: a
# missing one shows up as skipped, with the reason, rather than vanishing.
XP_PARAMS = [p for p in TEST_PARAMS if not _SELECTED or p.id in _SELECTED]


class XpBackend:
    """How the tests make and read arrays of one `xp` fixture value."""

    def __init__(self, param):
        self.param = param
        self.id = param.id
        self.device = None
        if param.module == "jax.numpy":
            import jax

            # float64 data stays float64 (the float32-only path has its own test).
            jax.config.update("jax_enable_x64", True)
        self.xp = importlib.import_module(param.module)
        self.backend = param.backend
        if param.module == "torch":
            device = os.environ.get("KMEANSKIT_TEST_DEVICE")
            self.device = self.xp.device(device) if device else self.xp.device("cpu")
            if self.device.type != "cpu":
                self.backend = "torch-gpu"
        if param.module == "jax.numpy":
            import jax

            if jax.default_backend() != "cpu":
                self.backend = "jax-gpu"

    @property
    def device_kind(self):
        """Where the arrays live: 'cpu', or the accelerator ('cuda', 'gpu')."""
        if self.param.module == "cupy":
            return "cuda"
        if self.param.module == "torch":
            return self.device.type
        if self.param.module == "jax.numpy":
            import jax

            return jax.default_backend()
        return "cpu"

    @property
    def lazy(self):
        """Arrays array-api-compat calls lazy (reading values may be
        impossible or costly): check_finite=None means False for them."""
        return self.param.module in ("dask.array", "jax.numpy")

    def asarray(self, a):
        """A fresh array of this library holding NumPy-convertible ``a``."""
        a = np.array(a, copy=True)
        mod = self.param.module
        if mod == "numpy":
            return a
        if mod == "torch":
            return self.xp.asarray(a, device=self.device)
        if mod == "dask.array":
            rows = max(1, -(-a.shape[0] // 3)) if a.ndim else 1
            return self.xp.from_array(a, chunks=(rows,) + a.shape[1:] if a.ndim else ())
        return self.xp.asarray(a)

    def to_numpy(self, a):
        """The values of ``a`` (an array of this library) as NumPy."""
        mod = self.param.module
        if mod == "torch":
            return a.detach().cpu().numpy()
        if mod == "dask.array":
            return np.asarray(a.compute())
        if mod == "cupy":
            return a.get()
        return np.asarray(a)

    def is_mine(self, a):
        """Whether ``a`` is an array of this library (not a NumPy array)."""
        import array_api_compat as compat

        mod = self.param.module
        checks = {
            "numpy": lambda: isinstance(a, np.ndarray | np.generic),
            "torch": lambda: compat.is_torch_array(a),
            "dask.array": lambda: compat.is_dask_array(a),
            "jax.numpy": lambda: compat.is_jax_array(a),
            "cupy": lambda: compat.is_cupy_array(a),
            "array_api_strict": lambda: type(a).__module__.startswith(
                "array_api_strict"),
        }
        return checks[mod]()

    def dtype_name(self, a):
        return str(a.dtype).rsplit(".", 1)[-1]

    def check(self, a, dtype, like=None):
        """``a`` is an array of this library, of NumPy dtype name ``dtype``,
        on the device of ``like`` (default: the test device)."""
        import array_api_compat as compat

        assert self.is_mine(a), f"{type(a)} is not a {self.id} array"
        assert self.dtype_name(a) == dtype, (self.dtype_name(a), dtype)
        if self.param.module not in ("numpy", "dask.array"):
            expected = compat.device(like) if like is not None else self.device
            if expected is not None:
                assert compat.device(a) == expected


def _xp_function_marks(request, backend):
    marker = request.node.get_closest_marker("xp_function")
    if marker is None:
        return
    for function in marker.args:
        for kind, reason in test_marks(function, backend):
            if kind == "skip":
                pytest.skip(reason)
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(params=XP_PARAMS, ids=[p.id for p in XP_PARAMS])
def xp_backend(request):
    """An :class:`XpBackend`, one per array library (skipped when missing)."""
    if not _installed(request.param.module):
        library = request.param.module.split(".")[0]
        how = ("CuPy needs an NVIDIA GPU; it is not in the test extra"
               if library == "cupy"
               else 'the test extra installs it: pip install ".[test]"')
        pytest.skip(f"{library} is not installed ({how})")
    backend = XpBackend(request.param)
    # For the outcome record: the cells that apply, and where the arrays were.
    request.node.kmeanskit_backend = f"{backend.backend}@{backend.device_kind}"
    _xp_function_marks(request, backend.backend)
    if request.param.portable:
        from kmeanskit._backends._dispatch import force_portable

        context = force_portable()
    else:
        context = contextlib.nullcontext()
    with context:
        yield backend


@pytest.fixture
def xp(xp_backend):
    """The array namespace under test (numpy, array_api_strict, torch,
    jax.numpy, dask.array; torch-portable is torch through the portable
    engine)."""
    return xp_backend.xp


# --------------------------------------------------------------------------
# The outcome record (KMEANSKIT_TEST_RECORD): for each backend the tests of
# the `xp` fixture ran on ("torch-gpu@cuda": the torch-gpu cells, arrays on
# the device cuda), how many passed, failed, were skipped or xfailed, in all
# and per function named by their `xp_function` marks.  A GPU run's record
# is what the support matrix's GPU cells are rendered from.
# --------------------------------------------------------------------------

_OUTCOMES = collections.defaultdict(collections.Counter)  # (backend, function)


def _outcome(report):
    """'passed', 'failed', 'skipped', 'xfailed' or None (nothing to count)."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "failed"  # strict xfail passed
    if report.when == "call" or report.outcome != "passed":
        return report.outcome
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if not os.environ.get("KMEANSKIT_TEST_RECORD"):
        return
    param = getattr(item, "callspec", None) and item.callspec.params.get("xp_backend")
    if param is None or report.when == "teardown" and report.outcome == "passed":
        return
    outcome = _outcome(report)
    if outcome is None:
        return
    backend = getattr(item, "kmeanskit_backend", f"{param.backend}@not-run")
    marker = item.get_closest_marker("xp_function")
    for function in ("*", *(marker.args if marker else ())):
        _OUTCOMES[backend, function][outcome] += 1


def pytest_sessionfinish(session):
    path = os.environ.get("KMEANSKIT_TEST_RECORD")
    if not path:
        return
    record = {}
    for (backend, function), counts in sorted(_OUTCOMES.items()):
        entry = record.setdefault(backend, {"all": {}, "functions": {}})
        if function == "*":
            entry["all"] = dict(counts)
        else:
            entry["functions"][function] = dict(counts)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
