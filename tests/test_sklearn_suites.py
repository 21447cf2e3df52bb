"""scikit-learn's own k-means tests, run against kmeanskit.estimators.

The installed ``sklearn/cluster/tests/test_k_means.py`` and
``test_bisect_k_means.py`` are read, their import of the estimators is
pointed at ``kmeanskit.estimators``, and their tests are defined here, so
pytest collects them as this module's (the bisecting file's under a
``test_bisect__`` prefix where a name is taken).  Tests of
scikit-learn's private helpers and attributes, and of behaviour kmeanskit
defines differently, are skipped, each with its reason (:data:`SKIP`).
Their parametrisations with sparse input run too.
"""

from pathlib import Path

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", minversion="1.6")
try:
    from sklearn.cluster.tests import test_bisect_k_means as _bisect_reference
    from sklearn.cluster.tests import test_k_means as _reference
except ImportError:  # pragma: no cover - a scikit-learn installed without tests
    pytest.skip("scikit-learn's tests are not installed", allow_module_level=True)

SOURCES = {
    Path(_reference.__file__):
        "from sklearn.cluster import KMeans, MiniBatchKMeans, k_means, kmeans_plusplus",
    Path(_bisect_reference.__file__): "from sklearn.cluster import BisectingKMeans",
}

_PRIVATE = "tests scikit-learn's private helpers"
SKIP = {
    "test_relocate_empty_clusters": _PRIVATE,
    "test_minibatch_update_consistency": _PRIVATE,
    "test_minibatch_reassign": _PRIVATE + " (_mini_batch_step)",
    "test_euclidean_distance": _PRIVATE,
    "test_inertia": _PRIVATE,
    "test_is_same_clustering": _PRIVATE,
    "test_sample_weight_init": _PRIVATE + " (KMeans._init_centroids)",
    "test_sample_weight_zero": _PRIVATE + " (KMeans._init_centroids)",
    "test_kmeans_relocated_clusters": (
        "kmeanskit's empty-cluster repair moves the centre onto the farthest row "
        "without taking that row out of its old cluster's mean: the same partition "
        "and inertia, one iteration more (n_iter_ 4, not 3)"),
}


@pytest.fixture
def global_random_seed():
    """scikit-learn's conftest fixture, at its default seed."""
    return 42


@pytest.fixture
def global_dtype():
    """scikit-learn's conftest fixture, at its default dtype."""
    return np.float64


def _load(source, line, taken):
    """The tests (and helpers) of one scikit-learn test file, its import
    ``line`` pointed at kmeanskit.estimators."""
    text = source.read_text(encoding="utf-8")
    if line not in text:
        pytest.skip(f"{source.name} imports its estimators differently",
                    allow_module_level=True)
    text = text.replace(line, line.replace("sklearn.cluster", "kmeanskit.estimators"))
    namespace = {"__name__": __name__, "__file__": str(source)}
    exec(compile(text, str(source), "exec"), namespace)
    found = {}
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            if name in SKIP:
                value = pytest.mark.skip(reason=SKIP[name])(value)
            if name in taken:
                name = "test_bisect__" + name[len("test_"):]
            found[name] = value
    return found


def _tests():
    tests = {}
    for source, line in SOURCES.items():
        tests.update(_load(source, line, tests))
    return tests


globals().update(_tests())
