"""scipy.sparse input: the same answers as the same data stored densely.

Tolerances: centroids agree to 1e-10 relative in float64 and 1e-5 in
float32 (the sparse kernels compute the products from the non-zeros and the
distance to the chosen centre over them, the dense ones by direct
differences at small d: rounding differs, decisions do not on this data,
whose rows have no near-ties).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import kmeanskit as km

RTOL = {np.float64: 1e-10, np.float32: 1e-5}


def _text_like(n=600, d=120, k=4, per_row=8, dtype=np.float64, seed=0):
    """CSR rows drawn from k topics (each its own block of words), plus a
    few words of background: clusters without near-ties."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(k, size=n)
    block = d // k
    rows = np.repeat(np.arange(n), per_row)
    own = topics[rows] * block + rng.integers(block, size=n * per_row)
    background = rng.integers(d, size=n * per_row)
    cols = np.where(rng.random(n * per_row) < 0.8, own, background)
    values = rng.random(n * per_row) + 0.5
    x = sp.csr_matrix((values, (rows, cols)), shape=(n, d))
    x.sum_duplicates()
    return x.astype(dtype), topics


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def data(request):
    x, _ = _text_like(dtype=request.param)
    return x, x.toarray(), RTOL[request.param]


def _close(a, b, rtol):
    scale = max(1.0, float(np.max(np.abs(b))))
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale)


# --------------------------------------------------------------------------
# The SciPy-compatible functions

def test_vq_equals_dense(data):
    x, dense, rtol = data
    book = dense[[0, 200, 400, 599]]
    labels, dist = km.vq(x, book)
    expected_labels, expected_dist = km.vq(dense, book)
    np.testing.assert_array_equal(labels, expected_labels)
    # Distances are square roots: a squared distance's rounding (relative to
    # the norms) is amplified near 0.
    np.testing.assert_allclose(dist, expected_dist, rtol=0, atol=np.sqrt(rtol))


@pytest.mark.parametrize("minit", ["++", "greedy++", "points", "random", "||"])
def test_kmeans2_equals_dense(data, minit):
    x, dense, rtol = data
    centroid, label = km.kmeans2(x, 4, minit=minit, rng=3)
    expected, expected_label = km.kmeans2(dense, 4, minit=minit, rng=3)
    _close(centroid, expected, rtol)
    np.testing.assert_array_equal(label, expected_label)
    assert centroid.dtype == dense.dtype and label.dtype == np.int32


def test_kmeans2_matrix_weights_restarts_and_policies(data):
    x, dense, rtol = data
    weights = np.random.default_rng(1).random(x.shape[0]) + 0.1
    for kwargs in ({"weights": weights}, {"n_init": 3, "tol": 1e-8},
                   {"empty": "farthest"}, {"algorithm": "hamerly", "tol": 1e-8},
                   {"algorithm": "auto", "n_init": 2}):
        got = km.kmeans2(x, 4, minit="++", rng=5, return_info=True, **kwargs)
        want = km.kmeans2(dense, 4, minit="++", rng=5, return_info=True, **kwargs)
        _close(got[0], want[0], rtol)
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2].inertia == pytest.approx(want[2].inertia, rel=10 * rtol)
    book = dense[:4]
    got, label = km.kmeans2(x, book, minit="matrix", iter=7)
    want, want_label = km.kmeans2(dense, book, minit="matrix", iter=7)
    _close(got, want, rtol)
    np.testing.assert_array_equal(label, want_label)


def test_hamerly_is_lloyd_and_threads_do_not_matter():
    x, _ = _text_like(n=3000, d=200, k=6)
    runs = [km.kmeans2(x, 6, minit="++", rng=2, algorithm=a, tol=1e-9, workers=w)
            for a in ("lloyd", "hamerly") for w in (1, 2)]
    for centroid, label in runs[1:]:
        np.testing.assert_array_equal(label, runs[0][1])
        np.testing.assert_allclose(centroid, runs[0][0], rtol=1e-12)
    # Same algorithm, other thread count: bit for bit.
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[2][0], runs[3][0])
    from kmeanskit._ext import _sparse

    km.vq(x, runs[0][0], workers=2)
    # The threaded loops ran (where OpenMP was built in): the data was large
    # enough for two threads, so "bit for bit" compared 1 and 2 threads.
    assert _sparse.last_team_size() == (2 if km.show_config("dicts")["openmp"] else 1)


def test_kmeans_equals_dense(data):
    x, dense, rtol = data
    book, distortion = km.kmeans(x, 4, rng=2)
    expected, expected_distortion = km.kmeans(dense, 4, rng=2)
    _close(book, expected, rtol)
    assert distortion == pytest.approx(expected_distortion, rel=10 * rtol)


@pytest.mark.parametrize("kwargs", [{}, {"n_local_trials": 3}, {"method": "||"}],
                         ids=["++", "greedy", "||"])
def test_kpp_init_equals_dense(data, kwargs):
    x, dense, rtol = data
    got = km.kpp_init(x, 4, rng=7, **kwargs)
    _close(got, km.kpp_init(dense, 4, rng=7, **kwargs), rtol)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil"])
def test_whiten_keeps_the_format(fmt):
    x, _ = _text_like()
    given = x.asformat(fmt)
    white = km.whiten(given)
    assert sp.issparse(white) and white.format == given.format
    np.testing.assert_allclose(white.toarray(), km.whiten(x.toarray()), rtol=1e-12)
    np.testing.assert_array_equal(given.toarray(), x.toarray())  # not modified


def test_whiten_float32_and_constant_column():
    x, _ = _text_like(dtype=np.float32, d=40)
    x = sp.hstack([x, sp.csr_matrix((x.shape[0], 1), dtype=np.float32)]).tocsr()
    with pytest.warns(RuntimeWarning, match="standard deviation zero"):
        white = km.whiten(x)
    with pytest.warns(RuntimeWarning, match="standard deviation zero"):
        expected = km.whiten(x.toarray())
    assert white.dtype == np.float32
    np.testing.assert_allclose(white.toarray(), expected, rtol=1e-5)


def test_sparse_arrays_and_matrices_alike():
    x, _ = _text_like()
    book = x[:4].toarray()
    for given in (sp.csr_array(x), sp.csc_array(x), sp.csc_matrix(x), sp.coo_array(x)):
        np.testing.assert_array_equal(km.vq(given, book)[0], km.vq(x, book)[0])


# --------------------------------------------------------------------------
# Input handling

def test_the_callers_matrix_is_never_modified():
    x, _ = _text_like()
    coo = x.tocoo()
    # Every entry stored twice, as two halves (summed in a copy).
    data = np.concatenate([coo.data / 2, coo.data / 2])
    row = np.concatenate([coo.row, coo.row])
    col = np.concatenate([coo.col, coo.col])
    by_row, by_col = np.argsort(row, kind="stable"), np.argsort(col, kind="stable")
    csr = sp.csr_matrix((data[by_row], col[by_row], np.concatenate(
        [[0], np.cumsum(np.bincount(row, minlength=x.shape[0]))])), shape=x.shape)
    csc = sp.csc_matrix((data[by_col], row[by_col], np.concatenate(
        [[0], np.cumsum(np.bincount(col, minlength=x.shape[1]))])), shape=x.shape)
    for given in (csr, csc, sp.coo_matrix((data, (row, col)), shape=x.shape)):
        assert given.nnz == 2 * x.nnz
        before = (given.data.copy(), given.format, given.nnz)
        got = km.kmeans2(given, 4, minit="++", rng=1)
        expected = km.kmeans2(x, 4, minit="++", rng=1)
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
        np.testing.assert_array_equal(got[1], expected[1])
        np.testing.assert_array_equal(given.data, before[0])
        assert (given.format, given.nnz) == before[1:]


def test_unsorted_duplicate_and_int64_indices():
    x, _ = _text_like()
    book = x[:4].toarray()
    expected = km.vq(x, book)[0]
    # Each row's entries reversed, and every entry stored as two halves.
    indptr, indices, values = [0], [], []
    for i in range(x.shape[0]):
        row = slice(x.indptr[i], x.indptr[i + 1])
        cols, vals = x.indices[row][::-1], x.data[row][::-1]
        indices += [*cols, *cols]
        values += [*(vals / 2), *(vals / 2)]
        indptr.append(len(indices))
    messy = sp.csr_matrix((np.array(values), np.array(indices), np.array(indptr)),
                          shape=x.shape)
    assert not messy.has_canonical_format
    kept = messy.indices.copy()
    np.testing.assert_array_equal(km.vq(messy, book)[0], expected)
    np.testing.assert_array_equal(messy.indices, kept)
    wide = x.copy()
    # Set after construction: scipy would narrow them back to int32.
    wide.indices = x.indices.astype(np.int64)
    wide.indptr = x.indptr.astype(np.int64)
    assert wide.indices.dtype == np.int64
    np.testing.assert_array_equal(km.vq(wide, book)[0], expected)
    np.testing.assert_allclose(km.kmeans2(wide, 4, minit="++", rng=1)[0],
                               km.kmeans2(x, 4, minit="++", rng=1)[0], rtol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values_raise_as_for_dense(bad):
    x, _ = _text_like()
    x = x.copy()
    x.data[5] = bad
    with pytest.raises(ValueError) as dense_error:
        km.kmeans2(x.toarray(), 3, minit="++", rng=0)
    with pytest.raises(ValueError) as sparse_error:
        km.kmeans2(x, 3, minit="++", rng=0)
    assert str(sparse_error.value) == str(dense_error.value)
    with pytest.raises(ValueError, match="infs or NaNs"):
        km.vq(x, x[:2].toarray())
    km.vq(x, x[:2].toarray(), check_finite=False)  # not checked: no error


def test_empty_zero_rows_and_zero_columns():
    x, _ = _text_like()
    with pytest.raises(ValueError, match="no features"):
        km.kmeans2(sp.csr_matrix((5, 0)), 2, minit="++")
    with pytest.raises(ValueError) as sparse_error:
        km.kmeans2(sp.csr_matrix((0, 4)), 2, minit="++")
    with pytest.raises(ValueError) as dense_error:
        km.kmeans2(np.zeros((0, 4)), 2, minit="++")
    assert str(sparse_error.value) == str(dense_error.value)
    # All-zero rows and columns: ordinary data.
    padded = sp.vstack([x, sp.csr_matrix((20, x.shape[1]))]).tocsr()
    padded = sp.hstack([padded, sp.csr_matrix((padded.shape[0], 3))]).tocsr()
    got = km.kmeans2(padded, 5, minit="++", rng=4)
    want = km.kmeans2(padded.toarray(), 5, minit="++", rng=4)
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-10)
    np.testing.assert_array_equal(got[1], want[1])


