"""The one result object of every k-means fit beyond SciPy's tuples.

:class:`KMeansInfo` is returned by ``kmeans2(..., return_info=True)`` and by
:func:`~kmeanskit.minibatch_kmeans`; later functions (model selection,
studies, plots, the command line's JSON) read and return the same object.
Extend it with new optional fields; never define a second one.

Everything in it lives on the host (Python numbers, small NumPy arrays of
size k or n_iter), whatever array library held the data.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["KMeansInfo", "Trace", "TraceRecorder"]


@dataclass(frozen=True)
class Trace:
    """The history of one fit, one entry per iteration.

    Attributes
    ----------
    centroids : ndarray, shape (n_iter + 1, k, d)
        ``centroids[0]`` is the start, ``centroids[i]`` the centres after
        iteration ``i`` (float64).
    inertia : ndarray, shape (n_iter,)
        ``inertia[i - 1]``: weighted sum of squared distances of the
        assignment made in iteration ``i``, i.e. against ``centroids[i - 1]``.
        For mini-batch k-means: the batch's inertia scaled to the whole data.
    shift : ndarray, shape (n_iter,)
        ``shift[i - 1]``: squared distance moved by the centres in iteration
        ``i``, summed over centres (the quantity ``tol`` is compared with).
    """

    centroids: np.ndarray
    inertia: np.ndarray
    shift: np.ndarray

    def __len__(self):
        return int(self.inertia.shape[0])


@dataclass(frozen=True)
class KMeansInfo:
    """What a k-means fit reports besides its centroids and labels.

    Attributes
    ----------
    inertia : float
        Weighted sum over the observations of the dissimilarity named by
        `metric` to the nearest returned centre: for k-means the squared
        Euclidean distance (``sum(w * vq(data, centroid)[1]**2)``); for
        the variants their own objective (k-medians: L1 distance; k-medoids:
        the total deviation; spherical k-means: ``1 - cos``).
    n_iter : int
        Iterations run by the kept start (passes over the data for Lloyd,
        batches for mini-batch).
    converged : bool
        Whether the kept start stopped by its convergence rule (``tol`` for
        Lloyd, no improvement or ``tol`` for mini-batch) rather than by the
        iteration limit.  Always False for SciPy's fixed iterations.
    inertias_per_start : tuple of float or None
        Final inertia of every start when ``n_init > 1``, in start order.
    best_start : int
        Index of the kept start (0 when ``n_init == 1``): see the rng notes
        of the function that made it to run that start alone.
    trace : Trace or None
        History of the kept start, when asked for with ``trace=True``.
    metric : str
        What `inertia` sums: ``'sqeuclidean'`` (k-means, mini-batch),
        ``'cityblock'`` (k-medians), ``'cosine'`` (spherical k-means) or the
        dissimilarity of a k-medoids fit (``'precomputed'`` for a matrix).
    hierarchy : tuple or None
        The tree of splits of :func:`~kmeanskit.bisecting_kmeans` (see its
        Notes); None for the other fits.
    """

    inertia: float
    n_iter: int
    converged: bool
    inertias_per_start: tuple | None = None
    best_start: int = 0
    trace: Trace | None = None
    metric: str = "sqeuclidean"
    hierarchy: tuple | None = None


class TraceRecorder:
    """Collects a :class:`Trace` and forwards each step to a user callback.

    The loop calls :meth:`start` once, then :meth:`step` after each
    iteration.  Centres are copied only when the history is kept
    (``keep=True``); the callback gets the loop's own array, marked
    read-only, so a hook that only reads costs nothing.
    """

    def __init__(self, callback=None, keep=False):
        self.callback = callback
        self.keep = keep
        self._centroids, self._inertia, self._shift = [], [], []

    @property
    def active(self):
        return self.keep or self.callback is not None

    def start(self, centres):
        self._centroids, self._inertia, self._shift = [], [], []
        if self.keep:
            self._centroids.append(np.array(centres, dtype=np.float64, copy=True))

    def step(self, iteration, centres, inertia, shift):
        if self.keep:
            self._centroids.append(np.array(centres, dtype=np.float64, copy=True))
            self._inertia.append(float(inertia))
            self._shift.append(float(shift))
        if self.callback is not None:
            view = centres.view()
            view.flags.writeable = False
            self.callback(iteration, view, float(inertia), float(shift))

    def result(self):
        """The kept :class:`Trace`, or None when not asked for."""
        if not self.keep:
            return None
        return Trace(np.stack(self._centroids),
                     np.asarray(self._inertia, dtype=np.float64),
                     np.asarray(self._shift, dtype=np.float64))
