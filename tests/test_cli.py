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
from numpy.testing import assert_allclose

from kmeanskit import vq
from kmeanskit.datasets import grid_blobs

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
        """--help documents the options."""
        res = _run("--help")
        assert res.returncode == 0
        for opt in ("--k", "--minit", "--iter", "--seed", "--json"):
            assert opt in res.stdout

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
