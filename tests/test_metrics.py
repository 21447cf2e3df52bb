"""Partition metrics, the gap statistic and Kneedle against independent
references: scikit-learn's metrics, hand-written NumPy, the kneed package."""

import math
import tracemalloc

import numpy as np
import pytest

import kmeanskit as km
from kmeanskit.datasets import grid_blobs, init_study_blobs

skm = pytest.importorskip("sklearn.metrics", reason="scikit-learn (the reference "
                          "these tests compare against) is not installed")


def _label_sets():
    """(name, data, labels): true, random and oddly numbered partitions."""
    data, truth = grid_blobs(rng=0)
    rng = np.random.default_rng(3)
    random5 = rng.integers(0, 5, data.shape[0])
    sparse = np.array([-4, 7, 100])[rng.integers(0, 3, data.shape[0])]
    singleton = truth.copy()
    singleton[0] = 42  # a cluster of one observation
    return [("truth", data, truth), ("random5", data, random5),
            ("sparse-values", data, sparse), ("singleton", data, singleton)]


LABEL_SETS = _label_sets()
IDS = [name for name, _, _ in LABEL_SETS]


# Agreement with scikit-learn.  Both sum in float64; the only differences
# are summation order and scikit-learn's distances by the GEMM identity
# (|x|^2 - 2x.y + |y|^2, cancellation error ~1e-16 * |x|^2 per distance,
# about 1e-8 absolute in a distance at these scales), hence the tolerances.

@pytest.mark.parametrize(("name", "data", "labels"), LABEL_SETS, ids=IDS)
def test_calinski_harabasz_equals_sklearn(name, data, labels):
    assert km.calinski_harabasz_score(data, labels) == pytest.approx(
        skm.calinski_harabasz_score(data, labels), rel=1e-10)


@pytest.mark.parametrize(("name", "data", "labels"), LABEL_SETS, ids=IDS)
def test_davies_bouldin_equals_sklearn(name, data, labels):
    assert km.davies_bouldin_score(data, labels) == pytest.approx(
        skm.davies_bouldin_score(data, labels), rel=1e-10)


@pytest.mark.parametrize(("name", "data", "labels"), LABEL_SETS, ids=IDS)
def test_silhouette_equals_sklearn(name, data, labels):
    ours = km.silhouette_samples(data, labels)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, skm.silhouette_samples(data, labels),
                               rtol=0, atol=1e-8)
    assert km.silhouette_score(data, labels) == pytest.approx(
        skm.silhouette_score(data, labels), abs=1e-10)


def test_silhouette_float32_stays_float32():
    data, truth = grid_blobs(rng=1)
    data32 = data.astype(np.float32)
    ours = km.silhouette_samples(data32, truth)
    theirs = skm.silhouette_samples(data32, truth)
    assert ours.dtype == np.float32 and theirs.dtype == np.float32
    # We sum exact float64 distances of float32 inputs; scikit-learn rounds
    # each distance to float32 first: a few float32 ulps of 1.
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=5e-6)


def test_silhouette_of_wide_data_equals_sklearn():
    # d = 40: scikit-learn's distances by the GEMM identity, ours direct.
    rng = np.random.default_rng(5)
    data = rng.standard_normal((300, 40)) + np.repeat(rng.normal(0, 3, (3, 40)), 100, 0)
    labels = np.repeat(np.arange(3), 100)
    np.testing.assert_allclose(km.silhouette_samples(data, labels),
                               skm.silhouette_samples(data, labels), atol=1e-8)


