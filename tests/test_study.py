"""stability_study and its data against scikit-learn on the same data."""

import numpy as np
import pytest

import kmeanskit as km
from kmeanskit.datasets import init_study_blobs

pytest.importorskip("sklearn", reason="scikit-learn (the reference these tests "
                    "compare against) is not installed")
from sklearn.cluster import KMeans, MiniBatchKMeans  # noqa: E402
from sklearn.utils import shuffle  # noqa: E402


def _example_make_data(run_id, n_samples_per_center=100, grid_size=3, scale=0.1):
    """The example's make_data, re-typed (scikit-learn's own shuffle)."""
    random_state = np.random.RandomState(run_id)  # noqa: NPY002 - the example's
    centers = np.array([[i, j] for i in range(grid_size) for j in range(grid_size)])
    noise = random_state.normal(scale=scale, size=(n_samples_per_center, 2))
    X = np.concatenate([c + noise for c in centers])
    y = np.concatenate([[i] * n_samples_per_center for i in range(len(centers))])
    return shuffle(X, y, random_state=random_state)


@pytest.mark.parametrize("run", [0, 3])
def test_builtin_data_is_the_examples(run):
    data, labels = init_study_blobs(run)
    X, y = _example_make_data(run)
    np.testing.assert_array_equal(data, X)
    np.testing.assert_array_equal(labels, y)


@pytest.fixture(scope="module")
def study():
    # The example's whole grid (5 runs x 5 n_init), all three seedings:
    # about half a second.
    return km.stability_study(init_study_blobs, 9, rng=0,
                              minibatch_options={"max_no_improvement": 3})


def test_table_shape(study):
    # kmeans x 3 seedings + minibatch x 2 seedings, 5 n_init, 5 runs.
    assert len(study.records["inertia"]) == 5 * 5 * 5
    assert len(study.summary["mean"]) == 25
    cell = study.cell("kmeans", "points", 10)
    assert cell.shape == (5,)
    row = study.rows()[0]
    assert (row["method"], row["init"], row["n_init"]) == ("kmeans", "greedy++", 1)
    assert np.all(study.records["time"] > 0)
    with pytest.raises(KeyError):
        study.cell("minibatch", "++", 1)


def test_optimum_equals_the_true_partition(study):
    truth = [km.inertia(*init_study_blobs(run)) for run in range(5)]
    np.testing.assert_allclose(study.best_per_run, truth, rtol=1e-9)


def test_examples_conclusions_hold(study):
    def mean(method, init, n):
        return study.cell(method, init, n).mean()

    def std(method, init, n):
        return study.cell(method, init, n).std()

    optimum = study.best_per_run
    # 1. Greedy k-means++ with Lloyd is at the optimum in every run at every
    #    n_init; random seeding is far above it at n_init = 1.
    for n in (1, 5, 10, 15, 20):
        np.testing.assert_allclose(study.cell("kmeans", "greedy++", n), optimum,
                                   rtol=1e-9)
    assert mean("kmeans", "points", 1) > 2 * optimum.mean()
    assert mean("kmeans", "greedy++", 1) < mean("kmeans", "points", 1)
    assert mean("minibatch", "greedy++", 1) < mean("minibatch", "points", 1)
    # 2. For random seeding the spread shrinks to the data sets' own spread.
    assert std("kmeans", "points", 15) < std("kmeans", "points", 1) / 5
    # 3. Mini-batch with random seeding is the worst cell from n_init = 5 on.
    for n in (5, 10, 15, 20):
        worst = max(study.cell(m, i, n).mean() for m, i in
                    [("kmeans", "greedy++"), ("kmeans", "++"), ("kmeans", "points"),
                     ("minibatch", "greedy++"), ("minibatch", "points")])
        assert mean("minibatch", "points", n) == worst
    # Plain k-means++ misses the optimum at n_init = 1 more often than greedy.
    settings = zip(study.summary["method"], study.summary["init"],
                   study.summary["n_init"], strict=True)
    at_best = dict(zip(settings, study.summary["at_best"], strict=True))
    assert at_best[("kmeans", "++", 1)] < at_best[("kmeans", "greedy++", 1)] == 5


