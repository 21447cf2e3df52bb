"""The portable engine: k-means primitives in the Array API standard.

Arrays that the compiled kernels cannot read in place (array-api-strict,
JAX, CuPy, PyTorch on a GPU) are computed on here, with the caller's own
library on the caller's device: the data is never copied to the host.  Rows
are processed in chunks, so the largest temporary is one chunk-by-k tile
(never an n-by-k matrix).

What crosses between host and device per call is small and fixed: the
(k, d) centres go to the device, and a Lloyd pass brings back (k, d) sums,
(k,) counts and two scalars.  Labels and distances stay on the device.

Accuracy
--------
Per-cluster sums, counts, inertia and distance sums are accumulated in
float64 where the namespace has float64 on the data's device.  Where it does
not (JAX without ``jax_enable_x64``, Apple MPS, array-api-strict's
``no_float64`` device) they are accumulated in float32, each chunk (at most
:data:`COMPENSATED_CHUNK_ROWS` rows) summed by the library and the chunk
results combined by Kahan's compensated summation, so the error does not grow
with the number of rows: about ``COMPENSATED_CHUNK_ROWS * 2**-24`` relative in
the worst case, typically ``1e-6``.

Agreement with the compiled engine
----------------------------------
The nearest centre is found the way the compiled engine finds it: by direct
differences summed feature by feature in the data dtype for narrow data,
and by minimising ``|c|^2/2 - x.c`` (one matrix product per chunk) for wide
data, with the same crossover.  With float64 accumulation the two engines
give the same labels, except possibly for a point (almost) exactly
equidistant from two centres in the wide-data path, where the matrix product
may round differently; centroids then agree to about 1e-15 relative.

Every method except the host conversions is free of value-dependent Python
control flow: :meth:`PortableEngine.pass_arrays` can be traced by
``jax.jit``, and for JAX arrays the engine runs it (and the assignment)
compiled by ``jax.jit``.
"""

import numpy as np

from ..._base._validate import check_option
from .._arrays import chunks, has_float64, numpy_dtype, to_host
from ._interface import (
    BoundsState,
    EngineBase,
    PassResult,
    assignment_method,
    spread_dof,
)

__all__ = [
    "COMPENSATED_CHUNK_ROWS",
    "DEFAULT_TILE_ELEMENTS",
    "PortableEngine",
    "has_float64",
    "numpy_dtype",
    "to_host",
]

DEFAULT_TILE_ELEMENTS = 1 << 21
"""About how many elements the temporaries of one chunk hold on a CPU (16 MiB
of float64: a chunk and its tiles stay near the caches)."""

ACCELERATOR_TILE_ELEMENTS = 1 << 27
"""The same bound on an accelerator (1 GiB of float64), where each kernel
launch costs microseconds and only large tiles keep the device busy; it is
lowered to a 1/256 share of the free device memory (a pass holds a few
tiles at once, so its temporaries stay within a few percent of it)."""

COMPENSATED_CHUNK_ROWS = 1024
"""Row cap per chunk when sums are accumulated in float32 (see Accuracy)."""

# Rowwise squared distances are summed feature by feature (the compiled
# kernels' order, so the results agree to the last bit) up to this width, by
# the library's reduction above it.
_SEQUENTIAL_MAX_FEATURES = 32


# --------------------------------------------------------------------------
# Chunks and summation

class _Sum:
    """A running sum of device arrays: plain, or Kahan-compensated.

    Functional (no in-place update), so it can be traced by ``jax.jit``.
    """

    def __init__(self, compensated):
        self.compensated = compensated
        self.total = None
        self.error = None

    def add(self, value):
        if self.total is None:
            self.total = value
            self.error = value * 0 if self.compensated else None
        elif not self.compensated:
            self.total = self.total + value
        else:
            y = value - self.error
            t = self.total + y
            self.error = (t - self.total) - y
            self.total = t

    def arrays(self):
        """(total, error): the sum is ``total - error`` (error None: exact)."""
        return self.total, self.error


def _host_sum(total, error):
    """float64 NumPy value of a :class:`_Sum` result."""
    value = to_host(total).astype(np.float64)
    if error is not None:
        value = value - to_host(error).astype(np.float64)
    return value


def default_tile_elements(xp, device):
    """The tile bound for arrays of ``xp`` on ``device``: the CPU's, or on an
    accelerator the larger :data:`ACCELERATOR_TILE_ELEMENTS`, capped by the
    device's free memory."""
    free = _free_device_bytes(xp, device)
    if free is None:
        return DEFAULT_TILE_ELEMENTS
    share = free // 256 // 8  # elements of float64
    return int(max(DEFAULT_TILE_ELEMENTS, min(ACCELERATOR_TILE_ELEMENTS, share)))


def _free_device_bytes(xp, device):
    """Free memory of an accelerator ``device`` in bytes; None on a CPU (or
    where the library does not say)."""
    import array_api_compat as compat

    try:
        if compat.is_torch_namespace(xp):
            import torch

            if device is None or torch.device(device).type != "cuda":
                return None
            return int(torch.cuda.mem_get_info(device)[0])
        if compat.is_cupy_namespace(xp):
            import cupy

            with cupy.cuda.Device(getattr(device, "id", None)):
                return int(cupy.cuda.runtime.memGetInfo()[0])
        if compat.is_jax_namespace(xp):
            if device is None or getattr(device, "platform", "cpu") == "cpu":
                return None
            stats = device.memory_stats() or {}
            return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    except (RuntimeError, KeyError, AttributeError, TypeError):
        return None
    return None


def _cluster_sums(xp, labels, rows, weights, k):
    """(k, d) sums and (k,) counts of the ``rows`` of each label (weighted).

    By a scatter-add where the library has one (PyTorch ``index_add_``, CuPy
    ``scatter_add``, JAX ``segment_sum``): O(rows x d) work.  Elsewhere by
    the one matrix product the standard allows, with a (rows, k) one-hot
    membership matrix: O(rows x k x d), as much as the distances.  On a GPU
    the scatter-adds are atomic, so the float64 sums may differ in their last
    bits from one run to the next; the one-hot product does not.
    """
    import array_api_compat as compat

    mass = weights if weights is not None else xp.ones(
        labels.shape, dtype=rows.dtype, device=compat.device(rows))
    values = rows if weights is None else rows * xp.expand_dims(weights, axis=1)
    if compat.is_torch_namespace(xp):
        import torch

        index = labels.to(torch.int64)
        sums = torch.zeros((k, rows.shape[1]), dtype=rows.dtype, device=rows.device)
        counts = torch.zeros((k,), dtype=rows.dtype, device=rows.device)
        return sums.index_add_(0, index, values), counts.index_add_(0, index, mass)
    if compat.is_cupy_namespace(xp):
        import cupy
        import cupyx

        sums = cupy.zeros((k, rows.shape[1]), dtype=rows.dtype)
        counts = cupy.zeros((k,), dtype=rows.dtype)
        cupyx.scatter_add(sums, labels, values)
        cupyx.scatter_add(counts, labels, mass)
        return sums, counts
    if compat.is_jax_namespace(xp):
        import jax

        return (jax.ops.segment_sum(values, labels, num_segments=k),
                jax.ops.segment_sum(mass, labels, num_segments=k))
    import array_api_extra as xpx

    member = xpx.one_hot(labels, k, dtype=rows.dtype, xp=xp)  # (rows, k) tile
    if weights is not None:
        member = member * xp.expand_dims(weights, axis=1)
    return xp.matmul(member.T, rows), xp.sum(member, axis=0)


# --------------------------------------------------------------------------
# JAX: the per-pass primitives compiled by jax.jit

def _is_jax(xp):
    import array_api_compat as compat

    return compat.is_jax_namespace(xp)


_JAX_COMPILED = {}


def _jax_compiled(tile_elements, accumulate):
    """``(assign, pass_arrays)`` of a JAX engine, compiled with ``jax.jit``
    (each compiles once per shape and dtype; cached per configuration)."""
    key = (tile_elements, accumulate)
    if key not in _JAX_COMPILED:
        import jax
        import jax.numpy as jnp

        engine = PortableEngine(jnp, tile_elements=tile_elements,
                                accumulate=accumulate, compile=False)
        _JAX_COMPILED[key] = (
            jax.jit(engine._assign_arrays),
            jax.jit(engine.pass_arrays, static_argnames=("return_labels",)),
        )
    return _JAX_COMPILED[key]


# --------------------------------------------------------------------------
# The engine

class PortableEngine(EngineBase):
    """Engine over the arrays of any Array API namespace, on their device.

    Parameters
    ----------
    xp : namespace
        The Array API namespace of the data (array-api-compat's wrapper where
        there is one).
    device : object, optional
        The data's device; new arrays (centres) are created there.
    tile_elements : int, optional
        Bound on the elements of the largest per-chunk temporary; the number
        of rows per chunk follows from it (at least one row).
    accumulate : {None, 'float64', 'float32'}, optional
        Accumulation dtype; default float64 where the device has it, else
        compensated float32.  Tests force 'float32' to check the compensated
        path on any machine.
    compile : bool, optional
        For JAX arrays, run the assignment and the Lloyd pass compiled by
        ``jax.jit`` (default); other libraries ignore it.
    """

    name = "portable"

    def __init__(self, xp, device=None, *, tile_elements=None, accumulate=None,
                 compile=True):
        self.xp = xp
        self.device = device
        self.tile_elements = int(tile_elements or default_tile_elements(xp, device))
        if accumulate is None:
            accumulate = "float64" if has_float64(xp, device) else "float32"
        check_option(accumulate, "accumulate", ("float64", "float32"))
        self.acc_dtype = getattr(xp, accumulate)
        self.compensated = accumulate == "float32"
        self._weights_cache = (None, None)
        # JAX runs eager code one small kernel at a time: the two per-pass
        # primitives are compiled once per shape with jax.jit instead.
        self._assign, self._pass = self._assign_arrays, self.pass_arrays
        if compile and _is_jax(xp):
            self._assign, self._pass = _jax_compiled(self.tile_elements, accumulate)

    # -- small helpers ------------------------------------------------------

    def _rows_per_chunk(self, n, per_row):
        rows = max(1, self.tile_elements // max(1, per_row))
        if self.compensated:
            rows = min(rows, COMPENSATED_CHUNK_ROWS)
        return min(max(n, 1), rows)

    def _on_device(self, a, dtype):
        """Host array ``a`` as an array of ``dtype`` on the engine's device."""
        xp = self.xp
        if isinstance(a, np.ndarray):
            a = np.ascontiguousarray(a, dtype=numpy_dtype(dtype))
            return xp.asarray(a, device=self.device)
        return xp.astype(a, dtype)

    def _weights(self, weights, dtype):
        if weights is None:
            return None
        cached_host, cached_device = self._weights_cache
        if cached_host is weights:
            return cached_device
        on_device = self._on_device(np.asarray(weights), dtype)
        self._weights_cache = (weights, on_device)
        return on_device

    def _rowwise_sqdist(self, a, b):
        """Squared distance between matching rows of (m, d) ``a`` and ``b``,
        in their dtype, summed feature by feature for narrow data."""
        xp = self.xp
        diff = a - b
        d = diff.shape[1]
        if d > _SEQUENTIAL_MAX_FEATURES:
            return xp.sum(diff * diff, axis=1)
        total = diff[:, 0] * diff[:, 0]
        for t in range(1, d):
            total = total + diff[:, t] * diff[:, t]
        return total

    def _nearest(self, xc, c, c_t, half_norms):
        """(labels int32, squared distance in the data dtype) for one chunk."""
        xp = self.xp
        d = c.shape[1]
        if half_norms is None:
            # Direct differences, one feature at a time (the compiled kernels'
            # order of summation): (rows, k) tiles only.
            col = xp.expand_dims(xc[:, 0], axis=1) - xp.expand_dims(c_t[0, :], axis=0)
            scores = col * col
            for t in range(1, d):
                col = (xp.expand_dims(xc[:, t], axis=1)
                       - xp.expand_dims(c_t[t, :], axis=0))
                scores = scores + col * col
            labels = xp.argmin(scores, axis=1)
            best = xp.min(scores, axis=1)
        else:
            scores = xp.expand_dims(half_norms, axis=0) - xp.matmul(xc, c_t)
            labels = xp.argmin(scores, axis=1)
            best = self._rowwise_sqdist(xc, xp.take(c, labels, axis=0))
        return xp.astype(labels, xp.int32), best

    def _prepare_centres(self, x, c):
        xp = self.xp
        c = self._on_device(c, x.dtype)
        c_t = c.T
        half_norms = None
        # The compiled engine's rule, so that both break near-ties alike.
        method = assignment_method(x.shape[1], c.shape[0], numpy_dtype(x.dtype))
        if method != "direct":
            half_norms = xp.sum(c * c, axis=1) / 2
        return c, c_t, half_norms

    # -- the engine interface -----------------------------------------------

    def assign(self, x, c):
        """``(labels, sqdist)`` on the device: int32 nearest centre (lowest
        index on exact ties) and squared distance in the data dtype."""
        return self._assign(x, c)

    def _assign_arrays(self, x, c):
        xp = self.xp
        n, d = x.shape
        c, c_t, half_norms = self._prepare_centres(x, c)
        k = c.shape[0]
        # Temporaries per row: the (rows, k) score tile plus, for the matrix
        # product path, the chosen centres, or a second tile for the direct one.
        rows = self._rows_per_chunk(n, k + d if half_norms is not None else 2 * k)
        labels, sqdist = [], []
        for start, stop in chunks(n, rows):
            lab, best = self._nearest(x[start:stop, ...], c, c_t, half_norms)
            labels.append(lab)
            sqdist.append(best)
        if len(labels) == 1:
            return labels[0], sqdist[0]
        return xp.concat(labels), xp.concat(sqdist)

    def pass_arrays(self, x, c, weights=None, *, return_labels=False):
        """One fused Lloyd sweep, every result left on the device.

        Returns ``(sums, sums_error, counts, counts_error, inertia,
        inertia_error, distance_sum, distance_sum_error, labels)``: each
        ``*_error`` is the Kahan compensation to subtract (None when the sums
        are float64) and ``labels`` is None unless asked for.  No Python
        control flow depends on values, so ``jax.jit`` can trace it (with
        ``return_labels`` static).
        """
        xp = self.xp
        acc = self.acc_dtype
        n, d = x.shape
        c, c_t, half_norms = self._prepare_centres(x, c)
        k = c.shape[0]
        # Score tiles (as in assign), then the membership tile and the chunk
        # in the accumulation dtype.
        rows = self._rows_per_chunk(n, 2 * (k + d))
        sums, counts = _Sum(self.compensated), _Sum(self.compensated)
        inertia, distances = _Sum(self.compensated), _Sum(self.compensated)
        labels = []
        for start, stop in chunks(n, rows):
            xc = x[start:stop, ...]
            lab, best = self._nearest(xc, c, c_t, half_norms)
            best = xp.astype(best, acc)
            root = xp.sqrt(best)
            wc = None if weights is None else weights[start:stop]
            if wc is not None:
                best = best * wc
                root = root * wc
            chunk_sums, chunk_counts = _cluster_sums(xp, lab, xp.astype(xc, acc), wc, k)
            sums.add(chunk_sums)
            counts.add(chunk_counts)
            inertia.add(xp.sum(best))
            distances.add(xp.sum(root))
            if return_labels:
                labels.append(lab)
        if return_labels:
            labels = labels[0] if len(labels) == 1 else xp.concat(labels)
        else:
            labels = None
        return (*sums.arrays(), *counts.arrays(), *inertia.arrays(),
                *distances.arrays(), labels)

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False):
        """:meth:`pass_arrays` with the sums brought to the host as a
        :class:`~kmeanskit._backends._engines.PassResult` (labels stay on the
        device)."""

        w = self._weights(weights, self.acc_dtype)
        out = self._pass(x, c, w, return_labels=return_labels)
        return PassResult(
            _host_sum(out[0], out[1]),
            _host_sum(out[2], out[3]),
            float(_host_sum(out[4], out[5])),
            float(_host_sum(out[6], out[7])),
            out[8],
        )

    def start_bounds(self, x, n_groups=1):
        """State for :meth:`bounded_pass` (this engine keeps none)."""

        return BoundsState(None, None)

    def bounded_pass(self, x, c, state, weights=None, *, return_labels=False):
        """Hamerly's pass, run as a plain :meth:`lloyd_pass`.

        Bounds pay off where skipping a row's distances saves work, which on
        a GPU means divergent branches; this engine computes every distance,
        so the labels are exactly those of ``algorithm='lloyd'``.
        """
        result = self.lloyd_pass(x, c, weights, return_labels=return_labels)
        state.n_scans = x.shape[0]
        return result

    def min_sqdist(self, x, c, current=None):
        """Squared distance to the nearest row of ``c`` as a float64 NumPy
        array, lowered from NumPy ``current`` (updated in place) when given.

        Distances are summed feature by feature in the accumulation dtype, as
        the compiled kernel does in float64, so seeding draws agree.
        """
        xp = self.xp
        n = x.shape[0]
        acc = self.acc_dtype
        centres = self._on_device(np.asarray(c), acc)
        m = centres.shape[0]
        rows = self._rows_per_chunk(n, 2 * x.shape[1] + m)
        parts = []
        for start, stop in chunks(n, rows):
            xc = xp.astype(x[start:stop, ...], acc)
            best = None
            for j in range(m):
                row = xp.expand_dims(centres[j, :], axis=0)
                sq = self._rowwise_sqdist(xc, row)
                best = sq if best is None else xp.minimum(best, sq)
            parts.append(best)
        found = to_host(parts[0] if len(parts) == 1 else xp.concat(parts))
        found = found.astype(np.float64)
        if current is None:
            return found
        np.minimum(current, found, out=current)
        return current

    def farthest(self, x, c, m, weights=None, *, within=None):
        """The ``m`` rows farthest from their nearest row of ``c`` (see the
        Engine protocol), found on the device: ``m`` arg-max sweeps (the
        standard's argmax returns the first maximum), so only ``m`` indices
        and values cross to the host."""
        xp = self.xp
        labels, sqdist = self.assign(x, c)
        score = xp.astype(sqdist, self.acc_dtype)
        low = xp.asarray(-1.0, dtype=self.acc_dtype, device=self.device)
        if weights is not None:
            score = xp.where(self._weights(weights, self.acc_dtype) > 0, score, low)
        if within is not None:
            score = xp.where(labels == within, score, low)
        rows = xp.arange(score.shape[0], device=self.device)
        gone = xp.asarray(-np.inf, dtype=self.acc_dtype, device=self.device)
        index, value = [], []
        for _ in range(min(int(m), score.shape[0])):
            i = int(xp.argmax(score))
            index.append(i)
            value.append(float(score[i]))
            score = xp.where(rows == i, gone, score)
        return np.asarray(index, dtype=np.int64), np.asarray(value, dtype=np.float64)

    # -- host helpers for seeding ---------------------------------------------

    def take(self, x, index):
        """Rows ``index`` of ``x`` as a NumPy array (a copy)."""
        xp = self.xp
        index = np.asarray(index, dtype=np.int64)
        rows = xp.take(x, xp.asarray(index, device=self.device), axis=0)
        return np.array(to_host(rows), copy=True)

    def to_host(self, x):
        """All of ``x`` as a NumPy array (only for data with fewer rows than
        features, where seeding needs an SVD of the data)."""
        return np.array(to_host(x), copy=True)

    def moments(self, x, spread, weights=None):
        """float64 mean of the rows of ``x`` and, with ``spread='var'`` the
        variance of column 0, with ``'cov'`` the covariance matrix (both with
        ``n - 1`` degrees of freedom); ``spread=None``: mean only.  With
        ``weights``: frequency-weighted (row i counted ``weights[i]`` times,
        ``sum(weights) - 1`` degrees of freedom)."""
        xp = self.xp
        acc = self.acc_dtype
        n, d = x.shape
        w = self._weights(weights, acc)
        count = n if weights is None else float(np.sum(weights))
        rows = self._rows_per_chunk(n, 2 * d)
        total = _Sum(self.compensated)
        for start, stop in chunks(n, rows):
            xc = xp.astype(x[start:stop, ...], acc)
            if w is not None:
                xc = xc * xp.expand_dims(w[start:stop], axis=1)
            total.add(xp.sum(xc, axis=0))
        mean = _host_sum(*total.arrays()) / count
        if spread is None:
            return mean, None
        centre = self._on_device(mean, acc)
        scatter = _Sum(self.compensated)
        rows = self._rows_per_chunk(n, 2 * d)
        for start, stop in chunks(n, rows):
            xc = xp.astype(x[start:stop, ...], acc) - centre
            left = xc if w is None else xc * xp.expand_dims(w[start:stop], axis=1)
            if spread == "var":
                scatter.add(xp.sum(left[:, 0] * xc[:, 0]))
            else:
                scatter.add(xp.matmul(left.T, xc))

        value = _host_sum(*scatter.arrays()) / (n - 1 if weights is None
                                                 else spread_dof(count))
        if spread == "var":
            return mean, float(value)
        return mean, np.atleast_2d(value)

