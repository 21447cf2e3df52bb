"""``bisecting_kmeans``: divisive k-means, one 2-means split at a time.

Starting from one cluster holding every observation, the cluster chosen by
the bisecting strategy is split in two by the shared seeded fit (seeding,
the Lloyd loop and restarts of ``_core``, with k=2 on that cluster's rows),
until there are k clusters.  The splits form a binary tree; new data can be
labelled by walking down it (:func:`descend`), as scikit-learn's
``BisectingKMeans.predict`` does, or by nearest centre (:func:`~kmeanskit.vq`).
"""

import numpy as np

from .._backends import _sparse_data
from .._backends._engines import get_engine, host_dtype
from .._base import _validate
from .._base._docstrings import fill_doc
from .._core import _magnitude, _variants
from .._core._lloyd import tolerance_scale
from .._core._restarts import seeded_restarts
from .._core._result import KMeansInfo
from .._core._seeding import draw_centres

__all__ = ["STRATEGIES", "bisecting_kmeans", "descend"]

STRATEGIES = ("biggest_inertia", "largest_cluster")
"""Which cluster is split next: the one of largest (weighted) inertia, or
the one with the most observations (scikit-learn's two strategies)."""


class _Leaf:
    """A cluster of the current partition: its rows, centre, score, and
    where it hangs in the tree (``parent`` node, ``side`` 0 or 1)."""

    __slots__ = ("rows", "centre", "score", "parent", "side")

    def __init__(self, rows, centre, score, parent=None, side=0):
        self.rows, self.centre, self.score = rows, centre, score
        self.parent, self.side = parent, side


