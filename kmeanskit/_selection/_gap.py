"""The gap statistic (Tibshirani, Walther & Hastie, 2001)."""

from dataclasses import dataclass

import numpy as np

from .._backends._arrays import chunks, has_float64, to_host
from .._backends._dispatch import dispatch
from .._backends._engines import host_dtype
from .._base._docstrings import fill_doc
from .._base._progress import Progress, check_progress
from .._base._rng import as_generator
from .._base._validate import check_count, check_option
from .._core._fit import fit_kmeans
from .._core._lloyd import tolerance_scale
from .._core._partition import namespace, rows_per_chunk

__all__ = ["GapResult", "REFERENCES", "gap_statistic", "reference_gaps",
           "selection_data", "tibshirani_k"]

REFERENCES = ("box", "pca")


@dataclass(frozen=True)
class GapResult:
    """The gap statistic of a sweep over k.

    Attributes
    ----------
    ks : tuple of int
        The numbers of clusters, increasing.
    gap : ndarray
        :math:`\\mathrm{gap}(k)` for each k.
    s_k : ndarray
        :math:`s_k`, the simulation error of each gap.
    log_w : ndarray
        :math:`\\log W_k` of the data.
    log_w_ref : ndarray
        Mean over the reference sets of :math:`\\log W^*_{kb}`.
    k : int or None
        Tibshirani's choice: the smallest k with
        :math:`\\mathrm{gap}(k) \\ge \\mathrm{gap}(k') - s_{k'}`, k' the next
        k of the sweep; None when no k of the sweep qualifies.
    k_max : int
        The k of the largest gap.
    """

    ks: tuple
    gap: np.ndarray
    s_k: np.ndarray
    log_w: np.ndarray
    log_w_ref: np.ndarray
    k: int | None
    k_max: int


def tibshirani_k(ks, gap, s_k):
    """Smallest k of ``ks`` (increasing) with ``gap(k) >= gap(next) - s(next)``."""
    for i in range(len(ks) - 1):
        if gap[i] >= gap[i + 1] - s_k[i + 1]:
            return int(ks[i])
    return None


def _frame(x, reference):
    """``(low, high, rotation, mean)`` of the reference box (host float64):
    the data's per-feature range, or its range along the principal axes."""
    xp, device = namespace(x)
    n, d = x.shape
    if reference == "box":
        low = to_host(xp.min(x, axis=0)).astype(np.float64)
        high = to_host(xp.max(x, axis=0)).astype(np.float64)
        return low, high, None, None
    acc = xp.float64 if has_float64(xp, device) else xp.float32
    step = rows_per_chunk(n, 2 * d)
    total, scatter = np.zeros(d), np.zeros((d, d))
    for start, stop in chunks(n, step):
        part = xp.astype(x[start:stop, ...], acc)
        total += to_host(xp.sum(part, axis=0))
    mean = total / n
    centre = xp.asarray(mean.astype(host_dtype(x)), device=device)
    for start, stop in chunks(n, step):
        part = xp.astype(x[start:stop, ...], acc) - xp.astype(centre, acc)
        scatter += to_host(xp.matmul(part.T, part))
    _, rotation = np.linalg.eigh(scatter)
    rot = xp.asarray(rotation.astype(host_dtype(x)), device=device)
    low, high = np.full(d, np.inf), np.full(d, -np.inf)
    for start, stop in chunks(n, step):
        proj = xp.matmul(xp.astype(x[start:stop, ...], acc) - xp.astype(centre, acc),
                         xp.astype(rot, acc))
        low = np.minimum(low, to_host(xp.min(proj, axis=0)))
        high = np.maximum(high, to_host(xp.max(proj, axis=0)))
    return low, high, rotation, mean


def draw_reference(frame, n, generator):
    """One reference set (host float64, n rows): uniform in the frame's box,
    from ``generator.uniform(size=(n, d))``, rotated back for 'pca'."""
    low, high, rotation, mean = frame
    sample = low + (high - low) * generator.uniform(size=(n, low.shape[0]))
    if rotation is not None:
        sample = sample @ rotation.T + mean
    return sample


