# L1 (city-block) nearest-centre assignment, for k-medians.  Sums in float64
# whatever the data dtype; threads over rows when built with OpenMP.

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport fabs, INFINITY

__all__ = ["assign"]

include "_team.pxi"



def assign(const floating[:, ::1] x, const floating[:, ::1] c, int[::1] labels,
           double[::1] dist, int n_threads):
    """Nearest row of ``c`` in L1 distance for every row of ``x`` (the lowest
    index on ties), into ``labels``, and that distance, into ``dist``."""
    cdef Py_ssize_t n = x.shape[0], k = c.shape[0], d = x.shape[1], i, j, f
    cdef double best, s
    cdef int arg
    with nogil:
        for i in prange(n, num_threads=n_threads, schedule="static"):
            kmk_note_team(i)
            best = INFINITY
            arg = 0
            for j in range(k):
                s = 0.0
                for f in range(d):
                    s = s + fabs(<double>x[i, f] - <double>c[j, f])
                if s < best:
                    best = s
                    arg = <int>j
            labels[i] = arg
            dist[i] = best