@fill_doc
def bisecting_kmeans(data, k, *, init="points", n_init=1, max_iter=300, tol=1e-4,
                     bisecting_strategy="biggest_inertia", rng=None, weights=None,
                     algorithm="lloyd", check_finite=True, workers=None,
                     return_info=False):
    """Cluster observations by bisecting k-means (divisive 2-means splits).

    Begins with every observation in one cluster and splits, k - 1 times,
    the cluster named by `bisecting_strategy` into two by k-means with k=2
    (best of `n_init` seeded starts, each run to convergence).  The splits
    form a tree, so the clusters are nested: the clustering for k is the one
    for k - 1 with one cluster divided.

    Parameters
    ----------
    data : array_like or sparse matrix, shape (M, N)
        Observations, one per row, float32 or float64, of any supported
        array library, or a scipy.sparse matrix or array (each split then
        runs on CSR rows: the data is never densified).
    k : int
        Number of clusters, at most M.
    init : {'points', 'greedy++', '++', 'random'} or callable, optional
        Seeding of each split: two distinct rows of the cluster at random
        ('points', the default, scikit-learn's ``init='random'``), greedy
        k-means++ (``2 + int(log 2)`` candidates, scikit-learn's
        ``'k-means++'``), plain k-means++, Gaussian draws (kmeans2's
        'random'), or a callable ``init(rows, 2, rng)`` returning the two
        starting centres for the rows (a NumPy array) of the cluster.
    n_init : int, optional
        Seeded starts per split; the one of lowest inertia is kept.
        Default: 1.
    max_iter : int, optional
        Largest number of Lloyd iterations per split.  Default: 300.
    tol : float or None, optional
        A split's iterations stop when the squared centre shift, summed, is
        at most `tol` times the mean per-feature variance of the whole data
        (the rule of :func:`~kmeanskit.kmeans2`).  None: run `max_iter`
        iterations.  Default: 1e-4.
    bisecting_strategy : {'biggest_inertia', 'largest_cluster'}, optional
        Split the cluster of largest (weighted) sum of squared distances to
        its centre, or the one with the most observations (unweighted
        count).  Ties go to the first cluster in label order.
        Default: 'biggest_inertia'.
    rng : {None, int, numpy.random.Generator}, optional
        Source of every draw, normalised by
        :func:`numpy.random.default_rng`.  Splits draw in turn from it (with
        ``n_init > 1`` each split's starts from ``rng.spawn(n_init)``).
    weights : array_like, shape (M,), optional
        Non-negative sample weights meaning replication (see
        :func:`~kmeanskit.kmeans2`).  Default: all ones.
    {{algorithm}}
    {{check_finite_infs}}
    {{workers}}
    return_info : bool, optional
        Also return a :class:`~kmeanskit.KMeansInfo`.  Default: False.

    Returns
    -------
    centroid : ndarray, shape (k, N)
        The centres of the final clusters, in the data's dtype, ordered as
        the leaves of the tree from left to right (a split cluster's two
        halves take its place).
    label : ndarray, shape (M,)
        int32 cluster of each observation, as the splits assigned it (the
        tree's partition, not always the nearest centre).
    info : KMeansInfo
        Only with ``return_info=True``: ``inertia`` of the partition,
        ``n_iter`` the Lloyd iterations of every split together,
        ``converged`` whether every split met `tol`, and ``hierarchy``,
        the tree (see Notes).

    Raises
    ------
    ValueError
        On an inf or NaN (with `check_finite`), data that is not 2-D, k < 1
        or k > M, an unknown `init`, `bisecting_strategy` or `algorithm`,
        bad counts, ``tol < 0``, or bad `weights`.
    TypeError
        On integer or non-numeric data, non-integer counts, or a
        non-callable, non-string `init`.

    See Also
    --------
    kmeans2 : all k clusters at once.
    descend : label new data by walking down the tree.

    Notes
    -----
    ``info.hierarchy`` is a tuple of splits, the root first: split ``i`` is
    ``(centres, children)`` with ``centres`` the (2, N) centres of its two
    halves and ``children`` two ints, a split's index when that half was
    split again, else ``-1 - label`` of the final cluster.  It is empty for
    ``k == 1``.

    The data is brought to host memory and each split runs on the compiled
    kernels (a split works on a subset of the rows); scikit-learn's
    ``BisectingKMeans`` draws from a ``RandomState``, so seeded results
    differ from its results, not its algorithm.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import bisecting_kmeans
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(grid_size=2, n_per_blob=50, rng=0)
    >>> centroid, label, info = bisecting_kmeans(data, 4, rng=0, return_info=True)
    >>> centroid.shape, label.shape, len(info.hierarchy)
    ((4, 2), (200,), 3)
    """
    func = "bisecting_kmeans"
    _validate.check_option(bisecting_strategy, "bisecting_strategy", STRATEGIES)
    if not (isinstance(init, str) or callable(init)):
        raise TypeError(f"init must be a seeding name or a callable, got {init!r}.")
    max_iter, tol, n_init = _variants.check_options(
        max_iter=max_iter, tol=tol, empty="farthest", n_init=n_init)
    return_info = _validate.check_flag(return_info, "return_info")
    route, values, count, weights_arr, _ = _variants.check_inputs(
        func, data, k, weights, init if isinstance(init, str) else "points",
        check_finite=check_finite)
    if isinstance(init, str) and init == "||":
        raise ValueError("init='||' is not accepted by bisecting_kmeans: each split "
                         "seeds only two centres.")
    generator = np.random.default_rng(rng)
    engine = route.engine(workers)
    x, exponent = _magnitude.into_range(route, route.to_2d(values))
    if engine.name == "compiled":
        host = engine  # NumPy or CSR data, read by the kernels as it is
    else:
        # Each split works on a subset of rows: other libraries' data is
        # brought to the host once, for the compiled kernels.
        host = get_engine(workers=workers)
        x = np.ascontiguousarray(engine.to_host(x))
    dtype = host_dtype(x)
    tol_abs = None if tol is None else tol * tolerance_scale(host, x, weights_arr)

    root = host.lloyd_pass(x, np.zeros((1, x.shape[1]), dtype=dtype), weights_arr)
    leaves = [_Leaf(np.arange(x.shape[0]),
                    (root.sums[0] / root.counts[0]).astype(dtype), 0.0)]
    splits, n_iter, converged = [], 0, True
    for _ in range(count - 1):
        position = max(range(len(leaves)), key=lambda i: (leaves[i].score, -i))
        leaf = leaves[position]
        halves, outcome = _split(host, x, leaf.rows, weights_arr, init, n_init,
                                 generator, max_iter=max_iter, tol=tol_abs,
                                 algorithm=algorithm, strategy=bisecting_strategy)
        n_iter += outcome.n_iter
        converged = converged and outcome.converged
        node = len(splits)
        splits.append([outcome.centroids, [0, 0]])
        if leaf.parent is not None:
            splits[leaf.parent][1][leaf.side] = node
        for side, half in enumerate(halves):
            half.parent, half.side = node, side
        leaves[position:position + 1] = halves

    labels = np.empty(x.shape[0], dtype=np.int32)
    for i, leaf in enumerate(leaves):
        labels[leaf.rows] = i
        if leaf.parent is not None:
            splits[leaf.parent][1][leaf.side] = -1 - i
    centroid = np.stack([leaf.centre for leaf in leaves]).astype(dtype)
    inertia = _partition_inertia(host, x, centroid, labels, weights_arr)
    centroid = _magnitude.restore(centroid, exponent)
    centroid_out, labels_out = route.back(centroid), route.back(labels)
    if not return_info:
        return centroid_out, labels_out
    hierarchy = tuple((_magnitude.restore(c, exponent), tuple(children))
                      for c, children in splits)
    info = KMeansInfo(inertia=_magnitude.restore(inertia, exponent, 2),
                      n_iter=n_iter, converged=converged, hierarchy=hierarchy)
    return centroid_out, labels_out, info