def test_exact_silhouette_never_holds_the_distance_matrix():
    # 20 000 rows: the pair distances would take 3.2 GB in float64; the
    # kernel's output is 20 000 x k float64 (0.5 MB) plus per-thread blocks.
    rng = np.random.default_rng(0)
    data = rng.standard_normal((20_000, 2))
    labels = (data[:, 0] > 0).astype(np.int64) + 2 * (data[:, 1] > 0)
    tracemalloc.start()
    try:
        km.silhouette_score(data, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak


def test_workers_do_not_change_the_silhouette():
    data, truth = grid_blobs(rng=2)
    one = km.silhouette_samples(data, truth, workers=1)
    two = km.silhouette_samples(data, truth, workers=2)
    np.testing.assert_array_equal(one, two)


# Hand-written references.

def _reference_simplified(data, labels):
    values = np.unique(labels)
    means = np.array([data[labels == v].mean(axis=0) for v in values])
    out = np.empty(len(data))
    for i, (row, label) in enumerate(zip(data, labels, strict=True)):
        dist = np.sqrt(((means - row) ** 2).sum(axis=1))
        own = int(np.searchsorted(values, label))
        a = dist[own]
        b = np.min(np.delete(dist, own))
        alone = np.sum(labels == label) == 1
        out[i] = 0.0 if alone else (b - a) / max(a, b)
    return out


@pytest.mark.parametrize(("name", "data", "labels"), LABEL_SETS, ids=IDS)
def test_simplified_silhouette_equals_hand_computation(name, data, labels):
    np.testing.assert_allclose(
        km.silhouette_samples(data, labels, method="simplified"),
        _reference_simplified(data, labels), rtol=1e-12, atol=1e-14)


def test_sampled_silhouette_is_the_mean_of_exact_values_at_the_drawn_rows():
    data, truth = grid_blobs(rng=0)
    n, m = data.shape[0], 120
    exact = skm.silhouette_samples(data, truth)
    rows = np.sort(np.random.default_rng(11).choice(n, m, replace=False))
    score, stderr = km.silhouette_score(data, truth, sample_size=m, rng=11,
                                        return_stderr=True)
    assert score == pytest.approx(exact[rows].mean(), abs=1e-10)
    expected = exact[rows].std(ddof=1) / math.sqrt(m) * math.sqrt(1 - m / n)
    assert stderr == pytest.approx(expected, rel=1e-8)


def test_sampled_silhouette_covers_the_exact_mean():
    # Twenty seeded estimates: the exact mean lies within 3 standard errors
    # of each (a 0.3% event per estimate under normality; seeded, so fixed).
    data, truth = init_study_blobs(1)
    labels = np.where(truth < 4, 0, truth)  # uneven clusters: varied values
    exact = skm.silhouette_score(data, labels)
    for seed in range(20):
        score, stderr = km.silhouette_score(data, labels, sample_size=100, rng=seed,
                                            return_stderr=True)
        assert stderr > 0
        assert abs(score - exact) < 3 * stderr


def test_sample_size_of_all_rows_is_exact():
    data, truth = grid_blobs(rng=0)
    score, stderr = km.silhouette_score(data, truth, sample_size=10_000, rng=0,
                                        return_stderr=True)
    assert stderr == 0.0
    assert score == pytest.approx(skm.silhouette_score(data, truth), abs=1e-10)


def test_inertia_by_hand():
    data = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 1.0], [12.0, 3.0], [11.0, 2.0]])
    labels = [5, 5, 1, 1, 1]
    # Cluster 5: mean (1, 0), 1 + 1.  Cluster 1: mean (11, 2), 2 + 2 + 0.
    assert km.inertia(data, labels) == pytest.approx(6.0, rel=1e-15)


def _reference_loglik(data, labels):
    """X-means log-likelihood written out cluster by cluster."""
    n, d = data.shape
    values = np.unique(labels)
    k = len(values)
    sse = sum(((data[labels == v] - data[labels == v].mean(axis=0)) ** 2).sum()
              for v in values)
    var = sse / (d * (n - k))
    loglik = 0.0
    for v in values:
        r = np.sum(labels == v)
        loglik += r * math.log(r / n)
    loglik -= n * d / 2 * math.log(2 * math.pi * var)
    loglik -= d * (n - k) / 2
    return loglik, (k - 1) + k * d + 1, n


@pytest.mark.parametrize("labels_name", ["truth", "random5", "one-cluster"])
def test_bic_aic_by_hand(labels_name):
    data, truth = grid_blobs(rng=0)
    labels = {"truth": truth, "random5": LABEL_SETS[1][2],
              "one-cluster": np.zeros(len(truth), dtype=int)}[labels_name]
    loglik, p, n = _reference_loglik(data, labels)
    assert km.kmeans_bic(data, labels) == pytest.approx(-2 * loglik + p * math.log(n),
                                                        rel=1e-12)
    assert km.kmeans_aic(data, labels) == pytest.approx(-2 * loglik + 2 * p, rel=1e-12)


def test_bic_matches_the_published_xmeans_value():
    # Pelleg-Moore's score (to maximise) is -BIC/2; on the example's first
    # data set with the true partition scikit-learn-based code measured
    # -512.503 (study anchors, table B.3, k = 9).
    data, truth = init_study_blobs(0)
    assert -km.kmeans_bic(data, truth) / 2 == pytest.approx(-512.503, abs=1e-3)


# Backends: the same values from every array library.