def reference_gaps(engine, x, ks, log_w, *, n_refs=10, reference="box", n_init=3,
                   rng=None, progress=None):
    """:class:`GapResult` of data ``x`` whose fits gave ``log_w`` (one per k).

    Reference set ``b`` (of ``n_refs``) is drawn from the ``b``-th child of
    ``numpy.random.default_rng(rng).spawn(n_refs)``, which then seeds its
    fits for each k in turn (greedy k-means++, ``n_init`` starts).
    """
    xp, device = namespace(x)
    n = x.shape[0]
    frame = _frame(x, reference)
    generator = as_generator(rng)
    log_ref = np.empty((n_refs, len(ks)))
    dtype = host_dtype(x)
    for b, stream in enumerate(generator.spawn(n_refs)):
        sample = np.ascontiguousarray(draw_reference(frame, n, stream), dtype=dtype)
        ref = sample if isinstance(x, np.ndarray) else xp.asarray(sample, device=device)
        scale = tolerance_scale(engine, ref)
        for j, k in enumerate(ks):
            fit = fit_kmeans(engine, ref, k, n_init=n_init, rng=stream,
                             tol_scale=scale)
            log_ref[b, j] = np.log(fit.info.inertia)
            if progress is not None:
                progress.update(f"reference {b + 1}, k={k}")
    mean_ref = log_ref.mean(axis=0)
    gap = mean_ref - log_w
    s_k = log_ref.std(axis=0) * np.sqrt(1.0 + 1.0 / n_refs)
    return GapResult(tuple(int(k) for k in ks), gap, s_k,
                     np.asarray(log_w, dtype=float), mean_ref,
                     tibshirani_k(ks, gap, s_k), int(ks[int(np.argmax(gap))]))


