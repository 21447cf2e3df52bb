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