@pytest.mark.xp_function("silhouette_samples", "calinski_harabasz_score",
                         "davies_bouldin_score", "kmeans_bic", "inertia")
def test_metrics_on_every_backend(xp_backend):
    data, truth = grid_blobs(n_per_blob=20, rng=4)
    labels = np.where(truth == 8, 0, truth)
    x, lab = xp_backend.asarray(data), xp_backend.asarray(labels)
    samples = km.silhouette_samples(x, lab)
    xp_backend.check(samples, "float64")
    # Same float64 distances, summed in another order: 1e-12 relative.
    np.testing.assert_allclose(xp_backend.to_numpy(samples),
                               skm.silhouette_samples(data, labels), atol=1e-12)
    simplified = km.silhouette_samples(x, lab, method="simplified")
    np.testing.assert_allclose(xp_backend.to_numpy(simplified),
                               _reference_simplified(data, labels), atol=1e-12)
    assert km.calinski_harabasz_score(x, lab) == pytest.approx(
        skm.calinski_harabasz_score(data, labels), rel=1e-12)
    # Two means 0.06 apart here: scikit-learn's separations by the GEMM
    # identity carry ~1e-10 relative error, ours (direct) do not.
    assert km.davies_bouldin_score(x, lab) == pytest.approx(
        skm.davies_bouldin_score(data, labels), rel=1e-9)
    assert km.kmeans_bic(x, lab) == pytest.approx(km.kmeans_bic(data, labels),
                                                  rel=1e-12)
    assert km.inertia(x, lab) == pytest.approx(km.inertia(data, labels), rel=1e-12)


# Errors and inputs.

@pytest.mark.parametrize("func", [km.calinski_harabasz_score, km.davies_bouldin_score,
                                  km.silhouette_samples, km.silhouette_score])
def test_one_cluster_is_refused(func):
    data, _ = grid_blobs(rng=0)
    with pytest.raises(ValueError, match="2 to n_samples - 1.*labels name 1"):
        func(data, np.zeros(len(data), dtype=int))


def test_label_errors_name_the_argument():
    data, truth = grid_blobs(rng=0)
    with pytest.raises(ValueError, match=r"labels must be a 1-D.*\(900\).*\(899,\)"):
        km.inertia(data, truth[1:])
    with pytest.raises(TypeError, match="labels must hold integer.*float64"):
        km.silhouette_score(data, truth.astype(float))
    with pytest.raises(ValueError, match="Unknown method 'fast'; expected one of"):
        km.silhouette_samples(data, truth, method="fast")
    with pytest.raises(ValueError, match="sample_size must be an integer >= 2, got 1"):
        km.silhouette_score(data, truth, sample_size=1)
    with pytest.raises(ValueError, match="more observations than clusters"):
        km.kmeans_bic(data[:3], [0, 1, 2])


def test_inputs_are_not_mutated():
    data, truth = grid_blobs(rng=0)
    data.flags.writeable = False
    truth.flags.writeable = False
    km.silhouette_samples(data, truth)
    km.silhouette_score(data, truth, sample_size=50, rng=0)
    km.calinski_harabasz_score(data, truth)
    km.davies_bouldin_score(data, truth)


# Gap statistic against a hand-written implementation with the same draws.

def _reference_gap(data, ks, n_refs, seed, n_init, n_init_refs):
    """Tibshirani et al.'s definitions written out.  The clustering is the
    library's (the same fits the function under test runs), so every draw
    and every W agree; what is checked is the reference sets, the logs,
    the averages, s_k and the rule."""
    from kmeanskit._backends._engines.compiled import CompiledEngine
    from kmeanskit._core._fit import fit_kmeans
    from kmeanskit._core._lloyd import tolerance_scale

    engine = CompiledEngine()
    data_rng, refs_rng = np.random.default_rng(seed).spawn(2)
    scale = tolerance_scale(engine, data)
    log_w = np.array([math.log(fit_kmeans(engine, data, k, n_init=n_init,
                                          rng=data_rng, tol_scale=scale).info.inertia)
                      for k in ks])
    low, high = data.min(axis=0), data.max(axis=0)
    log_ref = np.empty((n_refs, len(ks)))
    for b, g in enumerate(refs_rng.spawn(n_refs)):
        ref = low + (high - low) * g.uniform(size=data.shape)
        ref_scale = tolerance_scale(engine, ref)
        for j, k in enumerate(ks):
            w = fit_kmeans(engine, ref, k, n_init=n_init_refs, rng=g,
                           tol_scale=ref_scale).info.inertia
            log_ref[b, j] = math.log(w)
    gap = log_ref.mean(axis=0) - log_w
    sd = np.sqrt(((log_ref - log_ref.mean(axis=0)) ** 2).mean(axis=0))
    s = sd * math.sqrt(1 + 1 / n_refs)
    chosen = next((ks[i] for i in range(len(ks) - 1)
                   if gap[i] >= gap[i + 1] - s[i + 1]), None)
    return gap, s, chosen


