"""The documentation's sources cover the public API and the gallery it promises."""

import ast
import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason="no docs/ beside tests/")


def _autosummary_names(text):
    """{module: names} listed under each ``currentmodule`` of an rst page."""
    listed, module = {}, None
    for line in text.splitlines():
        if m := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = m.group(1)
        elif module and (m := re.match(r"   ([A-Za-z_]\w*)$", line)):
            listed.setdefault(module, set()).add(m.group(1))
    return listed


@pytest.mark.parametrize("module", ["kmeanskit", "kmeanskit.datasets",
                                    "kmeanskit.plotting", "kmeanskit.estimators"])
def test_api_reference_lists_every_public_name(module):
    listed = _autosummary_names((DOCS / "api.rst").read_text())
    public = set(importlib.import_module(module).__all__)
    assert public - listed.get(module, set()) == set(), "missing from docs/api.rst"
    assert listed.get(module, set()) - public == set(), "not public, or misplaced"


def test_every_page_is_in_a_toctree():
    index = (DOCS / "index.rst").read_text()
    # sg_execution_times: written by sphinx-gallery at build time
    pages = {p.stem for p in DOCS.glob("*.rst")} - {"index", "sg_execution_times"}
    assert {p for p in pages if not re.search(rf"^   {p}$", index, re.M)} == set()


def test_gallery_has_the_promised_examples():
    examples = {p.name for p in (DOCS / "examples").glob("plot_*.py")}
    assert examples >= {"plot_init_stability.py", "plot_lloyd_animation.py",
                        "plot_choose_k_wine.py", "plot_init_stability_sklearn.py"}


def test_sklearn_gallery_script_names_kmeanskit_on_one_line_only():
    # The scikit-learn form of the study is a scikit-learn script but for its
    # estimator import (tests/test_estimators.py runs that experiment both ways).
    tree = ast.parse((DOCS / "examples" / "plot_init_stability_sklearn.py").read_text())
    imports = [node for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and "kmeanskit" in node.module
               or isinstance(node, ast.Import)
               and any("kmeanskit" in alias.name for alias in node.names)]
    assert [(node.module, [a.name for a in node.names]) for node in imports] == [
        ("kmeanskit.estimators", ["KMeans", "MiniBatchKMeans"])]
