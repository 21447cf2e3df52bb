"""The Examples sections of the docstrings run and print what they show.

The modules are discovered in the installed package (compiled extension
modules and the command line's ``__main__`` aside), so an example added to
any module runs here too, not only in the Sphinx doctest build.
"""

import doctest
import importlib
import importlib.machinery
import importlib.util
import pkgutil

import numpy as np
import pytest

import kmeanskit

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

# Modules whose docstrings have examples today: discovery must find at least
# these, so that it cannot pass by finding nothing.
KNOWN_WITH_EXAMPLES = {
    "kmeanskit._api._config", "kmeanskit._api._kpp_init", "kmeanskit._api._medians",
    "kmeanskit._api._medoids", "kmeanskit._api._minibatch",
    "kmeanskit._api._spherical", "kmeanskit._api._vq",
    "kmeanskit._selection._choose_k", "kmeanskit._selection._gap",
    "kmeanskit._selection._knee", "kmeanskit._selection._metrics",
    "kmeanskit._selection._study", "kmeanskit.datasets", "kmeanskit.plotting",
}

# Their examples draw figures.
NEEDS_MATPLOTLIB = {"kmeanskit.plotting"}


def python_modules():
    """Names of the package and of every pure-Python module in it."""
    names = [kmeanskit.__name__]
    for info in pkgutil.walk_packages(kmeanskit.__path__, "kmeanskit."):
        if info.name.rpartition(".")[2] == "__main__":
            continue  # the command line: running it is test_cli's business
        origin = importlib.util.find_spec(info.name).origin or ""
        if origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            continue  # compiled: its docstrings are not searched by doctest
        names.append(info.name)
    return names


def doctests(name):
    """The module's doctests, with ``np`` in their globals as in the
    Sphinx doctest build (docs/conf.py, ``doctest_global_setup``)."""
    module = importlib.import_module(name)
    return [test for test in doctest.DocTestFinder().find(
        module, extraglobs={"np": np}) if test.examples]


MODULES = [name for name in python_modules() if doctests(name)]


def test_discovery_finds_the_modules_known_to_have_examples():
    missing = KNOWN_WITH_EXAMPLES - set(MODULES)
    assert not missing, f"no examples found in {sorted(missing)}"
    assert "kmeanskit._ext._kernels" not in python_modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    # Every example in the module's docstrings gives the output it shows.
    if name in NEEDS_MATPLOTLIB:
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
    report = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    try:
        with np.printoptions(legacy=False):
            for test in doctests(name):
                runner.run(test, out=report.append)
    finally:
        if name in NEEDS_MATPLOTLIB:
            import matplotlib.pyplot as plt

            plt.close("all")
    assert runner.tries > 0, f"{name} has no examples"
    assert runner.failures == 0, (
        f"{runner.failures} of {runner.tries} examples of {name} failed:\n"
        + "".join(report))