def test_gap_statistic_equals_hand_computation():
    data, _ = init_study_blobs(0)
    ks = list(range(1, 11))
    result = km.gap_statistic(data, ks, n_refs=4, rng=7, n_init=2)
    gap, s, chosen = _reference_gap(data, ks, 4, 7, 2, 3)
    np.testing.assert_allclose(result.gap, gap, rtol=1e-12)
    np.testing.assert_allclose(result.s_k, s, rtol=1e-12)
    assert result.k == chosen
    assert result.k_max == ks[int(np.argmax(gap))]


def test_gap_rule_fails_on_the_grid_as_measured_with_scikit_learn():
    # Study anchors B.2: on the example's grid Tibshirani's rule picks 1
    # (the gap is flat for k = 1..4) while the gap peaks at 9.
    data, _ = init_study_blobs(0)
    result = km.gap_statistic(data, range(1, 12), n_refs=10, rng=0)
    assert result.k == 1
    assert result.k_max == 9
    assert np.ptp(result.gap[:4]) < 0.1 < result.gap[8] - result.gap[3]


def test_gap_pca_reference_lies_in_the_rotated_box():
    from kmeanskit._selection._gap import _frame, draw_reference

    rng = np.random.default_rng(0)
    t = rng.uniform(-5, 5, 400)
    data = np.column_stack([t, t + rng.normal(0, 0.1, 400)])  # along the diagonal
    frame = _frame(data, "pca")
    ref = draw_reference(frame, 2000, np.random.default_rng(1))
    low, high, rotation, mean = frame
    projected = (ref - mean) @ rotation
    assert np.all(projected >= low - 1e-12) and np.all(projected <= high + 1e-12)
    # The reference follows the data's axis: far thinner than the plain box.
    assert np.std(ref[:, 0] - ref[:, 1]) < 0.2 < np.std(ref[:, 0] + ref[:, 1])
    result = km.gap_statistic(data, [1, 2, 3], n_refs=3, reference="pca", rng=0)
    assert np.all(np.isfinite(result.gap))


# Kneedle against the kneed package.

def test_find_knee_equals_kneed_on_random_curves():
    kneed = pytest.importorskip("kneed")
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(3, 16))
        x = np.cumsum(rng.uniform(0.5, 2.0, n))
        y = np.cumsum(rng.standard_normal(n))
        for curve in ("convex", "concave"):
            for direction in ("increasing", "decreasing"):
                # Uneven x: kneed mirrors x by value too (kneed >= 0.9).
                expected = kneed.KneeLocator(x, y, curve=curve,
                                             direction=direction).knee
                assert km.find_knee(x, y, curve=curve, direction=direction) == expected


def test_find_knee_on_the_anchor_inertia():
    # Study anchors B.2/B.3 (seed0): kneed on k = 2..15 gives 5 on the raw
    # inertia and 9 on its log; with k = 1 in the sweep the raw knee moves
    # to 4 (kneed agrees: the knee depends on the sweep's range).
    ks = np.arange(1, 16)
    w = np.array([1218.69, 762.345, 467.028, 300.679, 218.687, 168.663, 118.638,
                  68.6625, 18.6865, 17.9606, 17.2666, 16.5486, 15.8222, 15.133,
                  14.4838])
    assert km.find_knee(ks[1:], w[1:]) == 5
    assert km.find_knee(ks[1:], np.log(w[1:])) == 9
    assert km.find_knee(ks, w) == 4
    assert km.find_knee(ks, np.log(w)) == 9


def test_find_knee_edge_cases_and_errors():
    assert km.find_knee([1, 2], [2.0, 1.0]) is None
    assert km.find_knee([1, 2, 3], [1.0, 1.0, 1.0]) is None
    with pytest.raises(ValueError, match="strictly increasing"):
        km.find_knee([1, 3, 2], [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="curve must be"):
        km.find_knee([1, 2, 3], [3.0, 2.0, 1.0], curve="round")
