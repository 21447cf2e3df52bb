"""scikit-learn's own k-means tests, run against kmeanskit.estimators.

The installed ``sklearn/cluster/tests/test_k_means.py`` is read, its import
of the estimators is pointed at ``kmeanskit.estimators``, and its tests are
defined here, so pytest collects them as this module's.  Tests of
scikit-learn's private helpers and attributes, and of behaviour kmeanskit
defines differently, are skipped, each with its reason (:data:`SKIP`);
parametrisations with sparse input are skipped until the functions take
scipy.sparse.
"""

import functools
import re
from pathlib import Path

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", minversion="1.6")
try:
    from sklearn.cluster.tests import test_k_means as _reference
except ImportError:  # pragma: no cover - a scikit-learn installed without tests
    pytest.skip("scikit-learn's tests are not installed", allow_module_level=True)

import scipy.sparse as _sparse  # noqa: E402

from kmeanskit._estimators._base import ACCEPT_SPARSE  # noqa: E402

SOURCE = Path(_reference.__file__)
IMPORT = "from sklearn.cluster import KMeans, MiniBatchKMeans, k_means, kmeans_plusplus"

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


def _skip_sparse(test):
    """Skip a call whose arguments hold sparse data or a sparse container."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        if ACCEPT_SPARSE is False and any(
                _sparse.issparse(v) or (isinstance(v, type) and issubclass(
                    v, _sparse.spmatrix | _sparse.sparray)) for v in kwargs.values()):
            pytest.skip("sparse input: the functions do not take scipy.sparse yet")
        return test(*args, **kwargs)
    return run


def _load():
    text = SOURCE.read_text(encoding="utf-8")
    if IMPORT not in text:
        pytest.skip("this scikit-learn's test file imports its estimators differently",
                    allow_module_level=True)
    text = text.replace(IMPORT, IMPORT.replace("sklearn.cluster", "kmeanskit.estimators"))
    namespace = {"__name__": __name__, "__file__": str(SOURCE)}
    exec(compile(text, str(SOURCE), "exec"), namespace)
    tests = {}
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value = _skip_sparse(value)
            if name in SKIP:
                value = pytest.mark.skip(reason=SKIP[name])(value)
            tests[name] = value
        elif not name.startswith("__") and not re.match(r"global_(random_seed|dtype)$", name):
            tests.setdefault(name, value)
    return tests


globals().update(_load())
