"""kmeanskit.plotting: every picture rendered to PNG with Agg and inspected."""

import io
import subprocess
import sys
import types

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from kmeanskit import kmeans2, vq  # noqa: E402
from kmeanskit import plotting as kp  # noqa: E402
from kmeanskit._plotting._geometry import clipped_cells, project  # noqa: E402
from kmeanskit._plotting._mpl import palette  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def png_pixels(fig):
    """The figure saved as PNG (Agg), read back as an (h, w, 3) uint8 array."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def assert_not_blank(fig):
    pixels = png_pixels(fig)
    # Something other than the white background covers a visible share.
    drawn = np.any(pixels < 250, axis=2).mean()
    assert drawn > 0.02, drawn
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10


def polygon_area(xy):
    """Signed area (shoelace formula); positive when counter-clockwise."""
    x, y = np.asarray(xy, dtype=np.float64).T
    return 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)


# --------------------------------------------------------------------------
# Geometry


class TestCells:
    BOX = (-1.0, 3.0, -2.0, 2.0)

    def _check_partition(self, centres):
        """The cells tile the box, and a grid of points lies in the cell of
        its nearest centre."""
        cells = clipped_cells(centres, self.BOX)
        assert len(cells) == len(centres)
        total = sum(polygon_area(c) for c in cells if len(c))
        assert total == pytest.approx(16.0, rel=1e-12)
        gx, gy = np.meshgrid(np.linspace(-0.99, 2.99, 37), np.linspace(-1.99, 1.99, 41))
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        nearest = vq(grid, np.asarray(centres, dtype=np.float64))[0]
        for i, cell in enumerate(cells):
            if not len(cell):
                assert not np.any(nearest == i)
                continue
            inside = Path(cell).contains_points(grid, radius=1e-9)
            # Points far from every border are inside exactly their own cell.
            d = np.sort(np.sum((grid[:, None] - centres[None]) ** 2, axis=2), axis=1)
            clear = (d[:, 1] - d[:, 0] > 1e-6 if len(centres) > 1
                     else np.ones(len(grid), bool))
            np.testing.assert_array_equal(inside[clear], nearest[clear] == i)
        return cells

    def test_random_centres(self):
        rng = np.random.default_rng(0)
        self._check_partition(rng.uniform([-1, -2], [3, 2], size=(12, 2)))

    def test_one_centre_is_the_box(self):
        (cell,) = self._check_partition(np.array([[0.5, 0.5]]))
        assert polygon_area(cell) == pytest.approx(16.0)

    def test_two_and_collinear_centres(self):
        cells = self._check_partition(np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]))
        # Vertical bands at x = 0.5 and x = 1.5.
        assert polygon_area(cells[0]) == pytest.approx(1.5 * 4)
        assert polygon_area(cells[1]) == pytest.approx(1.0 * 4)

    def test_repeated_centre_belongs_to_the_first(self):
        cells = self._check_partition(np.array([[0.0, 0.0], [2.0, 1.0], [0.0, 0.0]]))
        assert len(cells[0]) and not len(cells[2])

    def test_centre_outside_the_box(self):
        cells = self._check_partition(np.array([[0.0, 0.0], [50.0, 0.0]]))
        assert not len(cells[1])


class TestProjection:
    def test_two_dimensions_unchanged(self, blobs):
        xy, cxy, names = project(blobs, blobs[:3])
        np.testing.assert_array_equal(xy, blobs)
        assert names == ("feature 0", "feature 1")

    def test_pca_matches_the_svd(self, blobs4d):
        xy, cxy, names = project(blobs4d, blobs4d[:2])
        centred = blobs4d - blobs4d.mean(axis=0)
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
        np.testing.assert_allclose(np.abs(xy), np.abs(centred @ vt[:2].T), atol=1e-9)
        np.testing.assert_allclose(cxy, xy[:2], atol=1e-9)
        share = s[:2] ** 2 / np.sum(s ** 2)
        assert names == tuple(f"PC{i + 1} ({v:.0%} of variance)"
                              for i, v in enumerate(share))


# --------------------------------------------------------------------------
# Clusters


class TestPlotClusters:
    def test_cells_points_centroids(self, blobs):
        centroids, labels = kmeans2(blobs, 3, minit="++", rng=0)
        art = kp.plot_clusters(blobs, centroids, labels)
        assert isinstance(art, kp.ClusterPlot)
        assert len(art.cells.get_paths()) == 3
        np.testing.assert_allclose(art.centroids.get_offsets(), centroids)
        np.testing.assert_allclose(art.points.get_facecolor(), palette(3)[labels])
        assert art.ax.get_xlabel() == "feature 0"
        assert_not_blank(art.ax.figure)

    def test_labels_default_to_nearest_centroid(self, blobs):
        centroids = blobs[[0, 50, 100]]
        art = kp.plot_clusters(blobs, centroids)
        expected = palette(3)[vq(blobs, centroids)[0]]
        np.testing.assert_allclose(art.points.get_facecolor(), expected)

    def test_draws_on_the_given_axes_without_cells(self, blobs):
        fig, (left, right) = plt.subplots(1, 2)
        art = kp.plot_clusters(blobs, blobs[:4], voronoi=False, ax=right)
        assert art.ax is right and art.cells is None
        assert not left.collections and len(right.collections) == 2
        assert len(plt.get_fignums()) == 1

    def test_four_features_projected(self, blobs4d):
        centroids, labels = kmeans2(blobs4d, 4, minit="++", rng=1)
        art = kp.plot_clusters(blobs4d, centroids, labels)
        assert art.ax.get_xlabel().startswith("PC1 (")
        assert art.ax.get_ylabel().startswith("PC2 (")
        assert len(art.cells.get_paths()) == 4
        assert_not_blank(art.ax.figure)

    def test_one_feature(self, data1d):
        centroids, labels = kmeans2(data1d, 3, minit="++", rng=0)
        art = kp.plot_clusters(data1d, centroids, labels)
        assert len(art.cells.get_paths()) == 3
        np.testing.assert_array_equal(art.points.get_offsets()[:, 1], 0.0)

    def test_inputs_unchanged(self, blobs):
        centroids, labels = kmeans2(blobs, 3, minit="++", rng=0)
        copies = blobs.copy(), centroids.copy(), labels.copy()
        kp.plot_clusters(blobs, centroids, labels)
        for before, after in zip(copies, (blobs, centroids, labels), strict=True):
            np.testing.assert_array_equal(before, after)

    @pytest.mark.parametrize("bad, match", [
        (dict(centroids=np.zeros((3, 3))), "centroids must have 2 feature"),
        (dict(labels=np.zeros(5, dtype=int)), r"labels must have shape \(180,\)"),
        (dict(labels=np.full(180, 3)), r"labels must be in \[0, 3\)"),
        (dict(data=np.full((4, 2), np.nan)), "data must be finite"),
        (dict(data=np.zeros((2, 2, 2))), "data must be a non-empty"),
    ])
    def test_bad_input_raises_value_error(self, blobs, bad, match):
        args = dict(data=blobs, centroids=blobs[:3], labels=None) | bad
        with pytest.raises(ValueError, match=match):
            kp.plot_clusters(args["data"], args["centroids"], args["labels"])

    def test_bad_types(self, blobs):
        with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
            kp.plot_clusters(blobs, blobs[:3], ax="left")
        with pytest.raises(TypeError, match="labels must hold integers"):
            kp.plot_clusters(blobs, blobs[:3], np.full(180, 0.5))
        with pytest.raises(TypeError, match="data must hold real numbers"):
            kp.plot_clusters(np.array([["a", "b"]]), blobs[:3])

    def test_minibatch_run_with_true_centres(self, grid9):
        truth = np.array([[i, j] for i in range(3) for j in range(3)], float)
        art = kp.plot_minibatch_run(grid9, truth[:8] + 0.3, true_centers=truth)
        assert art.cells is None
        crosses = art.ax.lines[-1]
        np.testing.assert_allclose(crosses.get_xydata(), truth)
        assert_not_blank(art.ax.figure)


# --------------------------------------------------------------------------
# The Lloyd animation


class TestAnimateLloyd:
    def test_one_frame_per_iteration_plus_the_start(self, blobs, tmp_path):
        from PIL import Image

        anim = kp.animate_lloyd(blobs[::3], 3, max_iter=4, rng=2)
        assert len(list(anim.new_frame_seq())) == 5
        path = tmp_path / "lloyd.gif"
        anim.save(path, writer="pillow", dpi=30)
        with Image.open(path) as gif:
            assert gif.n_frames == 5

    def test_init_is_the_seeding_and_minit_is_deprecated(self, blobs):
        x = blobs[::3]
        _, _, info = kmeans2(x, 3, iter=2, minit="greedy++", rng=4, trace=True,
                             return_info=True)
        anim = kp.animate_lloyd(x, 3, max_iter=2, init="greedy++", rng=4)
        ax = anim._fig.axes[0]
        anim._func(0)
        np.testing.assert_allclose(ax.lines[0].get_xydata()[0],
                                   info.trace.centroids[0][0, :2])
        anim.to_jshtml()
        with pytest.warns(DeprecationWarning, match="use init= instead") as record:
            old = kp.animate_lloyd(x, 3, max_iter=1, minit="points", rng=4)
        assert record[0].filename == __file__
        old.to_jshtml()  # rendered, so matplotlib does not warn on deletion
        with pytest.raises(TypeError, match="both init= and minit="):
            kp.animate_lloyd(x, 3, init="points", minit="points")
        with pytest.warns(DeprecationWarning, match="use max_iter= instead"):
            older = kp.animate_lloyd(x, 3, iter=1, rng=4)
        assert len(list(older.new_frame_seq())) == 2
        older.to_jshtml()
        with pytest.raises(TypeError, match="both max_iter= and iter="):
            kp.animate_lloyd(x, 3, max_iter=10, iter=1)
        with pytest.raises(ValueError, match="Unknown init 'matrix'"):
            kp.animate_lloyd(x, 3, init="matrix")
        plt.close("all")

    def test_frames_follow_the_trace(self, blobs):
        x = blobs[::3]
        _, _, info = kmeans2(x, 3, iter=3, minit="points", rng=5, trace=True,
                             return_info=True)
        anim = kp.animate_lloyd(x, 3, max_iter=3, rng=5)
        ax = anim._fig.axes[0]
        scene_centroids = ax.collections[2]
        paths = ax.lines
        assert len(paths) == 3
        for i, centres in enumerate(info.trace.centroids):
            anim._func(i)
            np.testing.assert_allclose(scene_centroids.get_offsets(), centres)
            labels = vq(x, centres)[0]
            np.testing.assert_allclose(ax.collections[1].get_facecolor(),
                                       palette(3)[labels])
            assert all(len(line.get_xdata()) == i + 1 for line in paths)
            assert len(ax.collections[0].get_paths()) == 3
        assert ax.get_title().startswith("iteration 3 of 3")
        anim.to_jshtml()

    def test_from_a_trace_or_info(self, blobs):
        x = blobs[::3]
        _, _, info = kmeans2(x, 3, iter=50, minit="++", rng=0, tol=1e-8,
                             trace=True, return_info=True)
        assert info.n_iter < 50
        for source in (info, info.trace):
            anim = kp.animate_lloyd(x, source)
            assert len(list(anim.new_frame_seq())) == info.n_iter + 1
            anim.to_jshtml()

    def test_initial_centroids_and_fit_options(self, blobs):
        x = blobs[::3]
        anim = kp.animate_lloyd(x, x[:3], max_iter=20, tol=1e-8, voronoi=False)
        _, _, info = kmeans2(x, x[:3], iter=20, minit="matrix", tol=1e-8,
                             trace=True, return_info=True)
        assert len(list(anim.new_frame_seq())) == info.n_iter + 1
        anim.to_jshtml()

    def test_bad_arguments(self, blobs):
        _, _, info = kmeans2(blobs, 3, minit="++", rng=0, return_info=True)
        with pytest.raises(ValueError, match="without a trace"):
            kp.animate_lloyd(blobs, info)
        with pytest.raises(TypeError, match="sets trace itself"):
            kp.animate_lloyd(blobs, 3, trace=False)
        with pytest.raises(ValueError, match="the trace's centroids"):
            _, _, info = kmeans2(blobs, 3, iter=2, minit="++", rng=0, trace=True,
                                 return_info=True)
            kp.animate_lloyd(blobs[:, :1], info)


# --------------------------------------------------------------------------
# Silhouette, elbow, gap, choose_k


class TestSilhouette:
    def test_one_polygon_per_cluster_with_the_bars(self):
        rng = np.random.default_rng(3)
        labels = np.repeat([0, 1, 2], [40, 25, 35])
        values = np.clip(rng.normal(0.5, 0.3, 100), -1, 1)
        art = kp.plot_silhouette(values, labels)
        assert len(art.clusters) == 3
        for c, patch in enumerate(art.clusters):
            xy = patch.get_xy()
            # Area left of the bars' ends, signed: the sum of the cluster's values.
            assert polygon_area(xy) == pytest.approx(values[labels == c].sum())
            heights = np.ptp(xy[:, 1])
            assert heights == np.sum(labels == c)
        assert art.mean_line.get_xdata()[0] == pytest.approx(values.mean())
        assert_not_blank(art.ax.figure)

    def test_bars_sorted_and_mean_override(self):
        values = np.array([0.1, 0.9, 0.5, 0.3])
        art = kp.plot_silhouette(values, [0, 0, 0, 0], mean=0.25)
        ends = art.clusters[0].get_xy()[1:-2:2, 0]  # get_xy repeats the first vertex
        np.testing.assert_array_equal(ends, [0.9, 0.5, 0.3, 0.1])
        assert art.mean_line.get_xdata()[0] == 0.25

    def test_bad_input(self):
        with pytest.raises(ValueError, match=r"in \[-1, 1\]"):
            kp.plot_silhouette([0.5, 1.5], [0, 1])
        with pytest.raises(ValueError, match="labels must have shape"):
            kp.plot_silhouette([0.5, 0.2], [0, 1, 1])
        with pytest.raises(ValueError, match="values must be finite"):
            kp.plot_silhouette([0.5, np.nan], [0, 1])


class TestElbowAndGap:
    def test_elbow_with_knee(self):
        ks, inertia = [1, 2, 3, 4, 5], [100.0, 40.0, 12.0, 10.0, 9.0]
        art = kp.plot_elbow(ks, inertia, knee=3, log=True)
        np.testing.assert_array_equal(art.line.get_xydata(), np.c_[ks, inertia])
        assert art.knee.get_xydata().tolist() == [[3, 12.0]]
        assert art.ax.get_yscale() == "log"
        assert_not_blank(art.ax.figure)
        assert kp.plot_elbow(ks, inertia).knee is None

    def test_elbow_bad_input(self):
        with pytest.raises(ValueError, match="knee must be one of ks"):
            kp.plot_elbow([1, 2, 3], [3.0, 2.0, 1.0], knee=7)
        with pytest.raises(ValueError, match="ks must be increasing integers"):
            kp.plot_elbow([1, 3, 2], [3.0, 2.0, 1.0])
        with pytest.raises(ValueError, match="inertia must have 3 values"):
            kp.plot_elbow([1, 2, 3], [3.0, 2.0])

    def test_gap_error_bars_and_choice(self):
        ks, gap, s = [1, 2, 3, 4], [0.1, 0.5, 0.9, 0.85], [0.05, 0.06, 0.04, 0.04]
        art = kp.plot_gap(ks, gap, s, chosen=3)
        line, caps, (bars,) = art.errorbar.lines
        np.testing.assert_array_equal(line.get_xydata(), np.c_[ks, gap])
        assert len(bars.get_segments()) == 4 and len(caps) == 2
        spans = [np.ptp(seg[:, 1]) for seg in bars.get_segments()]
        np.testing.assert_allclose(spans, 2 * np.array(s))
        assert art.chosen.get_xydata().tolist() == [[3, 0.9]]
        assert_not_blank(art.ax.figure)

    def test_gap_from_a_result_object(self):
        result = types.SimpleNamespace(ks=(1, 2, 3), gap=np.array([0.1, 0.4, 0.3]),
                                       s_k=np.array([0.1, 0.1, 0.1]), k=2)
        art = kp.plot_gap(result)
        assert art.chosen.get_xdata().tolist() == [2]
        with pytest.raises(TypeError, match="needs gap and s_k"):
            kp.plot_gap([1, 2, 3], [0.1, 0.2, 0.3])
        with pytest.raises(ValueError, match="s_k must be >= 0"):
            kp.plot_gap([1, 2], [0.1, 0.2], [0.1, -0.1])


def _sweep_table():
    return {"k": np.arange(1, 7),
            "inertia": np.array([90.0, 40.0, 20.0, 9.0, 8.5, 8.0]),
            "silhouette": np.array([np.nan, 0.4, 0.5, 0.8, 0.6, 0.5]),
            "silhouette_stderr": np.full(6, 0.01),
            "bic": np.array([50.0, 30.0, 20.0, 10.0, 12.0, 15.0]),
            "gap": np.array([0.1, 0.3, 0.6, 0.9, 0.85, 0.8]),
            "s_k": np.full(6, 0.05)}


class TestChooseK:
    def test_every_criterion_rescaled_with_the_picks(self):
        table = _sweep_table()
        art = kp.plot_choose_k(table, best={"silhouette": 4, "elbow": 4,
                                            "gap_max": 4, "aic": None})
        assert list(art.lines) == ["inertia", "silhouette", "bic", "gap"]
        for name, line in art.lines.items():
            y = line.get_ydata()
            v = table[name]
            low, high = np.nanmin(v), np.nanmax(v)
            np.testing.assert_allclose(y, (v - low) / (high - low))
        assert set(art.picks) == {"silhouette", "elbow", "gap_max"}
        # The elbow is marked on the inertia line, gap_max on the gap line.
        inertia_y = art.lines["inertia"].get_ydata()
        assert art.picks["elbow"].get_xydata().tolist() == [[4, inertia_y[3]]]
        np.testing.assert_array_equal(art.picks["gap_max"].get_color(),
                                      art.lines["gap"].get_color())
        assert_not_blank(art.ax.figure)

    def test_result_object_records_and_structured_array(self):
        table = _sweep_table()
        result = types.SimpleNamespace(table=table, best={"bic": 4}, k=4, rule="bic")
        art = kp.plot_choose_k(result, criteria=["bic"])
        assert list(art.lines) == ["bic"] and list(art.picks) == ["bic"]
        assert any(t.get_text() == "recommended (bic): k = 4"
                   for t in art.ax.get_legend().get_texts())
        records = [{"k": k, "inertia": w}
                   for k, w in zip(table["k"], table["inertia"], strict=True)]
        assert list(kp.plot_choose_k(records).lines) == ["inertia"]
        structured = np.array(list(zip(table["k"], table["bic"], strict=True)),
                              dtype=[("k", "i8"), ("bic", "f8")])
        assert list(kp.plot_choose_k(structured).lines) == ["bic"]

    def test_bad_input(self):
        with pytest.raises(ValueError, match=r"lacks column\(s\) \['k'\]"):
            kp.plot_choose_k({"inertia": [1.0, 2.0]})
        with pytest.raises(ValueError, match="best\\['bic'\\] must be one of ks"):
            kp.plot_choose_k(_sweep_table(), best={"bic": 12})
        with pytest.raises(TypeError, match="result must be a mapping"):
            kp.plot_choose_k(42)


def _study_rows():
    rng = np.random.default_rng(11)
    rows = []
    for method in ("kmeans", "minibatch"):
        for init in ("++", "random"):
            for n_init in (1, 5, 10):
                for run in range(4):
                    inertia = 17 + rng.exponential(10 / n_init)
                    rows.append({"method": method, "init": init, "n_init": n_init,
                                 "run": run, "inertia": inertia})
    return rows


class TestStability:
    def test_mean_and_std_per_cell(self):
        rows = _study_rows()
        art = kp.plot_stability(rows)
        assert list(art.lines) == [("kmeans", "++"), ("kmeans", "random"),
                                   ("minibatch", "++"), ("minibatch", "random")]
        for (method, init), container in art.lines.items():
            line, _, (bars,) = container.lines
            np.testing.assert_array_equal(line.get_xdata(), [1, 5, 10])
            for j, n_init in enumerate((1, 5, 10)):
                cell = [r["inertia"] for r in rows if (r["method"], r["init"],
                        r["n_init"]) == (method, init, n_init)]
                assert line.get_ydata()[j] == pytest.approx(np.mean(cell))
                span = np.ptp(bars.get_segments()[j][:, 1])
                assert span == pytest.approx(2 * np.std(cell))
        assert art.ax.get_title().startswith("Mean inertia across 4 runs")
        assert_not_blank(art.ax.figure)

    def test_columns_and_structured_array(self):
        rows = _study_rows()
        cols = {key: [r[key] for r in rows] for key in rows[0]}
        structured = np.array([tuple(r.values()) for r in rows],
                              dtype=[("method", "U10"), ("init", "U10"),
                                     ("n_init", "i8"), ("run", "i8"),
                                     ("inertia", "f8")])
        wrapped = types.SimpleNamespace(table=cols)
        ys = [kp.plot_stability(t).lines["kmeans", "random"].lines[0].get_ydata()
              for t in (cols, structured, wrapped)]
        np.testing.assert_allclose(ys[0], ys[1])
        np.testing.assert_allclose(ys[0], ys[2])

    def test_missing_column(self):
        with pytest.raises(ValueError, match=r"lacks column\(s\) \['init'\]"):
            kp.plot_stability({"method": ["a"], "n_init": [1], "inertia": [1.0]})


# --------------------------------------------------------------------------
# Every plot on another array library; manners


@pytest.mark.xp_function("kmeans2")
def test_every_plot_renders_on_backend(xp_backend, blobs):
    """NumPy and each other library: arrays and results of that library."""
    xb = xp_backend
    data = xb.asarray(blobs[::2])
    centroids, labels = kmeans2(data, 3, minit="++", rng=0)
    art = kp.plot_clusters(data, centroids, labels)
    assert len(art.cells.get_paths()) == 3
    assert_not_blank(art.ax.figure)
    anim = kp.animate_lloyd(data, 3, max_iter=2, rng=0)
    assert len(list(anim.new_frame_seq())) == 3
    anim.to_jshtml()
    values = xb.asarray(np.linspace(-0.2, 0.9, 90))
    sil = kp.plot_silhouette(values, labels)
    assert len(sil.clusters) == len(np.unique(xb.to_numpy(labels)))
    ks = xb.asarray(np.arange(1, 5))
    elbow = kp.plot_elbow(ks, xb.asarray([9.0, 4.0, 2.0, 1.8]), knee=3)
    gap = kp.plot_gap(ks, xb.asarray([0.1, 0.5, 0.7, 0.6]), xb.asarray([0.1] * 4),
                      chosen=3)
    choose = kp.plot_choose_k({"k": ks, "bic": xb.asarray([4.0, 2.0, 1.0, 3.0])},
                              best={"bic": 3})
    rows = _study_rows()
    study = kp.plot_stability({
        "method": [r["method"] for r in rows], "init": [r["init"] for r in rows],
        "n_init": xb.asarray([r["n_init"] for r in rows]),
        "inertia": xb.asarray([r["inertia"] for r in rows])})
    for figure_of in (sil, elbow, gap, choose, study):
        assert_not_blank(figure_of.ax.figure)
    assert elbow.knee.get_xydata().tolist() == [[3, 2.0]]


def test_no_show_no_global_style(blobs, monkeypatch):
    """No function shows a figure or changes rcParams."""
    def refuse(*args, **kwargs):
        raise AssertionError("show() called")

    monkeypatch.setattr(plt, "show", refuse)
    before = dict(matplotlib.rcParams)
    kp.plot_clusters(blobs, blobs[:3])
    kp.animate_lloyd(blobs[::4], 3, max_iter=1, rng=0).to_jshtml()
    kp.plot_silhouette(np.zeros(4), [0, 0, 1, 1])
    kp.plot_elbow([1, 2], [2.0, 1.0], knee=2)
    kp.plot_gap([1, 2], [0.1, 0.2], [0.0, 0.0], chosen=1)
    kp.plot_choose_k({"k": [1, 2], "bic": [1.0, 2.0]})
    kp.plot_stability({"method": ["a"], "init": ["b"], "n_init": [1], "inertia": [1.0]})
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_import_does_not_load_matplotlib(tmp_path):
    code = ("import sys, kmeanskit.plotting; "
            "print('matplotlib' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


class TestLibraryResults:
    """The plots read kmeanskit's own result objects, as they come."""

    def test_choose_k_gap_and_silhouette_results(self):
        from kmeanskit import choose_k, gap_statistic, silhouette_samples
        from kmeanskit.datasets import grid_blobs

        data, _ = grid_blobs(rng=0)
        result = choose_k(data, range(1, 8), rng=0)
        chosen = kp.plot_choose_k(result)
        assert_not_blank(chosen.ax.figure)
        # One line per criterion column the sweep computed.
        drawn = {line.get_label() for line in chosen.ax.get_lines()}
        assert {"inertia", "bic"} <= {label.split(" ")[0] for label in drawn}
        gap = gap_statistic(data, range(1, 6), n_refs=2, rng=0)
        gap_plot = kp.plot_gap(gap)
        assert_not_blank(gap_plot.ax.figure)
        _, labels = kmeans2(data, 9, minit="++", rng=0)
        silhouette = kp.plot_silhouette(silhouette_samples(data, labels), labels)
        assert_not_blank(silhouette.ax.figure)

    def test_stability_study_result(self):
        from kmeanskit import stability_study
        from kmeanskit.datasets import init_study_blobs

        study = stability_study(init_study_blobs, 9, n_init=(1, 3), n_runs=2,
                                rng=0)
        figure = kp.plot_stability(study)
        assert_not_blank(figure.ax.figure)
        # kmeans x 3 seedings + mini-batch x 2 (no plain '++' for mini-batch).
        assert len(figure.lines) == 5
