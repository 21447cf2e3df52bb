"""The engine interface: what every engine computes and returns.

:class:`Engine` lists the primitives; :class:`EngineBase`, which every
engine subclasses, gives the host helpers of seeding their NumPy defaults;
:class:`PassResult` and :class:`BoundsState` are what they hand back; the few
helpers here are shared by every engine (:func:`assignment_method` is the
one rule for choosing a distance kernel, so that all engines break near-ties
alike).
"""

from typing import NamedTuple, Protocol

import numpy as np

__all__ = ["BOUNDS_MEMORY_FRACTION", "BoundsState", "D2State", "Engine",
           "EngineBase", "PassResult", "assignment_method", "group_count",
           "row_uniforms", "spread_dof", "top_rows", "weighted_moments"]


class PassResult(NamedTuple):
    """What one fused Lloyd sweep returns."""

    sums: np.ndarray
    """(k, d) float64: weighted sum of the rows assigned to each centre."""
    counts: np.ndarray
    """(k,) float64: total weight assigned to each centre."""
    inertia: float
    """Weighted sum of squared distances to the nearest centre."""
    distance_sum: float
    """Weighted sum of (non-squared) distances to the nearest centre."""
    labels: object
    """(n,) int32 assignment in the engine's namespace, when asked for."""


class D2State(NamedTuple):
    """What k-means++ and k-means|| know about the rows between two centres."""

    closest: object
    """Row values (the engine's kind): squared distance from each row to its
    nearest centre so far."""
    mass: object
    """Row values: ``closest`` times the weights (``closest`` itself without
    weights); None where the engine computes it inside its own tasks."""
    total: float
    """Sum of ``mass``: the potential the next centre is drawn against."""


class BoundsState:
    """Per-point state that the bounded passes carry from pass to pass.

    Created by ``engine.start_bounds(x, n_groups)`` and updated in place by
    ``engine.bounded_pass``: a label and Hamerly's one lower bound per row,
    or (``n_groups`` > 1, Yinyang) one lower bound per row and group of
    centres, within :func:`group_count`'s memory rule.
    """

    def __init__(self, labels, lower):
        self.labels = labels
        """(n,) int32: current assignment."""
        self.lower = lower
        """(n,) float64: lower bound on the distance to every other centre;
        or (n, G) float32: per group of centres, on the distance to the
        group's centres other than the row's own."""
        self.groups = None
        """The engine's grouping of the centres (group bounds only)."""
        self.centres = None
        """float64 centres of the previous pass; None until the first pass."""
        self.n_scans = 0
        """Rows whose k distances were all computed in the last pass."""

    def reset(self):
        """Forget the bounds (e.g. after centres were dropped): next pass scans all."""
        self.centres = None


class Engine(Protocol):
    """The primitives every engine provides.

    ``x`` is an (n, d) array and ``c`` a (k, d) array of the same floating
    dtype, both already validated.
    """

    name: str

    def assign(self, x, c):
        """Return ``(labels, sqdist)``: nearest centre (int32; the lowest index
        wins ties) and the squared distance to it, in the data dtype."""

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False) -> PassResult:
        """Assign every row and accumulate per-cluster sums in one sweep."""

    def start_bounds(self, x, n_groups=1) -> BoundsState:
        """Fresh per-point state for ``bounded_pass``: Hamerly's bounds, or
        with ``n_groups`` > 1 group bounds (Yinyang), where the engine has
        them (others keep Hamerly's, or none: the labels are the same)."""

    def bounded_pass(self, x, c, state, weights=None, *,
                     return_labels=False) -> PassResult:
        """A ``lloyd_pass`` giving the same assignment, skipping the distance
        computations that Hamerly's bounds in ``state`` rule out."""

    def min_sqdist(self, x, c, current=None):
        """Float64 squared distance (a NumPy array) from each row to its
        nearest row of ``c``, lowered from ``current`` when given (k-means++
        keeps a running minimum); ``current`` may be updated in place."""

    def farthest(self, x, c, m, weights=None, *, within=None):
        """``(rows, sqdist)``, host int64 and float64 arrays of length
        ``min(m, n)``: the rows farthest from their nearest row of ``c``, in
        decreasing distance (exact ties: lowest row first).  Rows of zero
        weight are passed over, and with ``within`` so are rows whose nearest
        centre is not ``within``; such rows score -1 if they have to fill
        the ``m`` places.  For empty-cluster repair (rare): a plain sweep."""


