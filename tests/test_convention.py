"""One public convention: the seeding keyword ``init`` and its values mean
the same in every kmeanskit function (SciPy's four keep SciPy's names), the
old ``minit=`` of the variants is deprecated, and a value whose meaning
changed ('random' where it meant k random rows) raises naming 'points'."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import kmeanskit as km
from kmeanskit.datasets import grid_blobs

X, _ = grid_blobs(grid_size=2, n_per_blob=40, rng=0)
K = 4
VARIANTS = [km.minibatch_kmeans, km.kmedians, km.spherical_kmeans]
VARIANT_INITS = ["greedy++", "++", "points", "random", "||"]


def _fit(func, **kwargs):
    options = {"max_iter": 5} if func is km.minibatch_kmeans else {"max_iter": 20}
    return func(X, K, rng=3, **options, **kwargs)


def _same(a, b):
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    assert a[2].inertia == b[2].inertia


@pytest.mark.parametrize("func", VARIANTS, ids=lambda f: f.__name__)
class TestMinitDeprecated:
    @pytest.mark.parametrize(("old", "new"), [("++", "greedy++"), ("points", "points")])
    def test_warns_and_keeps_its_meaning(self, func, old, new):
        with pytest.warns(DeprecationWarning, match="use init= instead") as record:
            got = _fit(func, minit=old)
        # Attributed to the caller's line, as NumPy and SciPy do.
        assert record[0].filename == __file__
        assert f"minit={old!r} is init={new!r}" in str(record[0].message)
        _same(got, _fit(func, init=new))

    def test_centres_given_by_the_old_name(self, func):
        start = X[[0, 40, 80, 120]]
        with pytest.warns(DeprecationWarning, match=func.__name__):
            got = _fit(func, minit=start)
        _same(got, _fit(func, init=start))

    def test_both_names_is_a_type_error(self, func):
        with pytest.raises(TypeError, match="both init= and minit="):
            _fit(func, init="points", minit="points")
        with pytest.raises(TypeError, match="both init= and minit="):
            _fit(func, init="greedy++", minit="++")

    def test_unknown_old_value_names_minit(self, func):
        with (pytest.warns(DeprecationWarning),
              pytest.raises(ValueError, match="Unknown minit 'random'")):
            _fit(func, minit="random")

    def test_init_gives_no_warning(self, func):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _fit(func, init="points")


@pytest.mark.parametrize("func", VARIANTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("init", VARIANT_INITS)
def test_variants_take_every_seeding(func, init):
    centroid, label, info = _fit(func, init=init)
    assert centroid.shape == (K, 2)
    assert label.shape == (X.shape[0],)
    assert np.isfinite(info.inertia)


@pytest.mark.parametrize("func", [km.kmedians, km.spherical_kmeans],
                         ids=lambda f: f.__name__)
def test_plus_plus_means_the_same_as_kpp_init(func):
    # '++' is plain k-means++ and 'greedy++' greedy k-means++ in every
    # function: the same draws as kpp_init from the same rng (kmedians seeds
    # the data itself; spherical_kmeans its unit rows).
    data = X if func is km.kmedians else X / np.linalg.norm(X, axis=1)[:, None]
    for init, trials in (("++", 1), ("greedy++", "auto")):
        start = km.kpp_init(data, K, rng=3, n_local_trials=trials)
        _same(_fit(func, init=init), _fit(func, init=start))
    rows = data[np.random.default_rng(3).choice(len(data), K, replace=False)]
    _same(_fit(func, init="points"), _fit(func, init=rows))


@pytest.mark.parametrize("func", VARIANTS, ids=lambda f: f.__name__)
def test_variants_name_the_allowed_seedings(func):
    with pytest.raises(ValueError, match="Unknown init 'matrix'; expected one of "
                       "'greedy\\+\\+', '\\+\\+', 'points', 'random', '\\|\\|'"):
        _fit(func, init="matrix")


class TestRandomMeantRows:
    """'random' meant k random rows here: it raises, naming 'points'."""

    def test_choose_k(self):
        with pytest.raises(ValueError, match="init='random'.*init='points'"):
            km.choose_k(X, [1, 2], init="random")
        result = km.choose_k(X, [2, 4], init="points", n_init=2, rng=0,
                             criteria=("bic",))
        assert result.k in (2, 4)

    def test_stability_study(self):
        with pytest.raises(ValueError, match="inits='random'.*inits='points'"):
            km.stability_study(X, K, inits=["greedy++", "random"], n_runs=1)

    def test_kmedoids(self):
        with pytest.raises(ValueError, match="init='random'.*init='points'"):
            km.kmedoids(X, K, init="random")
        with pytest.raises(ValueError, match="Unknown init 'greedy\\+\\+'"):
            km.kmedoids(X, K, init="greedy++")
        medoids, _, _ = km.kmedoids(X, K, init="points", rng=0)
        assert len(set(np.asarray(medoids).tolist())) == K

    def test_stability_study_default_is_the_examples(self):
        study = km.stability_study(X, K, methods="kmeans", n_init=[1], n_runs=1)
        assert study.summary["init"].tolist() == ["greedy++", "++", "points"]


class TestKmeans2GreedySeeding:
    @pytest.mark.parametrize("seed", [0, 7])
    def test_same_as_kpp_init_then_matrix(self, seed):
        start = km.kpp_init(X, K, rng=seed, n_local_trials="auto")
        expected = km.kmeans2(X, start, minit="matrix")
        got = km.kmeans2(X, K, minit="greedy++", rng=seed)
        assert_array_equal(got[0], expected[0])
        assert_array_equal(got[1], expected[1])

    def test_legacy_seed_and_restarts(self):
        # seed= (a RandomState) is consumed the same way.
        start = km.kpp_init(X, K, rng=np.random.RandomState(5), n_local_trials="auto")
        got = km.kmeans2(X, K, minit="greedy++", seed=5)
        assert_array_equal(got[0], km.kmeans2(X, start, minit="matrix")[0])
        _, _, info = km.kmeans2(X, K, minit="greedy++", rng=1, n_init=3, tol=1e-4,
                                return_info=True)
        assert len(info.inertias_per_start) == 3

    def test_unknown_minit_lists_it(self):
        with pytest.raises(ValueError, match="'greedy\\+\\+', '\\|\\|'"):
            km.kmeans2(X, K, minit="kmeans")


class TestEmptyVocabulary:
    def test_kmeans2_keep(self):
        # 'keep' leaves an empty cluster's centroid in place, as None does,
        # but the labels come from a final assignment.
        far = np.array([[100.0, 100.0]])
        book = np.vstack([X[[0, 40, 80]], far])
        with pytest.warns(UserWarning, match="One of the clusters is empty"):
            c_none, _ = km.kmeans2(X, book, minit="matrix", iter=3)
        with pytest.warns(UserWarning, match="One of the clusters is empty"):
            c_keep, label = km.kmeans2(X, book, minit="matrix", iter=3, empty="keep")
        assert_array_equal(c_keep, c_none)
        assert_array_equal(c_keep[3], far[0])
        assert_array_equal(label, km.vq(X, c_keep)[0])

    @pytest.mark.parametrize("func", [km.kmedians, km.spherical_kmeans],
                             ids=lambda f: f.__name__)
    def test_same_choices_everywhere(self, func):
        for fit in (func, km.kmeans2):
            with pytest.raises(ValueError, match="'farthest', 'split', 'keep'"):
                fit(X, K, empty="drop")
