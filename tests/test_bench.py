"""The benchmark scripts run to the end on tiny inputs.

Their timings are not checked (speed is the benchmarks' business, never a
unit test's): these tests catch a script that no longer runs against the
current package, or crashes while writing its table, before someone spends a
quiet machine's hour on it.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

pytestmark = pytest.mark.skipif(
    not BENCH.is_dir(), reason="bench/ is not beside the tests (installed tests)")


def run_script(name, *args, cwd):
    res = subprocess.run([sys.executable, str(BENCH / name), *args],
                         capture_output=True, text=True, timeout=300, cwd=cwd)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def test_compare_writes_its_table_and_json_with_lower_bounds(tmp_path):
    out = tmp_path / "compare.json"
    stdout = run_script("compare.py", "--cases", "2000x8x4", "--dtype", "float64",
                        "--iters", "2", "--repeats", "1", "--budget", "1",
                        "--libs", "kmeanskit,scipy", "--algorithms", "lloyd",
                        "--memory", "none", "--no-reference", "--json", str(out),
                        cwd=tmp_path)
    rows = json.loads(out.read_text())["rows"]
    assert {r["label"] for r in rows} == {"kmeanskit", "scipy kmeans2"}
    # The machine's limits were measured, so every row has its lower bound.
    assert all(r["bound_seconds"] > 0 and r["bound_ratio"] > 0 for r in rows)
    assert "2000x8x4" in stdout


def test_sparse_compare_runs_on_a_small_collection(tmp_path):
    stdout = run_script("sparse_compare.py", "--docs", "600", "--words", "400",
                        "--per-doc", "10", "--k", "5", "--iter", "2", "--batch", "64",
                        "--steps", "4", "--repeat", "1", cwd=tmp_path)
    assert "kmeanskit" in stdout
