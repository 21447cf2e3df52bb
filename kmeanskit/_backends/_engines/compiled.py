"""The compiled engine: NumPy arrays through the Cython kernels."""

import contextlib

import numpy as np

from ..._ext import _kernels
from .._threads import blas_single_threaded, default_n_threads
from ._interface import BoundsState, EngineBase, PassResult, assignment_method, top_rows

__all__ = ["CompiledEngine", "CentreGroups", "choose_method", "group_centres",
           "hamerly_geometry", "mixed_method", "pays_mixed"]

MAX_KERNEL_PASSES = 2 ** 31 - 1
"""Most passes one ``lloyd_iterations`` kernel call runs (its count is a C int)."""


_METHODS = {"direct": _kernels.DIRECT, "gemm": _kernels.GEMM, "dot": _kernels.DOT}


def choose_method(n_features, n_centres, dtype):
    """The kernel method for data of this shape: ``DIRECT``, ``DOT`` or
    ``GEMM`` (see :func:`kmeanskit._backends._engines.assignment_method`)."""
    return _METHODS[assignment_method(n_features, n_centres, dtype,
                                      fused=_kernels.FAST_FMA,
                                      wide=_kernels.WIDE_VECTORS)]


def pays_mixed(n_features, n_centres):
    """Whether certified mixed precision speeds up float64 data of this shape.

    Measured on one thread, 1e5 rows, Lloyd passes (Intel Xeon, AVX-512):
    it costs a fixed amount per row (rounding the row, certifying its
    label), so it pays once the distances are most of the work: from 0.88
    of the float64 time at 16 features x 64 centres and 0.97 at 64 x 16,
    to 0.5-0.7 at 32-128 features x 256 centres; at 32 x 16 it is 8 % slower.
    """
    d, k = int(n_features), int(n_centres)
    return d >= 8 and k >= 16 and d * k >= 1024


def mixed_method(n_features, n_centres, dtype, *, plain=None, always=False):
    """The method for float64 data by certified mixed precision (see
    ``_mixed.pxi``: the labels and distances of the float64 method ``plain``,
    by default the one :func:`choose_method` gives), or ``plain`` itself where
    it does not pay (unless ``always``) or does not apply (other dtypes, the
    direct method in either precision)."""
    if plain is None:
        plain = choose_method(n_features, n_centres, dtype)
    if np.dtype(dtype) != np.float64 or not (always or pays_mixed(n_features,
                                                                   n_centres)):
        return plain
    single = choose_method(n_features, n_centres, np.float32)
    if plain == _kernels.DIRECT or single == _kernels.DIRECT:
        return plain
    return _kernels.mixed(plain, single)


_NO_GUARD = contextlib.nullcontext()

