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


def _run(times, bound=None):
    """A compare.py JSON record of one case: ``times`` maps impl -> ms/iter."""
    labels = {"kmeanskit-lloyd": "kmeanskit", "kmeanskit-auto": "kmeanskit auto",
              "faiss": "faiss", "sklearn-lloyd": "sklearn lloyd"}
    rows = [{"case": "100x2x3", "dtype": "float32", "threads": 2, "impl": impl,
             "label": labels[impl], "seconds_per_iter": ms / 1e3,
             "bound_ratio": bound if impl.startswith("kmeanskit") else None}
            for impl, ms in times.items()]
    return {"machine": {"cpu": "test", "cores": 2}, "rows": rows}


def test_summarize_takes_medians_of_per_run_ratios_to_the_best_peer(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("summarize", BENCH / "summarize.py")
    summarize = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(summarize)
    runs = [
        # kmeanskit's best of lloyd/auto: 10, 8, 12; best peer: faiss 20,
        # sklearn 10, faiss 24 -> ratios 0.5, 0.8, 0.5
        _run({"kmeanskit-lloyd": 10, "kmeanskit-auto": 11, "faiss": 20,
              "sklearn-lloyd": 25}, bound=1.5),
        _run({"kmeanskit-lloyd": 9, "kmeanskit-auto": 8, "faiss": 30,
              "sklearn-lloyd": 10}, bound=1.2),
        _run({"kmeanskit-lloyd": 12, "kmeanskit-auto": 13, "faiss": 24,
              "sklearn-lloyd": 40}, bound=1.4),
    ]
    table = summarize.summarize(runs, ["kmeanskit-lloyd", "kmeanskit-auto"], 0.1)
    row = next(line for line in table.splitlines() if line.startswith("| 100x2x3"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # ms/iter median 10; faiss median 24 / 10; sklearn median 25 / 10
    assert cells[2:5] == ["10", "2.40", "2.50"]
    assert cells[5] == "faiss"  # the best peer in two runs of three
    assert cells[6] == "0.50 (0.50–0.80) ‡"  # spread 60 %: flagged
    assert cells[7] == "1.40"
    # A run's JSON files through the command line.
    for i, run in enumerate(runs):
        (tmp_path / f"r{i}.json").write_text(json.dumps(run))
    stdout = run_script("summarize.py", *(f"r{i}.json" for i in range(3)),
                        cwd=tmp_path)
    assert "0.50 (0.50–0.80) ‡" in stdout
