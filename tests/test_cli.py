"""The command line: `python -m kmeanskit` and the `kmeanskit` console script."""

import importlib.util
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
# Pictures and animations need matplotlib (the plot extra).
needs_matplotlib = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason="matplotlib is not installed (pip install \".[plot]\")")
# `python -m` puts the working directory first on sys.path: run from an empty
# folder so the installed package, not the source checkout, is what runs.
_NEUTRAL_CWD = Path(tempfile.mkdtemp(prefix="kmeanskit-cli-"))


def _run(*args, exe=None):
    cmd = [exe] if exe else [sys.executable, "-m", "kmeanskit"]
    # Made on each call: a cleaner of the temporary folder may remove it
    # while the suite runs.
    _NEUTRAL_CWD.mkdir(exist_ok=True)
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

    @pytest.mark.parametrize("minit", ["points", "++", "greedy++", "random"])
    def test_minit_option(self, minit):
        """--minit selects the initialisation; the output stays consistent."""
        out = _json("--minit", minit, "--seed", 3, "-k", 9)
        X, _ = grid_blobs()
        _check_consistent(out, X, 9)

    def test_init_is_minit(self):
        """--init is another spelling of --minit."""
        a = _json("--seed", 11, "--init", "greedy++", "--iter", 3)
        b = _json("--seed", 11, "--minit", "greedy++", "--iter", 3)
        assert a["centroids"] == b["centroids"]
        assert a["minit"] == "greedy++"

    @pytest.mark.parametrize("method", ["minibatch", "kmedians", "spherical"])
    def test_variants_take_init(self, method):
        """The variants get --minit as their init= (no deprecation warning)."""
        out = _json("--method", method, "--minit", "points", "--seed", 2, "-k", 9)
        assert out["minit"] == "points"
        assert sum(out["sizes"]) == 900

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
                    "--labels", "--centroids", "--plot", "examples", "--delimiter",
                    "--header", "--no-header", "--json-labels"):
            assert opt in res.stdout
        # the defaults, and the way back to SciPy's fixed iterations, are stated
        text = " ".join(res.stdout.split())
        for words in ("default: 10 for kmeans", "default: 300", "0.0001",
                      "--n-init 1 --iter 10"):
            assert words in text, words

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

    @needs_matplotlib
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

    @needs_matplotlib
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
                    "greedy++,points", "--n-init", "1,3", "--seed", 5, "-q")
        ref = stability_study(init_study_blobs, 9, methods=["kmeans"],
                              inits=["greedy++", "points"], n_init=[1, 3], n_runs=2,
                              rng=5)
        assert len(out["summary"]) == 4 and len(out["records"]) == 8
        assert_allclose([r["mean"] for r in out["summary"]], ref.summary["mean"])
        assert [r["at_best"] for r in out["summary"]] == ref.summary["at_best"].tolist()

    @needs_matplotlib
    def test_file_and_plot(self, tmp_path):
        """With DATA every run clusters the file; --plot draws the figure."""
        path, _ = _blobs(tmp_path)
        res = _ok("study", path, "-k", 2, "--runs", 2, "--n-init", "1,2", "-q",
                  "--plot", tmp_path / "s.svg")
        assert "greedy++" in res.stdout and "minibatch" in res.stdout
        assert b"<svg" in (tmp_path / "s.svg").read_bytes()[:500]


class TestAnimate:
    @needs_matplotlib
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
    ("nan.npy", np.array([[1.0, np.nan], [2, 3], [np.inf, 0], [4, 5], [6, np.nan]]),
     "NaN or infinite value in rows 1, 3 and 5"),
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
        (["--method", "spherical", "--minit", "build"], ["--minit", "spherical"]),
        (["--method", "minibatch", "--minit", "++"],
         ["--minit ++", "now spelled --minit greedy++"]),
        (["--method", "kmedoids", "--minit", "random"],
         ["--minit random", "now spelled --minit points"]),
        (["--method", "minibatch", "--tol", "1"], ["--tol", "minibatch"]),
        (["--method", "kmedoids", "--n-init", "2"], ["--n-init"]),
        (["--frobnicate"], ["--frobnicate"]),
        pytest.param(["--plot", "out.unknown"], ["--plot", "unknown"],
                     marks=needs_matplotlib),
        (["--labels", "labels.json"],
         ["--labels labels.json: unsupported file type '.json'",
          ".npy, .csv, .txt"]),
        (["--centroids", "c"], ["--centroids c: unsupported file type '(none)'"]),
        (["--json-labels"], ["--json-labels", "--json or -o"]),
        (["--header", "--no-header"], ["--no-header", "not allowed with"]),
        (["--delimiter", "x"], ["--delimiter", "'x'"]),
        (["--delimiter", ";;"], ["--delimiter", "';;'"]),
        (["--delimiter", ";"], ["--delimiter: applies to a DATA file"]),
        (["--no-header"], ["--header/--no-header: applies to a DATA file"]),
        (["choose-k", "--header"], ["--header/--no-header: applies to a DATA file"]),
        (["study", "--delimiter", "tab"], ["--delimiter: applies to a DATA file"]),
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