class EngineBase:
    """The host helpers of seeding, with defaults for NumPy data.

    Seeding keeps one value per row (the squared distance to the nearest
    centre chosen so far) and reads rows of the data; these methods are all
    it does with them.  The defaults work on NumPy arrays (data and row
    values), which is what the compiled engine holds and what the portable
    engine's ``min_sqdist`` returns; an engine whose data or row values live
    elsewhere (Dask: on the workers) overrides them.
    """

    prunes = False
    """Whether ``bounded_pass`` skips distance computations the bounds rule
    out.  An engine whose bounded pass is a plain pass leaves it False, so
    ``algorithm='auto'`` has nothing to weigh and runs plain passes."""

    def scan_estimate(self, x, c, state):
        """An estimate of the fraction of rows that a bounded pass against
        ``c`` with ``state`` would scan, for ``'auto'`` to skip a pass the
        bounds cannot speed up; None: no estimate (the pass is timed)."""
        return None

    max_spread_features = None
    """Most columns whose d x d covariance (``moments(x, 'cov')``, the
    Gaussian seeding) this engine affords; None: no limit."""

    def take(self, x, index):
        """Rows ``index`` of the data ``x`` as a NumPy array (a copy)."""
        return x[index]

    def take_batch(self, x, index):
        """Rows ``index`` of ``x`` as data this engine's passes (and the
        compiled engine's) read: a C-contiguous NumPy array by default, CSR
        for sparse data (a mini-batch is never densified)."""
        return np.ascontiguousarray(self.take(x, index))

    def to_host(self, x):
        """All of the data ``x`` as a NumPy array."""
        return x

    def moments(self, x, spread=None, weights=None):
        """``(mean, spread)`` of the rows of ``x`` in float64.

        The mean, and the variance of column 0 (``spread='var'``) or the
        covariance (``'cov'``), ``n - 1`` dof; ``spread=None``: mean only.
        With ``weights``, the weighted mean and the frequency-weighted
        spread (``sum(w) - 1`` dof): the moments of the data with each row
        repeated ``w`` times.  NumPy data: the mean with ``dtype=float64``,
        ``numpy.var`` with ``ddof=1`` and ``numpy.cov``, the computations
        SciPy's own draws are compared against.
        """
        if weights is not None:
            return weighted_moments(x, spread, weights)
        mean = x.mean(axis=0, dtype=np.float64)
        if spread == "var":
            return mean, float(np.var(x[:, 0], ddof=1, dtype=np.float64))
        if spread == "cov":
            return mean, np.atleast_2d(np.cov(x, rowvar=False))
        return mean, None

    def candidate_potentials(self, x, candidates, current, weights=None):
        """(m,) float64: for each row ``c_j`` of ``candidates``, the weighted
        sum over rows of ``min(current_i, |x_i - c_j|^2)`` (greedy k-means++
        ranks its candidates by it).  Default: one ``min_sqdist`` sweep per
        candidate; an engine can do all in one sweep over ``x``."""
        potentials = np.empty(candidates.shape[0], dtype=np.float64)
        for j in range(candidates.shape[0]):
            # min_sqdist may lower ``current`` in place: give it a copy.
            trial = self.min_sqdist(x, candidates[j:j + 1], current.copy())
            potentials[j] = trial.sum() if weights is None else trial @ weights
        return potentials

    # -- the steps of k-means++ and k-means|| ----------------------------------
    # Each is one round trip where the data lives elsewhere (the Dask engine
    # on a cluster fuses the draw, the read of the rows drawn and the update
    # of the distances into one submission); here, compositions of the
    # primitives above and below.

    def d2_add(self, x, rows, state=None, weights=None):
        """The :class:`D2State` after adding centres ``rows`` (host (m, d))
        to ``state`` (None: the first centres)."""
        closest = self.min_sqdist(x, rows, None if state is None else state.closest)
        mass = closest if weights is None else self.scale_rows(closest, weights)
        return D2State(closest, mass, float(self.potential(mass)))

    def d2_start(self, x, index, weights=None):
        """Row ``index`` of ``x`` (host, shape (1, d)) and the
        :class:`D2State` of that one centre."""
        row = self.take(x, [index])
        return row, self.d2_add(x, row, None, weights)

    def d2_pick(self, x, state, u, weights=None, *, update=True):
        """k-means++'s draw: ``(index, row, state)``, the row drawn by
        :meth:`d2_draw` at ``u`` and, with ``update``, the state with it
        added (else ``state`` as it was)."""
        index = self.d2_draw(state.mass, state.total, u)
        row = self.take(x, [index])
        return index, row, self.d2_add(x, row, state, weights) if update else state

    def d2_trials(self, x, state, targets, weights=None):
        """Greedy k-means++'s candidates: ``(indices, rows, potentials,
        trials)``, the rows :meth:`d2_search` finds at ``targets``, the
        potential each would leave (:meth:`candidate_potentials`), and what
        :meth:`d2_select` needs to add the one chosen."""
        indices = self.d2_search(state.mass, targets)
        rows = self.take(x, indices)
        potentials = self.candidate_potentials(x, rows, state.closest, weights)
        return indices, rows, potentials, (rows, state)

    def d2_select(self, x, trials, best, weights=None):
        """The :class:`D2State` with candidate ``best`` of ``trials`` (from
        :meth:`d2_trials`) added."""
        rows, state = trials
        return self.d2_add(x, rows[best:best + 1], state, weights)

    def d2_sample(self, x, state, scale, seed, weights=None, *, update=True):
        """k-means||'s oversampling: ``(rows, state)``, the rows kept by
        :meth:`sample_rows` (host, in row order) and, with ``update`` and
        rows kept, the state with them added."""
        picked = self.sample_rows(state.closest, weights, scale, seed)
        if len(picked) == 0:
            return np.empty((0, x.shape[1])), state
        rows = self.take(x, picked)
        return rows, self.d2_add(x, rows, state, weights) if update else state

    def d2_potential(self, state, weights=None):
        """``sum(weights * closest)`` of ``state`` (k-means||'s ``phi``)."""
        return self.potential(state.closest, weights)

    def row_values(self, x, values):
        """Per-row ``values`` (e.g. weights, NumPy or the engine's kind) as
        the engine's row values for the data ``x``."""
        return np.asarray(values, dtype=np.float64)

    def potential(self, values, weights=None):
        """``sum(weights * values)`` of row values (``weights`` None: all 1)."""
        return values.sum() if weights is None else float(np.dot(weights, values))

    def d2_draw(self, values, total, u):
        """SciPy's k-means++ draw: the row where the cumulative sum of
        ``values / total`` first reaches ``u`` (a left ``searchsorted``), at
        most the last row with a positive value (rounding can leave the
        cumulative sum a hair below 1)."""
        cumulative = np.cumsum(values / total)
        index = int(np.searchsorted(cumulative, u))
        return min(index, int(np.flatnonzero(values)[-1]))

    def d2_search(self, values, targets):
        """Rows where the cumulative sum of ``values`` first reaches each of
        ``targets`` (scikit-learn's greedy k-means++ draw), at most the last
        row with a positive value (so a row of zero weight is never drawn)."""
        found = np.searchsorted(np.cumsum(values), targets)
        return np.minimum(found, int(np.flatnonzero(values)[-1]))

    def scale_rows(self, values, weights):
        """Per-row ``values`` (as ``min_sqdist`` returns them) times host
        ``weights``, in the same form: weighted k-means++ draws from it."""
        return values * weights

    def sample_rows(self, values, weights, scale, seed):
        """Indices of the rows kept by independent draws with probability
        ``min(1, scale * weights * values)`` (k-means|| oversampling).

        Row ``i`` compares its own uniform number, ``row_uniforms(seed, i,
        1)``, with its probability, so the rows drawn do not depend on how
        the data is split into chunks, nor on the engine.
        """
        p = scale * values if weights is None else scale * (weights * values)
        return np.flatnonzero(row_uniforms(seed, 0, values.shape[0]) < p)


