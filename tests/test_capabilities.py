"""The capability table: one declaration behind the docs' matrix and the tests."""

import importlib.util
import json
from pathlib import Path

import pytest

from kmeanskit._backends import _capabilities as caps

ROOT = Path(__file__).resolve().parents[1]
RENDERER = ROOT / "tools" / "support_matrix.py"


@pytest.fixture(scope="module")
def matrix():
    """tools/support_matrix.py, the renderer (a developer script, not installed)."""
    if not RENDERER.is_file():
        pytest.skip("no tools/support_matrix.py next to the tests")
    spec = importlib.util.spec_from_file_location("support_matrix", RENDERER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["README.md", "docs/backends.rst"])
def test_published_matrix_is_the_rendered_one(name, matrix):
    """README and docs show exactly what the table renders (regenerate with
    ``python tools/support_matrix.py --write README.md docs/backends.rst``)."""
    path = ROOT / name
    if not path.is_file():
        pytest.skip(f"no source checkout next to the tests ({name} missing)")
    block = matrix.current_block(path.read_text(encoding="utf-8"), path)
    assert block is not None, f"{name} lacks the support-matrix markers"
    assert block == matrix.rendered_block(path)


def test_every_row_is_tested_or_says_untested():
    """CPU rows have a test-suite backend that runs them in CI and claim
    ✅/⚠️; GPU rows, never run in CI, may only say 'implemented, untested'."""
    in_ci = {p.backend for p in caps.TEST_PARAMS if not p.portable}
    for backend in caps.BACKENDS:
        for function in caps.FUNCTIONS:
            cell = caps.support(function.name, backend.key)
            if backend.on_gpu:
                assert cell.status == caps.UNTESTED, (function.name, backend.key)
            else:
                assert backend.key in in_ci, backend.key
                assert cell.status in (caps.YES, caps.LIMITED), (
                    function.name, backend.key)


def test_every_test_param_names_a_backend():
    keys = {b.key for b in caps.BACKENDS}
    assert all(p.backend in keys for p in caps.TEST_PARAMS)


def test_gpu_code_path_is_exercised_on_cpu():
    assert any(p.portable for p in caps.TEST_PARAMS)


def test_marks_follow_the_cells(monkeypatch):
    """skip and xfail reasons of a cell become test marks; 'no' skips."""
    function = caps._FUNCTION["vq"]
    overrides = {
        "numpy": caps.Support(caps.LIMITED, "x", xfail="known bug"),
        "torch-cpu": caps.Support(caps.NO),
        "dask": caps.Support(caps.YES, skip="needs a cluster"),
    }
    monkeypatch.setitem(caps._FUNCTION, "vq", caps.Function(
        "vq", function.jax_jit, function.dask_lazy, overrides))
    assert caps.test_marks("vq", "numpy") == [("xfail", "known bug")]
    assert caps.test_marks("vq", "torch-cpu")[0][0] == "skip"
    assert caps.test_marks("vq", "dask") == [("skip", "needs a cluster")]
    assert caps.test_marks("vq", "array-api-strict") == []


def test_render_formats(matrix):
    markdown, rst = matrix.render("markdown"), matrix.render("rst")
    for function in caps.FUNCTIONS:
        assert f"`{function.name}`" in markdown and f"``{function.name}``" in rst
    for backend in caps.BACKENDS:
        assert backend.label in markdown and backend.label in rst
    assert "implemented, untested" in markdown
    with pytest.raises(ValueError, match="fmt"):
        matrix.render("html")


def test_write_rewrites_only_the_block(tmp_path, matrix):
    path = tmp_path / "page.md"
    begin, end = matrix._MARKERS["markdown"]
    path.write_text(f"intro\n\n{begin}\nstale\n{end}\n\noutro\n", encoding="utf-8")
    assert matrix.write(path) is True
    text = path.read_text(encoding="utf-8")
    assert text.startswith("intro\n\n") and text.endswith("\n\noutro\n")
    assert matrix.current_block(text, path) == matrix.rendered_block(path)
    assert matrix.write(path) is False


def test_main_prints_and_writes(tmp_path, capsys, matrix):
    assert matrix.main([]) == 0
    assert "| backend |" in capsys.readouterr().out
    assert matrix.main(["--rst"]) == 0
    assert ".. list-table::" in capsys.readouterr().out
    path = tmp_path / "page.rst"
    begin, end = matrix._MARKERS["rst"]
    path.write_text(f"{begin}\n{end}\n", encoding="utf-8")
    assert matrix.main(["--write", str(path)]) == 0
    assert "updated" in capsys.readouterr().out


def _write_record(folder, name, outcomes, *, dry_run=False):
    record = {"dry_run": dry_run, "date": "2026-12-02 08:00 UTC",
              "device": {"name": "Test GPU"}, "tests": {"outcomes": outcomes}}
    (folder / name).write_text(json.dumps(record), encoding="utf-8")


def test_gpu_cells_follow_the_recorded_run(matrix, tmp_path):
    # A real run's outcomes decide the GPU cells; a CPU stand-in for the GPU
    # row (torch-portable in CI) and a dry run's record count for nothing.
    _write_record(tmp_path, "gpu-2026-12-02.json", {
        "torch-gpu@cuda": {"all": {"passed": 5, "failed": 1, "skipped": 2},
                           "functions": {"vq": {"passed": 3},
                                         "kmeans": {"passed": 1, "failed": 1}}},
        "cupy@cpu": {"all": {"passed": 9}, "functions": {"vq": {"passed": 9}}},
    })
    _write_record(tmp_path, "gpu-2026-12-03.json", {
        "jax-gpu@gpu": {"all": {"passed": 1}, "functions": {"vq": {"passed": 1}}},
    }, dry_run=True)
    runs = matrix.gpu_runs(tmp_path)
    assert set(runs) == {"torch-gpu"}
    rows = dict(matrix._rows(runs))
    column = {b.key: i for i, b in enumerate(caps.BACKENDS)}
    assert rows["vq"][column["torch-gpu"]] == "✅"
    assert rows["kmeans"][column["torch-gpu"]].startswith("❌ 1 of 2 tests failed")
    assert "Test GPU, 2026-12-02" in rows["kmeans"][column["torch-gpu"]]
    assert rows["whiten"][column["torch-gpu"]] == "implemented, untested"
    assert rows["vq"][column["cupy"]] == "implemented, untested"
    assert rows["vq"][column["numpy"]] == caps.support("vq", "numpy").text()
    tested = matrix._tested(caps.BACKENDS[column["torch-gpu"]], runs)
    assert tested == "GPU run (Test GPU, 2026-12-02): 5 passed, 1 failed, 2 skipped"


def test_a_limited_cell_keeps_its_limit_after_a_passing_run(matrix):
    cell = caps.Support(caps.LIMITED, "eager only")
    assert matrix.recorded_text(cell, {"passed": 2}, "here") == cell.text()
    assert matrix.recorded_text(cell, {"skipped": 2}, "here") == cell.text()
    assert matrix.recorded_text(caps.Support(caps.UNTESTED), {"skipped": 2},
                                "here") == "implemented, untested"