def _fail_line(*args):
    """The one stderr line of a command that must fail with exit status 2."""
    res = _run(*args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


GOOD_ROWS = "4,5,6\n7,8,9\n10,11,12\n"

# (first row, the error's words): a row that is neither all names nor all numbers
MALFORMED_FIRST_ROWS = [
    ("1,,3", "row 1, column 2: empty cell"),
    ("1,2,NA", "row 1, column 3: 'NA' is not a number"),
    ("1,2,3,", "row 1, column 4: empty cell (the row ends with ',')"),
    ("x,,z", "row 1, column 2: empty cell"),
    ("x,y,3", "row 1, column 1: 'x' is not a number"),
]


class TestHeader:
    """A first row is a header only when every cell is a name; none is dropped."""

    @pytest.mark.parametrize(("first", "words"), MALFORMED_FIRST_ROWS,
                             ids=[m[0] for m in MALFORMED_FIRST_ROWS])
    def test_malformed_first_row_is_an_error(self, tmp_path, first, words):
        path = _write(tmp_path, "f.csv", f"{first}\n{GOOD_ROWS}")
        line = _fail_line(path, "-k", 1, "--json")
        assert f"DATA {path}: not a table of numbers: {words}" in line
        assert "neither a header" in line and "--header or --no-header" in line

    @pytest.mark.parametrize(("first", "words"), MALFORMED_FIRST_ROWS[:3],
                             ids=[m[0] for m in MALFORMED_FIRST_ROWS[:3]])
    def test_no_header_gives_the_same_error(self, tmp_path, first, words):
        path = _write(tmp_path, "f.csv", f"{first}\n{GOOD_ROWS}")
        line = _fail_line(path, "-k", 1, "--no-header")
        assert line.endswith(f"DATA {path}: not a table of numbers: {words}")

    @pytest.mark.parametrize(("row", "words"), [
        ("4,,6", "row 3, column 2: empty cell"),
        ("4,5,NA", "row 3, column 3: 'NA' is not a number"),
        ("4,5,6,", "row 3, column 4: empty cell (the row ends with ',')"),
        ("4,5", "row 3 has 2 columns, row 1 3 columns"),
        ("4,nan,6", "row 3, column 2: 'nan': NaN or infinite value"),
    ])
    def test_the_same_cell_in_a_later_row(self, tmp_path, row, words):
        path = _write(tmp_path, "f.csv", f"1,2,3\n1,2,3\n{row}\n7,8,9\n")
        assert _fail_line(path, "-k", 1).endswith(
            f"DATA {path}: not a table of numbers: {words}")

    def test_header_is_read_and_no_row_dropped(self, tmp_path):
        path = _write(tmp_path, "h.csv", f"x,y,z\n1,2,3\n{GOOD_ROWS}")
        out = _json(path, "-k", 1)
        assert out["n_observations"] == 4 and out["features"] == ["x", "y", "z"]
        assert_allclose(out["centroids"], [[5.5, 6.5, 7.5]], rtol=1e-12)

    def test_numeric_first_row_is_data(self, tmp_path):
        path = _write(tmp_path, "d.csv", f"1,2,3\n{GOOD_ROWS}")
        out = _json(path, "-k", 1)
        assert out["n_observations"] == 4 and out["features"] is None
        assert_allclose(out["centroids"], [[5.5, 6.5, 7.5]], rtol=1e-12)

    def test_header_option_forces_names(self, tmp_path):
        path = _write(tmp_path, "d.csv", f"1,2,3\n{GOOD_ROWS}")
        out = _json(path, "-k", 1, "--header")
        assert out["n_observations"] == 3 and out["features"] == ["1", "2", "3"]

    def test_no_header_option_refuses_names(self, tmp_path):
        path = _write(tmp_path, "h.csv", f"x,y,z\n{GOOD_ROWS}")
        assert _fail_line(path, "-k", 1, "--no-header").endswith(
            "row 1, column 1: 'x' is not a number")

    def test_header_of_the_wrong_width(self, tmp_path):
        path = _write(tmp_path, "h.csv", f"x,y\n{GOOD_ROWS}")
        assert "the header (row 1) has 2 names for 3 columns of data" in \
            _fail_line(path, "-k", 1)
        path = _write(tmp_path, "h.csv", f"x,y,z,w\n{GOOD_ROWS}")
        assert "the header (row 1) has 4 names for 3 columns of data" in \
            _fail_line(path, "-k", 1)

    def test_rows_are_lines_of_the_file(self, tmp_path):
        """Comments and blank lines count: the error's row is the editor's line."""
        path = _write(tmp_path, "c.csv", "# made by hand\n\nx,y\n1,2\n3,oops\n")
        assert _fail_line(path, "-k", 1).endswith(
            "row 5, column 2: 'oops' is not a number")
        path = _write(tmp_path, "c.csv", "# made by hand\n\nx,y\n1,2\n3,4\n")
        out = _json(path, "-k", 1)
        assert out["n_observations"] == 2 and out["features"] == ["x", "y"]

    def test_quoted_names_and_byte_order_mark(self, tmp_path):
        path = tmp_path / "q.csv"
        path.write_bytes(b'\xef\xbb\xbf"width, cm",height\n1,2\n3,4\n')
        out = _json(path, "-k", 1)
        assert out["features"] == ["width, cm", "height"]
        assert out["n_observations"] == 2

    def test_whitespace_text_file(self, tmp_path):
        path = _write(tmp_path, "p.txt", "a b\n1 2\n3   4\n\t5\t6\n")
        out = _json(path, "-k", 1)
        assert out["features"] == ["a", "b"] and out["n_observations"] == 3
        path = _write(tmp_path, "p.txt", "1 2\n3 NA\n")
        assert "row 2, column 2: 'NA' is not a number" in _fail_line(path, "-k", 1)


class TestDelimiter:
    def test_semicolons_in_a_csv(self, tmp_path):
        """The full reason, never cut at a ';', and a hint naming --delimiter."""
        path = _write(tmp_path, "s.csv", "a;b\n1,5;2,0\n3,5;4,0\n")
        line = _fail_line(path, "-k", 1)
        assert line.endswith(f"DATA {path}: not a table of numbers: row 2, column 2: "
                             "'5;2' is not a number; the file looks ';'-separated: "
                             "try --delimiter ';'")
        # decimal commas are not read: said, not guessed
        line = _fail_line(path, "-k", 1, "--delimiter", ";")
        assert "row 2, column 1: '1,5' is not a number (a decimal comma? write 1.5)" \
            in line
        path = _write(tmp_path, "s.csv", "a;b\n1.5;2\n3.5;4\n")
        out = _json(path, "-k", 1, "--delimiter", ";")
        assert out["features"] == ["a", "b"] and out["centroids"] == [[2.5, 3.0]]

    def test_tabs_in_a_csv(self, tmp_path):
        path = _write(tmp_path, "t.csv", "1\t2\n3\t4\n5\t6\n")
        assert _fail_line(path, "-k", 1).endswith(
            "the file looks tab-separated: try --delimiter tab")
        out = _json(path, "-k", 1, "--delimiter", "tab")
        assert out["n_observations"] == 3 and out["centroids"] == [[3.0, 4.0]]

    def test_commas_in_a_txt(self, tmp_path):
        path = _write(tmp_path, "c.txt", "1,2\n3,4\n")
        assert _fail_line(path, "-k", 1).endswith(
            "the file looks ','-separated: try --delimiter ,")
        out = _json(path, "-k", 1, "--delimiter", ",")
        assert out["n_observations"] == 2 and out["centroids"] == [[2.0, 3.0]]

    def test_names_with_spaces_in_a_tsv(self, tmp_path):
        path = _write(tmp_path, "t.tsv", "petal length\tpetal width\n1\t2\n3\t4\n")
        assert _fail_line(path, "-k", 1).endswith(
            "the header (row 1) has 4 names for 2 columns of data; the file looks "
            "tab-separated: try --delimiter tab")
        out = _json(path, "-k", 1, "--delimiter", "tab")
        assert out["features"] == ["petal length", "petal width"]

    def test_no_hint_for_a_well_separated_file(self, tmp_path):
        path = _write(tmp_path, "b.csv", "1,2\n3,x\n")
        line = _fail_line(path, "-k", 1)
        assert line.endswith("row 2, column 2: 'x' is not a number")

    @pytest.mark.parametrize("command", [
        "fit -k 2", "choose-k --ks 1-2 --n-init 1 -q", "vq -c {book}",
        "study -k 2 --runs 1 --methods kmeans --inits ++ --n-init 1 -q"])
    def test_every_command_reading_data(self, tmp_path, command):
        book = _write(tmp_path, "book.npy", np.zeros((2, 2)))
        path = _write(tmp_path, "p.csv", "u;v\n0;0\n0;1\n9;9\n9;8\n")
        args = command.format(book=book).split()
        assert "try --delimiter ';'" in _fail_line(*args, path)
        res = _ok(*args, path, "--delimiter", ";", "--json")
        out = json.loads(res.stdout)
        if "n_observations" in out:   # fit, vq, choose-k: every row, named
            assert out["n_observations"] == 4 and out["features"] == ["u", "v"]

    @needs_matplotlib
    def test_animate_reads_with_the_delimiter(self, tmp_path):
        path = _write(tmp_path, "p.csv", "0|0\n0|1\n9|9\n9|8\n")
        assert "try --delimiter '|'" in _fail_line("animate", path, "-k", 2, "-o",
                                                   tmp_path / "a.html")
        _ok("animate", path, "-k", 2, "--delimiter", "|", "--iter", 1, "-q",
            "-o", tmp_path / "a.html")
        assert (tmp_path / "a.html").stat().st_size > 0

    def test_text_options_on_a_npy_file(self, tmp_path):
        path, _ = _blobs(tmp_path)
        assert f"--delimiter: DATA {path} is a .npy file" in _fail_line(
            path, "-k", 2, "--delimiter", ",")
        assert f"--header: DATA {path} is a .npy file" in _fail_line(
            path, "-k", 2, "--header")


def _names_file(tmp_path):
    """Two blobs of 3-D points in a .csv with a header; returns (path, X)."""
    path, X = _blobs(tmp_path, "data.csv")
    body = path.read_text()
    path.write_text("length,width,depth\n" + body)
    return path, X


class TestOutputFiles:
    def test_csv_outputs_with_names(self, tmp_path):
        path, X = _names_file(tmp_path)
        out = _json(path, "-k", 2, "--labels", tmp_path / "l.csv",
                    "--centroids", tmp_path / "c.csv")
        lines = (tmp_path / "c.csv").read_text().splitlines()
        assert lines[0] == "length,width,depth" and len(lines) == 3
        cents = np.loadtxt(lines[1:], delimiter=",")
        # written exactly: the shortest text that reads back as the same float
        assert_array_equal(cents, out["centroids"])
        labels = np.loadtxt(tmp_path / "l.csv", dtype=int)
        assert labels.shape == (40,)
        assert (tmp_path / "l.csv").read_text().splitlines()[0] in ("0", "1")
        assert_array_equal(labels, vq(X, cents)[0])

    def test_csv_centroids_without_names(self, tmp_path):
        path, _ = _blobs(tmp_path, "data.csv")
        out = _json(path, "-k", 2, "--centroids", tmp_path / "c.csv")
        assert_array_equal(np.loadtxt(tmp_path / "c.csv", delimiter=","),
                           out["centroids"])
        assert out["features"] is None

    def test_txt_outputs(self, tmp_path):
        path, X = _names_file(tmp_path)
        out = _json(path, "-k", 2, "--labels", tmp_path / "l.txt",
                    "--centroids", tmp_path / "c.txt")
        text = (tmp_path / "c.txt").read_text()
        assert "," not in text and "length" not in text
        assert_array_equal(np.loadtxt(tmp_path / "c.txt"), out["centroids"])
        labels = np.loadtxt(tmp_path / "l.txt", dtype=int)
        assert_array_equal(labels, vq(X, np.asarray(out["centroids"]))[0])

    def test_one_feature_centroids(self, tmp_path):
        path = _write(tmp_path, "x.csv", "value\n0\n1\n10\n11\n")
        _ok(path, "-k", 2, "--centroids", tmp_path / "c.csv")
        lines = (tmp_path / "c.csv").read_text().splitlines()
        assert lines[0] == "value" and sorted(map(float, lines[1:])) == [0.5, 10.5]

    def test_round_trip_through_a_csv_code_book(self, tmp_path):
        """fit writes a CSV code book with names; vq reads it, names checked."""
        path, X = _names_file(tmp_path)
        _ok("fit", path, "-k", 2, "--centroids", tmp_path / "c.csv")
        out = json.loads(_ok("vq", path, "-c", tmp_path / "c.csv", "--json",
                             "--json-labels", "--labels", tmp_path / "l.txt",
                             "--distances", tmp_path / "d.csv").stdout)
        cents = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
        labels, dist = vq(X, cents)
        assert out["labels"] == labels.tolist()
        assert out["features"] == ["length", "width", "depth"]
        assert_array_equal(np.loadtxt(tmp_path / "l.txt", dtype=int), labels)
        assert_allclose(np.loadtxt(tmp_path / "d.csv"), dist, rtol=1e-12)
        # a code book whose columns are named otherwise is refused
        other = tmp_path / "other.csv"
        other.write_text("a,b,c\n" + "\n".join(
            (tmp_path / "c.csv").read_text().splitlines()[1:]) + "\n")
        assert "its columns are a, b, c, DATA's are length, width, depth" in \
            _fail_line("vq", path, "-c", other)

    def test_bad_extension_writes_nothing(self, tmp_path):
        path, _ = _blobs(tmp_path)
        _ok("fit", path, "-k", 2, "--centroids", tmp_path / "c.npy")
        line = _fail_line("vq", path, "-c", tmp_path / "c.npy",
                          "--labels", tmp_path / "l.npy",
                          "--distances", tmp_path / "d.dat")
        assert "--distances" in line and "unsupported file type '.dat'" in line
        assert not (tmp_path / "l.npy").exists()

    def test_json_labels(self, tmp_path):
        path, X = _blobs(tmp_path)
        out = _json(path, "-k", 2, "--json-labels", "--labels", tmp_path / "l.npy")
        assert out["labels"] == np.load(tmp_path / "l.npy").tolist()
        assert len(out["labels"]) == 40 and set(out["labels"]) == {0, 1}
        assert "labels" not in _json(path, "-k", 2)
        _ok(path, "-k", 2, "--json-labels", "-o", tmp_path / "r.json")
        assert len(json.loads((tmp_path / "r.json").read_text())["labels"]) == 40


def _table(stdout):
    """The centroid table's lines: from its heading to the line before 'inertia'."""
    lines = stdout.splitlines()
    start = lines.index("centroids:") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("inertia"))
    return lines[start:end]