class CompiledEngine(EngineBase):
    """Engine over C-contiguous float32/float64 NumPy arrays.

    Parameters
    ----------
    n_threads : int, optional
        OpenMP threads for the kernels; default: OpenMP's default.  Results do
        not depend on it.
    method : {None, 'direct', 'dot', 'gemm'}, optional
        Force a kernel method; default: chosen by shape (:func:`choose_method`).
    mixed : bool or None, optional
        Certified mixed precision for float64 data (float32 arithmetic where
        a rigorous bound certifies the labels; the same results as without):
        None (default) where it pays (:func:`pays_mixed`), True wherever the
        method allows it (DOT or GEMM, in both precisions), False never.
    """

    name = "compiled"
    prunes = True

    def __init__(self, n_threads=None, method=None, mixed=None):
        self.n_threads = default_n_threads() if n_threads is None else int(n_threads)
        self._method = None if method is None else _METHODS[method]
        self._mixed = mixed

    def _method_for(self, x, c, *, certified=False):
        """The kernel method for x against centres c; with ``certified``,
        for a call whose labels (and exact distances) are all it returns:
        there float64 data may go through mixed precision."""
        d, k = x.shape[1], c.shape[0]
        plain = self._method
        if plain is None:
            plain = choose_method(d, k, x.dtype)
        # A forced method runs as it is unless mixed precision is asked for.
        if not certified or self._mixed is False or (
                self._mixed is None and self._method is not None):
            return plain
        return mixed_method(d, k, x.dtype, plain=plain, always=self._mixed is True)

    @staticmethod
    def _blas_guard(method, n_rows):
        # Each OpenMP thread calls BLAS on its own chunk: BLAS must stay
        # single-threaded there, or its threads fight ours for the cores (and
        # a multi-threaded BLAS on one small tile only adds synchronisation).
        # A single chunk is too small for BLAS to spawn threads: skip the cost.
        if _kernels.uses_blas(method) and n_rows > _kernels.CHUNK:
            return blas_single_threaded()
        return _NO_GUARD

    @staticmethod
    def _centres_like(x, c):
        # Centres are small: casting them to the data dtype is free, and the
        # fused-type kernels need both arguments of one dtype.
        if c.dtype == x.dtype and c.flags.c_contiguous:
            return c
        return np.ascontiguousarray(c, dtype=x.dtype)

    def assign(self, x, c):
        c = self._centres_like(x, c)
        labels = np.empty(x.shape[0], dtype=np.int32)
        sqdist = np.empty(x.shape[0], dtype=x.dtype)
        method = self._method_for(x, c, certified=True)
        with self._blas_guard(method, x.shape[0]):
            _kernels.assign(x, c, labels, sqdist, method, self.n_threads)
        return labels, sqdist

    @staticmethod
    def _pass_outputs(n, c, return_labels):
        """Empty (sums, counts, labels or None) for a pass over n rows."""
        k, d = c.shape
        labels = np.empty(n, dtype=np.int32) if return_labels else None
        return np.empty((k, d), dtype=np.float64), np.empty(k, dtype=np.float64), labels

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False):
        c = self._centres_like(x, c)
        sums, counts, labels = self._pass_outputs(x.shape[0], c, return_labels)
        method = self._method_for(x, c, certified=True)
        with self._blas_guard(method, x.shape[0]):
            inertia, distance_sum = _kernels.lloyd_pass(
                x, c, weights, sums, counts, labels, method, self.n_threads
            )
        return PassResult(sums, counts, inertia, distance_sum, labels)

    def lloyd_iterations(self, x, c, n_iter, weights=None, *, return_labels=False):
        """``n_iter`` passes with the loop's mean update, in one compiled call.

        Returns the centres after the last update, the last pass's
        ``PassResult`` and the number of passes that left a cluster empty
        (whose centre then kept its place).  Same results as running
        ``lloyd_pass`` and the update ``n_iter`` times from Python.
        """
        centres = np.array(c, dtype=x.dtype, order="C", copy=True)
        sums, counts, labels = self._pass_outputs(x.shape[0], centres, return_labels)
        method = self._method_for(x, centres, certified=True)
        # The kernel counts passes in a C int: more than that many run as
        # consecutive calls (each continues from the centres left by the last).
        remaining, empty_passes = int(n_iter), 0
        with self._blas_guard(method, x.shape[0]):
            while True:
                passes = min(remaining, MAX_KERNEL_PASSES)
                inertia, distance_sum, empty = _kernels.lloyd_iterations(
                    x, centres, weights, sums, counts, labels, passes, method,
                    self.n_threads,
                )
                empty_passes += empty
                remaining -= passes
                if not remaining:
                    break
        result = PassResult(sums, counts, inertia, distance_sum, labels)
        return centres, result, empty_passes

    def start_bounds(self, x, n_groups=1):
        n = x.shape[0]
        if n_groups > 1:
            # Yinyang's group bounds: float32 (rounded down) to save memory.
            lower = np.zeros((n, int(n_groups)), dtype=np.float32)
        else:
            lower = np.zeros(n, dtype=np.float64)
        return BoundsState(np.zeros(n, dtype=np.int32), lower)

    def bounded_pass(self, x, c, state, weights=None, *, return_labels=False):
        # BLAS stays single-threaded for the whole pass, not just around the
        # kernel: the centres' geometry and grouping are small NumPy
        # products, after which a multi-threaded BLAS leaves its threads
        # spinning on the cores the kernel then needs (measured on 2 cores:
        # a Yinyang set-up sweep at 1.5x a plain pass instead of 1.0x).
        with blas_single_threaded():
            return self._bounded_pass(x, c, state, weights, return_labels)

    def _bounded_pass(self, x, c, state, weights, return_labels):
        c = self._centres_like(x, c)
        n = x.shape[0]
        centres64 = c.astype(np.float64)
        # No bounds yet: the first pass scans every row, and sets them up.
        initial = state.centres is None or state.centres.shape != c.shape
        half_sep, other_shift = hamerly_geometry(
            centres64, None if initial else state.centres)
        sums, counts, _ = self._pass_outputs(n, c, False)
        method = self._method_for(x, c, certified=True)
        if c.shape[0] == 1:
            _hamerly_lower(state)  # one centre: no groups to bound
        if state.lower.ndim == 2 and not initial:
            inertia, distance_sum, state.n_scans = self._yinyang_pass(
                x, c, centres64, state, half_sep, weights, sums, counts, method)
        else:
            # Group bounds are set up by Hamerly's sweep (see _group_bounds).
            runner_up = (state.lower if state.lower.ndim == 1
                         else _runner_up_scratch(state.lower))
            inertia, distance_sum, state.n_scans = _kernels.hamerly_pass(
                x, c, half_sep, other_shift, weights, state.labels,
                runner_up, sums, counts, initial, method, self.n_threads,
            )
            if state.lower.ndim == 2:
                _group_bounds(state, centres64, runner_up)
        state.centres = centres64
        labels = state.labels.copy() if return_labels else None
        return PassResult(sums, counts, inertia, distance_sum, labels)

    def _yinyang_pass(self, x, c, centres64, state, half_sep, weights, sums,
                      counts, method):
        """A group-bounds pass of :meth:`bounded_pass` (``state.lower`` is
        (n, G), set up by :func:`_group_bounds`)."""
        groups = state.groups
        moves = np.sqrt(np.sum((centres64 - state.centres) ** 2, axis=1))
        groups.drift += np.maximum.reduceat(moves[groups.order], groups.start[:-1])
        grouped = np.ascontiguousarray(c[groups.order])
        return _kernels.yinyang_pass(
            x, c, grouped, groups.order, groups.start, groups.group_of,
            half_sep, groups.drift, weights, state.labels, state.lower, sums,
            counts, False, method, self.n_threads,
        )

    def scan_estimate(self, x, c, state):
        """An estimate of the fraction of rows that the next bounded pass
        against ``c`` will scan, from a fixed sample of rows (see
        :func:`estimate_scans`); None before the bounds are set up."""
        if state.centres is None or state.centres.shape != c.shape:
            return None
        n = x.shape[0]
        sample = np.arange(0, n, max(1, n // ESTIMATE_SAMPLE))
        lower = state.lower[sample]
        if lower.ndim == 2:
            lower = np.min(lower - state.groups.drift, axis=1)
        with blas_single_threaded():
            return estimate_scans(self.take(x, sample), state.labels[sample],
                                  lower, state.centres,
                                  np.asarray(c, dtype=np.float64))

    def min_sqdist(self, x, c, current=None):
        c = self._centres_like(x, c)
        if current is None:
            current = np.full(x.shape[0], np.inf, dtype=np.float64)
        _kernels.min_sqdist(x, c, current, self.n_threads)
        return current

    def candidate_potentials(self, x, candidates, current, weights=None):
        c = self._centres_like(x, candidates)
        potentials = np.empty(c.shape[0], dtype=np.float64)
        method = self._method_for(x, c)
        if method == _kernels.DOT:
            method = _kernels.GEMM  # the candidates' products come from BLAS
        with self._blas_guard(method, x.shape[0]):
            _kernels.candidate_potentials(x, c, current, weights, potentials,
                                          method, self.n_threads)
        return potentials


    def farthest(self, x, c, m, weights=None, *, within=None):
        labels, sqdist = self.assign(x, c)
        score = sqdist.astype(np.float64)
        if weights is not None:
            score[weights <= 0] = -1.0
        if within is not None:
            score[labels != within] = -1.0
        return top_rows(score, m)


def _nearest_gaps(centres):
    """A lower bound on the distance from each centre to its nearest other
    centre (k >= 2), rigorous despite cancellation.

    Direct differences (cdist) cost k^2 d scalar operations, as much as a
    Lloyd pass at k = 1024; the GEMM identity costs a BLAS product but loses
    digits to cancellation, so its squared gaps are lowered by a bound on
    their rounding, after shifting the centres by their mean (which the
    distances do not feel) to keep the norms small; the rounding of that
    shift is taken off too.  A gap that is too small only makes Hamerly's
    test skip fewer rows.

    One product gives ``|b|^2 - 2 a.b`` for every pair: ``[a, 1]`` times
    ``[-2 b, |b|^2]`` (d + 1 terms), so the k x k matrix is read once more,
    for its row minima, to which ``|a|^2`` is then added.  The error of that
    product is at most ``(d + 3) u (2 |a| |b| + |b|^2) <= (d + 3) u (|a|^2 +
    2 |b|^2)``; with the norms' own rounding (``d u`` relative) and the last
    addition it stays below ``(2 d + 4) u (|a|^2 + 2 |b|^2)``, and the
    allowance taken off is four times that.
    """
    k, d = centres.shape
    shifted = centres - centres.mean(axis=0)
    sq = np.einsum("ij,ij->i", shifted, shifted)
    eps = np.finfo(np.float64).eps  # 2 u
    kept_a = 1.0 - 4.0 * (d + 4) * eps
    kept_b = 1.0 - 8.0 * (d + 4) * eps
    left = np.empty((k, d + 1))
    left[:, :d] = shifted
    left[:, d] = 1.0
    right = np.empty((k, d + 1))
    np.multiply(shifted, -2.0, out=right[:, :d])
    right[:, d] = kept_b * sq
    with blas_single_threaded():
        lowered = left @ right.T
    np.fill_diagonal(lowered, np.inf)
    nearest = lowered.min(axis=1)
    nearest += kept_a * sq
    nearest = np.sqrt(np.maximum(nearest, 0.0))
    norms = np.sqrt(sq)
    nearest -= 2.0 * eps * (norms + norms.max())
    return np.maximum(nearest, 0.0)


def _hamerly_lower(state):
    """The (n,) float64 lower bounds of a Hamerly pass; a state made for
    group bounds that meets a single centre falls back to them."""
    if state.lower.ndim != 1:
        state.lower = np.zeros(state.labels.shape[0], dtype=np.float64)
        state.groups = None
    return state.lower


def _runner_up_scratch(lower):
    """(n,) float64 room inside the (n, G >= 2) float32 group bounds, for
    Hamerly's set-up sweep to write its runner-up distances into: setting
    group bounds up then takes no more memory than the bounds."""
    return lower.reshape(-1)[:2 * lower.shape[0]].view(np.float64)


SETUP_ROWS = 1 << 16
"""Rows whose group bounds :func:`_group_bounds` writes at a time."""


def _group_bounds(state, centres64, runner_up):
    """Set up Yinyang's group bounds from Hamerly's first sweep: every
    group's bound starts at the row's runner-up distance (rounded down to
    float32), as later group scans then tighten them.

    Hamerly's sweep scans every row as a Lloyd pass does (certified mixed
    precision included, for float64 data), so group bounds cost no more to
    set up than Hamerly's.  ``runner_up`` may lie inside ``state.lower``
    (:func:`_runner_up_scratch`): the rows are then filled from the last,
    a block at a time, because a block's bounds overwrite only the runner-up
    distances of rows from its own first row on, which are read by then.
    """
    n, n_groups = state.lower.shape
    state.groups = group_centres(centres64, n_groups)
    lower = state.lower
    if state.groups.n_groups != n_groups:
        state.lower = np.empty((n, state.groups.n_groups), dtype=np.float32)
    for stop in range(n, 0, -SETUP_ROWS):
        start = max(0, stop - SETUP_ROWS)
        distances = runner_up[start:stop].copy()
        bounds = distances.astype(np.float32)
        above = bounds > distances
        bounds[above] = np.nextafter(bounds[above], np.float32(0))
        state.lower[start:stop] = bounds[:, np.newaxis]
    del lower  # (kept alive until the runner-up distances were all read)


ESTIMATE_SAMPLE = 1024
"""Rows (evenly spaced) from which :meth:`CompiledEngine.scan_estimate`
judges the next bounded pass: a fraction to within about 3 % (one standard
error at most 1.6 %), for about 1 % of a plain pass at 256 features."""


def estimate_scans(rows, labels, lower, previous, centres):
    """The fraction of ``rows`` that Hamerly's test will not vouch for in a
    pass against ``centres``, bounds set at ``previous``.

    A row needs no scan when its distance to its own centre now stays below
    its ``lower`` bound on every other centre (which drops by the largest
    move among them) or below half the gap from its centre to the nearest
    other centre; this is the kernel's test, with twice its allowance for
    rounding.  (Group bounds pass at least these rows: their test is
    Hamerly's and a finer one.)  Only the choice of the faster kind of pass
    depends on it, never the result.
    """
    half_sep, other_shift = hamerly_geometry(centres, previous)
    offsets = rows - centres[labels]
    distance = np.sqrt(np.einsum("ij,ij->i", offsets, offsets))
    clear = np.maximum(lower - other_shift[labels], half_sep[labels])
    margin = max(8.0 * (rows.shape[1] + 2) * np.finfo(rows.dtype).eps, 1e-6)
    return float(np.mean(~(distance < clear * (1.0 - margin))))


class CentreGroups:
    """A partition of the centres into groups for Yinyang's bounds.

    Attributes
    ----------
    order : (k,) int32
        Centre indices, group by group (increasing within a group).
    start : (G + 1,) int32
        Group g is ``order[start[g]:start[g + 1]]``.
    group_of : (k,) int32
        The group of each centre.
    drift : (G,) float64
        Per group, the largest move of one of its centres, summed over the
        passes since the bounds were set up (the bounds drop by it).
    """

    def __init__(self, group_of):
        group_of = np.asarray(group_of)
        present, group_of = np.unique(group_of, return_inverse=True)
        self.group_of = group_of.astype(np.int32)
        self.order = np.argsort(self.group_of, kind="stable").astype(np.int32)
        sizes = np.bincount(self.group_of, minlength=present.size)
        self.start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
        self.drift = np.zeros(present.size)

    @property
    def n_groups(self):
        """The number of (non-empty) groups."""
        return self.start.size - 1


GROUPING_ITERATIONS = 5
"""Lloyd iterations that group the centres (Ding et al. use five): the
groups only need to be compact, not optimal."""


def group_centres(centres, n_groups):
    """Group the (k, d) centres into at most ``n_groups`` compact groups.

    A few Lloyd iterations on the centres themselves, from evenly spaced
    centres, deterministic; groups left empty are dropped.  Compact groups
    keep each group's bound tight (its centres lie close together) and its
    largest move small.
    """
    centres = np.asarray(centres, dtype=np.float64)
    k = centres.shape[0]
    n_groups = max(1, min(int(n_groups), k))
    means = centres[np.linspace(0, k - 1, n_groups).round().astype(np.intp)]
    group_of = np.zeros(k, dtype=np.intp)
    sq = np.einsum("ij,ij->i", centres, centres)
    for _ in range(GROUPING_ITERATIONS):
        scores = np.einsum("ij,ij->i", means, means)[np.newaxis, :] - 2.0 * (
            centres @ means.T)
        scores += sq[:, np.newaxis]
        group_of = np.argmin(scores, axis=1)
        counts = np.bincount(group_of, minlength=n_groups)
        full = counts > 0
        # Each group's sum over its centres, in index order (np.add.at is
        # several times slower).
        order = np.argsort(group_of, kind="stable")
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[full]
        means[full] = (np.add.reduceat(centres[order], starts, axis=0)
                       / counts[full, np.newaxis])
    return CentreGroups(group_of)


def hamerly_geometry(centres, previous):
    """Half the gap from each centre to its nearest other centre, and for each
    centre the largest move of any *other* centre since ``previous``."""
    k = centres.shape[0]
    if k == 1:
        half_sep = np.array([np.inf])
    else:
        half_sep = 0.5 * _nearest_gaps(centres)
    if previous is None:
        return half_sep, np.zeros(k)
    shift = np.sqrt(np.sum((centres - previous) ** 2, axis=1))
    other_shift = np.full(k, shift.max())
    if k > 1:
        top = int(np.argmax(shift))
        other_shift[top] = np.max(np.delete(shift, top))
    return half_sep, other_shift
