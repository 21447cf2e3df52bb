"""Every Python code block of the README runs as pasted.

The blocks run in order in one namespace, as a reader pasting them into one
session would, in an empty working folder (one block writes a GIF).
"""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
pytestmark = pytest.mark.skipif(not README.is_file(),
                                reason="no README.md beside tests/")

_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def _python_blocks():
    return _BLOCK.findall(README.read_text(encoding="utf-8"))


def test_readme_has_python_blocks():
    # The README's usage section is mostly Python: finding none means the
    # pattern above broke, and the test below would check nothing.
    assert len(_python_blocks()) >= 6


def test_every_python_block_runs_in_order(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib").use("Agg")  # one block draws pictures
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    for number, block in enumerate(_python_blocks(), start=1):
        code = compile(block, f"README.md, Python block {number}", "exec")
        exec(code, namespace)  # noqa: S102 - the README's own examples
    import matplotlib.pyplot as plt

    plt.close("all")
    # The blocks made what the README says they make.
    assert (tmp_path / "lloyd.gif").stat().st_size > 0
    assert namespace["result"].k in range(1, 13)
    assert namespace["embeddings"].shape == (500, 64)


def _command_line_block():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Command line"):]
    return re.search(r"^```bash\n(.*?)^```$", section, re.S | re.M).group(1)


def test_command_line_examples_run(tmp_path):
    # The README's `kmeanskit` lines, run by bash as pasted, on the files
    # they name: the demo data as .npy, as a .csv with a header, and as a
    # ';'-separated file without one.
    import shutil
    import subprocess
    import sys

    import numpy as np

    from kmeanskit.datasets import grid_blobs

    pytest.importorskip("matplotlib")  # several lines draw pictures
    scripts = Path(sys.executable).parent
    if shutil.which("kmeanskit", path=str(scripts)) is None:
        pytest.skip("no kmeanskit console script beside this Python")
    data, _ = grid_blobs()
    np.save(tmp_path / "points.npy", data)
    np.save(tmp_path / "more.npy", data[::7] + 0.1)
    np.savetxt(tmp_path / "points.csv", data, delimiter=",", header="x,y",
               comments="")
    np.savetxt(tmp_path / "measures.csv", data, delimiter=";")
    lines = [line for line in _command_line_block().splitlines() if line.strip()]
    assert len(lines) >= 8 and all(line.startswith("kmeanskit") for line in lines)
    env = {"PATH": f"{scripts}:/usr/bin:/bin", "MPLBACKEND": "Agg"}
    for line in lines:
        res = subprocess.run(["bash", "-c", line], capture_output=True, text=True,
                             cwd=tmp_path, env=env, timeout=300)
        assert res.returncode == 0, (line, res.stderr)
    # What the lines say they write.
    for name in ("fit.json", "c.csv", "l.csv", "clusters.png", "more_labels.npy",
                 "criteria.png", "stability.png", "lloyd.gif"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert np.load(tmp_path / "more_labels.npy").shape == (len(data[::7]),)