def _right_edges(line):
    return [m.end() for m in re.finditer(r"\S+", line)]


class TestTextReport:
    def test_demo_columns_line_up(self):
        rows = _table(_ok().stdout)
        assert rows[0].split() == ["cluster", "size", "0", "1"]
        assert len(rows) == 10
        # right-aligned: every row's columns end where the heading's do
        edges = _right_edges(rows[0])
        assert all(_right_edges(row) == edges for row in rows[1:]), rows
        values = [float(v) for row in rows[1:] for v in row.split()[2:]]
        assert any(v < 0 for v in values)   # mixed signs are what made it ragged

    def test_names_are_the_headings(self, tmp_path):
        path = _write(tmp_path, "n.csv",
                      "x,a much longer name\n-1000.5,1\n2,-0.001\n2.5,-3\n")
        rows = _table(_ok(path, "-k", 2).stdout)
        assert rows[0].split() == ["cluster", "size", "x", "a", "much", "longer",
                                   "name"]
        assert rows[0].endswith("a much longer name")
        edges = [_right_edges(row)[-1] for row in rows]
        assert len(set(edges)) == 1 and len({len(row) for row in rows}) == 1
        assert "-1000.5" in rows[1] + rows[2]


class TestDefaults:
    """kmeans: 10 k-means++ starts to tol 1e-4 (300 iterations); SciPy on request."""

    def test_default_is_scikit_learns_settings(self):
        from kmeanskit import kmeans2

        out = _json()
        assert (out["minit"], out["n_init"], out["tol"], out["iter"]) == (
            "++", 10, 1e-4, 300)
        assert out["converged"] is True and len(out["inertias_per_start"]) == 10
        X, _ = grid_blobs()
        cents, _, info = kmeans2(X, 9, iter=300, minit="++", n_init=10, tol=1e-4,
                                 rng=0, return_info=True)
        assert_allclose(out["centroids"], cents, rtol=1e-12)
        assert out["inertia"] == pytest.approx(info.inertia, rel=1e-12)

    def test_tol_implies_300_iterations(self):
        out = _json("--tol", 1e-4, "--n-init", 1)
        assert (out["iter"], out["tol"], out["n_init"]) == (300, 1e-4, 1)
        assert out["converged"] is True
        text = _ok("--tol", 1e-4, "--n-init", 1).stdout
        assert "tol=0.0001, iter<=300" in text and ", converged" in text
        assert _json("--tol", 1e-4, "--iter", 7)["iter"] == 7

    def test_scipys_fixed_iterations(self):
        """--n-init 1 --iter 10 is SciPy's kmeans2(data, k, iter=10, minit='++')."""
        from scipy.cluster.vq import kmeans2 as scipy_kmeans2

        out = _json("--n-init", 1, "--iter", 10, "--seed", 3)
        assert (out["tol"], out["iter"], out["n_iter"], out["n_init"]) == (
            None, 10, 10, 1)
        X, _ = grid_blobs()
        cents, labels = scipy_kmeans2(X, 9, iter=10, minit="++", rng=3)
        assert_allclose(out["centroids"], cents, rtol=1e-12, atol=1e-15)
        text = _ok("--n-init", 1, "--iter", 10).stdout
        assert "iter=10 (fixed)" in text and "fixed iterations" in text

    def test_iter_alone_runs_exactly_that_many(self):
        out = _json("--iter", 25)
        assert (out["tol"], out["n_iter"], out["n_init"]) == (None, 25, 10)

    def test_other_methods_keep_one_start(self, tmp_path):
        path, _ = _blobs(tmp_path)
        out = _json(path, "-k", 2, "--method", "kmedians")
        assert (out["n_init"], out["tol"], out["iter"]) == (1, None, None)


