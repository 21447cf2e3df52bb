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


# Shared parameter paragraphs (kmeanskit._base._docstrings)

ESTIMATOR_METHODS = ("fit", "partial_fit", "predict", "transform", "fit_predict",
                     "fit_transform", "score")


def public_callables():
    """(name, object) of every public function and class of the package,
    and of the estimators' public methods (when scikit-learn is installed)."""
    import kmeanskit.plotting as plotting

    modules = [kmeanskit, plotting]
    if importlib.util.find_spec("sklearn") is not None:
        import kmeanskit.estimators as estimators

        modules.append(estimators)
    found = []
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type(np.float64)):
                found.append((f"{module.__name__}.{name}", obj))
            if module.__name__ == "kmeanskit.estimators" and isinstance(obj, type):
                found.extend((f"{module.__name__}.{name}.{m}", getattr(obj, m))
                             for m in ESTIMATOR_METHODS if hasattr(obj, m))
    return found


def documented_parameters(doc):
    """Names listed in a numpydoc ``Parameters`` section."""
    lines = doc.expandtabs().splitlines()
    heads = [i for i in range(len(lines) - 1)
             if lines[i + 1].strip() and set(lines[i + 1].strip()) == {"-"}]
    starts = [i for i in heads if lines[i].strip() == "Parameters"]
    if not starts:
        return set()
    start = starts[0]
    stop = min([i for i in heads if i > start] + [len(lines)])
    indent = len(lines[start]) - len(lines[start].lstrip())
    names = set()
    for line in lines[start + 2:stop]:
        if line.strip() and len(line) - len(line.lstrip()) == indent:
            head = line.strip().partition(" :")[0].rstrip(":")
            names.update(part.strip().lstrip("*") for part in head.split(","))
    return names


PUBLIC = public_callables()


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_docstring_has_no_unfilled_placeholder(name, obj):
    assert obj.__doc__, f"{name} has no docstring"
    assert "{{" not in obj.__doc__ and "}}" not in obj.__doc__, name


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_every_parameter_is_documented(name, obj):
    # Shared paragraphs are filled in at import: a template that lost a
    # parameter, or a parameter left out, shows up here.
    import inspect

    target = obj.__init__ if isinstance(obj, type) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        pytest.skip(f"{name} has no Python signature")
    expected = {p.name for p in signature.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    documented = documented_parameters(obj.__doc__ or "")
    if isinstance(obj, type) and not documented:
        pytest.skip(f"{name} documents its fields, not constructor parameters")
    missing = expected - documented
    assert not missing, f"{name} does not document {sorted(missing)}"


def test_fill_doc_indents_the_paragraph_like_its_placeholder():
    from kmeanskit._base._docstrings import PARAGRAPHS, fill_doc

    def f(workers=None):
        """Summary.

        Parameters
        ----------
        {{workers}}
        """

    filled = fill_doc(f).__doc__
    first, *rest = PARAGRAPHS["workers"].splitlines()
    assert f"\n        {first}\n" in filled
    assert all(f"\n            {line.strip()}" in filled for line in rest)
    assert documented_parameters(filled) == {"workers"}


def test_fill_doc_rejects_an_unknown_paragraph():
    from kmeanskit._base._docstrings import fill_doc

    def f():
        """Summary.

        {{no_such_paragraph}}
        """

    with pytest.raises(KeyError, match="no_such_paragraph"):
        fill_doc(f)