def test_random_minit_is_refused_on_wide_sparse_data():
    x = sp.random(50, 5000, density=0.01, format="csr", random_state=0)
    with pytest.raises(ValueError, match="needs the 5000 x 5000 covariance"):
        km.kmeans2(x, 3, minit="random", rng=0)
    km.kmeans2(x, 3, minit="++", rng=0)


def test_refusals_say_why_and_what_to_use():
    x, _ = _text_like()
    with pytest.raises(TypeError, match="gap_statistic.*choose_k"):
        km.gap_statistic(x, range(1, 4))
    with pytest.raises(TypeError, match="choose_k's gap criterion"):
        km.choose_k(x, range(2, 4), criteria=("gap",))
    with pytest.raises(TypeError, match=r"kmedians\(\) does not take scipy.sparse"):
        km.kmedians(x, 3)
    with pytest.raises(TypeError, match=r"kmedoids\(\) does not take scipy.sparse"):
        km.kmedoids(x, 3)


def test_torch_sparse_tensors_are_refused():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "CSR support is in beta"
        t = torch.eye(6, dtype=torch.float64).to_sparse_csr()
    with pytest.raises(TypeError, match="PyTorch sparse tensors"):
        km.kmeans2(t, 2, minit="++")


# --------------------------------------------------------------------------
# kmeanskit's own functions

def test_minibatch_kmeans_equals_dense(data):
    x, dense, rtol = data
    got = km.minibatch_kmeans(x, 4, batch_size=100, max_iter=5, rng=3)
    want = km.minibatch_kmeans(dense, 4, batch_size=100, max_iter=5, rng=3)
    _close(got[0], want[0], 100 * rtol)
    np.testing.assert_array_equal(got[1], want[1])
    state = km.MiniBatchState(dense[:4], rng=0)
    dense_state = km.MiniBatchState(dense[:4], rng=0)
    for start in range(0, 600, 150):
        km.minibatch_update(state, x[start:start + 150])
        km.minibatch_update(dense_state, dense[start:start + 150])
    _close(state.centroids, dense_state.centroids, 100 * rtol)


def test_spherical_kmeans_equals_dense(data):
    x, dense, rtol = data
    got = km.spherical_kmeans(x, 4, rng=2)
    want = km.spherical_kmeans(dense, 4, rng=2)
    _close(got[0], want[0], 10 * rtol)
    np.testing.assert_array_equal(got[1], want[1])
    assert got[2].inertia == pytest.approx(want[2].inertia, rel=100 * rtol)


@pytest.mark.parametrize("strategy", ["biggest_inertia", "largest_cluster"])
def test_bisecting_kmeans_equals_dense(data, strategy):
    from kmeanskit._api._bisecting import descend

    x, dense, rtol = data
    weights = np.random.default_rng(1).random(x.shape[0]) + 0.5
    for w in (None, weights):
        got = km.bisecting_kmeans(x, 5, rng=4, weights=w, bisecting_strategy=strategy,
                                  return_info=True)
        want = km.bisecting_kmeans(dense, 5, rng=4, weights=w,
                                   bisecting_strategy=strategy, return_info=True)
        _close(got[0], want[0], 10 * rtol)
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2].inertia == pytest.approx(want[2].inertia, rel=100 * rtol)
        assert [children for _, children in got[2].hierarchy] == \
            [children for _, children in want[2].hierarchy]
        # New data is labelled by walking the tree, sparse or dense alike.
        np.testing.assert_array_equal(descend(x, got[2].hierarchy),
                                      descend(dense, want[2].hierarchy))


