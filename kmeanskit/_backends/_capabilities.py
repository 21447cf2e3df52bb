"""What each public function does with each array library, declared once.

This module is the single source of three things that must not drift apart:

* the support matrix in ``README.md`` and ``docs/backends.rst``, rendered
  from it by ``tools/support_matrix.py`` (``python tools/support_matrix.py
  --write README.md docs/backends.rst`` rewrites both; a test checks they are
  up to date);
* the test-suite's backends: ``tests/conftest.py`` builds its ``xp`` fixture
  from :data:`TEST_PARAMS` and turns :func:`test_marks` into skip/xfail
  marks;
* behaviour that depends on it at run time: a function whose ``jax_jit`` is
  False refuses traced JAX arrays with a ``TypeError``.

A cell is ✅ only when the test-suite runs it (on CI's CPU machines); GPU
rows say "implemented, untested" until a run on a GPU is recorded here.
"""

from dataclasses import dataclass, field

__all__ = [
    "BACKENDS",
    "FUNCTIONS",
    "TEST_PARAMS",
    "Backend",
    "Function",
    "Support",
    "TestParam",
    "support",
    "test_marks",
]

YES, LIMITED, UNTESTED, NO = "yes", "limited", "untested", "no"
_SYMBOL = {YES: "✅", LIMITED: "⚠️", UNTESTED: "", NO: "⛔"}


@dataclass(frozen=True)
class Backend:
    """One row of the matrix: an array library (and device)."""

    key: str
    label: str
    engine: str
    """Which engine computes, and how the data reaches it."""
    data: str
    """What happens to the caller's data: copied, viewed, computed."""
    tested: str
    """What runs it in CI."""
    on_gpu: bool = False
    test_file: str = ""
    """A test module of its own that runs every cell, refusals included
    (instead of the ``xp`` fixture: scipy.sparse is no array namespace)."""


@dataclass(frozen=True)
class Support:
    """One cell: how a function works on a backend."""

    status: str
    """'yes' (tested, works), 'limited' (tested, works with the limit in
    ``detail``), 'untested' (implemented, no run recorded) or 'no'."""
    detail: str = ""
    xfail: str = ""
    """Non-empty: the tests of this cell are expected to fail, for this reason."""
    skip: str = ""
    """Non-empty: the tests of this cell are skipped, for this reason."""

    def text(self):
        if self.status == UNTESTED:
            suffix = f" ({self.detail})" if self.detail else ""
            return "implemented, untested" + suffix
        symbol = _SYMBOL[self.status]
        return f"{symbol} {self.detail}" if self.detail else symbol


@dataclass(frozen=True)
class Function:
    """A public function's capabilities."""

    name: str
    jax_jit: bool | str
    """True: works inside ``jax.jit``; a string: works under that condition;
    False: raises ``TypeError`` on traced arrays."""
    dask_lazy: bool
    """True: on Dask arrays it builds a graph and computes nothing; False: it
    computes k-sized results pass by pass on the workers (the data itself is
    never brought to the client)."""
    overrides: dict = field(default_factory=dict)
    """backend key -> Support, where the default rule does not apply."""


def _eager(name, *, dask):
    """A function that computes when called (no ``jax.jit``, no lazy Dask
    result), whose Dask support is ``dask``."""
    return Function(name, jax_jit=False, dask_lazy=False, overrides={"dask": dask})


