# Compiled kernel of the exact silhouette: for each query row, the sum of its
# Euclidean distances to the rows of every cluster.
#
# Memory: the output is query-rows-by-k (float64); the only other buffer is
# one distance block of BLOCK_ROWS values per thread.  No pair-distance
# matrix is ever held, so the exact silhouette of n rows needs O(n k) memory.
#
# Accuracy: distances by direct differences summed in float64 (no
# |x|^2 - 2 x.y + |y|^2 cancellation), per-cluster sums in float64.  Each
# query row is handled by one thread from start to end, so results do not
# depend on the thread count.

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.stdlib cimport free, malloc

cdef enum:
    # Data rows per block: the block of a narrow data set stays in L1/L2
    # cache while every query row of a group runs over it.
    BLOCK_ROWS = 512
    # Query rows that share one pass over a data block.
    GROUP_ROWS = 16
    # Below this many distance terms the call runs on the calling thread.
    SERIAL_WORK = 1 << 18

include "_team.pxi"



def cluster_distance_sums(const floating[:, ::1] query,
                          const floating[:, ::1] data,
                          const int[::1] labels,
                          double[:, ::1] out,
                          int n_threads):
    """Fill ``out[i, c]`` with the sum over rows ``j`` of ``data`` with
    ``labels[j] == c`` of ``|query[i] - data[j]|`` (Euclidean).

    ``labels`` must hold values in ``0 .. out.shape[1] - 1`` (not checked);
    ``out`` is overwritten.
    """
    cdef Py_ssize_t m = query.shape[0], n = data.shape[0], d = data.shape[1]
    cdef Py_ssize_t k = out.shape[1]
    cdef Py_ssize_t n_groups = (m + GROUP_ROWS - 1) // GROUP_ROWS
    cdef Py_ssize_t n_blocks = (n + BLOCK_ROWS - 1) // BLOCK_ROWS
    cdef Py_ssize_t g, i, j, t, c, stop, start, jstop, j0, jb
    cdef double diff, total
    cdef double *dist
    cdef int threads = n_threads if n_threads > 0 else 1
    if data.shape[1] != query.shape[1] or labels.shape[0] != n or out.shape[0] != m:
        raise ValueError("cluster_distance_sums: inconsistent shapes")
    if m * n * d < SERIAL_WORK:
        threads = 1
    out[:, :] = 0.0
    with nogil:
        for g in prange(n_groups, schedule='dynamic', num_threads=threads,
                        use_threads_if=threads > 1):
            kmk_note_team(g)
            dist = <double *> malloc(BLOCK_ROWS * sizeof(double))
            if dist == NULL:
                with gil:
                    raise MemoryError()
            start = g * GROUP_ROWS
            stop = start + GROUP_ROWS
            if stop > m:
                stop = m
            for jb in range(n_blocks):
                j0 = jb * BLOCK_ROWS
                jstop = j0 + BLOCK_ROWS
                if jstop > n:
                    jstop = n
                for i in range(start, stop):
                    for j in range(j0, jstop):
                        total = 0.0
                        for t in range(d):
                            diff = <double> query[i, t] - <double> data[j, t]
                            total = total + diff * diff
                        dist[j - j0] = total
                    # Square roots over a contiguous buffer vectorise.
                    for j in range(jstop - j0):
                        dist[j] = sqrt(dist[j])
                    for j in range(j0, jstop):
                        c = labels[j]
                        out[i, c] += dist[j - j0]
            free(dist)
