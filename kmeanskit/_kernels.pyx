# Compiled kernels of kmeanskit: nearest-centre assignment and the fused
# Lloyd pass, for float32 and float64 data.
#
# Everything here assumes validated input: C-contiguous arrays of one float
# dtype, matching widths, n >= 1, k >= 1.  The Python side (the compiled
# engine) guarantees that; these functions only check what would otherwise
# crash the process.
#
# Memory: rows are processed in chunks of CHUNK_ROWS, and the distance from a
# row to every centre lives in registers, so no n-by-k matrix is allocated.
# Threads: OpenMP over fixed row blocks.  The blocks do not depend on the
# thread count, and their partial sums (float64) are reduced in block order,
# so results are bit-for-bit the same whatever the number of threads.

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt, INFINITY
from libc.stdlib cimport calloc, free

import numpy as np

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define KMK_HAVE_OPENMP 1
    static int kmk_max_threads(void) { return omp_get_max_threads(); }
    #else
    #define KMK_HAVE_OPENMP 0
    static int kmk_max_threads(void) { return 1; }
    #endif
    """
    const int KMK_HAVE_OPENMP
    int kmk_max_threads() noexcept nogil

cdef enum:
    # Rows per chunk: a chunk of a few hundred rows stays in cache.
    CHUNK_ROWS = 256
    # Upper bound on the number of independent row blocks of a Lloyd pass,
    # and on the memory their partial sums may take.  Both are constants,
    # never the thread count, which is what makes the reduction order fixed.
    MAX_BLOCKS = 32
    BLOCK_BUFFER_BYTES = 32 * 1024 * 1024

HAVE_OPENMP = bool(KMK_HAVE_OPENMP)


def max_threads():
    """Number of threads OpenMP would use by default (1 without OpenMP)."""
    return kmk_max_threads()


cdef inline floating _sqdist(const floating* a, const floating* b,
                             Py_ssize_t d) noexcept nogil:
    """Squared Euclidean distance by direct differences, in the data dtype."""
    cdef floating s = 0, diff
    cdef Py_ssize_t t
    for t in range(d):
        diff = a[t] - b[t]
        s = s + diff * diff
    return s


cdef inline double _sqdist_f64(const floating* a, const floating* b,
                               Py_ssize_t d) noexcept nogil:
    """Squared Euclidean distance by direct differences, summed in float64."""
    cdef double s = 0, diff
    cdef Py_ssize_t t
    for t in range(d):
        diff = <double>a[t] - <double>b[t]
        s = s + diff * diff
    return s


cdef inline Py_ssize_t _nearest(const floating* row, const floating* c,
                                Py_ssize_t k, Py_ssize_t d,
                                floating* best_out) noexcept nogil:
    """Index of the nearest centre (lowest index wins ties) and its distance."""
    cdef Py_ssize_t j, best_j = 0
    cdef floating s, best = _sqdist(row, c, d)
    for j in range(1, k):
        s = _sqdist(row, c + j * d, d)
        if s < best:
            best = s
            best_j = j
    best_out[0] = best
    return best_j


def assign(const floating[:, ::1] x, const floating[:, ::1] c,
           int[::1] labels, floating[::1] sqdist, int n_threads):
    """Nearest centre of every row of ``x``.

    Parameters
    ----------
    x : (n, d) array, IN
    c : (k, d) array of the same dtype, IN
    labels : (n,) int32 array, OUT
        Index of the nearest centre; the lowest index wins exact ties.
    sqdist : (n,) array of the data dtype, OUT
        Squared distance to that centre.
    n_threads : int
        OpenMP threads (ignored without OpenMP).
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], k = c.shape[0]
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef Py_ssize_t chunk, i, stop
    cdef floating best
    if n == 0:
        return
    if c.shape[1] != d or labels.shape[0] != n or sqdist.shape[0] != n:
        raise ValueError("assign: inconsistent array shapes")
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    for chunk in prange(n_chunks, nogil=True, schedule='static',
                        num_threads=n_threads):
        stop = min((chunk + 1) * CHUNK_ROWS, n)
        for i in range(chunk * CHUNK_ROWS, stop):
            labels[i] = <int>_nearest(xp + i * d, cp, k, d, &best)
            sqdist[i] = best


cdef void _lloyd_block(const floating* x, const floating* c,
                       const double* w, Py_ssize_t row_start,
                       Py_ssize_t row_stop, Py_ssize_t k, Py_ssize_t d,
                       double* sums, double* counts, double* stats,
                       int* labels) noexcept nogil:
    """Accumulate rows [row_start, row_stop) into one block's partial sums.

    ``stats`` receives [weighted sum of squared distances, weighted sum of
    distances].  ``labels`` may be NULL.
    """
    cdef Py_ssize_t i, j, t
    cdef floating best
    cdef double wi, sq, inertia = 0, distance_sum = 0
    cdef const floating* row
    for i in range(row_start, row_stop):
        row = x + i * d
        j = _nearest(row, c, k, d, &best)
        if labels != NULL:
            labels[i] = <int>j
        wi = 1.0 if w == NULL else w[i]
        sq = <double>best
        inertia += wi * sq
        distance_sum += wi * sqrt(sq)
        counts[j] += wi
        for t in range(d):
            sums[j * d + t] += wi * <double>row[t]
    stats[0] = inertia
    stats[1] = distance_sum


