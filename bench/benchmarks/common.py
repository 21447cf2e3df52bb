"""Cases, data and helpers shared by the asv suite and ``bench/compare.py``.

Data
----
Every case is a seeded Gaussian mixture built straight into an array of the
target dtype, a block of rows at a time, so that building it never holds more
than the data itself plus one small block: ``peakmem_`` benchmarks (whose
figure includes ``setup``) then measure the data plus what the call adds.

* The tiny case (900, 2, 9) is :func:`kmeanskit.datasets.grid_blobs`: a 3x3
  grid of well-separated blobs.
* The others are mixtures of ``2*k`` unit-variance components whose centres
  are uniform in ``[-a, a]^d`` with ``a = 4*sqrt(2/d)``: the components overlap
  at every ``d``, so Lloyd is still moving after 20 iterations and every
  implementation really runs every iteration.

float32 data is the float64 data rounded, so both dtypes hold the same points.

Sizes
-----
The full cases are the ones the speed targets are stated for.  They are
large (up to 205 MB per array), so the asv suite uses them only when the
environment variable ``KMEANSKIT_BENCH_FULL=1`` is set; otherwise it runs
the same shapes (d, k) with a smaller n, which keeps ``asv run --quick`` short.
"""

import inspect
import math
import os
import sys
import timeit

import numpy as np

__all__ = [
    "FULL",
    "TINY",
    "FULL_CASES",
    "SMALL_CASES",
    "CASES",
    "DTYPES",
    "WORKERS",
    "Case",
    "CHINA",
    "IVF",
    "BLOBS",
    "EXTRA_CASES",
    "MissingData",
    "smaller",
    "parse_case",
    "make_data",
    "initial_centres",
    "inertia_f64",
    "supports",
    "call_kwargs",
    "n_cpus",
    "peak_extra_bytes",
    "Benchmark",
    "MemoryBenchmark",
]


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


#: True when ``KMEANSKIT_BENCH_FULL`` asks for the full-size cases.
FULL = _env_flag("KMEANSKIT_BENCH_FULL")

SEED = 20261123


class Case(tuple):
    """An ``(n, d, k, kind)`` case whose ``str`` is ``"NxDxK"`` (asv's param
    label) for the default kind, ``"kind:NxDxK"`` for the others.

    Kinds: ``'mixture'``, overlapping Gaussians (see the module docstring);
    ``'blobs'``, k well-separated Gaussian blobs, where bounds prune most
    distances; ``'china'``, the pixels of scikit-learn's bundled
    ``china.jpg`` as RGB in [0, 1] (colour quantisation: real data with
    structure).
    """

    __slots__ = ()

    def __new__(cls, n, d, k, kind="mixture"):
        if kind not in KINDS:
            raise ValueError(f"a case kind is one of {KINDS}, got {kind!r}")
        return super().__new__(cls, (int(n), int(d), int(k), str(kind)))

    n = property(lambda self: self[0])
    d = property(lambda self: self[1])
    k = property(lambda self: self[2])
    kind = property(lambda self: self[3])

    def __str__(self):
        shape = f"{self.n}x{self.d}x{self.k}"
        return shape if self.kind == "mixture" else f"{self.kind}:{shape}"

    __repr__ = __str__

    @property
    def is_tiny(self):
        return self == TINY


KINDS = ("mixture", "blobs", "china")

TINY = Case(900, 2, 9)

#: The cases of the speed issue: (n, d, k).
FULL_CASES = (
    TINY,
    Case(1_000_000, 2, 9),
    Case(500_000, 16, 32),
    Case(200_000, 64, 128),
    Case(100_000, 256, 256),
)

#: Real data and the shapes where other methods shine: colour quantisation
#: of ``china.jpg`` (273 280 pixels), an IVF-training shape, and separated
#: blobs (where Hamerly's bounds prune most distances).
CHINA = Case(273_280, 3, 64, "china")
IVF = Case(200_000, 128, 1024)
BLOBS = Case(200_000, 32, 256, "blobs")
EXTRA_CASES = (CHINA, IVF, BLOBS)


