"""The command line: `python -m kmeanskit` and the `kmeanskit` console script."""

import json
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from kmeanskit import vq
from kmeanskit.datasets import grid_blobs

SUBCOMMANDS = ("fit", "vq", "choose-k", "study", "animate", "bench")
TIMEOUT = 120  # seconds; a run on the 900-point demo takes well under one
# `python -m` puts the working directory first on sys.path: run from an empty
# folder so the installed package, not the source checkout, is what runs.
_NEUTRAL_CWD = tempfile.mkdtemp(prefix="kmeanskit-cli-")


def _run(*args, exe=None):
    cmd = [exe] if exe else [sys.executable, "-m", "kmeanskit"]
    return subprocess.run(
        [*cmd, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=_NEUTRAL_CWD,
    )


def _json(*args):
    res = _run(*args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _check_consistent(out, X, k):
    """Centroids (k, d), sizes summing to n, inertia = sum of squared distances."""
    cents = np.asarray(out["centroids"], dtype=float)
    sizes = np.asarray(out["sizes"])
    assert cents.shape == (k, X.shape[1])
    assert sizes.shape == (k,)
    assert sizes.sum() == len(X)
    assert (sizes >= 0).all()
    assert out["seconds"] >= 0
    # inertia is the sum of squared distances to the nearest centroid; the
    # JSON centroids may be rounded for printing, hence rtol 1e-4
    inertia = float((vq(X, cents)[1] ** 2).sum())
    assert_allclose(out["inertia"], inertia, rtol=1e-4)
    return cents, sizes


class TestCli:
    def test_default_run_prints_report(self):
        """Default run: clusters the demo; prints centroids, sizes, inertia, time."""
        res = _run()
        assert res.returncode == 0, res.stderr
        text = res.stdout.lower()
        for word in ("centroid", "size", "inertia"):
            assert word in text
        assert re.search(r"time|second|\d\s*m?s\b", text), text

    def test_json_default(self):
        """--json gives machine-readable output: k=9 on the 900-point demo."""
        out = _json()
        assert set(out) >= {"centroids", "sizes", "inertia", "seconds"}
        X, _ = grid_blobs()
        cents, sizes = _check_consistent(out, X, 9)
        # with nine blobs of 100 points a good clustering has inertia around
        # n * 2 * scale^2 = 18; a bad local minimum is several times larger.
        assert out["inertia"] < 100

    @pytest.mark.parametrize("flag", ["-k", "--k"])
    def test_k_option(self, flag):
        """-k/--k sets the number of clusters."""
        out = _json(flag, 4, "--seed", 0)
        X, _ = grid_blobs()
        _check_consistent(out, X, 4)

    @pytest.mark.parametrize("minit", ["points", "++", "random"])
    def test_minit_option(self, minit):
        """--minit selects the initialisation; the output stays consistent."""
        out = _json("--minit", minit, "--seed", 3, "-k", 9)
        X, _ = grid_blobs()
        _check_consistent(out, X, 9)

    def test_seed_makes_runs_repeatable(self):
        """The same --seed gives the same centroids and sizes."""
        a = _json("--seed", 11, "--minit", "points", "--iter", 3)
        b = _json("--seed", 11, "--minit", "points", "--iter", 3)
        assert a["centroids"] == b["centroids"]
        assert a["sizes"] == b["sizes"]

    def test_npy_file(self, tmp_path):
        """A .npy path is clustered instead of the demo."""
        X = np.random.default_rng(0).normal(size=(40, 3))
        X[:20] += 10
        path = tmp_path / "data.npy"
        np.save(path, X)
        out = _json(path, "-k", 2, "--seed", 1)
        cents, sizes = _check_consistent(out, X, 2)
        assert sorted(sizes.tolist()) == [20, 20]

    def test_csv_file(self, tmp_path):
        """A .csv path (comma separated numbers) is clustered."""
        X = np.random.default_rng(1).normal(size=(30, 2))
        X[:10] += 8
        path = tmp_path / "data.csv"
        np.savetxt(path, X, delimiter=",")
        out = _json(path, "--k", 2, "--seed", 2)
        cents, sizes = _check_consistent(out, X, 2)
        assert sorted(sizes.tolist()) == [10, 20]

    def test_missing_file_fails(self, tmp_path):
        """A path that does not exist gives a non-zero exit status and a message."""
        res = _run(tmp_path / "nope.npy")
        assert res.returncode != 0
        assert res.stderr.strip()

    def test_bad_k_fails(self):
        """-k 0 is rejected with a non-zero exit status."""
        res = _run("-k", 0)
        assert res.returncode != 0
        assert res.stderr.strip()

    def test_help(self):
        """--help lists the commands, synopsis and examples; fit --help its options."""
        res = _run("--help")
        assert res.returncode == 0
        for word in (*SUBCOMMANDS, "synopsis", "examples", "exit status"):
            assert word in res.stdout
        res = _run("fit", "--help")
        assert res.returncode == 0
        for opt in ("--k", "--minit", "--iter", "--seed", "--json", "--n-init", "--tol",
                    "--labels", "--centroids", "--plot", "examples"):
            assert opt in res.stdout

    @pytest.mark.parametrize("command", SUBCOMMANDS)
    def test_each_command_has_a_man_page(self, command):
        """Every subcommand's --help has a description and examples of itself."""
        res = _run(command, "--help")
        assert res.returncode == 0, res.stderr
        assert "examples:" in res.stdout
        assert f"kmeanskit {command}" in res.stdout.split("examples:")[1]

    def test_console_script(self):
        """The `kmeanskit` console script is installed and works like `python -m`."""
        scripts = Path(sysconfig.get_path("scripts"))
        exe = scripts / ("kmeanskit.exe" if sys.platform == "win32" else "kmeanskit")
        assert exe.exists(), f"console script not found at {exe}"
        res = _run("--json", "-k", 3, "--seed", 0, exe=str(exe))
        assert res.returncode == 0, res.stderr
        out = json.loads(res.stdout)
        X, _ = grid_blobs()
        _check_consistent(out, X, 3)


def _blobs(tmp_path, name="data.npy", n=(20, 20), shift=10.0, seed=0):
    """Two separated blobs of 3-D points saved to `name`; returns (path, X)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(sum(n), 3))
    X[n[0]:] += shift
    path = tmp_path / name
    if path.suffix == ".npy":
        np.save(path, X)
    else:
        np.savetxt(path, X, delimiter="," if path.suffix == ".csv" else " ")
    return path, X


def _ok(*args):
    res = _run(*args)
    assert res.returncode == 0, res.stderr
    return res


class TestFit:
    def test_fit_subcommand_equals_bare_command(self):
        """`kmeanskit fit ...` and `kmeanskit ...` are the same program."""
        a = _json("fit", "-k", 5, "--seed", 4)
        b = _json("-k", 5, "--seed", 4)
        assert a["centroids"] == b["centroids"] and a["sizes"] == b["sizes"]

    def test_json_is_the_library_fit(self, tmp_path):
        """The JSON reports kmeans2's own KMeansInfo for the same call."""
        from kmeanskit import kmeans2

        path, X = _blobs(tmp_path)
        out = _json(path, "-k", 3, "--n-init", 4, "--tol", 1e-4, "--iter", 50,
                    "--seed", 7)
        cents, label, info = kmeans2(X, 3, iter=50, minit="++", n_init=4, tol=1e-4,
                                     rng=7, return_info=True)
        assert_allclose(out["centroids"], cents, rtol=1e-12)
        assert out["inertia"] == pytest.approx(info.inertia, rel=1e-12)
        assert out["inertias_per_start"] == pytest.approx(list(info.inertias_per_start))
        assert (out["n_iter"], out["converged"], out["best_start"], out["metric"]) == (
            info.n_iter, info.converged, info.best_start, "sqeuclidean")
        assert out["sizes"] == np.bincount(label, minlength=3).tolist()

    def test_labels_and_centroids_files(self, tmp_path):
        """--labels/--centroids save .npy files that agree with each other."""
        path, X = _blobs(tmp_path, "data.csv")
        _ok("fit", path, "-k", 2, "--tol", 0, "--iter", 30,
            "--labels", tmp_path / "l.npy", "--centroids", tmp_path / "c.npy")
        labels, cents = np.load(tmp_path / "l.npy"), np.load(tmp_path / "c.npy")
        assert labels.dtype == np.int32 and labels.shape == (40,)
        assert cents.shape == (2, 3)
        # with tol the fit ends with a final assignment: labels are vq's
        assert_array_equal(labels, vq(X, cents)[0])
        assert sorted(np.bincount(labels).tolist()) == [20, 20]

    def test_output_file_holds_the_json(self, tmp_path):
        """-o FILE writes the JSON result; the text report still goes to stdout."""
        res = _ok("fit", "-k", 4, "-o", tmp_path / "r.json")
        out = json.loads((tmp_path / "r.json").read_text())
        assert out["k"] == 4 and "centroid" in res.stdout
        X, _ = grid_blobs()
        _check_consistent(out, X, 4)

    @pytest.mark.parametrize(("method", "metric"), [
        ("minibatch", "sqeuclidean"), ("kmedians", "cityblock"),
        ("kmedoids", "euclidean"), ("spherical", "cosine")])
    def test_methods(self, tmp_path, method, metric):
        """Every --method runs and reports its own objective."""
        path, X = _blobs(tmp_path)
        out = _json(path, "-k", 2, "--method", method, "--seed", 0)
        assert out["method"] == method and out["metric"] == metric
        assert sum(out["sizes"]) == 40 and np.shape(out["centroids"]) == (2, 3)
        if method == "kmedoids":
            # the reported centroids are rows of the data
            for c in out["centroids"]:
                assert np.any(np.all(X == np.asarray(c), axis=1))
        if method == "kmedians":
            # inertia: L1 distance to the nearest median
            d = np.abs(X[:, None, :] - np.asarray(out["centroids"])[None]).sum(-1)
            assert out["inertia"] == pytest.approx(d.min(1).sum(), rel=1e-9)

    def test_weights_of_one_change_nothing(self, tmp_path):
        """--weights FILE: unit weights give the unweighted fit."""
        path, X = _blobs(tmp_path)
        np.savetxt(tmp_path / "w.txt", np.ones(len(X)))
        a = _json(path, "-k", 2, "--tol", 1e-4, "--iter", 30)
        b = _json(path, "-k", 2, "--tol", 1e-4, "--iter", 30, "--weights",
                  tmp_path / "w.txt")
        assert_allclose(a["centroids"], b["centroids"], rtol=1e-12)
        np.savetxt(tmp_path / "w.txt", np.r_[np.full(20, 1e6), np.ones(20)])
        c = _json(path, "-k", 1, "--weights", tmp_path / "w.txt")
        # nearly all the weight on the first blob pulls the one centre onto it
        assert_allclose(c["centroids"][0], X[:20].mean(0), atol=1e-3)

    def test_whiten(self, tmp_path):
        """--whiten clusters (and reports centroids in) unit-variance units."""
        from kmeanskit import whiten

        path, X = _blobs(tmp_path)
        out = _json(path, "-k", 2, "--whiten")
        _check_consistent(out, whiten(X), 2)

    def test_text_file_with_header_and_one_column(self, tmp_path):
        """.txt with a header line; a single column is one-feature data."""
        x = np.r_[np.zeros(5), np.full(5, 10.0)] + np.arange(10) * 0.01
        (tmp_path / "x.txt").write_text("value\n" + "\n".join(map(str, x)) + "\n")
        out = _json(tmp_path / "x.txt", "-k", 2)
        assert out["n_features"] == 1 and sorted(out["sizes"]) == [5, 5]

    def test_integer_npy(self, tmp_path):
        """Integer data is read as float64."""
        X = np.r_[np.zeros((6, 2), int), np.full((6, 2), 50)]
        np.save(tmp_path / "i.npy", X)
        out = _json(tmp_path / "i.npy", "-k", 2, "--minit", "points")
        assert sorted(out["sizes"]) == [6, 6] and out["inertia"] == 0

    def test_plot(self, tmp_path):
        """--plot FILE draws the clusters into a picture file."""
        _ok("fit", "-k", 9, "--plot", tmp_path / "c.png")
        assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class TestVq:
    def test_round_trip_with_fit(self, tmp_path):
        """fit --centroids then vq --code-book gives vq's labels and distances."""
        path, X = _blobs(tmp_path)
        _ok("fit", path, "-k", 2, "--centroids", tmp_path / "c.npy")
        out = json.loads(_ok("vq", path, "-c", tmp_path / "c.npy", "--json",
                             "--labels", tmp_path / "l.npy",
                             "--distances", tmp_path / "d.npy").stdout)
        labels, dist = vq(X, np.load(tmp_path / "c.npy"))
        assert_array_equal(np.load(tmp_path / "l.npy"), labels)
        assert_allclose(np.load(tmp_path / "d.npy"), dist, rtol=1e-12)
        assert out["sizes"] == np.bincount(labels, minlength=2).tolist()
        assert out["distortion"] == pytest.approx(dist.mean(), rel=1e-12)


class TestChooseK:
    def test_json_matches_the_library(self, tmp_path):
        """choose-k reports choose_k's table and answers for the same call."""
        from kmeanskit import choose_k

        path, X = _blobs(tmp_path, n=(30, 30))
        out = _json("choose-k", path, "--ks", "1-4", "--n-init", 3, "--seed", 2, "-q")
        ref = choose_k(X, [1, 2, 3, 4], n_init=3, rng=2)
        assert out["k"] == ref.k == 2
        assert out["best"] == ref.best
        assert [row["k"] for row in out["table"]] == [1, 2, 3, 4]
        assert_allclose([row["inertia"] for row in out["table"]], ref.table["inertia"])
        # undefined at k = 1: null in the JSON, not NaN (which is not JSON)
        assert out["table"][0]["silhouette"] is None

    def test_gap_and_plot(self, tmp_path):
        """--gap adds the gap statistic; --plot draws the criteria."""
        path, _ = _blobs(tmp_path)
        out = _json("choose-k", path, "--ks", "1,2,3", "--gap", "--n-init", 2, "-q",
                    "--plot", tmp_path / "k.png")
        assert "gap" in out["table"][0] and "gap" in out["best"]
        assert (tmp_path / "k.png").stat().st_size > 1000

    def test_progress_and_quiet(self, tmp_path):
        """Progress goes to stderr; -q silences it, and stdout is the same."""
        path, _ = _blobs(tmp_path)
        loud = _ok("choose-k", path, "--ks", "1-3", "--n-init", 1)
        quiet = _ok("choose-k", path, "--ks", "1-3", "--n-init", 1, "-q")
        assert "choose_k" in loud.stderr and quiet.stderr == ""
        assert loud.stdout == quiet.stdout
        assert "recommended: k = 2" in quiet.stdout


class TestStudy:
    def test_json_matches_the_library(self):
        """study on the example's data reports stability_study's summary."""
        from kmeanskit import stability_study
        from kmeanskit.datasets import init_study_blobs

        out = _json("study", "--runs", 2, "--methods", "kmeans", "--inits",
                    "greedy++,random", "--n-init", "1,3", "--seed", 5, "-q")
        ref = stability_study(init_study_blobs, 9, methods=["kmeans"],
                              inits=["greedy++", "random"], n_init=[1, 3], n_runs=2,
                              rng=5)
        assert len(out["summary"]) == 4 and len(out["records"]) == 8
        assert_allclose([r["mean"] for r in out["summary"]], ref.summary["mean"])
        assert [r["at_best"] for r in out["summary"]] == ref.summary["at_best"].tolist()

    def test_file_and_plot(self, tmp_path):
        """With DATA every run clusters the file; --plot draws the figure."""
        path, _ = _blobs(tmp_path)
        res = _ok("study", path, "-k", 2, "--runs", 2, "--n-init", "1,2", "-q",
                  "--plot", tmp_path / "s.svg")
        assert "greedy++" in res.stdout and "minibatch" in res.stdout
        assert b"<svg" in (tmp_path / "s.svg").read_bytes()[:500]


class TestAnimate:
    @pytest.mark.parametrize(("name", "magic"), [("a.gif", b"GIF8"),
                                                 ("a.html", b"<")])
    def test_writes_the_animation(self, tmp_path, name, magic):
        """animate writes a GIF or an HTML page, with one frame per iteration."""
        _ok("animate", "--iter", 2, "-o", tmp_path / name, "-q")
        data = (tmp_path / name).read_bytes()
        assert data.lstrip()[:len(magic)] == magic
        if name.endswith(".gif"):
            from PIL import Image

            with Image.open(tmp_path / name) as im:
                assert im.n_frames == 3   # the start and two iterations


class TestBench:
    def test_small_case(self):
        """bench times every library on the cases it is given."""
        out = _json("bench", "--case", "400x2x3", "--case", "300x3x4", "--iter", 3,
                    "--repeat", 1, "-q")
        rows = out["ms_per_iter"]
        assert [(r["n"], r["d"], r["k"]) for r in rows] == [(400, 2, 3), (300, 3, 4)]
        for r in rows:
            assert r["kmeanskit"] > 0 and r["scipy"] > 0
            assert r["kmeanskit iterations"] == r["scipy iterations"] == 3
        text = _ok("bench", "--case", "400x2x3", "--iter", 2, "--repeat", 1,
                   "--no-sklearn", "-q").stdout
        assert "scipy ratio" in text and "scikit-learn" not in text


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content, allow_pickle=True)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


# (file name, content, expected words in the error)
BAD_FILES = [
    ("absent.npy", None, "no such file"),
    ("data.xlsx", "1,2\n", "unsupported file type"),
    ("empty.csv", "", "no data"),
    ("words.csv", "a,b\nc,d\n", "not a table of numbers"),
    ("ragged.csv", "1,2\n3,4\n5\n", "not a table of numbers"),
    ("nan.csv", "1,2\nnan,3\n", "row 2"),
    ("text.npy", "hello", "not a NumPy .npy file"),
    ("objects.npy", np.array([{"a": 1}], dtype=object), "pickled"),
    ("strings.npy", np.array(["a", "b"]), "expected numbers"),
    ("cube.npy", np.zeros((2, 2, 2)), "1-D or 2-D"),
]


class TestErrors:
    """Every mistake: exit status 2, one line on stderr naming it, no traceback."""

    @staticmethod
    def _fails(*args, words):
        res = _run(*args)
        assert res.returncode == 2, (res.stdout, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1, res.stderr
        assert "Traceback" not in res.stderr
        for word in words:
            assert word in lines[0], lines[0]
        return lines[0]

    @pytest.mark.parametrize(("name", "content", "problem"), BAD_FILES,
                             ids=[b[0] for b in BAD_FILES])
    def test_bad_data_file(self, tmp_path, name, content, problem):
        path = tmp_path / name if content is None else _write(tmp_path, name, content)
        self._fails(path, "-k", 2, words=(str(path), problem))

    @pytest.mark.parametrize("command", ["choose-k", "vq -c {book}", "study -k 2",
                                         "animate -k 2"])
    def test_bad_file_in_every_command(self, tmp_path, command):
        book = _write(tmp_path, "book.npy", np.zeros((2, 2)))
        bad = _write(tmp_path, "bad.csv", "x,y\n1,oops\n")
        self._fails(*command.format(book=book).split(), bad,
                    words=(str(bad), "not a table of numbers"))

    def test_directory(self, tmp_path):
        folder = tmp_path / "folder.csv"
        folder.mkdir()
        self._fails(folder, "-k", 2, words=("is a directory",))

    @pytest.mark.parametrize(("args", "words"), [
        (["-k", "0"], ["-k/--k", "'0'"]),
        (["-k", "two"], ["-k/--k", "'two'"]),
        (["--iter", "-1"], ["--iter"]),
        (["--tol", "-1"], ["--tol"]),
        (["--seed", "x"], ["--seed"]),
        (["--method", "kmodes"], ["--method", "kmodes"]),
        (["--minit", "bogus"], ["--minit", "bogus"]),
        (["--method", "spherical", "--minit", "random"], ["--minit", "spherical"]),
        (["--method", "minibatch", "--tol", "1"], ["--tol", "minibatch"]),
        (["--method", "kmedoids", "--n-init", "2"], ["--n-init"]),
        (["--frobnicate"], ["--frobnicate"]),
        (["--plot", "out.unknown"], ["--plot", "unknown"]),
        (["--labels", "labels.txt"], ["--labels", ".npy"]),
        (["-o", "no/such/folder/r.json"], ["-o/--output", "does not exist"]),
        (["vq"], ["-c/--code-book"]),
        (["choose-k", "--ks", "5-2"], ["--ks", "5-2"]),
        (["choose-k", "--criteria", "votes"], ["--criteria", "votes"]),
        (["study", "--n-init", "0"], ["--n-init"]),
        (["study", "--inits", "kpp"], ["--inits", "kpp"]),
        (["animate", "-o", "movie.mp4"], ["-o/--output", ".mp4"]),
        (["bench", "--case", "10x2"], ["--case", "10x2"]),
        (["bench", "--case", "5x2x9"], ["--case"]),
    ])
    def test_bad_option(self, tmp_path, args, words):
        self._fails(*args, words=words)

    def test_k_needs_data_size(self, tmp_path):
        path, _ = _blobs(tmp_path)
        self._fails(path, words=("-k/--k", "required"))
        self._fails(path, "-k", 41, words=("-k/--k", "41", "40 observations"))
        self._fails("choose-k", path, "--ks", "1-41", words=("--ks", "41"))

    def test_mismatched_inputs(self, tmp_path):
        path, _ = _blobs(tmp_path)          # 3 features
        book = _write(tmp_path, "book.npy", np.zeros((2, 2)))
        self._fails("vq", path, "-c", book, words=("--code-book", "3 columns"))
        weights = _write(tmp_path, "w.txt", "1\n2\n")
        self._fails(path, "-k", 2, "--weights", weights, words=("--weights", "40"))

    def test_nothing_written_on_error(self, tmp_path):
        """Outputs are checked before the work: a bad one writes nothing."""
        self._fails("-k", 3, "--labels", tmp_path / "l.npy", "--plot",
                    tmp_path / "p.nope", words=("--plot",))
        assert not (tmp_path / "l.npy").exists()