def lloyd_pass(const floating[:, ::1] x, const floating[:, ::1] c,
               const double[::1] weights, double[:, ::1] sums,
               double[::1] counts, int[::1] labels, int n_threads):
    """One fused Lloyd sweep: assign every row and accumulate its cluster.

    Parameters
    ----------
    x : (n, d) array, IN
    c : (k, d) array of the same dtype, IN
    weights : (n,) float64 array or None, IN
        Sample weights; None means every weight is 1.
    sums : (k, d) float64 array, OUT
        Weighted sum of the rows assigned to each centre.
    counts : (k,) float64 array, OUT
        Total weight of the rows assigned to each centre.
    labels : (n,) int32 array or None, OUT
        Filled with the assignment when given.
    n_threads : int
        OpenMP threads (ignored without OpenMP).  The result does not depend
        on it.

    Returns
    -------
    inertia : float
        Weighted sum of squared distances to the nearest centre.
    distance_sum : float
        Weighted sum of (non-squared) distances to the nearest centre.
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], k = c.shape[0]
    if c.shape[1] != d or sums.shape[0] != k or sums.shape[1] != d \
            or counts.shape[0] != k:
        raise ValueError("lloyd_pass: inconsistent array shapes")
    if weights is not None and weights.shape[0] != n:
        raise ValueError("lloyd_pass: weights must have one entry per row")
    if labels is not None and labels.shape[0] != n:
        raise ValueError("lloyd_pass: labels must have one entry per row")
    sums[:, :] = 0
    counts[:] = 0
    if n == 0:
        return 0.0, 0.0

    # Fixed partition of the rows into blocks (independent of n_threads).
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef Py_ssize_t per_block = (k * d + k + 2) * sizeof(double)
    cdef Py_ssize_t n_blocks = min(<Py_ssize_t>MAX_BLOCKS, n_chunks)
    n_blocks = max(1, min(n_blocks, BLOCK_BUFFER_BYTES // per_block))
    cdef Py_ssize_t stride = k * d + k + 2
    cdef double* buf = <double*>calloc(n_blocks * stride, sizeof(double))
    if buf == NULL:
        raise MemoryError("lloyd_pass: cannot allocate the block buffers")

    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    cdef const double* wp = NULL if weights is None else &weights[0]
    cdef int* lp = NULL if labels is None else &labels[0]
    cdef Py_ssize_t b, row_start, row_stop, j, t
    cdef double* blk
    cdef double inertia = 0, distance_sum = 0
    try:
        for b in prange(n_blocks, nogil=True, schedule='dynamic',
                        num_threads=n_threads):
            # Block b gets whole chunks, spread as evenly as possible.
            row_start = ((b * n_chunks) // n_blocks) * CHUNK_ROWS
            row_stop = min((((b + 1) * n_chunks) // n_blocks) * CHUNK_ROWS, n)
            blk = buf + b * stride
            _lloyd_block(xp, cp, wp, row_start, row_stop, k, d,
                         blk, blk + k * d, blk + k * d + k, lp)
        # Reduce in block order: the same order for every thread count.
        for b in range(n_blocks):
            blk = buf + b * stride
            for j in range(k):
                counts[j] += blk[k * d + j]
                for t in range(d):
                    sums[j, t] += blk[j * d + t]
            inertia += blk[k * d + k]
            distance_sum += blk[k * d + k + 1]
    finally:
        free(buf)
    return inertia, distance_sum


def min_sqdist(const floating[:, ::1] x, const floating[:, ::1] c,
               double[::1] current, int n_threads):
    """Lower ``current`` to the squared distance to the nearest row of ``c``.

    Distances are computed by direct differences and summed in float64 (what
    k-means++ seeding needs: exact, non-negative, independent of the data
    dtype).

    Parameters
    ----------
    x : (n, d) array, IN
    c : (m, d) array of the same dtype, IN
    current : (n,) float64 array, INOUT
        Running minimum; start from ``inf`` for a fresh computation.
    n_threads : int
        OpenMP threads (ignored without OpenMP).
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], m = c.shape[0]
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef Py_ssize_t chunk, i, j, stop
    cdef double s, best
    if n == 0 or m == 0:
        return
    if c.shape[1] != d or current.shape[0] != n:
        raise ValueError("min_sqdist: inconsistent array shapes")
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    for chunk in prange(n_chunks, nogil=True, schedule='static',
                        num_threads=n_threads):
        stop = min((chunk + 1) * CHUNK_ROWS, n)
        for i in range(chunk * CHUNK_ROWS, stop):
            best = current[i]
            for j in range(m):
                s = _sqdist_f64(xp + i * d, cp + j * d, d)
                if s < best:
                    best = s
            current[i] = best
