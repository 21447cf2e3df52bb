"""choose_k: the default rule on the three reference data sets, every
criterion's own answer, and the table against the metric functions."""

import math

import numpy as np
import pytest

import kmeanskit as km
from kmeanskit.datasets import grid_blobs, init_study_blobs

skm = pytest.importorskip("sklearn.metrics", reason="scikit-learn (the reference "
                          "these tests compare against) is not installed")
from sklearn.datasets import make_blobs  # noqa: E402


@pytest.fixture(scope="module")
def grid_result():
    data, _ = grid_blobs(rng=0)
    return data, km.choose_k(data, range(1, 13), rng=0)


def test_grid_of_blobs_gives_nine(grid_result):
    _, result = grid_result
    assert result.k == 9 and result.rule == "bic" and not result.at_boundary
    # Every criterion that the study anchors found right finds 9 here too.
    for rule in ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "aic",
                 "elbow_log"):
        assert result.best[rule] == 9, rule
    # The textbook elbow (Kneedle on raw inertia) does not: with k = 1..12
    # the inertia falls by about the same amount from 4 to 8 clusters.
    assert result.best["elbow"] == 4
    assert set(result.consensus[9]) >= {"silhouette", "bic"}


def test_table_equals_the_metric_functions(grid_result):
    data, result = grid_result
    table = result.table
    assert table["k"].tolist() == list(range(1, 13))
    for i, k in enumerate(result.ks):
        labels = np.asarray(result.labels[i])
        assert len(np.unique(labels)) == k
        assert table["inertia"][i] == result.fits[i].inertia
        assert table["bic"][i] == pytest.approx(km.kmeans_bic(data, labels), rel=1e-12)
        assert table["aic"][i] == pytest.approx(km.kmeans_aic(data, labels), rel=1e-12)
        if k == 1:
            # Undefined for one cluster: reported as NaN, never guessed.
            assert math.isnan(table["silhouette"][i])
            assert math.isnan(table["calinski_harabasz"][i])
            assert math.isnan(table["davies_bouldin"][i])
            continue
        assert table["silhouette"][i] == pytest.approx(
            skm.silhouette_score(data, labels), abs=1e-10)
        assert table["calinski_harabasz"][i] == pytest.approx(
            skm.calinski_harabasz_score(data, labels), rel=1e-10)
        assert table["davies_bouldin"][i] == pytest.approx(
            skm.davies_bouldin_score(data, labels), rel=1e-10)
    assert "gap" not in table  # not asked for: it costs n_refs sweeps


def test_each_k_is_fitted_once_to_the_optimum_of_kmeans(grid_result):
    # The fit at k = 9 reaches the true partition's inertia.
    data, result = grid_result
    truth = grid_blobs(rng=0)[1]
    assert result.fits[8].inertia == pytest.approx(km.inertia(data, truth), rel=1e-9)
    assert len(result.fits[8].inertias_per_start) == 10


def test_single_gaussian_blob_gives_one():
    data = np.random.default_rng(0).standard_normal((900, 2))
    result = km.choose_k(data, range(1, 11), rng=0)
    assert result.k == 1
    assert result.best["aic"] == 1
    # The criteria undefined at k = 1 can only answer k >= 2: they do, and
    # are wrong, as measured with scikit-learn (anchors: 6, 6, 12).
    assert result.best["silhouette"] >= 2
    assert result.best["davies_bouldin"] >= 2


def test_eight_blobs_in_ten_dimensions_gives_eight():
    # scikit-learn's make_blobs(50_000, centers=8, n_features=10,
    # random_state=1), kept whole (BIC needs the real n); affordable with 3
    # starts per k and a 500-row sampled silhouette (about 2 s).
    data, _ = make_blobs(50_000, centers=8, n_features=10, random_state=1)
    result = km.choose_k(data, range(1, 11), n_init=3, sample_size=500, rng=0)
    assert result.k == 8
    for rule in ("silhouette", "calinski_harabasz", "davies_bouldin", "aic"):
        assert result.best[rule] == 8, rule
    assert "silhouette_stderr" in result.table
    assert np.all(result.table["silhouette_stderr"][1:] > 0)


def test_gap_rules_on_the_example_grid():
    # Anchors B.2: the 1-SE rule gives 1 on the example's grid, the maximum 9.
    data, _ = init_study_blobs(0)
    result = km.choose_k(data, range(1, 12), criteria=("gap", "silhouette"), rng=0)
    assert result.best["gap"] == 1
    assert result.best["gap_max"] == 9
    assert result.k == 9
    assert result.gap.s_k.shape == (11,)
    np.testing.assert_array_equal(result.table["gap"], result.gap.gap)


def test_boundary_is_flagged():
    data, _ = grid_blobs(rng=0)
    result = km.choose_k(data, range(2, 6), criteria=("bic",), rng=0, n_init=2)
    assert result.k == 5 and result.at_boundary
    assert "widen ks" in result.summary()


@pytest.mark.xp_function("choose_k")
def test_choose_k_on_every_backend(xp_backend):
    data, _ = grid_blobs(n_per_blob=30, rng=1)
    # A few ks only: JAX compiles its passes once per k.
    ks = (1, 2, 8, 9, 10)
    expected = km.choose_k(data, ks, n_init=3, rng=5)
    result = km.choose_k(xp_backend.asarray(data), ks, n_init=3, rng=5)
    assert result.k == expected.k == 9
    assert result.best == expected.best
    # Same draws, same fits; sums in another order: 1e-9 relative.
    for name in expected.table:
        np.testing.assert_allclose(result.table[name], expected.table[name],
                                   rtol=1e-9)
    xp_backend.check(result.centroids[3], "float64")


def test_progress_text_without_tqdm(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    data, _ = grid_blobs(n_per_blob=10, rng=0)
    km.choose_k(data, [1, 2, 3], criteria=("bic",), n_init=1, rng=0, progress=True)
    assert "choose_k: 3/3 k=3" in capsys.readouterr().err
    km.choose_k(data, [1, 2], criteria=("bic",), n_init=1, rng=0)
    assert capsys.readouterr().err == ""  # quiet by default


def test_errors_name_the_argument():
    data, _ = grid_blobs(rng=0)
    with pytest.raises(ValueError, match=r"ks must be strictly increasing.*\[3, 2\]"):
        km.choose_k(data, [3, 2])
    with pytest.raises(ValueError, match=r"ks must lie in 1..900"):
        km.choose_k(data, [0, 1])
    with pytest.raises(ValueError, match="criteria must be among.*'elbows'"):
        km.choose_k(data, [1, 2], criteria=("elbows",))
    with pytest.raises(ValueError, match="Unknown init 'kmeans'; expected one of"):
        km.choose_k(data, [1, 2], init="kmeans")
    with pytest.raises(ValueError, match="Unknown silhouette 'fast'; expected one of"):
        km.choose_k(data, [1, 2], silhouette="fast")
    with pytest.raises(TypeError, match="progress must be a bool"):
        km.choose_k(data, [1, 2], progress=1)


def test_data_is_not_mutated():
    data, _ = grid_blobs(n_per_blob=20, rng=0)
    before = data.copy()
    data.flags.writeable = False
    km.choose_k(data, [1, 2, 3], n_init=2, rng=0)
    np.testing.assert_array_equal(data, before)
