"""The Examples sections of the public docstrings run and print what they show."""

import doctest
import importlib

import numpy as np
import pytest

MODULES = ["kmeanskit._vq", "kmeanskit._seeding", "kmeanskit._config",
           "kmeanskit.datasets", "kmeanskit.plotting", "kmeanskit._metrics",
           "kmeanskit._knee", "kmeanskit._gap", "kmeanskit._selection",
           "kmeanskit._study"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    # Every example in the module's docstrings gives the output it shows.
    if name == "kmeanskit.plotting":
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        failures, attempted = doctest.testmod(
            module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
            verbose=False,
        )
    if name == "kmeanskit.plotting":
        import matplotlib.pyplot as plt

        plt.close("all")
    assert attempted > 0, f"{name} has no examples"
    assert failures == 0