BACKENDS = (
    Backend(
        "numpy", "NumPy",
        engine="compiled (Cython kernels, OpenMP threads)",
        data="used in place; copied only when not C-contiguous float32/float64",
        tested="CI: `xp=numpy`",
    ),
    Backend(
        "torch-cpu", "PyTorch CPU",
        engine="compiled, through a zero-copy NumPy view (`Tensor.numpy()`)",
        data="not copied (unless non-contiguous or float16/bfloat16); tensors "
             "with `requires_grad` are detached and the results carry no "
             "gradient, except `whiten`'s, computed by torch itself",
        tested="CI: `xp=torch`",
    ),
    Backend(
        "array-api-strict", "array-api-strict",
        engine="portable (Array API standard, chunked over rows)",
        data="stays on its device; k-sized results cross to the host",
        tested="CI: `xp=array_api_strict`",
    ),
    Backend(
        "jax-cpu", "JAX CPU",
        engine="portable",
        data="stays on its device; float64 only with `jax_enable_x64` "
             "(else float32 with compensated sums)",
        tested="CI: `xp=jax.numpy` (x64 enabled), float32-only path by a test",
    ),
    Backend(
        "dask", "Dask",
        engine="Dask engine: the compiled kernel on each row block (one task "
               "per block, one thread each by default; blocks of other "
               "libraries, e.g. CuPy, through the portable engine, untested), "
               "then a tree reduction; `whiten`: the Array API on the graph",
        data="stays on the workers, never gathered: only k-sized results "
             "reach the client; `whiten`, `vq` and `kmeans2`'s labels stay "
             "lazy; column blocks are rechunked once (with a warning); "
             "unknown chunk sizes are refused except by `vq` and `whiten`",
        tested="CI: `xp=dask.array` (threaded scheduler) and "
               "`tests/test_dask.py` (also on a `dask.distributed` "
               "LocalCluster of 2 processes)",
    ),
    Backend(
        "scipy-sparse", "scipy.sparse",
        engine="compiled, through the CSR kernels (`kmeanskit/_ext/_sparse.pyx`)",
        data="never densified; CSR used in place, other formats (CSC, COO, "
             "...) and matrices with duplicate entries converted to CSR once, "
             "in a copy; centres and results dense NumPy",
        tested="CI: `tests/test_sparse.py` (against the same data dense, and "
               "scikit-learn)",
        test_file="tests/test_sparse.py",
    ),
    Backend(
        "torch-gpu", "PyTorch GPU",
        engine="portable, on the tensor's device",
        data="stays on the GPU; k-sized results cross to the host",
        tested="no GPU run yet; the code path runs in CI on CPU "
               "(`xp=torch-portable`)",
        on_gpu=True,
    ),
    Backend(
        "cupy", "CuPy",
        engine="portable, on the array's device",
        data="stays on the GPU; k-sized results cross to the host",
        tested="no GPU run yet; the code path runs in CI on CPU",
        on_gpu=True,
    ),
    Backend(
        "jax-gpu", "JAX GPU",
        engine="portable, on the array's device",
        data="stays on the GPU; k-sized results cross to the host",
        tested="no GPU run yet; the code path runs in CI on CPU (`xp=jax.numpy`)",
        on_gpu=True,
    ),
)

def _cpu_only(what):
    """Cells of a function whose kernels run on the CPU only: arrays of the
    portable route are copied to the host, results go back."""
    copied = f"CPU only: {what} copied to the host"
    return {
        "array-api-strict": Support(LIMITED, copied),
        "jax-cpu": Support(LIMITED, f"eager only; {copied}"),
        "torch-gpu": Support(UNTESTED, copied),
        "cupy": Support(UNTESTED, copied),
        "jax-gpu": Support(UNTESTED, copied),
    }


# Dask cells of the metrics and model selection: per-row results (never the
# data itself) are brought to the client.
_LABELS_TO_CLIENT = Support(
    LIMITED, "the labels (n integers) come to the client; the data stays on "
             "the workers")
_SUMS_TO_CLIENT = Support(
    LIMITED, "the labels and n x k distance sums come to the client; the data "
             "stays on the workers")
_FIT_LABELS_TO_CLIENT = Support(
    LIMITED, "the fits run on the workers; each fit's labels come to the client "
             "for the criteria")

FUNCTIONS = (
    Function("whiten", jax_jit=True, dask_lazy=True),
    Function("vq", jax_jit="check_finite=False", dask_lazy=True),
    Function("kmeans", jax_jit=False, dask_lazy=False, overrides={
        "dask": Support(YES, "one pass per iteration, plus one for each "
                            "run's distortion (returned lazy)"),
    }),
    Function("kmeans2", jax_jit=False, dask_lazy=False, overrides={
        "dask": Support(YES, "one pass per iteration; centroids computed, "
                            "labels lazy; `minit='||'` for k-means||"),
    }),
    Function("kpp_init", jax_jit=False, dask_lazy=False, overrides={
        "dask": Support(YES, "`'++'`: k passes, SciPy's draws; "
                            "`method='||'`: about 2 per round"),
    }),
    Function("minibatch_kmeans", jax_jit=False, dask_lazy=False, overrides={
        "dask": Support(LIMITED, "each step fetches its random batch, which "
                                 "touches about every block; for data out of "
                                 "memory feed `minibatch_update` block by block"),
    }),
    Function("minibatch_update", jax_jit=False, dask_lazy=False,
             overrides={"dask": Support(YES, "computes one batch (a chunk)")}),
    Function("kmedians", jax_jit=False, dask_lazy=False,
             overrides={**_cpu_only("the data"),
                        "dask": Support(LIMITED, "exact medians: computes the "
                                        "data into memory (a median does not "
                                        "reduce across chunks)")}),
    Function("kmedoids", jax_jit=False, dask_lazy=False,
             overrides=_cpu_only("the data or matrix")),
    Function("spherical_kmeans", jax_jit=False, dask_lazy=False),
    Function("bisecting_kmeans", jax_jit=False, dask_lazy=False,
             overrides={**_cpu_only("the data"),
                        "dask": Support(LIMITED, "computes the data into memory: "
                                        "each split works on a subset of rows")}),
    # Metrics and model selection: the labels come to the host (n integers)
    # to be encoded; per-cluster sums stay on the data's device.
    *(_eager(name, dask=_LABELS_TO_CLIENT)
      for name in ("inertia", "calinski_harabasz_score", "davies_bouldin_score")),
    *(_eager(name, dask=_SUMS_TO_CLIENT)
      for name in ("silhouette_samples", "silhouette_score")),
    *(_eager(name, dask=_LABELS_TO_CLIENT) for name in ("kmeans_bic", "kmeans_aic")),
    *(_eager(name, dask=_FIT_LABELS_TO_CLIENT)
      for name in ("gap_statistic", "choose_k")),
    Function("stability_study", jax_jit=False, dask_lazy=False, overrides={
        "dask": Support(LIMITED, "computes each run's data into memory once: "
                                 "the study is many small fits"),
    }),
)