def test_same_data_as_scikit_learn_same_means(study):
    # scikit-learn on the same five data sets.  Greedy k-means++ + Lloyd
    # reaches the optimum in both libraries, so the means agree to rounding
    # (1e-9).  MiniBatchKMeans(++) stops 0.1-0.3% above the optimum
    # (mini-batch centres are not exact means), ours at n_init >= 5 too:
    # agreement within 1%.  Random seeding draws other streams in each
    # library: only the ordering is compared (far above the optimum).
    sk = {"km++": [], "mbk++": [], "kmr": []}
    for run in range(5):
        X, _ = init_study_blobs(run)
        sk["km++"].append(KMeans(9, init="k-means++", n_init=1, random_state=run)
                          .fit(X).inertia_)
        sk["mbk++"].append(MiniBatchKMeans(9, init="k-means++", n_init=5,
                                           random_state=run, max_no_improvement=3)
                           .fit(X).inertia_)
        sk["kmr"].append(KMeans(9, init="random", n_init=1, random_state=run)
                         .fit(X).inertia_)
    assert study.cell("kmeans", "greedy++", 1).mean() == pytest.approx(
        np.mean(sk["km++"]), rel=1e-9)
    assert study.cell("minibatch", "greedy++", 5).mean() == pytest.approx(
        np.mean(sk["mbk++"]), rel=1e-2)
    assert np.mean(sk["kmr"]) > 1.5 * np.mean(sk["km++"])
    assert study.cell("kmeans", "points", 1).mean() > 1.5 * np.mean(sk["km++"])


def test_fixed_data_and_tuple_data():
    X, y = init_study_blobs(2)
    fixed = km.stability_study(X, 9, methods="kmeans", inits=["greedy++"],
                               n_init=[1, 3], n_runs=2, rng=1)
    made = km.stability_study(lambda run: (X, y), 9, methods="kmeans",
                              inits=["greedy++"], n_init=[1, 3], n_runs=2, rng=1)
    np.testing.assert_array_equal(fixed.records["inertia"], made.records["inertia"])
    assert np.all(fixed.records["inertia"] == fixed.records["inertia"][0])


@pytest.mark.xp_function("stability_study")
def test_study_on_every_backend(xp_backend):
    def data(run):
        return xp_backend.asarray(init_study_blobs(run, n_per_centre=30)[0])

    study = km.stability_study(data, 9, methods="kmeans", inits=["greedy++", "points"],
                               n_init=[1, 4], n_runs=2, rng=3)
    expected = km.stability_study(lambda run: init_study_blobs(run, n_per_centre=30),
                                  9, methods="kmeans", inits=["greedy++", "points"],
                                  n_init=[1, 4], n_runs=2, rng=3)
    # Same draws on every backend; inertia summed in another order.
    np.testing.assert_allclose(study.records["inertia"], expected.records["inertia"],
                               rtol=1e-9)


def test_errors():
    X, _ = init_study_blobs(0)
    with pytest.raises(ValueError, match="methods must be.*'lloyd'"):
        km.stability_study(X, 9, methods=["lloyd"])
    with pytest.raises(ValueError, match="inits must be.*'k-means\\+\\+'"):
        km.stability_study(X, 9, inits=["k-means++"])
    with pytest.raises(ValueError, match="n_init must be an integer >= 1, got 0"):
        km.stability_study(X, 9, n_init=[0])
    with pytest.raises(ValueError, match="no cell to run"):
        km.stability_study(X, 9, methods=["minibatch"], inits=["++"])
    with pytest.raises(TypeError, match="n_runs must be an int"):
        km.stability_study(X, 9, n_runs=2.5)
