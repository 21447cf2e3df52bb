"""Property tests (hypothesis) of the public functions.

The data are well-separated blobs (centres 10 apart, noise within 1 of
them), started from one point of each blob (``minit='matrix'``): the
partition is then unambiguous, so a property failing means the library
got it wrong, not that a near-tie fell the other way.

Tolerances, with their reasons:

* exact (``assert_array_equal``) where the arithmetic is exact: scaling by
  a power of two, weights of exactly 1, repeated calls;
* ``rtol=1e-12`` where only the order or number of float64 sums changes
  (permuted or duplicated rows, translation; at most a few hundred terms);
* ``rtol=1e-5`` between float32 and float64 data: float32 distances carry
  a relative error of a few times float32's eps (1.2e-7) per feature, and
  the means of points within 1 of centres up to ~40 lose about 40x that.

Examples per property: the "ci" hypothesis profile (default, 20 examples)
or "release" (500), chosen by ``KMEANSKIT_HYPOTHESIS_PROFILE``; both are
registered in tests/conftest.py.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kmeanskit as K

# --------------------------------------------------------------------------
# Strategies


@st.composite
def blobs(draw, max_k=4, max_d=4, max_per=12, dtype=np.float64):
    """(x, start, truth): k separated blobs in d dimensions, a start of one
    point per blob, and each row's blob."""
    k = draw(st.integers(1, max_k))
    d = draw(st.integers(1, max_d))
    sizes = draw(st.lists(st.integers(1, max_per), min_size=k, max_size=k))
    n = sum(sizes)
    noise = draw(hnp.arrays(np.float64, (n, d), elements=st.floats(
        -1.0, 1.0, allow_nan=False, allow_subnormal=False)))
    centres = 10.0 * np.arange(k)[:, None] * np.ones((1, d))
    truth = np.repeat(np.arange(k), sizes)
    x = (centres[truth] + noise).astype(dtype)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return x, x[first].copy(), truth


def _same_partition(a, b):
    """Labels ``a`` and ``b`` are the same partition up to renaming."""
    a, b = np.asarray(a), np.asarray(b)
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def _fit(x, start, **kw):
    return K.kmeans2(x, start, minit="matrix", iter=10, **kw)


# --------------------------------------------------------------------------
# kmeans2 (and the clustering it shares with kmeans)