def test_a_large_bisecting_fit_is_never_densified():
    """60 000 x 2048 (1 GiB if dense: a regression fails here rather than
    exhausting memory) split into 6 clusters: NumPy allocates (traced) less
    than 64 MiB beyond the matrix."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, d, per_row = 60_000, 2048, 10
    indices = np.sort(rng.choice(d, size=(n, per_row)), axis=1)
    x = sp.csr_matrix((rng.random(n * per_row), indices.ravel(),
                       np.arange(0, n * per_row + 1, per_row)), shape=(n, d))
    x.sum_duplicates()
    tracemalloc.start()
    try:
        centroid, label = km.bisecting_kmeans(x, 6, rng=0, max_iter=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert centroid.shape == (6, d) and label.shape == (n,)
    assert peak < 64 * 2 ** 20, f"peak {peak / 2 ** 20:.0f} MiB"


@pytest.mark.parametrize("name", ["inertia", "calinski_harabasz_score",
                                  "davies_bouldin_score", "silhouette_score",
                                  "kmeans_bic"])
def test_metrics_equal_dense(name):
    x, topics = _text_like()
    metric = getattr(km, name)
    assert metric(x, topics) == pytest.approx(metric(x.toarray(), topics), rel=1e-9)


def test_silhouette_samples_and_simplified_equal_dense():
    x, topics = _text_like(n=300)
    # Row-to-row distances of sparse rows come from the identity (as
    # scikit-learn computes them): absolute error about sqrt(eps) |x|.
    np.testing.assert_allclose(km.silhouette_samples(x, topics),
                               km.silhouette_samples(x.toarray(), topics),
                               rtol=1e-6, atol=1e-7)
    assert km.silhouette_score(x, topics, method="simplified") == pytest.approx(
        km.silhouette_score(x.toarray(), topics, method="simplified"), rel=1e-9)


def test_choose_k_and_stability_study_run_on_sparse():
    x, _ = _text_like(n=300)
    result = km.choose_k(x, range(2, 6), rng=0)
    expected = km.choose_k(x.toarray(), range(2, 6), rng=0)
    np.testing.assert_allclose(result.table["inertia"], expected.table["inertia"],
                               rtol=1e-9)
    assert result.best == expected.best
    study = km.stability_study(x, 4, methods=("kmeans",), inits=("++",),
                               n_init=(1,), n_runs=2, rng=0)
    dense_study = km.stability_study(x.toarray(), 4, methods=("kmeans",),
                                     inits=("++",), n_init=(1,), n_runs=2, rng=0)
    np.testing.assert_allclose(study.records["inertia"],
                               dense_study.records["inertia"], rtol=1e-9)


# --------------------------------------------------------------------------
# Against scikit-learn

def test_lloyd_equals_scikit_learn_from_the_same_centres():
    cluster = pytest.importorskip("sklearn.cluster")
    x, _ = _text_like(n=2000, d=300, k=5)
    start = km.kpp_init(x, 5, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cluster.KMeans(5, init=start, n_init=1, max_iter=50, tol=0,
                               algorithm="lloyd").fit(x)
    centroid, label, info = km.kmeans2(x, start, minit="matrix", iter=50,
                                       tol=0.0, return_info=True)
    np.testing.assert_allclose(centroid, model.cluster_centers_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(label, model.labels_)
    assert info.inertia == pytest.approx(model.inertia_, rel=1e-9)


# --------------------------------------------------------------------------
# Memory

@pytest.mark.slow
def test_a_large_matrix_is_never_densified():
    """200 000 x 65 536 with 2.6 million non-zeros (98 GiB if dense): a few
    Lloyd iterations, seeding included, allocate (NumPy, traced) less than
    64 MiB beyond the matrix, which itself takes 32 MiB."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n, d, per_row, k = 200_000, 65_536, 13, 8
    indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int32)
    indices = np.sort(rng.integers(d, size=(n, per_row), dtype=np.int32), axis=1)
    # Distinct columns per row (canonical): shift repeated ones.
    indices += np.arange(per_row, dtype=np.int32)
    indices = np.minimum(indices, d - 1).ravel()
    x = sp.csr_matrix((rng.random(n * per_row), indices, indptr), shape=(n, d))
    x.sum_duplicates()
    tracemalloc.start()
    try:
        centroid, label = km.kmeans2(x, k, iter=3, minit="++", rng=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert centroid.shape == (k, d) and label.shape == (n,)
    assert peak < 64 * 2 ** 20, f"peak {peak / 2 ** 20:.0f} MiB"
