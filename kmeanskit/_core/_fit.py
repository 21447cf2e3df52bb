"""One k-means fit to convergence, on an engine: what model selection and the
stability study run many times.

The public ``kmeans2`` keeps SciPy's seedings and stops after a fixed number
of iterations unless told otherwise; model selection wants scikit-learn's
``KMeans`` defaults instead (greedy k-means++, several starts, ``tol``).
:func:`fit_kmeans` assembles them from the shared pieces (seeding, the Lloyd
loop, restarts) on data already validated and dispatched once, so a sweep
over k never re-validates or re-converts the data.
"""

import numpy as np

from .._backends._engines import host_dtype
from .._base._rng import as_generator
from ._lloyd import tolerance_scale
from ._restarts import seeded_restarts
from ._result import KMeansInfo
from ._seeding import check_seeding, draw_centres

__all__ = ["INITS", "FitResult", "fit_kmeans"]

INITS = ("greedy++", "++", "points")
"""Seedings: greedy k-means++ (scikit-learn's), plain k-means++ (SciPy's
'++'), and k distinct observations drawn uniformly (scikit-learn's
``init='random'``, SciPy's 'points')."""


class FitResult:
    """Centroids (host NumPy), labels (the engine's namespace) and the
    :class:`~kmeanskit.KMeansInfo` of a fit."""

    __slots__ = ("centroids", "labels", "info")

    def __init__(self, centroids, labels, info):
        self.centroids = centroids
        self.labels = labels
        self.info = info


def check_init(init, name="init"):
    """``init`` must be one of :data:`INITS` ('random', which meant k
    random rows, raises naming 'points')."""
    return check_seeding(init, name, INITS)


def fit_kmeans(engine, x, k, *, init="greedy++", n_init=10, rng=None,
               max_iter=300, tol=1e-4, weights=None, tol_scale=None):
    """Best of ``n_init`` seeded Lloyd runs to convergence.

    Start ``i`` draws from ``start_streams(rng, n_init)[i]`` (for
    ``n_init == 1``: from ``rng`` itself, as ``kmeans2`` does), seeds by
    ``init`` and runs Lloyd until the summed squared centre shift is at most
    ``tol`` times the mean feature variance (``tol_scale``, computed when not
    given) or ``max_iter`` iterations; labels and inertia come from a final
    assignment.  Empty clusters get the farthest observation.
    """
    generator = as_generator(rng)
    if tol_scale is None:
        tol_scale = tolerance_scale(engine, x, weights)
    dtype = host_dtype(x)

    def seed(start_rng):
        return np.ascontiguousarray(
            draw_centres(init, x, k, start_rng, engine, weights=weights), dtype=dtype)

    kept = seeded_restarts(engine, x, generator, n_init, seed, max_iter=max_iter,
                           tol=tol * tol_scale, empty="farthest", weights=weights,
                           return_labels=True, finish=True)
    outcome = kept.outcome
    info = KMeansInfo(
        inertia=float(outcome.inertia),
        n_iter=outcome.n_iter,
        converged=outcome.converged,
        inertias_per_start=kept.inertias if n_init > 1 else None,
        best_start=kept.best,
    )
    return FitResult(outcome.centroids, outcome.labels, info)