@given(blobs(), st.randoms(use_true_random=False))
def test_row_permutation_permutes_labels_only(data, random):
    x, start, truth = data
    perm = np.array(random.sample(range(len(x)), len(x)))
    centroid, labels = _fit(x, start)
    p_centroid, p_labels = _fit(x[perm], start)
    np.testing.assert_allclose(p_centroid, centroid, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(p_labels, labels[perm])
    assert _same_partition(labels, truth)


@given(blobs(), st.floats(-1e6, 1e6, allow_nan=False))
def test_translation_moves_centroids(data, shift):
    x, start, _ = data
    centroid, labels = _fit(x, start)
    t_centroid, t_labels = _fit(x + shift, start + shift)
    np.testing.assert_array_equal(t_labels, labels)
    # Each coordinate is rounded once more after the shift: |shift| * eps.
    atol = 4 * np.finfo(np.float64).eps * (abs(shift) + np.abs(x).max())
    np.testing.assert_allclose(t_centroid, centroid + shift, rtol=0, atol=atol)


@given(blobs(), st.integers(-60, 60), st.floats(1e-3, 1e3))
def test_uniform_scale_scales_centroids(data, power, factor):
    x, start, _ = data
    centroid, labels = _fit(x, start)
    # A power of two: exact.
    s = 2.0 ** power
    s_centroid, s_labels = _fit(x * s, start * s)
    np.testing.assert_array_equal(s_labels, labels)
    np.testing.assert_array_equal(s_centroid, centroid * s)
    # Any positive factor: one more rounding per value.
    f_centroid, f_labels = _fit(x * factor, start * factor)
    np.testing.assert_array_equal(f_labels, labels)
    np.testing.assert_allclose(f_centroid, centroid * factor, rtol=1e-12, atol=0)


@given(blobs())
def test_duplicated_rows_keep_centroids(data):
    x, start, _ = data
    centroid, labels = _fit(x, start)
    d_centroid, d_labels = _fit(np.repeat(x, 2, axis=0), start)
    np.testing.assert_allclose(d_centroid, centroid, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(d_labels, np.repeat(labels, 2))


@given(blobs())
def test_unit_weights_equal_no_weights(data):
    x, start, _ = data
    ones = np.ones(len(x))
    for a, b in [(_fit(x, start), _fit(x, start, weights=ones))]:
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    # From the same start.  (Seeded starts are not compared: the weighted
    # seeding draws with p=weights/sum(weights), a documented different
    # stream from the unweighted draws, so the same rng names the clusters
    # in another order.  minibatch_kmeans is left out for the same reason:
    # its batches are drawn with p=weights/sum(weights) too.)
    k = start.shape[0]
    for fit in (K.kmedians, K.spherical_kmeans):
        if fit is K.spherical_kmeans and not (
                np.all(np.linalg.norm(x, axis=1) > 0)
                and np.all(np.linalg.norm(start, axis=1) > 0)):
            continue
        a = fit(x, k, rng=0, init=start)
        b = fit(x, k, rng=0, init=start, weights=ones)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


@given(blobs())
def test_k_equal_one_gives_the_mean(data):
    x, _, _ = data
    centroid, labels = K.kmeans2(x, 1, minit="points", rng=0)
    np.testing.assert_allclose(centroid[0], x.mean(axis=0), rtol=1e-12, atol=1e-12)
    assert (labels == 0).all()
    book, distortion = K.kmeans(x, 1, rng=0)
    np.testing.assert_allclose(book[0], x.mean(axis=0), rtol=1e-12, atol=1e-12)
    median, _, _ = K.kmedians(x, 1, rng=0)
    np.testing.assert_allclose(median[0], np.median(x, axis=0), rtol=1e-12,
                               atol=1e-12)


@given(blobs(max_k=6, max_per=1))
def test_k_equal_n_puts_every_distinct_row_alone(data):
    # One point per blob: n distinct rows, at least 8 apart (rows closer
    # than ~1e-150 would tie: their squared distance underflows to 0).
    x, _, _ = data
    centroid, labels = _fit(x, x.copy())
    np.testing.assert_array_equal(centroid, x)
    np.testing.assert_array_equal(labels, np.arange(len(x)))
    _, _, info = K.kmedoids(x, len(x), rng=0)
    assert info.inertia == 0


# Integer values: the mean of n copies is then exact, so the column's
# standard deviation is exactly 0 and whiten warns (as SciPy, which tests
# ``std == 0``; a value like 0.1 may give a std of 1e-17 instead).
@given(blobs(max_d=3), st.integers(-1000, 1000).map(float))
def test_constant_column_stays_constant(data, value):
    x, start, _ = data
    x = np.column_stack([x, np.full(len(x), value)])
    start = np.column_stack([start, np.full(len(start), value)])
    centroid, labels = _fit(x, start)
    np.testing.assert_allclose(centroid[:, -1], value, rtol=1e-12, atol=1e-300)
    # minit='random' draws from the data's covariance, singular here
    # (SciPy raises LinAlgError): a finite result instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # an empty cluster
        random_centroid, _ = K.kmeans2(x, start.shape[0], minit="random", rng=0)
    assert np.isfinite(random_centroid).all()
    with pytest.warns(RuntimeWarning, match="standard deviation zero"):
        w = K.whiten(x)
    np.testing.assert_array_equal(w[:, -1], x[:, -1])


@given(blobs())
def test_float32_agrees_with_float64(data):
    x, start, _ = data
    c64, l64 = _fit(x, start)
    c32, l32 = _fit(x.astype(np.float32), start.astype(np.float32))
    assert c32.dtype == np.float32
    np.testing.assert_array_equal(l32, l64)
    np.testing.assert_allclose(c32, c64, rtol=1e-5, atol=1e-5)


@given(blobs(), st.data())
def test_whiten_then_vq_is_vq_of_scaled_data(data, draw):
    x, _, _ = data
    std = x.std(axis=0)
    assume((std > 1e-3).all())
    w = K.whiten(x)
    np.testing.assert_allclose(w.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(w, x / std, rtol=1e-13, atol=0)
    codes = draw.draw(st.lists(st.integers(0, len(x) - 1), min_size=1,
                               max_size=5, unique=True))
    labels, dist = K.vq(w, w[codes])
    # Each code is at distance 0 from itself; every distance is the one
    # NumPy computes to the chosen code, and no other code is nearer.
    assert (dist[codes] == 0).all()
    full = np.sqrt(((w[:, None, :] - w[codes][None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(dist, full[np.arange(len(w)), labels],
                               rtol=1e-10, atol=1e-12)
    assert (dist <= full.min(axis=1) * (1 + 1e-10) + 1e-12).all()


@given(blobs(max_k=3), st.integers(0, 2 ** 32 - 1))
def test_kpp_init_returns_rows_of_the_data(data, seed):
    x, start, _ = data
    k = start.shape[0]
    centres = K.kpp_init(x, k, rng=seed)
    assert all((x == c).all(axis=1).any() for c in centres)
    np.testing.assert_array_equal(centres, K.kpp_init(x, k, rng=seed))


@given(blobs(), st.floats(0.1, 100.0), st.floats(-100.0, 100.0))
def test_partition_metrics_invariances(data, factor, shift):
    x, _, truth = data
    assume(2 <= truth.max() + 1 <= len(x) - 1)
    # Clusters of (nearly) coincident points make the scores 0/0-like:
    # rounding after the transform then decides them.  Keep some spread.
    assume(K.inertia(x, truth) > 1e-3 * len(x))
    y = x * factor + shift
    for name in ("silhouette_score", "calinski_harabasz_score",
                 "davies_bouldin_score"):
        a, b = getattr(K, name)(x, truth), getattr(K, name)(y, truth)
        np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(K.inertia(y, truth), K.inertia(x, truth) * factor ** 2,
                               rtol=1e-7, atol=1e-9)


@given(blobs(max_d=3), st.data())
def test_spherical_kmeans_ignores_row_lengths(data, draw):
    x, _, _ = data
    x = x + 0.5  # no row at the origin
    assume(np.all(np.linalg.norm(x, axis=1) > 1e-3))
    # Powers of two keep each direction exactly.
    powers = draw.draw(hnp.arrays(np.int64, len(x), elements=st.integers(-20, 20)))
    k = min(2, len(x))
    with warnings.catch_warnings():
        # Fewer distinct directions than k: warned, identical either way.
        warnings.simplefilter("ignore", UserWarning)
        a = K.spherical_kmeans(x, k, rng=0)
        b = K.spherical_kmeans(x * (2.0 ** powers)[:, None], k, rng=0)
    # Exact: |2**p x| = 2**p |x| exactly, so the unit rows are the same bits.
    np.testing.assert_array_equal(b[1], a[1])
    np.testing.assert_array_equal(b[0], a[0])


# --------------------------------------------------------------------------
# The same properties on other array libraries

_PORTABLE_IDS = ("numpy", "array_api_strict", "torch", "torch-portable")


@pytest.mark.xp_function("kmeans2", "vq")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture],
          max_examples=8)
@given(data=blobs(max_per=8), shift=st.floats(-100.0, 100.0))
def test_backend_properties(xp_backend, data, shift):
    # Permutation, translation and float32/float64 agreement hold on every
    # eager library, and the results match NumPy's within the same
    # tolerances (the portable engine sums in float64 as the compiled one).
    if xp_backend.id not in _PORTABLE_IDS:
        pytest.skip("eager CPU libraries only (JAX/Dask recompile per shape)")
    b = xp_backend
    x, start, truth = data
    ref_c, ref_l = _fit(x, start)
    c, labels = K.kmeans2(b.asarray(x), b.asarray(start), minit="matrix", iter=10)
    np.testing.assert_allclose(b.to_numpy(c), ref_c, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(b.to_numpy(labels), ref_l)
    perm = np.roll(np.arange(len(x)), 1)
    pc, pl = K.kmeans2(b.asarray(x[perm]), b.asarray(start), minit="matrix", iter=10)
    np.testing.assert_array_equal(b.to_numpy(pl), ref_l[perm])
    tc, _ = K.kmeans2(b.asarray(x + shift), b.asarray(start + shift),
                      minit="matrix", iter=10)
    np.testing.assert_allclose(b.to_numpy(tc), ref_c + shift, rtol=0,
                               atol=8 * np.finfo(np.float64).eps * (abs(shift) + 40))
    c32, l32 = K.kmeans2(b.asarray(x.astype(np.float32)),
                         b.asarray(start.astype(np.float32)), minit="matrix", iter=10)
    b.check(c32, "float32")
    np.testing.assert_array_equal(b.to_numpy(l32), ref_l)
    np.testing.assert_allclose(b.to_numpy(c32), ref_c, rtol=1e-5, atol=1e-5)
    vl, vd = K.vq(b.asarray(x), b.asarray(ref_c))
    np.testing.assert_array_equal(b.to_numpy(vl), ref_l)