def weighted_moments(x, spread, weights):
    """:meth:`EngineBase.moments` of NumPy data ``x`` whose row i counts
    ``weights[i]`` times (frequency weights)."""
    total = float(np.sum(weights))
    mean = (weights @ x.astype(np.float64, copy=False)) / total
    if spread is None:
        return mean, None
    centred = x.astype(np.float64) - mean
    if spread == "var":
        return mean, float(weights @ (centred[:, 0] ** 2) / spread_dof(total))
    return mean, np.atleast_2d((centred.T * weights) @ centred / spread_dof(total))


def assignment_method(n_features, n_centres, dtype, *, fused=True, wide=True):
    """How the nearest centres of data of this shape are best found.

    Returns ``'direct'`` (direct differences), ``'dot'`` (the GEMM identity
    with the products summed in registers by fused multiply-adds, only when
    ``fused``: the compiled engine passes whether the CPU has FMA) or
    ``'gemm'`` (the identity from BLAS tiles).

    Measured with the compiled kernels (one thread, 1e5 rows; float32 and
    float64): the direct kernel wins below 5 features and, in float64, at few
    centres (where the transposition of the rows, which every method pays,
    is most of the work); the fused products win from there up to 64
    features, by 15-40%; BLAS tiles beyond, and in float64 at few centres from
    32 features.  Without AVX-512 (``wide`` false: the compiled engine passes
    whether its widest kernels run), the fused products hold fewer partial
    sums in registers and BLAS tiles win from 49 float32 features (AMD EPYC,
    AVX2, one thread, 5e4 rows: GEMM ÷ DOT 0.84 at 64 x 128, 0.78 at
    64 x 256, 0.75 at 64 x 1024, 0.92-1.19 at 48, 1.05-1.08 at 32).  Both
    engines follow this rule ('dot' being GEMM for the portable one), so
    that they break near-ties alike.
    """
    d, k = int(n_features), int(n_centres)
    if k < 2:
        return "direct"
    single = np.dtype(dtype) == np.float32
    if fused and d <= 64:
        if single and (d >= 5 or (d >= 3 and k >= 64)) and (wide or d <= 48):
            return "dot"
        if not single and ((d >= 4 and k >= 32) or (d >= 8 and k >= 16)):
            return "dot"
    if d >= 32 or (d >= 16 and k >= 16) or (d >= 10 and k >= 32):
        return "gemm"
    return "direct"


