"""Every public function on every array library of the support matrix.

Each test runs once per value of the ``xp`` fixture (numpy, array_api_strict,
torch, torch-portable, jax.numpy, dask.array; see conftest.py) and compares
with the NumPy answer computed by the same function.

Tolerances: the compiled and portable engines find the nearest centre in the
same order of operations and accumulate in float64, so labels are equal and
float64 results agree to rounding (rtol 1e-12); float32 results agree to
rtol 1e-5 (float32 rounding of centroids near 1, plus float32 distances).
"""

import warnings

import numpy as np
import pytest

import kmeanskit
from kmeanskit import (
    ClusterError,
    kmeans,
    kmeans2,
    kpp_init,
    minibatch_kmeans,
    minibatch_update,
    vq,
    whiten,
)
from kmeanskit._backends import _capabilities

RTOL = {"float64": 1e-12, "float32": 1e-5}


def _close(actual, expected, dtype):
    np.testing.assert_allclose(actual, expected, rtol=RTOL[dtype], atol=RTOL[dtype])


def _data(dtype="float64", n=90, d=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array(
        [[0.0] * d, [5.0] + [0.0] * (d - 1), [0.0, 5.0] + [1.0] * (d - 2)])
    x = np.concatenate([c + rng.normal(0, 0.8, (n // 3, d)) for c in centres])
    return rng.permutation(x).astype(dtype)


def _sorted_rows(a):
    a = np.atleast_2d(np.asarray(a).T).T
    return a[np.lexsort(a.T[::-1])]


# --------------------------------------------------------------------------
# whiten

@pytest.mark.xp_function("whiten")
class TestWhiten:
    @pytest.mark.parametrize("dtype", ["float64", "float32"])
    def test_same_as_numpy(self, xp_backend, whiten_obs, dtype):
        obs = whiten_obs.astype(dtype)
        out = whiten(xp_backend.asarray(obs))
        xp_backend.check(out, dtype)
        _close(xp_backend.to_numpy(out), whiten(obs), dtype)

    def test_one_dimensional(self, xp_backend):
        obs = np.array([1.0, 2.0, 4.0, 8.0])
        out = whiten(xp_backend.asarray(obs))
        _close(xp_backend.to_numpy(out), whiten(obs), "float64")

    def test_integers_give_default_float(self, xp_backend):
        """Integer input comes back in the library's default float dtype."""
        xp = xp_backend.xp
        out = whiten(xp_backend.asarray(np.array([[1, 2], [3, 5], [4, 9]])))
        if xp_backend.id in ("torch", "torch-portable"):
            expected = str(xp.get_default_dtype()).rsplit(".", 1)[-1]
        else:
            expected = "float64"
        xp_backend.check(out, expected)

    def test_zero_std_column(self, xp_backend):
        """A constant column is returned unchanged; eager arrays warn (lazy
        ones, JAX and Dask, are not read by default, as in SciPy)."""
        obs = np.array([[1.0, 3.0], [2.0, 3.0], [4.0, 3.0]])
        if xp_backend.lazy:
            # Lazy default: check_finite=False, no read of values, no warning.
            out = whiten(xp_backend.asarray(obs))
        else:
            with pytest.warns(RuntimeWarning, match="standard deviation zero"):
                out = whiten(xp_backend.asarray(obs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = whiten(obs)
        _close(xp_backend.to_numpy(out), expected, "float64")

    def test_non_finite_raises(self, xp_backend):
        obs = xp_backend.asarray(np.array([[1.0, np.nan], [2.0, 3.0]]))
        with pytest.raises(ValueError, match="obs must not contain infs or NaNs"):
            whiten(obs, check_finite=True)

    def test_zero_dimensional_raises(self, xp_backend):
        with pytest.raises(ValueError, match="at least one dimension"):
            whiten(xp_backend.asarray(np.float64(3.0)))


# --------------------------------------------------------------------------
# vq

@pytest.mark.xp_function("vq")
class TestVq:
    @pytest.mark.parametrize("dtype", ["float64", "float32"])
    @pytest.mark.parametrize("d", [3, 12, 40])
    def test_same_as_numpy(self, xp_backend, dtype, d):
        """Narrow (direct) and wide (matrix product) data, both dtypes."""
        x = _data(dtype, d=d)
        book = x[[0, 30, 60, 7]].copy()
        code, dist = vq(xp_backend.asarray(x), xp_backend.asarray(book))
        ref_code, ref_dist = vq(x, book)
        xp_backend.check(code, "int32")
        xp_backend.check(dist, dtype)
        np.testing.assert_array_equal(xp_backend.to_numpy(code), ref_code)
        _close(xp_backend.to_numpy(dist), ref_dist, dtype)

    def test_one_dimensional(self, xp_backend):
        x = np.array([0.1, 2.0, 5.2, 4.9, -1.0])
        book = np.array([0.0, 5.0])
        code, dist = vq(xp_backend.asarray(x), xp_backend.asarray(book))
        np.testing.assert_array_equal(xp_backend.to_numpy(code), [0, 0, 1, 1, 0])
        _close(xp_backend.to_numpy(dist), vq(x, book)[1], "float64")

    def test_ties_go_to_lowest_index(self, xp_backend):
        x = np.array([[0.0, 0.0], [1.0, 0.0]])
        book = np.array([[-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
        code, _ = vq(xp_backend.asarray(x), xp_backend.asarray(book))
        np.testing.assert_array_equal(xp_backend.to_numpy(code), [0, 1])

    def test_integer_input(self, xp_backend):
        """Integer input: default-int codes and float64 distances, as SciPy."""
        x = np.array([[1, 2], [3, 4], [9, 9]])
        book = np.array([[1, 1], [9, 8]])
        code, dist = vq(xp_backend.asarray(x), xp_backend.asarray(book))
        xp_backend.check(code, "int64")
        xp_backend.check(dist, "float64")
        np.testing.assert_array_equal(xp_backend.to_numpy(code), vq(x, book)[0])

    @pytest.mark.parametrize("obs, book, message", [
        (np.ones((3, 2)), np.ones(2), "same number of dimensions"),
        (np.ones((3, 2)), np.ones((2, 3)), "same number of features"),
        (np.ones((3, 2)), np.ones((0, 2)), "code_book is empty"),
        (np.ones((3, 2, 2)), np.ones((2, 2, 2)), "1-D or 2-D"),
        (np.array([[1.0, np.inf]]), np.ones((1, 2)), "obs must not contain infs"),
        (np.ones((1, 2)), np.array([[np.nan, 1.0]]), "code_book must not contain"),
    ])
    def test_errors_as_numpy(self, xp_backend, obs, book, message):
        with pytest.raises(ValueError, match=message):
            vq(obs, book)
        with pytest.raises(ValueError, match=message):
            code, _ = vq(xp_backend.asarray(obs), xp_backend.asarray(book))
            # vq stays lazy on Dask: values are checked when it is computed.
            xp_backend.to_numpy(code)


# --------------------------------------------------------------------------
# kmeans2

@pytest.mark.xp_function("kmeans2")
class TestKmeans2:
    @pytest.mark.parametrize("dtype", ["float64", "float32"])
    @pytest.mark.parametrize("d", [3, 12])
    def test_matrix_same_as_numpy(self, xp_backend, dtype, d):
        x = _data(dtype, d=d)
        start = x[[0, 1, 2]].copy()
        centroid, label = kmeans2(xp_backend.asarray(x), xp_backend.asarray(start),
                                  minit="matrix")
        ref_centroid, ref_label = kmeans2(x, start, minit="matrix")
        xp_backend.check(centroid, dtype)
        xp_backend.check(label, "int32")
        _close(xp_backend.to_numpy(centroid), ref_centroid, dtype)
        np.testing.assert_array_equal(xp_backend.to_numpy(label), ref_label)

    @pytest.mark.parametrize("minit", ["points", "++", "random"])
    def test_same_rng_same_result(self, xp_backend, minit):
        """Seeding draws on the host: the same rng gives the same centres."""
        x = _data()
        centroid, label = kmeans2(xp_backend.asarray(x), 3, minit=minit, rng=7)
        ref_centroid, ref_label = kmeans2(x, 3, minit=minit, rng=7)
        _close(xp_backend.to_numpy(centroid), ref_centroid, "float64")
        np.testing.assert_array_equal(xp_backend.to_numpy(label), ref_label)

    def test_random_init_wide_data(self, xp_backend):
        """minit='random' with more features than observations (host SVD)."""
        x = np.random.default_rng(3).normal(size=(5, 8))
        centroid, _ = kmeans2(xp_backend.asarray(x), 2, iter=2, minit="random", rng=1)
        _close(xp_backend.to_numpy(centroid),
               kmeans2(x, 2, iter=2, minit="random", rng=1)[0], "float64")

    def test_one_dimensional(self, xp_backend, data1d):
        centroid, label = kmeans2(xp_backend.asarray(data1d), 3, minit="++", rng=2)
        ref_centroid, ref_label = kmeans2(data1d, 3, minit="++", rng=2)
        assert tuple(centroid.shape) == (3,)
        _close(xp_backend.to_numpy(centroid), ref_centroid, "float64")
        np.testing.assert_array_equal(xp_backend.to_numpy(label), ref_label)

    def test_hamerly_same_labels(self, xp_backend):
        x = _data()
        start = x[[0, 1, 2]].copy()
        a = kmeans2(xp_backend.asarray(x), xp_backend.asarray(start), minit="matrix",
                    algorithm="hamerly")
        b = kmeans2(x, start, minit="matrix")
        np.testing.assert_array_equal(xp_backend.to_numpy(a[1]), b[1])
        _close(xp_backend.to_numpy(a[0]), b[0], "float64")

    def test_empty_cluster_warns_or_raises(self, xp_backend, X_small):
        start = np.array([[3.0, 3.0], [100.0, 100.0]])
        data = xp_backend.asarray(X_small)
        with pytest.warns(UserWarning, match="One of the clusters is empty"):
            centroid, _ = kmeans2(data, xp_backend.asarray(start), iter=1,
                                  minit="matrix")
        np.testing.assert_array_equal(xp_backend.to_numpy(centroid)[1], [100.0, 100.0])
        with pytest.raises(ClusterError, match="One of the clusters is empty"):
            kmeans2(data, xp_backend.asarray(start), minit="matrix", missing="raise")

    def test_list_code_book(self, xp_backend, X_small):
        """A Python list code book joins the data's library."""
        centroid, _ = kmeans2(xp_backend.asarray(X_small), [[3.0, 3.0], [9.0, 3.0]],
                              minit="matrix")
        xp_backend.check(centroid, "float64")

    @pytest.mark.parametrize("kwargs, error, message", [
        ({"k": 2, "iter": 0}, ValueError, "iter must be an integer >= 1"),
        ({"k": 2, "minit": "nope"}, ValueError, "Unknown init method"),
        ({"k": 0}, ValueError, "Cannot ask kmeans2 for 0 clusters"),
        ({"k": np.ones((2, 3)), "minit": "matrix"}, ValueError,
         "one column per feature"),
    ])
    def test_errors_as_numpy(self, xp_backend, X_small, kwargs, error, message):
        kwargs = dict(kwargs)
        k = kwargs.pop("k")
        with pytest.raises(error, match=message):
            kmeans2(X_small, k, **kwargs)
        if isinstance(k, np.ndarray):
            k = xp_backend.asarray(k)
        with pytest.raises(error, match=message):
            kmeans2(xp_backend.asarray(X_small), k, **kwargs)

    def test_integer_data_raises_type_error(self, xp_backend):
        with pytest.raises(TypeError, match="floating-point"):
            kmeans2(xp_backend.asarray(np.arange(12).reshape(6, 2)), 2)


# --------------------------------------------------------------------------
# kmeans

@pytest.mark.xp_function("kmeans")
class TestKmeans:
    def test_guess_same_as_numpy(self, xp_backend, X_small):
        guess = X_small[:3].copy()
        book, distortion = kmeans(xp_backend.asarray(X_small),
                                  xp_backend.asarray(guess))
        ref_book, ref_distortion = kmeans(X_small, guess)
        xp_backend.check(book, "float64")
        xp_backend.check(distortion, "float64")
        assert tuple(distortion.shape) == ()
        _close(xp_backend.to_numpy(book), ref_book, "float64")
        _close(xp_backend.to_numpy(distortion), ref_distortion, "float64")

    @pytest.mark.parametrize("dtype", ["float64", "float32"])
    def test_restarts_same_rng_same_result(self, xp_backend, dtype):
        x = _data(dtype)
        book, distortion = kmeans(xp_backend.asarray(x), 3, iter=4, rng=5)
        ref_book, ref_distortion = kmeans(x, 3, iter=4, rng=5)
        xp_backend.check(book, dtype)
        xp_backend.check(distortion, dtype)
        # Restarts reaching the same partition tie up to rounding: compare
        # the code books as sets of rows.
        _close(_sorted_rows(xp_backend.to_numpy(book)), _sorted_rows(ref_book), dtype)
        _close(xp_backend.to_numpy(distortion), ref_distortion, dtype)

    def test_errors_as_numpy(self, xp_backend, X_small):
        data = xp_backend.asarray(X_small)
        with pytest.raises(ValueError, match="iter must be an integer >= 1"):
            kmeans(data, 2, iter=0)
        with pytest.raises(ValueError, match="k_or_guess=20 clusters cannot be seeded"):
            kmeans(data, 20)
        with pytest.raises(TypeError, match="both `rng` and `seed`"):
            kmeans(data, 2, rng=1, seed=1)


# --------------------------------------------------------------------------
# kpp_init

@pytest.mark.xp_function("kpp_init")
class TestKppInit:
    @pytest.mark.parametrize("n_local_trials", [1, "auto"])
    @pytest.mark.parametrize("dtype", ["float64", "float32"])
    def test_same_centres(self, xp_backend, n_local_trials, dtype):
        x = _data(dtype)
        centres = kpp_init(xp_backend.asarray(x), 5, rng=3,
                           n_local_trials=n_local_trials)
        xp_backend.check(centres, dtype)
        np.testing.assert_array_equal(
            xp_backend.to_numpy(centres),
            kpp_init(x, 5, rng=3, n_local_trials=n_local_trials))

    def test_errors_as_numpy(self, xp_backend):
        with pytest.raises(ValueError, match="k must be at least 1"):
            kpp_init(xp_backend.asarray(_data()), 0)
        with pytest.raises(ValueError, match="must not contain infs"):
            kpp_init(xp_backend.asarray(np.array([[np.inf, 1.0], [0.0, 0.0]])), 1)


# --------------------------------------------------------------------------
# Across functions

@pytest.mark.xp_function("vq", "kmeans", "kmeans2", "kpp_init", "whiten")
def test_inputs_never_mutated(xp_backend, X_small):
    data = xp_backend.asarray(X_small)
    guess = xp_backend.asarray(X_small[:3])
    whiten(data)
    vq(data, guess)
    kmeans(data, guess)
    kmeans2(data, guess, minit="matrix")
    kmeans2(data, 3, minit="++", rng=0)
    kpp_init(data, 3, rng=0)
    np.testing.assert_array_equal(xp_backend.to_numpy(data), X_small)
    np.testing.assert_array_equal(xp_backend.to_numpy(guess), X_small[:3])


@pytest.mark.xp_function("vq", "kmeans", "kmeans2")
def test_mixed_namespaces_raise_type_error(xp_backend, X_small):
    """NumPy arrays with another library's arrays: a TypeError naming both."""
    if xp_backend.param.module == "numpy":
        pytest.skip("NumPy with NumPy is not mixed")
    data = xp_backend.asarray(X_small)
    book = X_small[:3].copy()
    with pytest.raises(TypeError, match="different array libraries.*code_book"):
        vq(data, book)
    with pytest.raises(TypeError, match="different array libraries"):
        kmeans(book, xp_backend.asarray(book))
    with pytest.raises(TypeError, match="different array libraries"):
        kmeans2(data, book, minit="matrix")


def test_numpy_scalar_count_is_not_an_array(xp_backend, X_small):
    """A NumPy integer as k is a count, whatever library holds the data."""
    centroid, _ = kmeans2(xp_backend.asarray(X_small), np.int64(2), minit="points",
                          rng=0)
    xp_backend.check(centroid, "float64")


# --------------------------------------------------------------------------
# Dask: what is computed

def _recording_scheduler():
    """A synchronous scheduler that records the largest value each compute
    (or persist) hands back."""
    import dask
    from dask.sizeof import sizeof

    largest = []

    def biggest(value):
        if isinstance(value, list | tuple):
            return max((biggest(v) for v in value), default=0)
        return sizeof(value)

    def get(dsk, keys, **kwargs):
        results = dask.get(dsk, keys, **kwargs)
        largest.append(biggest(results))
        return results

    return get, largest


# Functions whose capability cell says they bring the data (or, for the
# streaming update, its batch) into memory: exact medians and medoids need
# all of it at once, the stability study runs many small fits on it.
GATHER_ON_DASK = ("minibatch_update", "kmedians", "kmedoids", "stability_study",
                  "bisecting_kmeans")
# Metrics and model selection bring per-row results (labels, per-row
# distance sums) to the client, never the data.
ROW_VALUES_ON_DASK = ("inertia", "calinski_harabasz_score", "davies_bouldin_score",
                      "silhouette_samples", "silhouette_score", "kmeans_bic",
                      "kmeans_aic", "gap_statistic", "choose_k")


@pytest.mark.parametrize("function", [f.name for f in _capabilities.FUNCTIONS])
def test_dask_computes_as_declared(function):
    """Functions declared lazy compute nothing; the others compute only
    small results (k-sized sums, row indices, per-row values of one block
    when persisted), never anything as large as one block of the data."""
    da = pytest.importorskip("dask.array")
    import dask

    x = _data(n=300, d=4)
    data = da.from_array(x, chunks=50)
    labels = da.from_array(np.arange(300) % 3, chunks=50)
    calls = {
        "whiten": lambda: whiten(data),
        "vq": lambda: vq(data, da.from_array(x[:3])),
        "kmeans": lambda: kmeans(data, 3, iter=3, rng=0),
        "kmeans2": lambda: kmeans2(data, 3, minit="++", rng=0),
        "kpp_init": lambda: kpp_init(data, 3, rng=0),
        "minibatch_kmeans": lambda: minibatch_kmeans(data, 3, batch_size=4, rng=0),
        # the streaming update computes its batch (a chunk) and keeps host state
        "minibatch_update": lambda: minibatch_update(
            kmeanskit.MiniBatchState(x[:3]), data),
        "kmedians": lambda: kmeanskit.kmedians(data, 3, rng=0),
        "kmedoids": lambda: kmeanskit.kmedoids(data, 3, rng=0),
        "spherical_kmeans": lambda: kmeanskit.spherical_kmeans(data, 3, rng=0),
        "bisecting_kmeans": lambda: kmeanskit.bisecting_kmeans(data, 3, rng=0),
        "inertia": lambda: kmeanskit.inertia(data, labels),
        "calinski_harabasz_score": lambda: kmeanskit.calinski_harabasz_score(
            data, labels),
        "davies_bouldin_score": lambda: kmeanskit.davies_bouldin_score(data, labels),
        "silhouette_samples": lambda: kmeanskit.silhouette_samples(data, labels),
        "silhouette_score": lambda: kmeanskit.silhouette_score(data, labels),
        "kmeans_bic": lambda: kmeanskit.kmeans_bic(data, labels),
        "kmeans_aic": lambda: kmeanskit.kmeans_aic(data, labels),
        "gap_statistic": lambda: kmeanskit.gap_statistic(data, [1, 2], n_refs=2,
                                                         rng=0),
        "choose_k": lambda: kmeanskit.choose_k(data, [1, 2, 3], rng=0),
        "stability_study": lambda: kmeanskit.stability_study(
            data, 3, n_init=[1, 2], n_runs=2, rng=0),
    }
    # Functions whose result is an array come back as Dask arrays; the
    # others return numbers or result objects.
    returns_array = {"whiten", "vq", "kmeans", "kmeans2", "kpp_init",
                     "minibatch_kmeans", "kmedians", "kmedoids",
                     "spherical_kmeans", "silhouette_samples", "bisecting_kmeans"}
    get, largest = _recording_scheduler()
    with dask.config.set(scheduler=get):
        result = calls[function]()
    if _capabilities.dask_lazy(function):
        assert largest == []
    elif function in GATHER_ON_DASK:
        assert largest
    elif function in ROW_VALUES_ON_DASK:
        assert largest and max(largest) < x.nbytes, (largest, x.nbytes)
    else:
        block = x[:50].nbytes
        assert largest and max(largest) < block, (largest, block)
    if function in returns_array:
        first = result[0] if isinstance(result, tuple) else result
        assert hasattr(first, "dask")


def test_dask_labels_keep_row_chunks(X_small):
    da = pytest.importorskip("dask.array")
    data = da.from_array(X_small, chunks=4)
    _, label = kmeans2(data, 3, minit="points", rng=0)
    assert label.chunks[0] == data.chunks[0]


# --------------------------------------------------------------------------
# PyTorch: zero copy, autograd, dtypes

def test_torch_cpu_is_viewed_not_copied(X_small):
    torch = pytest.importorskip("torch")
    from kmeanskit._backends._dispatch import dispatch

    tensor = torch.asarray(X_small)
    route = dispatch("vq", tensor, None, names=("obs", "code_book"))
    assert route.kind == "torch"
    assert np.shares_memory(route.arrays[0], tensor.numpy())


def test_torch_requires_grad_is_detached(X_small):
    torch = pytest.importorskip("torch")
    data = torch.asarray(X_small).requires_grad_(True)
    centroid, label = kmeans2(data, X_small[:3].tolist(), minit="matrix")
    assert not centroid.requires_grad
    np.testing.assert_array_equal(centroid.numpy(),
                                  kmeans2(X_small, X_small[:3], minit="matrix")[0])
    assert data.requires_grad and data.grad is None


def test_torch_whiten_keeps_the_autograd_graph(X_small):
    """whiten is computed by torch itself: differentiable, as torch.std is."""
    torch = pytest.importorskip("torch")
    data = torch.asarray(X_small).requires_grad_(True)
    out = whiten(data)
    assert out.requires_grad
    out.sum().backward()
    assert data.grad is not None and data.grad.shape == data.shape


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_torch_half_precision_computed_in_float32(dtype, X_small):
    torch = pytest.importorskip("torch")
    data = torch.asarray(X_small).to(getattr(torch, dtype))
    centroid, label = kmeans2(data, 3, minit="points", rng=0)
    assert centroid.dtype == torch.float32 and label.dtype == torch.int32


def test_torch_non_contiguous(X_small):
    torch = pytest.importorskip("torch")
    data = torch.asarray(np.asfortranarray(X_small).T).T  # a transposed view
    assert not data.is_contiguous()
    code, _ = vq(data, torch.asarray(X_small[:3]))
    np.testing.assert_array_equal(code.numpy(), vq(X_small, X_small[:3])[0])


# --------------------------------------------------------------------------
# Devices (array-api-strict's simulated devices)

def test_results_on_the_input_device(X_small):
    xs = pytest.importorskip("array_api_strict")
    device = xs.Device("device1")
    data = xs.asarray(X_small, device=device)
    centroid, label = kmeans2(data, xs.asarray(X_small[:3], device=device),
                              minit="matrix")
    code, dist = vq(data, centroid)
    for out in (centroid, label, code, dist, whiten(data), kpp_init(data, 2, rng=0)):
        assert out.device == device


def test_mixed_devices_raise_value_error(X_small):
    xs = pytest.importorskip("array_api_strict")
    data = xs.asarray(X_small, device=xs.Device("device1"))
    book = xs.asarray(X_small[:3], device=xs.Device("device2"))
    with pytest.raises(ValueError, match="different devices"):
        vq(data, book)


def test_device_without_float64(X_small):
    """A device without float64: float32 data, compensated float32 sums."""
    xs = pytest.importorskip("array_api_strict")
    device = xs.Device("no_float64")
    x = _data("float32", n=300)
    start = x[[0, 1, 2]].copy()
    centroid, label = kmeans2(xs.asarray(x, device=device),
                              xs.asarray(start, device=device), minit="matrix")
    ref_centroid, ref_label = kmeans2(x, start, minit="matrix")
    assert centroid.device == device and centroid.dtype == xs.float32
    _close(np.asarray(centroid.to_device(xs.Device("CPU_DEVICE"))), ref_centroid,
           "float32")
    # Integer vq input falls back from float64 to float32 there.
    code, dist = vq(xs.asarray(np.array([[1, 2], [3, 4]]), device=device),
                    xs.asarray(np.array([[1, 1]]), device=device))
    assert dist.dtype == xs.float32


# --------------------------------------------------------------------------
# JAX: jit, and float32 without jax_enable_x64

@pytest.mark.parametrize("function", [f.name for f in _capabilities.FUNCTIONS])
def test_jax_jit_as_declared(function, X_small):
    """Under jax.jit a function works where the table says so and raises a
    TypeError naming jax.jit where it says not."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    book = jnp.asarray(X_small[:3])
    labels = jnp.asarray(np.arange(len(X_small)) % 3)
    calls = {
        "whiten": lambda x: whiten(x),
        "vq": lambda x: vq(x, book, check_finite=False),
        "kmeans": lambda x: kmeans(x, book),
        "kmeans2": lambda x: kmeans2(x, book, minit="matrix"),
        "kpp_init": lambda x: kpp_init(x, 2, rng=0),
        "minibatch_kmeans": lambda x: minibatch_kmeans(x, 2, rng=0),
        "minibatch_update": lambda x: minibatch_update(
            kmeanskit.MiniBatchState(X_small[:2]), x),
        "kmedians": lambda x: kmeanskit.kmedians(x, 2, rng=0),
        "kmedoids": lambda x: kmeanskit.kmedoids(x, 2, rng=0),
        "spherical_kmeans": lambda x: kmeanskit.spherical_kmeans(x, 2, rng=0),
        "bisecting_kmeans": lambda x: kmeanskit.bisecting_kmeans(x, 2, rng=0),
        "inertia": lambda x: kmeanskit.inertia(x, labels),
        "calinski_harabasz_score": lambda x: kmeanskit.calinski_harabasz_score(
            x, labels),
        "davies_bouldin_score": lambda x: kmeanskit.davies_bouldin_score(x, labels),
        "silhouette_samples": lambda x: kmeanskit.silhouette_samples(x, labels),
        "silhouette_score": lambda x: kmeanskit.silhouette_score(x, labels),
        "kmeans_bic": lambda x: kmeanskit.kmeans_bic(x, labels),
        "kmeans_aic": lambda x: kmeanskit.kmeans_aic(x, labels),
        "gap_statistic": lambda x: kmeanskit.gap_statistic(x, [1, 2], rng=0),
        "choose_k": lambda x: kmeanskit.choose_k(x, [1, 2], rng=0),
        "stability_study": lambda x: kmeanskit.stability_study(x, 2, rng=0),
    }
    data = jnp.asarray(X_small)
    capability = _capabilities.jit_capability(function)
    if capability is False:
        with pytest.raises(TypeError, match="jax.jit"):
            jax.jit(calls[function])(data)
        return
    jitted = jax.jit(calls[function])(data)
    eager = calls[function](data)
    for a, b in zip(jax.tree_util.tree_leaves(jitted), jax.tree_util.tree_leaves(eager),
                    strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)


def test_jax_jit_vq_with_check_finite_raises(X_small):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    book = jnp.asarray(X_small[:3])
    with pytest.raises(TypeError, match="check_finite=False"):
        jax.jit(lambda x: vq(x, book))(jnp.asarray(X_small))


def test_portable_pass_is_jittable(X_small):
    """The portable engine's per-iteration step traces under jax.jit."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    from kmeanskit._backends._engines.portable import PortableEngine

    engine = PortableEngine(jnp, tile_elements=8)  # several chunks
    x, c = jnp.asarray(X_small), jnp.asarray(X_small[:3])
    eager = engine.pass_arrays(x, c, return_labels=True)
    jitted = jax.jit(lambda x, c: engine.pass_arrays(x, c, return_labels=True))(x, c)
    for a, b in zip(eager, jitted, strict=True):
        if a is None:
            assert b is None
        else:
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)


def test_jax_without_x64_uses_float32_and_compensated_sums():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from kmeanskit._backends._engines.portable import PortableEngine

    x = _data("float32", n=300)
    start = x[[0, 1, 2]].copy()
    ref_centroid, ref_label = kmeans2(x, start, minit="matrix")
    with jax.enable_x64(False):
        engine = PortableEngine(jnp)
        assert engine.compensated
        centroid, label = kmeans2(jnp.asarray(x), jnp.asarray(start), minit="matrix")
        assert centroid.dtype == jnp.float32 and label.dtype == jnp.int32
        _close(np.asarray(centroid), ref_centroid, "float32")
        np.testing.assert_array_equal(np.asarray(label), ref_label)


# --------------------------------------------------------------------------
# The portable engine itself (on NumPy through array-api-compat)

def _compat_numpy():
    import array_api_compat

    return array_api_compat.array_namespace(np.empty(0))


def _strict():
    return pytest.importorskip("array_api_strict")


@pytest.mark.parametrize("namespace", [_compat_numpy, _strict],
                         ids=["numpy-compat", "array_api_strict"])
@pytest.mark.parametrize("d", [2, 12])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_portable_chunking_does_not_change_results(namespace, d, dtype):
    """Many small chunks (the last one shorter) give the labels and sums of
    one big chunk, and those of the compiled engine."""
    from kmeanskit._backends._engines.compiled import CompiledEngine
    from kmeanskit._backends._engines.portable import PortableEngine, to_host

    xp = namespace()
    x = _data(dtype, n=301, d=d)
    c = x[[0, 1, 2, 3]].copy()
    data = xp.asarray(x)
    whole = PortableEngine(xp).lloyd_pass(data, c, return_labels=True)
    chunked = PortableEngine(xp, tile_elements=50).lloyd_pass(
        data, c, return_labels=True)
    compiled = CompiledEngine().lloyd_pass(x, c, return_labels=True)
    for result in (chunked, compiled):
        np.testing.assert_array_equal(to_host(result.labels), to_host(whole.labels))
        np.testing.assert_allclose(result.sums, whole.sums, rtol=1e-12)
        np.testing.assert_allclose(result.counts, whole.counts, rtol=0)
        np.testing.assert_allclose(result.inertia, whole.inertia, rtol=1e-12)
    labels, sqdist = PortableEngine(xp, tile_elements=50).assign(data, c)
    ref_labels, ref_sqdist = CompiledEngine().assign(x, c)
    np.testing.assert_array_equal(to_host(labels), ref_labels)
    np.testing.assert_allclose(to_host(sqdist), ref_sqdist, rtol=RTOL[dtype])
    engine = PortableEngine(xp, tile_elements=50)
    np.testing.assert_array_equal(engine.min_sqdist(data, c[:2]),
                                  CompiledEngine().min_sqdist(x, c[:2]))
    mean, cov = engine.moments(data, "cov")
    np.testing.assert_allclose(mean, x.mean(axis=0, dtype=np.float64), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(x, rowvar=False), rtol=1e-10)


def test_portable_compensated_sums_are_accurate():
    """float32 accumulation with Kahan summation across chunks: the sum of
    2**18 rows is as accurate as a float64 sum rounded (well under 1e-6
    relative), where a plain float32 running sum drifts far more."""
    from kmeanskit._backends._engines.portable import PortableEngine

    rng = np.random.default_rng(1)
    x = (1.0 + 1e-3 * rng.standard_normal((1 << 18, 2))).astype(np.float32)
    c = np.zeros((1, 2), dtype=np.float32)
    engine = PortableEngine(_compat_numpy(), accumulate="float32")
    result = engine.lloyd_pass(x, c)
    exact = x.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(result.sums[0], exact, rtol=1e-6)
    assert result.counts[0] == x.shape[0]
    naive = np.zeros(2, dtype=np.float32)
    for start in range(0, x.shape[0], 1024):
        naive += x[start:start + 1024].sum(axis=0)
    assert np.abs(naive - exact).max() > np.abs(result.sums[0] - exact).max()


def test_portable_min_sqdist_matches_compiled():
    from kmeanskit._backends._engines.compiled import CompiledEngine
    from kmeanskit._backends._engines.portable import PortableEngine

    x = _data(n=300, d=5)
    c = x[[3, 4]].copy()
    np.testing.assert_array_equal(
        PortableEngine(_compat_numpy(), tile_elements=64).min_sqdist(x, c),
        CompiledEngine().min_sqdist(x, c))


def test_public_functions_all_declared():
    """Every public function has a row of capabilities."""
    declared = {f.name for f in _capabilities.FUNCTIONS}
    public = {name for name in kmeanskit.__all__
              if name not in ("ClusterError", "show_config", "KMeansInfo",
                              "Trace", "MiniBatchState", "ChooseKResult",
                              "GapResult", "StudyResult",
                              # host-only: a curve of a few numbers
                              "find_knee")}
    assert public == declared


# --------------------------------------------------------------------------
# The portable engine's per-library pieces

@pytest.mark.parametrize("weighted", [False, True])
def test_cluster_sums_by_scatter_equal_the_one_hot_product(weighted):
    # PyTorch's index_add_ (what GPU tensors use) and the standard's one-hot
    # matrix product compute the same per-cluster sums and counts.
    torch = pytest.importorskip("torch")
    strict = pytest.importorskip("array_api_strict")
    import array_api_compat

    from kmeanskit._backends._engines.portable import _cluster_sums

    rng = np.random.default_rng(0)
    rows, labels = rng.normal(size=(500, 7)), rng.integers(0, 6, 500)
    labels[labels == 4] = 5  # cluster 4 empty: zero sums, zero count
    weights = rng.uniform(0.5, 2.0, 500) if weighted else None
    scattered = _cluster_sums(
        array_api_compat.array_namespace(torch.zeros(1)),
        torch.asarray(labels, dtype=torch.int32), torch.asarray(rows),
        None if weights is None else torch.asarray(weights), 6)
    product = _cluster_sums(
        strict, strict.asarray(labels, dtype=strict.int32), strict.asarray(rows),
        None if weights is None else strict.asarray(weights), 6)
    w = np.ones(500) if weights is None else weights
    expected = np.stack([(rows * w[:, None])[labels == j].sum(axis=0)
                         for j in range(6)])
    for (sums, counts) in (scattered, product):
        np.testing.assert_allclose(np.asarray(sums), expected, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(
            np.asarray(counts), [w[labels == j].sum() for j in range(6)], rtol=1e-13)
    assert float(np.asarray(scattered[1])[4]) == 0.0


def test_tiles_are_the_cpu_size_off_accelerators():
    # CPU arrays keep the cache-sized tiles; only an accelerator's free
    # memory (none here) raises them.
    torch = pytest.importorskip("torch")
    import array_api_compat

    from kmeanskit._backends._engines import portable

    xp = array_api_compat.array_namespace(torch.zeros(1))
    assert portable.default_tile_elements(xp, torch.device("cpu")) == (
        portable.DEFAULT_TILE_ELEMENTS)
    assert portable.default_tile_elements(np, None) == portable.DEFAULT_TILE_ELEMENTS
    assert portable.PortableEngine(xp, torch.device("cpu")).tile_elements == (
        portable.DEFAULT_TILE_ELEMENTS)
    assert portable.ACCELERATOR_TILE_ELEMENTS > portable.DEFAULT_TILE_ELEMENTS