_BACKEND = {b.key: b for b in BACKENDS}
_FUNCTION = {f.name: f for f in FUNCTIONS}


# scipy.sparse cells that are not a plain ✅ (see kmeanskit._backends._sparse_data).
_SPARSE = {
    "whiten": Support(YES, "returns the same sparse format"),
    "kmeans2": Support(YES, "`minit='random'` up to 4096 columns (it needs "
                            "the d x d covariance)"),
    "minibatch_kmeans": Support(YES, "batches stay sparse"),
    "silhouette_samples": Support(YES, "row blocks against all rows"),
    "silhouette_score": Support(YES, "row blocks against all rows"),
    "kmedians": Support(NO, "`TypeError`: coordinate-wise medians need the "
                            "columns' sorted values"),
    "kmedoids": Support(NO, "`TypeError`: works on a dense n x n matrix"),
    "gap_statistic": Support(NO, "`TypeError`: dense uniform reference sets"),
    "choose_k": Support(YES, "except the gap criterion (`TypeError`)"),
    "kmeans_bic": Support(YES),
    "kmeans_aic": Support(YES),
}


def _default_support(function, backend):
    if backend.key == "scipy-sparse":
        return _SPARSE.get(function.name, Support(YES))
    if backend.on_gpu:
        return Support(UNTESTED)
    if backend.key == "jax-cpu":
        if function.jax_jit is True:
            return Support(YES, "also under `jax.jit`")
        if function.jax_jit:
            return Support(YES, f"also under `jax.jit` with `{function.jax_jit}`")
        return Support(LIMITED, "eager only (`TypeError` under `jax.jit`)")
    if backend.key == "dask":
        if function.dask_lazy:
            return Support(YES, "lazy")
        return Support(YES, "chunked passes on the workers")
    return Support(YES)


def support(function, backend):
    """The :class:`Support` cell of public function ``function`` (a name) on
    backend ``backend`` (a key of :data:`BACKENDS`)."""
    func = _FUNCTION[function]
    cell = func.overrides.get(backend)
    return cell if cell is not None else _default_support(func, _BACKEND[backend])


def jit_capability(function):
    """``Function.jax_jit`` of public function ``function``."""
    return _FUNCTION[function].jax_jit


def dask_lazy(function):
    """``Function.dask_lazy`` of public function ``function``."""
    return _FUNCTION[function].dask_lazy


# --------------------------------------------------------------------------
# Test-suite backends

@dataclass(frozen=True)
class TestParam:
    """One value of the test-suite's ``xp`` fixture."""

    __test__ = False  # not a pytest test class

    id: str
    module: str
    """Module to import (the test is left out when it is not installed)."""
    backend: str
    """Key of the backend whose cells apply."""
    portable: bool = False
    """Force the portable engine (what GPU arrays take) on CPU data."""


TEST_PARAMS = (
    TestParam("numpy", "numpy", "numpy"),
    TestParam("array_api_strict", "array_api_strict", "array-api-strict"),
    TestParam("torch", "torch", "torch-cpu"),
    TestParam("torch-portable", "torch", "torch-gpu", portable=True),
    TestParam("jax.numpy", "jax.numpy", "jax-cpu"),
    TestParam("dask.array", "dask.array", "dask"),
    TestParam("cupy", "cupy", "cupy"),  # only where CuPy and a GPU are
)


def test_marks(function, backend):
    """``[(kind, reason)]`` with kind 'skip' or 'xfail' for the tests of
    ``function`` on ``backend`` (empty when they are expected to pass)."""
    cell = support(function, backend)
    marks = []
    if cell.skip:
        marks.append(("skip", cell.skip))
    if cell.xfail:
        marks.append(("xfail", cell.xfail))
    if cell.status == NO and not marks:
        marks.append(("skip", f"{function} is not supported on {backend}"))
    return marks


test_marks.__test__ = False