def check_ks(ks, n, name="ks"):
    """``ks`` as a sorted tuple of distinct ints in 1..n."""
    try:
        values = [int(k) for k in ks]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of ints, got {ks!r}.") from None
    if any(v != k for v, k in zip(values, ks, strict=True)):
        raise TypeError(f"{name} must hold integers, got {list(ks)!r}.")
    if not values:
        raise ValueError(f"{name} is empty.")
    if len(set(values)) != len(values) or any(
            b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError(f"{name} must be strictly increasing, got {values!r}.")
    if values[0] < 1 or values[-1] > n:
        raise ValueError(
            f"{name} must lie in 1..{n} (the number of observations), got {values!r}."
        )
    return tuple(values)


def selection_data(func, data, ks, *, check_finite, workers):
    """The data and ``ks`` of a model-selection call, validated once.

    Parameters
    ----------
    func : str
        The public function's name, for the dispatch's messages.
    data : array_like
        The caller's observations (1-D or 2-D, not empty).
    ks : sequence of int
        The cluster counts to try.
    check_finite : bool
        Whether to reject infs and NaNs.
    workers : int or None
        SciPy's ``workers``, for the engine.

    Returns
    -------
    route : Route
    x : array
        The data as 2-D float32/float64 in the caller's namespace.
    ks : tuple of int
        See :func:`check_ks`.
    engine : Engine
    """
    route = dispatch(func, data, names=("data",))
    values = route.as_data(route.arrays[0], "data", check_finite=check_finite)
    if route.size(values) < 1:
        raise ValueError(f"data is empty (shape {tuple(values.shape)}).")
    x = route.to_2d(values)
    return route, x, check_ks(ks, x.shape[0]), route.engine(workers)


@fill_doc
def gap_statistic(data, ks, *, n_refs=10, reference="box", n_init=10, n_init_refs=3,
                  rng=None, check_finite=True, workers=None, progress=False):
    """The gap statistic of k-means over a range of k.

    Parameters
    ----------
    {{observations}}
    ks : sequence of int
        Strictly increasing numbers of clusters, from 1 to M.  Tibshirani's
        rule compares each k with the next one of `ks`, so consecutive
        values are usual (``range(1, 11)``).
    n_refs : int, optional
        Number B of reference data sets.  Default: 10.
    reference : {'box', 'pca'}, optional
        Reference distribution: uniform over the data's bounding box
        ('box', default), or over the box aligned with the data's principal
        axes ('pca', Tibshirani et al.'s second choice, better for
        elongated data).
    n_init : int, optional
        k-means starts for each fit of the data.  Default: 10.
    n_init_refs : int, optional
        k-means starts for each fit of a reference set.  Default: 3.
    rng : {None, int, numpy.random.Generator}, optional
        Source of every draw (see Notes).
    {{check_finite}}
    {{workers}}
    progress : bool, optional
        Show progress over the ``(B + 1) * len(ks)`` fits (tqdm when
        installed).  Default: False.

    Returns
    -------
    GapResult
        ``gap``, ``s_k``, the log-dispersions, and the chosen k by
        Tibshirani's rule (``k``, None when no k qualifies) and by the
        maximum (``k_max``).

    Raises
    ------
    ValueError
        On `ks` that are empty, not increasing or outside 1..M, ``n_refs <
        2``, ``n_init < 1``, an unknown `reference`, or empty or non-finite
        data.
    TypeError
        On non-integer `ks`, `n_refs` or `n_init`, or integer or
        non-numeric data.

    See Also
    --------
    choose_k : the gap together with every other criterion, from one sweep.

    Notes
    -----
    With :math:`W_k` the within-cluster sum of squares of the k-means fit
    of the data and :math:`W^*_{kb}` that of reference set :math:`b`,

    .. math::

        \\mathrm{gap}(k) = \\frac{1}{B} \\sum_b \\log W^*_{kb} - \\log W_k,
        \\qquad s_k = \\mathrm{sd}_k \\sqrt{1 + 1/B},

    with :math:`\\mathrm{sd}_k` the standard deviation (divisor B) of
    :math:`\\log W^*_{kb}` over b.  Tibshirani's rule picks the smallest k
    with :math:`\\mathrm{gap}(k) \\ge \\mathrm{gap}(k+1) - s_{k+1}`.

    That rule stops early on data with a hierarchy: on a 3x3 grid of blobs
    the gap is flat for k = 1..4 (cutting the grid into 2-4 groups lowers
    :math:`W_k` no faster than cutting the uniform square), so it returns 1
    although the gap peaks sharply at 9.  ``k_max`` reports that peak.

    Draws: ``data_rng, refs_rng = numpy.random.default_rng(rng).spawn(2)``;
    the data's fits draw from ``data_rng``, k by k.  Reference set ``b`` is
    ``low + (high - low) * g.uniform(size=(M, N))`` with
    ``g = refs_rng.spawn(B)[b]`` (rotated back to the data's axes for
    'pca'), and ``g`` then seeds that set's fits, k by k.  Every fit is
    greedy k-means++ with Lloyd iterations to scikit-learn's ``tol=1e-4``.

    References
    ----------
    .. [1] R. Tibshirani, G. Walther and T. Hastie, "Estimating the number
       of clusters in a data set via the gap statistic", Journal of the
       Royal Statistical Society B 63(2), 2001.

    Examples
    --------
    >>> from kmeanskit import gap_statistic
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, _ = grid_blobs(rng=0)
    >>> result = gap_statistic(data, range(1, 11), n_refs=5, rng=0)
    >>> result.k_max, result.k
    (9, 1)
    """
    n_refs = check_count(n_refs, "n_refs", minimum=2)
    n_init = check_count(n_init, "n_init")
    n_init_refs = check_count(n_init_refs, "n_init_refs")
    check_option(reference, "reference", REFERENCES)
    check_progress(progress)
    _, x, ks, engine = selection_data("gap_statistic", data, ks,
                                      check_finite=check_finite, workers=workers)
    data_rng, refs_rng = np.random.default_rng(rng).spawn(2)
    scale = tolerance_scale(engine, x)
    with Progress((n_refs + 1) * len(ks), "gap statistic", progress) as bar:
        log_w = []
        for k in ks:
            fit = fit_kmeans(engine, x, k, n_init=n_init, rng=data_rng, tol_scale=scale)
            log_w.append(np.log(fit.info.inertia))
            bar.update(f"data, k={k}")
        return reference_gaps(engine, x, ks, np.asarray(log_w), n_refs=n_refs,
                              reference=reference, n_init=n_init_refs,
                              rng=refs_rng, progress=bar)
