"""
kmeanskit: k-means for numeric Python
=====================================

A drop-in replacement for :mod:`scipy.cluster.vq` computed by a compiled,
chunked, multi-threaded core: change ``from scipy.cluster.vq import ...`` to
``from kmeanskit import ...`` and every result stays the same.

Functions
---------
whiten
    Scale each feature to unit variance.
vq
    Assign observations to the nearest code of a code book.
kmeans
    k-means with restarts, until the distortion settles (SciPy's ``kmeans``).
kmeans2
    k-means with a fixed number of iterations (SciPy's ``kmeans2``).
kpp_init
    k-means++ seeding, plain (SciPy's draws) or greedy, optionally weighted.
kmedians
    k-medians: L1 assignment, coordinate-wise (weighted) median centres.
kmedoids
    k-medoids by FasterPAM or the alternating method, on data or a
    dissimilarity matrix, with CLARA sampling for large data.
spherical_kmeans
    Spherical k-means: clusters of directions, by cosine similarity.
bisecting_kmeans
    Bisecting (divisive) k-means: k - 1 splits of one cluster in two.
minibatch_kmeans
    Mini-batch k-means (Sculley, 2010), with a streaming form:
    ``MiniBatchState`` and ``minibatch_update``.
choose_k
    Fit a range of k once and rank them by every criterion (BIC by default).
stability_study
    scikit-learn's initialization-stability experiment as one function.
inertia, calinski_harabasz_score, davies_bouldin_score, kmeans_bic, kmeans_aic
    Quality of a partition.
silhouette_samples, silhouette_score
    Silhouette: exact in blocks, simplified, or sampled with a standard error.
gap_statistic, find_knee
    Tibshirani's gap statistic; Kneedle's knee of a curve.
show_config
    How this installation was built (OpenMP, BLAS, threads).

Results
-------
KMeansInfo
    What a fit reports besides centroids and labels (inertia, iterations,
    convergence, restarts, trace).
Trace
    Per-iteration history of a fit (``trace=True``).
ChooseKResult, GapResult, StudyResult
    What ``choose_k``, ``gap_statistic`` and ``stability_study`` return.

Exceptions
----------
ClusterError
    A cluster became empty with ``missing='raise'``.

Submodules
----------
datasets
    Built-in synthetic data (``grid_blobs``, ``init_study_blobs``).
plotting
    Pictures of every result (needs matplotlib: the ``plot`` extra).
"""

from ._ext import require_compiled_extensions

require_compiled_extensions()
del require_compiled_extensions

from ._api._bisecting import bisecting_kmeans
from ._api._config import show_config
from ._api._kpp_init import kpp_init
from ._api._medians import kmedians
from ._api._medoids import kmedoids
from ._api._minibatch import MiniBatchState, minibatch_kmeans, minibatch_update
from ._api._spherical import spherical_kmeans
from ._api._vq import kmeans, kmeans2, vq, whiten
from ._base._errors import ClusterError
from ._core._result import KMeansInfo, Trace
from ._selection._choose_k import ChooseKResult, choose_k
from ._selection._gap import GapResult, gap_statistic
from ._selection._knee import find_knee
from ._selection._metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    inertia,
    kmeans_aic,
    kmeans_bic,
    silhouette_samples,
    silhouette_score,
)
from ._selection._study import StudyResult, stability_study

try:
    from importlib.metadata import version as _version

    __version__ = _version("kmeanskit")
except Exception:  # pragma: no cover - metadata missing in odd installs
    __version__ = "unknown"

__all__ = [
    "ChooseKResult",
    "ClusterError",
    "GapResult",
    "KMeansInfo",
    "MiniBatchState",
    "StudyResult",
    "Trace",
    "bisecting_kmeans",
    "calinski_harabasz_score",
    "choose_k",
    "davies_bouldin_score",
    "find_knee",
    "gap_statistic",
    "inertia",
    "kmeans",
    "kmeans2",
    "kmeans_aic",
    "kmeans_bic",
    "kmedians",
    "kmedoids",
    "kpp_init",
    "minibatch_kmeans",
    "minibatch_update",
    "show_config",
    "silhouette_samples",
    "silhouette_score",
    "spherical_kmeans",
    "stability_study",
    "vq",
    "whiten",
]
