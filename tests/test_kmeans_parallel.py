"""k-means|| seeding: its draws, its weights, and what it achieves."""

import numpy as np
import pytest

from kmeanskit import kmeans2, kpp_init
from kmeanskit._backends._engines import get_engine, row_uniforms
from kmeanskit._core._kmeans_parallel import init_kmeans_parallel, weighted_kpp


def _grid(n_per=60, spacing=100.0, seed=0):
    """Nine tight blobs (unit variance) far apart on a 3x3 grid, shuffled."""
    rng = np.random.default_rng(seed)
    centres = np.array([[i, j] for i in range(3) for j in range(3)]) * spacing
    x = np.concatenate([c + rng.normal(size=(n_per, 2)) for c in centres])
    return rng.permutation(x), centres


def _blobs_found(seeds, centres, radius=5.0):
    """How many true blob centres have a seed within ``radius``."""
    gaps = np.linalg.norm(seeds[:, None, :] - centres[None, :, :], axis=2)
    return int(np.sum(gaps.min(axis=0) < radius))


def test_row_uniforms_do_not_depend_on_the_split():
    """A block of rows gets the same numbers as the whole stream there."""
    whole = row_uniforms(42, 0, 1000)
    for start, count in [(0, 7), (1, 5), (3, 10), (4, 9), (517, 100), (999, 1)]:
        np.testing.assert_array_equal(row_uniforms(42, start, count),
                                      whole[start:start + count])
    assert not np.array_equal(row_uniforms(43, 0, 10), whole[:10])


def test_seeds_are_rows_and_reproducible():
    x, _ = _grid()
    a = kpp_init(x, 9, rng=1, method="||")
    np.testing.assert_array_equal(a, kpp_init(x, 9, rng=1, method="||"))
    # Every seed is a row of the data.
    assert all((x == row).all(axis=1).any() for row in a)
    assert not np.array_equal(a, kpp_init(x, 9, rng=2, method="||"))


def test_finds_every_blob():
    """On far-apart blobs k-means|| puts a seed in each of them: a second
    seed in a covered blob has probability about 1e-3 per draw here (D^2 of
    ~4 inside a blob against ~1e4 between blobs), while uniform seeding
    misses a blob for most rngs."""
    x, centres = _grid()
    for seed in range(10):
        assert _blobs_found(kpp_init(x, 9, rng=seed, method="||"), centres) == 9


def test_seeding_cost_close_to_kmeans_plus_plus():
    """The potential of the seeds is as good as k-means++'s, on average
    over rngs (the paper's Table 3: comparable or better)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2000, 5)) + rng.integers(0, 6, size=(2000, 1)) * 3.0
    engine = get_engine()

    def cost(seeds):
        return engine.min_sqdist(x, seeds).sum()

    par = np.mean([cost(kpp_init(x, 12, rng=s, method="||")) for s in range(8)])
    pp = np.mean([cost(kpp_init(x, 12, rng=s)) for s in range(8)])
    assert par <= 1.2 * pp, (par, pp)


def test_zero_weight_rows_are_never_seeds():
    x, _ = _grid()
    weights = np.zeros(len(x))
    weights[::2] = 1.0
    seeds = init_kmeans_parallel(x, 9, np.random.default_rng(0), get_engine(),
                                 weights=weights)
    kept = x[weights > 0]
    assert all((kept == row).all(axis=1).any() for row in seeds)


def test_weights_draw_toward_heavy_rows():
    """One heavy point among light ones: with k=1 the single centre is drawn
    in proportion to the candidates' weights, so the heavy point wins."""
    x, _ = _grid()
    weights = np.full(len(x), 1e-9)
    weights[17] = 1.0
    for seed in range(5):
        seeds = init_kmeans_parallel(x, 1, np.random.default_rng(seed),
                                     get_engine(), weights=weights)
        np.testing.assert_array_equal(seeds[0], x[17])


def test_weighted_kpp_first_centre_follows_weights():
    points = np.arange(8.0).reshape(4, 2)
    for seed in range(5):
        centre = weighted_kpp(points, [0.0, 0.0, 3.0, 0.0], 1,
                              np.random.default_rng(seed))
        np.testing.assert_array_equal(centre, points[2:3])


def test_fewer_distinct_points_than_k_warns():
    x = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 20, axis=0)
    with pytest.warns(UserWarning, match="fewer distinct candidates than k=5"):
        seeds = kpp_init(x, 5, rng=0, method="||")
    assert seeds.shape == (5, 2)
    assert {tuple(r) for r in seeds} == {(0.0, 0.0), (1.0, 1.0), (5.0, 5.0)}


def test_kmeans2_minit_parallel_runs_lloyd_from_the_seeds():
    x, _ = _grid()
    seeds = kpp_init(x, 9, rng=4, method="||")
    np.testing.assert_array_equal(kmeans2(x, 9, minit="||", rng=4)[0],
                                  kmeans2(x, seeds, minit="matrix")[0])


def test_float32_data():
    x, centres = _grid()
    seeds = kpp_init(x.astype(np.float32), 9, rng=3, method="||")
    assert seeds.dtype == np.float32
    assert _blobs_found(seeds, centres) == 9


def test_unknown_method_raises():
    x, _ = _grid()
    with pytest.raises(ValueError, match="Unknown method '\\+\\+\\+'"):
        kpp_init(x, 3, method="+++")