class TestRouting:
    @pytest.mark.parametrize(("typed", "meant"), [
        ("fitt", "fit"), ("choose_k", "choose-k"), ("studdy", "study"),
        ("bnch", "bench")])
    def test_mistyped_command(self, typed, meant):
        res = _run(typed, "points.csv")
        assert res.returncode == 2
        assert res.stderr == (f"kmeanskit: error: unknown command {typed!r} "
                              f"(did you mean {meant!r}?)\n")

    def test_unknown_command_lists_the_commands(self):
        res = _run("xyz", "-k", 2)
        assert res.returncode == 2 and res.stdout == ""
        line = res.stderr.strip()
        assert line.startswith("kmeanskit: error: unknown command 'xyz'; the commands "
                               "are fit, vq, choose-k, study, animate, bench")
        assert ".csv" in line

    def test_a_data_file_is_fit(self, tmp_path):
        """A file name, existing or not, still means 'fit' (no subcommand)."""
        path, X = _blobs(tmp_path, "points.csv")
        _check_consistent(_json(path, "-k", 4), X, 4)
        assert _fail_line("points.csv", "-k", 4) == (
            "kmeanskit fit: error: DATA points.csv: no such file")
        assert "unsupported file type '.xlsx'" in _fail_line("data.xlsx", "-k", 2)
        # an existing file named like a command, given as a path, is DATA
        fitt = _write(tmp_path, "fitt", "1,2\n")
        line = _fail_line(fitt, "-k", 1)
        assert f"DATA {fitt}: unsupported file type '(none)'" in line