def _split(host, x, rows, weights, init, n_init, generator, *, max_iter, tol,
           algorithm, strategy):
    """2-means on the rows ``rows`` of ``x``: the two halves (as leaves) and
    the kept start's :class:`~kmeanskit._core._lloyd.LloydOutcome`."""
    sub = host.take_batch(x, rows)
    sub_w = None if weights is None else np.ascontiguousarray(weights[rows])
    dtype = host_dtype(x)

    def seed(start_rng):
        if callable(init):
            centres = np.asarray(init(sub, 2, start_rng))
        else:
            centres = draw_centres(init, sub, 2, start_rng, host, weights=sub_w)
        return np.ascontiguousarray(centres, dtype=dtype)

    kept = seeded_restarts(host, sub, generator, n_init, seed, max_iter=max_iter,
                           tol=tol, empty="farthest", weights=sub_w,
                           return_labels=True, algorithm=algorithm, finish=True)
    outcome = kept.outcome
    own = np.asarray(outcome.labels)
    halves = []
    for side in (0, 1):
        mask = own == side
        centre = outcome.centroids[side]
        if strategy == "largest_cluster":
            score = float(np.count_nonzero(mask))
        else:
            score = float(host.lloyd_pass(
                host.take_batch(sub, np.flatnonzero(mask)), centre[np.newaxis],
                None if sub_w is None else sub_w[mask]).inertia) if mask.any() else 0.0
        halves.append(_Leaf(rows[mask], centre, score))
    return halves, outcome


def _partition_inertia(host, x, centroid, labels, weights):
    """Weighted sum of squared distances of each row to its own cluster's
    centre (the tree's partition, not the nearest centre)."""
    total = 0.0
    for j in range(centroid.shape[0]):
        mask = labels == j
        if mask.any():
            total += float(host.lloyd_pass(
                host.take_batch(x, np.flatnonzero(mask)), centroid[j:j + 1],
                None if weights is None else weights[mask]).inertia)
    return total


@fill_doc
def descend(data, hierarchy, *, workers=None):
    """Label observations by walking down a bisecting k-means tree.

    Each observation starts at the root split and goes to the nearer of its
    two centres until it reaches a final cluster (scikit-learn's
    ``BisectingKMeans.predict``).

    Parameters
    ----------
    data : array_like or sparse matrix, shape (M, N)
        Observations, float32 or float64 (finite).
    hierarchy : tuple
        ``info.hierarchy`` of :func:`bisecting_kmeans`.
    {{workers}}

    Returns
    -------
    label : ndarray, shape (M,)
        int32 final cluster of each observation.

    Examples
    --------
    >>> import numpy as np
    >>> from kmeanskit import bisecting_kmeans
    >>> from kmeanskit._api._bisecting import descend
    >>> data = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> centroid, label, info = bisecting_kmeans(data, 2, rng=0, return_info=True)
    >>> bool((descend(data, info.hierarchy) == label).all())
    True
    """
    if _sparse_data.is_sparse(data):
        x = _sparse_data.as_csr(data, "data", check_finite=False)
        host = get_engine(workers=workers, sparse=True)
    else:
        x = _validate.to_2d(np.asarray(data))
        host = get_engine(workers=workers)
    if not hierarchy:
        return np.zeros(x.shape[0], dtype=np.int32)
    labels = np.empty(x.shape[0], dtype=np.int32)
    pending = [(0, np.arange(x.shape[0]))]
    while pending:
        node, rows = pending.pop()
        centres, children = hierarchy[node]
        side, _ = host.assign(host.take_batch(x, rows),
                              np.ascontiguousarray(centres, dtype=x.dtype))
        side = np.asarray(side)
        for s, child in enumerate(children):
            chosen = rows[side == s]
            if child < 0:
                labels[chosen] = -1 - child
            elif chosen.size:
                pending.append((child, chosen))
    return labels