def smaller(case):
    """The same (d, k, kind) with n cut by 20 (the tiny and image cases, whose
    data is fixed, are kept as they are)."""
    if case.is_tiny or case.kind == "china":
        return case
    return Case(case.n // 20, case.d, case.k, case.kind)


#: The same shapes with n cut by 20 (the tiny case is kept as is).
SMALL_CASES = tuple(smaller(c) for c in FULL_CASES)

#: What the asv suite runs.
CASES = FULL_CASES if FULL else SMALL_CASES

DTYPES = ("float32", "float64")

#: 1 thread, and every core (SciPy's ``workers=-1``).
WORKERS = (1, -1)


def parse_case(text):
    """``"500000x16x32"`` or ``"5e5x16x32"`` -> ``Case(500000, 16, 32)``;
    ``"blobs:2e5x32x256"`` -> a case of that kind."""
    kind, _, text = text.rpartition(":")
    parts = text.lower().replace(",", "x").split("x")
    if len(parts) != 3:
        raise ValueError(f"a case is NxDxK, e.g. 500000x16x32, got {text!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"a case is NxDxK, e.g. 500000x16x32, got {text!r}") from None
    if any(v < 1 or v != int(v) for v in values):
        raise ValueError(f"n, d and k must be positive integers, got {text!r}")
    if kind == "china" and values[:2] != [CHINA.n, CHINA.d]:
        raise ValueError(f"the china case has {CHINA.n} rows of {CHINA.d} "
                         f"colours, got {text!r}")
    return Case(*values, kind=kind or "mixture")


def n_cpus():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _mixture_means(d, k, rng):
    a = 4.0 * np.sqrt(2.0 / d)
    return rng.uniform(-a, a, size=(2 * k, d))


def _blob_means(d, k, rng):
    # Unit-variance blobs whose means are ~ 10 sqrt(d) apart on average and
    # at least 4 sqrt(d) (redrawn until so): each point is far nearer its
    # own mean than any other.
    means = rng.uniform(-10.0, 10.0, size=(k, d))
    for _ in range(100):
        gaps = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=2)
        np.fill_diagonal(gaps, np.inf)
        close = np.flatnonzero(gaps.min(axis=1) < 4.0 * np.sqrt(d))
        if close.size == 0:
            break
        means[close[: max(1, close.size // 2)]] = rng.uniform(-10.0, 10.0, (
            max(1, close.size // 2), d))
    return means


def _china_pixels(dtype):
    """The RGB pixels of scikit-learn's bundled ``china.jpg``, in [0, 1]."""
    try:
        from sklearn.datasets import load_sample_image

        image = load_sample_image("china.jpg")
    except ImportError as exc:  # scikit-learn, or Pillow that it reads with
        raise MissingData(
            f"the china case needs scikit-learn and Pillow ({exc})") from exc
    pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3) / 255.0
    return np.ascontiguousarray(pixels, dtype=dtype)


class MissingData(RuntimeError):
    """A case whose data cannot be built here (an optional package missing)."""


def make_data(case, dtype="float64", seed=SEED, block_bytes=4 << 20):
    """The data of a case, C-contiguous, in `dtype`.

    Built a block of rows at a time into the final array: the only temporary
    is one float64 block of about `block_bytes`, so peak memory is the data
    plus a few MB.  The same (case, seed) gives the same points in both
    dtypes.
    """
    case = case if isinstance(case, Case) else Case(*case)
    dtype = np.dtype(dtype)
    if case.is_tiny:
        from kmeanskit.datasets import grid_blobs

        data, _ = grid_blobs(rng=seed % (2**32))
        return np.ascontiguousarray(data, dtype=dtype)
    if case.kind == "china":
        return _china_pixels(dtype)
    n, d, k = case.n, case.d, case.k
    rng = np.random.default_rng([seed, n, d, k])
    if case.kind == "blobs":
        means = _blob_means(d, k, rng)
    else:
        means = _mixture_means(d, k, rng)
    out = np.empty((n, d), dtype=dtype)
    block = max(1, block_bytes // (8 * d))
    for start in range(0, n, block):
        stop = min(n, start + block)
        which = rng.integers(means.shape[0], size=stop - start)
        rows = rng.standard_normal(size=(stop - start, d))
        rows += means[which]
        out[start:stop] = rows
    return out


def initial_centres(x, k, seed=SEED, sample="auto"):
    """k-means++ centres (plain, :func:`kmeanskit.kpp_init`, fixed rng).

    Seeded on the first `sample` rows at most (the data rows are already in
    random order), so that building them stays cheap and small in asv's
    ``setup``: ``'auto'`` takes at most 20,000 rows and at most 8 MB of them
    in float64.  ``sample=None`` seeds on all the data.  Returned in float64:
    cast them to the data's dtype before use.
    """
    import kmeanskit

    if sample == "auto":
        sample = max(4 * k, min(20_000, (8 << 20) // (8 * x.shape[1])))
    rows = x if sample is None or x.shape[0] <= sample else x[:sample]
    rows = np.asarray(rows, dtype=np.float64)
    return np.asarray(kmeanskit.kpp_init(rows, k, rng=seed), dtype=np.float64)


def inertia_f64(x, centres, block_bytes=8 << 20):
    """Sum of squared distances to the nearest centre, in float64.

    The same yardstick for every implementation: assigned with NumPy alone
    (GEMM identity on row blocks, in float64), then measured by direct
    differences, so it trusts neither the code being benchmarked nor the
    way each library reports its own inertia (scikit-learn's comes from an
    extra assignment step, SciPy's kmeans2 reports none).
    """
    c = np.asarray(centres, dtype=np.float64)
    c_sq = np.einsum("ij,ij->i", c, c)
    block = max(1, block_bytes // (8 * max(c.shape[0], x.shape[1])))
    total = 0.0
    for start in range(0, x.shape[0], block):
        rows = np.asarray(x[start : start + block], dtype=np.float64)
        nearest = np.argmin(c_sq - 2.0 * (rows @ c.T), axis=1)
        diff = rows - c[nearest]
        total += float(np.einsum("ij,ij->", diff, diff))
    return total


def supports(func, name):
    """Whether `func` accepts a parameter called `name`."""
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def call_kwargs(func, workers=None, algorithm=None):
    """Keyword arguments for `func`: `workers`/`algorithm` only where accepted.

    When `func` has no such parameter, the value its default already gives
    (all cores, Lloyd) is run without the keyword, and any other value raises
    ``NotImplementedError``, which asv reports as a skipped combination.
    """
    kwargs = {}
    if workers is not None:
        if supports(func, "workers"):
            kwargs["workers"] = workers
        elif workers != -1:
            raise NotImplementedError(f"{func.__name__}() has no workers= yet")
    if algorithm is not None:
        if supports(func, "algorithm"):
            kwargs["algorithm"] = algorithm
        elif algorithm != "lloyd":
            raise NotImplementedError(f"{func.__name__}() has no algorithm= yet")
    return kwargs


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _trim_heap():
    # Give freed heap pages back to the kernel (glibc), so that what the call
    # allocates must touch new pages and shows in the high-water mark.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _maxrss_bytes():
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def peak_extra_bytes(func, *args, **kwargs):
    """Peak resident memory that ``func(*args, **kwargs)`` adds, in bytes.

    On Linux: resets the kernel's high-water mark (``/proc/self/clear_refs``),
    calls `func` and returns ``VmHWM`` minus the resident size before the
    call.  Unlike ``tracemalloc`` this sees every allocation (C ``malloc``,
    OpenMP thread stacks), and unlike asv's ``peakmem_`` it leaves out the
    data and the interpreter.  Elsewhere it falls back on the growth of
    ``getrusage``'s max RSS, which only shows a call that goes above the
    process's earlier peak; NaN when it did not.
    """
    _trim_heap()
    try:
        before = _status_kib("VmRSS") * 1024
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the high-water mark is now the current RSS
    except OSError:
        before_max = _maxrss_bytes()
        func(*args, **kwargs)
        after_max = _maxrss_bytes()
        return float(after_max - before_max) if after_max > before_max else math.nan
    func(*args, **kwargs)
    return float(max(0, _status_kib("VmHWM") * 1024 - before))


class Benchmark:
    """Base class of the asv suite.

    Wall-clock timer (a CPU-time timer sums every OpenMP thread and would make
    threading look like a slow-down); data and centres are built in ``setup``
    from fixed seeds, so every commit is timed on the same numbers.
    """

    timer = timeit.default_timer
    # Between 1 and 10 samples, at most 20 s of them; asv picks how many
    # calls make a sample (one for anything slower than 10 ms).
    repeat = (1, 10, 20.0)
    warmup_time = 0.05
    timeout = 900 if FULL else 120
    params = [list(CASES), list(DTYPES), list(WORKERS)]
    param_names = ["case", "dtype", "workers"]

    def make(self, case, dtype):
        """Set ``self.x`` (the data) and ``self.c`` (centres, data dtype)."""
        self.x = make_data(case, dtype)
        self.c = np.ascontiguousarray(
            initial_centres(self.x, case.k), dtype=self.x.dtype
        )


class MemoryBenchmark(Benchmark):
    """Base class of the memory benchmarks: the default thread count only.

    Memory barely depends on the thread count (per-thread buffers are
    O(k*d)), and every parameter combination costs asv one process, so the
    ``peakmem_``/``track_`` benchmarks live in classes of their own without a
    ``workers`` parameter.
    """

    params = [list(CASES), list(DTYPES)]
    param_names = ["case", "dtype"]