BOUNDS_MEMORY_FRACTION = 0.25
"""Most memory Yinyang's group bounds may take, as a fraction of the data's."""

CENTRES_PER_GROUP = 10
"""Centres per group Yinyang's bounds aim for (Ding et al. use k / 10 groups):
more groups filter more finely but cost more per row to keep up."""


def group_count(n_features, n_centres, itemsize):
    """Groups of centres for Yinyang's bounds on data of this shape.

    One float32 bound per row and group: ``k / 10`` groups
    (:data:`CENTRES_PER_GROUP`), capped so the bounds take at most
    :data:`BOUNDS_MEMORY_FRACTION` of the data's memory (``d * itemsize``
    bytes per row).  1 where fewer than two groups fit: Hamerly's single
    bound is then the better filter.
    """
    fit = int(BOUNDS_MEMORY_FRACTION * int(n_features) * int(itemsize)) // 4
    groups = min(int(n_centres) // CENTRES_PER_GROUP, fit)
    return groups if groups >= 2 else 1


def top_rows(score, m):
    """Indices (int64) and values (float64) of the ``m`` largest entries of
    float NumPy array ``score`` (ties: lowest index first), decreasing."""
    m = min(int(m), score.shape[0])
    if m == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    # A stable sort of the negated scores keeps equal scores in row order.
    order = np.argsort(-score, kind="stable")[:m]
    return order.astype(np.int64), score[order].astype(np.float64)


def spread_dof(total_weight):
    """Divisor of a frequency-weighted variance: ``sum(w) - 1``, or
    ``sum(w)`` itself when that would not be positive (weights summing to
    at most 1 describe less than two observations)."""
    return total_weight - 1.0 if total_weight > 1.0 else total_weight


def row_uniforms(seed, start, count):
    """Uniform numbers in [0, 1) of rows ``start .. start + count - 1``.

    A counter-based stream (Philox keyed by ``seed``): the number of row
    ``i`` is the ``i``-th of the stream whichever rows are asked for, so a
    block of rows gets its numbers without drawing those of earlier rows.
    """
    bit_generator = np.random.Philox(key=seed)
    # Philox yields four 64-bit words per counter step, one word per double.
    bit_generator.advance(start // 4)
    skip = start % 4
    return np.random.Generator(bit_generator).random(skip + count)[skip:]
