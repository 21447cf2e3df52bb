"""The package's layers import downwards only, and no import cycle is dodged.

Read from the installed package's sources with :mod:`ast`, so imports inside
functions count as much as those at the top of a module: a lazy import may
put off loading an optional library, not hide an upward dependency.
"""

import ast
from pathlib import Path

import pytest

import kmeanskit

PACKAGE = Path(kmeanskit.__file__).resolve().parent

# Lowest first: a module may import from its own layer and the layers before
# it.  docs/architecture.rst shows the same list.
LAYERS = (
    ("_ext",),                  # compiled kernels
    ("_base", "datasets"),      # checks, errors, warnings, rng, progress; data
    ("_backends",),             # dispatch, engines, threads, support table
    ("_core",),                 # the loop, passes, seeding draws, results
    ("_api",),                  # the public functions
    ("_selection",),            # metrics, gap, choose_k, study
    ("_plotting", "plotting"),  # pictures of the results
    ("__init__",),              # the public namespace
    ("_estimators", "estimators"),  # scikit-learn's interface, on the functions
    ("_cli",),                  # the command line, on the public functions
    ("__main__",),              # python -m kmeanskit
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _modules():
    """{dotted name: (path, is_package)} of every Python module installed."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["kmeanskit", *path.relative_to(PACKAGE).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _layer(module):
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _imports(module):
    """The kmeanskit modules that ``module`` imports (anywhere in its code)."""
    path, is_package = MODULES[module]
    package = module if is_package else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("kmeanskit")]
            targets.update(names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("kmeanskit"):
                source = node.module
            else:
                continue
            for alias in node.names:
                # `from . import _x` names a module; `from .m import f`, m itself.
                sub = f"{source}.{alias.name}"
                targets.add(sub if sub in MODULES else source)
    return {t for t in targets if t in MODULES and t != module}


GRAPH = {m: _imports(m) for m in MODULES}


def test_every_module_belongs_to_a_layer():
    assert {_layer(m) for m in MODULES} - set(RANK) == set()
    # and the walk found the modules (it cannot pass by finding nothing)
    assert {"kmeanskit._core._lloyd", "kmeanskit._api._vq",
            "kmeanskit._backends._dispatch"} <= set(MODULES)
    assert "kmeanskit._core._lloyd" in GRAPH["kmeanskit._api._vq"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_downwards(module):
    rank = RANK[_layer(module)]
    upward = sorted(t for t in GRAPH[module] if RANK[_layer(t)] > rank)
    assert upward == [], f"{module} imports from a higher layer"


def test_no_import_cycles():
    # Depth-first search over the whole graph, lazy imports included.
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []
