"""Data near the limits of floating point, brought into range and back.

k-means works with squared distances: for float64 data larger than about
1e154 in magnitude they overflow to inf, and below about 1e-154 they
underflow to 0, so every point looks equally near every centre.  (SciPy
1.17's ``kmeans2`` on ``normal(size=(200, 2)) * 1e300`` crashes the
interpreter that way.)  Multiplying by a power of two is exact and scales
every distance by the same factor, so clustering ``x * 2**-e`` gives the same
labels, and its centroids times ``2**e`` are those of ``x``: the public
functions scale such data into range, compute, and scale the results back.

Only data whose magnitude is beyond the thresholds below is touched (then
copied once); everything else goes through untouched, without a copy.
Lazy data (Dask, JAX) is not inspected: finding its magnitude would cost a
pass, or is impossible under ``jax.jit``.
"""

import numpy as np

__all__ = ["into_range", "restore", "restore_trace", "restoring_callback", "scale_free"]


def _limits(dtype):
    """Magnitudes above / below which squared distances may leave the range."""
    info = np.finfo(dtype)
    # Half the exponent range (squares double the exponent), less a margin
    # for sums of up to millions of features and rows.
    return 2.0 ** (info.maxexp // 2 - 24), 2.0 ** (info.minexp // 2 + 24)


def _max_abs(route, a):
    """Largest |value| of 2-D ``a``, or None where it is not cheap to know."""
    if a.shape[0] * a.shape[1] == 0:
        return 0.0
    if isinstance(a, np.ndarray):
        largest = 0.0
        rows = max(1, (1 << 16) // a.shape[1])
        for start in range(0, a.shape[0], rows):
            block = a[start:start + rows]
            if block.dtype.kind == "c":  # whiten takes complex data
                block = np.abs(block)
            # max and -min: no temporary the size of the block.
            largest = max(largest, float(np.max(block)), -float(np.min(block)))
        return largest
    if route.kind == "sparse":
        return float(np.max(np.abs(a.data))) if a.nnz else 0.0
    if route.kind == "portable" and not route.is_lazy(a):
        xp = route.xp
        # A magnitude is not part of any result: keep it off autograd graphs.
        a = a.detach() if hasattr(a, "detach") else a
        return float(xp.max(xp.abs(a)))
    return None


def _scaled(a, exponent):
    if isinstance(a, np.ndarray) and a.dtype.kind == "c":
        out = np.empty_like(a)
        out.real, out.imag = np.ldexp(a.real, -exponent), np.ldexp(a.imag, -exponent)
        return out
    if isinstance(a, np.ndarray):
        return np.ldexp(a, -exponent)
    return a * (2.0 ** -exponent)


def into_range(route, *arrays):
    """``(*arrays', e)``: the 2-D ``arrays`` (data, code books) times
    ``2**-e``, so that squared distances between their rows are safely in
    range; ``e = 0`` (and the arrays themselves, not copies) when they
    already were, or when their magnitude is not cheap to know (lazy arrays)."""
    sizes = [_max_abs(route, a) for a in arrays]
    if any(size is None for size in sizes) or not max(sizes):
        return (*arrays, 0)
    largest = max(sizes)
    high, low = _limits(route.dtype(arrays[0]))
    if low <= largest <= high:
        return (*arrays, 0)
    exponent = int(np.frexp(largest)[1])
    return (*(_scaled(a, exponent) for a in arrays), exponent)


def scale_free(route, a):
    """``a`` (any shape) scaled into range, for results that do not depend
    on the scale (``whiten``); ``a`` itself when it is in range."""
    *_, exponent = into_range(route, route.to_2d(a))
    return _scaled(a, exponent) if exponent else a


def restore(value, exponent, power=1):
    """``value * 2**(power * exponent)``: a result of the scaled data in the
    units of the original (power 2 for squared distances and inertias, which
    may then overflow to inf: their true value is beyond the float range)."""
    if exponent == 0 or value is None:
        return value
    with np.errstate(over="ignore"):
        if isinstance(value, np.ndarray):
            return np.ldexp(value, power * exponent)
        if isinstance(value, float | int | np.floating):
            return float(np.ldexp(np.float64(value), power * exponent))
        # Two factors: 2.0 ** 1024 itself is out of range.
        half = power * exponent // 2
        return value * (2.0 ** half) * (2.0 ** (power * exponent - half))


def restoring_callback(callback, exponent):
    """``callback`` seeing the loop's values in the original units (the
    centroids then come as a new array, not the loop's own)."""
    if callback is None:
        return None

    def restored(iteration, centroids, inertia, shift):
        return callback(iteration, restore(centroids, exponent),
                        restore(inertia, exponent, 2),
                        restore(shift, exponent, 2))

    return restored


def restore_trace(trace, exponent):
    """A :class:`~kmeanskit.Trace` of the scaled data, in original units."""
    if trace is None or exponent == 0:
        return trace
    from ._result import Trace

    return Trace(centroids=restore(trace.centroids, exponent),
                 inertia=restore(trace.inertia, exponent, 2),
                 shift=restore(trace.shift, exponent, 2))
