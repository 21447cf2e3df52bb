# k-medoids kernels over a dissimilarity matrix: FasterPAM, the alternating
# (Voronoi iteration) method, the greedy BUILD start and the final assignment.
#
# Written from Schubert & Rousseeuw, "Fast and eager k-medoids clustering:
# O(k) runtime improvement of the PAM, CLARA, and CLARANS algorithms",
# Information Systems 101 (2021).
#
# Conventions: D is (n, n), C-contiguous, float32 or float64, and symmetric
# (validated above), so the dissimilarity between observation o and a medoid
# (or candidate) c is read as D[c, o]: one contiguous row per candidate.
# medoids holds k row indices ("slots"); labels are slots.  w holds the
# float64 weights (ones when the caller gave none); a row of weight 0 is never
# made a medoid, as it stands for no observation at all.  Sums are float64.

from cython cimport floating
from libc.math cimport INFINITY

import numpy as np

__all__ = ["alternate", "assign", "build", "check_matrix", "fasterpam"]


cdef void _nearest_two(const floating[:, ::1] D, const long long[::1] medoids,
                       int[::1] near, double[::1] dnear,
                       int[::1] second, double[::1] dsecond) noexcept nogil:
    """Nearest and second-nearest slot of every row (lowest slot on ties)."""
    cdef Py_ssize_t n = D.shape[0], k = medoids.shape[0], o, j
    cdef double d
    for o in range(n):
        near[o] = -1
        second[o] = -1
        dnear[o] = INFINITY
        dsecond[o] = INFINITY
    for j in range(k):
        for o in range(n):
            d = D[medoids[j], o]
            if d < dnear[o]:
                second[o] = near[o]
                dsecond[o] = dnear[o]
                near[o] = <int>j
                dnear[o] = d
            elif d < dsecond[o]:
                second[o] = <int>j
                dsecond[o] = d


cdef void _rescan_second(const floating[:, ::1] D, const long long[::1] medoids,
                         Py_ssize_t o, int[::1] near, int[::1] second,
                         double[::1] dsecond) noexcept nogil:
    """Second-nearest slot of row ``o`` from scratch (its nearest is known)."""
    cdef Py_ssize_t k = medoids.shape[0], j
    cdef double d, best = INFINITY
    cdef int arg = -1
    for j in range(k):
        if j == near[o]:
            continue
        d = D[medoids[j], o]
        if d < best:
            best = d
            arg = <int>j
    second[o] = arg
    dsecond[o] = best


cdef void _removal_loss(const double[::1] w, const int[::1] near,
                        const double[::1] dnear, const double[::1] dsecond,
                        double[::1] loss) noexcept nogil:
    """Increase of the total deviation if each medoid were removed alone:
    its members fall back to their second-nearest medoid."""
    cdef Py_ssize_t n = w.shape[0], o, j
    for j in range(loss.shape[0]):
        loss[j] = 0.0
    for o in range(n):
        loss[near[o]] += w[o] * (dsecond[o] - dnear[o])


cdef void _swap_update(const floating[:, ::1] D, const long long[::1] medoids,
                       Py_ssize_t slot, int[::1] near, double[::1] dnear,
                       int[::1] second, double[::1] dsecond) noexcept nogil:
    """Nearest/second-nearest after slot ``slot`` received a new medoid.

    Only rows that had the old medoid as nearest or second need a scan of
    the k medoids; every other row compares with the new one only.
    """
    cdef Py_ssize_t n = D.shape[0], o
    cdef Py_ssize_t c = medoids[slot]
    cdef int s = <int>slot
    cdef double d
    for o in range(n):
        d = D[c, o]
        if near[o] == s:
            if d < dsecond[o]:
                dnear[o] = d
            else:
                near[o] = second[o]
                dnear[o] = dsecond[o]
                _rescan_second(D, medoids, o, near, second, dsecond)
        elif second[o] == s:
            if d < dnear[o]:
                second[o] = near[o]
                dsecond[o] = dnear[o]
                near[o] = s
                dnear[o] = d
            else:
                _rescan_second(D, medoids, o, near, second, dsecond)
        elif d < dnear[o]:
            second[o] = near[o]
            dsecond[o] = dnear[o]
            near[o] = s
            dnear[o] = d
        elif d < dsecond[o]:
            second[o] = s
            dsecond[o] = d


cdef double _deviation(const double[::1] w, const double[::1] dnear) noexcept nogil:
    cdef Py_ssize_t o
    cdef double total = 0.0
    for o in range(w.shape[0]):
        total += w[o] * dnear[o]
    return total


cdef void _assign(const floating[:, ::1] D, const long long[::1] medoids,
                  int[::1] labels, double[::1] dist) noexcept nogil:
    cdef Py_ssize_t n = D.shape[0], k = medoids.shape[0], o, j
    cdef double d
    for o in range(n):
        labels[o] = 0
        dist[o] = D[medoids[0], o]
    for j in range(1, k):
        for o in range(n):
            d = D[medoids[j], o]
            if d < dist[o]:
                dist[o] = d
                labels[o] = <int>j


def fasterpam(const floating[:, ::1] D, const double[::1] w,
              long long[::1] medoids, Py_ssize_t max_iter, double rel_tol):
    """FasterPAM (Algorithm 3 of Schubert & Rousseeuw, 2021), in place.

    Candidates are visited in row order, cyclically; each is compared with
    every medoid at once (the removal loss of each medoid plus what the
    candidate gains, O(n + k) per candidate), and the best swap is made at
    once if it lowers the total deviation (eager swapping).  Stops after a
    whole cycle of candidates without a swap, or after ``max_iter`` cycles.
    A swap must improve by more than ``rel_tol`` times the current total
    deviation: smaller "gains" are rounding noise (two identical rows
    would otherwise be swapped back and forth).  Needs k >= 2.

    Returns ``(n_iter, n_swaps, converged)``.
    """
    cdef Py_ssize_t n = D.shape[0], k = medoids.shape[0]
    cdef Py_ssize_t o, c, j, best, sweep, last_swap = -1, n_swaps = 0
    cdef double doj, acc, change, total
    cdef bint converged = False
    near_a = np.empty(n, dtype=np.intc)
    second_a = np.empty(n, dtype=np.intc)
    dnear_a = np.empty(n, dtype=np.float64)
    dsecond_a = np.empty(n, dtype=np.float64)
    loss_a = np.empty(k, dtype=np.float64)
    delta_a = np.empty(k, dtype=np.float64)
    is_medoid_a = np.zeros(n, dtype=np.uint8)
    cdef int[::1] near = near_a, second = second_a
    cdef double[::1] dnear = dnear_a, dsecond = dsecond_a
    cdef double[::1] loss = loss_a, delta = delta_a
    cdef unsigned char[::1] is_medoid = is_medoid_a
    for j in range(k):
        is_medoid[medoids[j]] = 1
    sweep = 0
    with nogil:
        _nearest_two(D, medoids, near, dnear, second, dsecond)
        _removal_loss(w, near, dnear, dsecond, loss)
        total = _deviation(w, dnear)
        while sweep < max_iter and not converged:
            sweep += 1
            for c in range(n):
                if c == last_swap:
                    converged = True  # a whole cycle without a swap
                    break
                if is_medoid[c] or w[c] <= 0.0:
                    continue
                for j in range(k):
                    delta[j] = loss[j]
                acc = 0.0
                for o in range(n):
                    doj = D[c, o]
                    if doj < dnear[o]:
                        # o moves to the candidate, whichever medoid leaves,
                        # so its share of its medoid's removal loss is void.
                        acc += w[o] * (doj - dnear[o])
                        delta[near[o]] += w[o] * (dnear[o] - dsecond[o])
                    elif doj < dsecond[o]:
                        # o stays unless its medoid leaves: then the
                        # candidate, not its second-nearest, takes it.
                        delta[near[o]] += w[o] * (doj - dsecond[o])
                best = 0
                for j in range(1, k):
                    if delta[j] < delta[best]:
                        best = j
                change = delta[best] + acc
                if change < -rel_tol * total:
                    is_medoid[medoids[best]] = 0
                    medoids[best] = c
                    is_medoid[c] = 1
                    _swap_update(D, medoids, best, near, dnear, second, dsecond)
                    _removal_loss(w, near, dnear, dsecond, loss)
                    total = _deviation(w, dnear)
                    last_swap = c
                    n_swaps += 1
            if last_swap < 0:
                converged = True  # the first cycle found no swap
    return sweep, n_swaps, bool(converged)


def alternate(const floating[:, ::1] D, const double[::1] w,
              long long[::1] medoids, Py_ssize_t max_iter):
    """The alternating ("Voronoi iteration", k-means-style) method, in place.

    Assign every row to its nearest medoid, then make each cluster's medoid
    the member of least (weighted) total dissimilarity to the others; repeat
    until no medoid changes.  A medoid is only replaced by a strictly better
    member, so ties cannot cycle.  An empty cluster keeps its medoid.

    Returns ``(n_iter, converged)``.
    """
    cdef Py_ssize_t n = D.shape[0], k = medoids.shape[0]
    cdef Py_ssize_t o, j, a, b, c, start, stop, it = 0
    cdef double d, cost, best_cost
    cdef long long best
    cdef bint changed = True
    labels_a = np.empty(n, dtype=np.intc)
    dist_a = np.empty(n, dtype=np.float64)
    order_a = np.empty(n, dtype=np.intp)
    offsets_a = np.empty(k + 1, dtype=np.intp)
    cdef int[::1] labels = labels_a
    cdef double[::1] dist = dist_a
    cdef Py_ssize_t[::1] order = order_a, offsets = offsets_a
    with nogil:
        while changed and it < max_iter:
            it += 1
            changed = False
            _assign(D, medoids, labels, dist)
            # Members of each cluster, contiguous in `order` (counting sort).
            for j in range(k + 1):
                offsets[j] = 0
            for o in range(n):
                offsets[labels[o] + 1] += 1
            for j in range(k):
                offsets[j + 1] += offsets[j]
            for o in range(n):
                order[offsets[labels[o]]] = o
                offsets[labels[o]] += 1
            for j in range(k, 0, -1):
                offsets[j] = offsets[j - 1]
            offsets[0] = 0
            for j in range(k):
                start = offsets[j]
                stop = offsets[j + 1]
                best = medoids[j]
                best_cost = INFINITY
                if labels[best] == j:
                    best_cost = 0.0
                    for b in range(start, stop):
                        best_cost += w[order[b]] * D[best, order[b]]
                for a in range(start, stop):
                    c = order[a]
                    if c == medoids[j] or w[c] <= 0.0:
                        continue
                    cost = 0.0
                    for b in range(start, stop):
                        cost += w[order[b]] * D[c, order[b]]
                        if cost >= best_cost:
                            break  # cannot win any more (all terms >= 0)
                    if cost < best_cost:
                        best_cost = cost
                        best = c
                if best != medoids[j]:
                    medoids[j] = best
                    changed = True
    return it, not changed


def assign(const floating[:, ::1] D, const long long[::1] medoids,
           int[::1] labels, double[::1] dist):
    """Nearest medoid slot of every row (lowest slot on ties) and the
    dissimilarity to it, into ``labels`` and ``dist``."""
    with nogil:
        _assign(D, medoids, labels, dist)


def build(const floating[:, ::1] D, const double[::1] w, long long[::1] medoids):
    """PAM's greedy BUILD start (Kaufman & Rousseeuw), into ``medoids``.

    The first medoid is the row of least weighted total dissimilarity; each
    next one is the row that lowers the total deviation most.  O(n^2 k).
    """
    cdef Py_ssize_t n = D.shape[0], k = medoids.shape[0], o, c, j
    cdef double gain, best_gain, d
    cdef Py_ssize_t best
    dnear_a = np.full(n, INFINITY, dtype=np.float64)
    is_medoid_a = np.zeros(n, dtype=np.uint8)
    cdef double[::1] dnear = dnear_a
    cdef unsigned char[::1] is_medoid = is_medoid_a
    with nogil:
        for j in range(k):
            best = -1
            best_gain = -INFINITY
            for c in range(n):
                if is_medoid[c] or w[c] <= 0.0:
                    continue
                # Gain in -deviation; with no medoid yet, minus the cost.
                gain = 0.0
                for o in range(n):
                    d = D[c, o]
                    if j == 0:
                        gain -= w[o] * d
                    elif d < dnear[o]:
                        gain += w[o] * (dnear[o] - d)
                if gain > best_gain:
                    best_gain = gain
                    best = c
            medoids[j] = best
            is_medoid[best] = 1
            for o in range(n):
                d = D[best, o]
                if d < dnear[o]:
                    dnear[o] = d


cdef int _first_defect(const floating[:, ::1] D, double atol,
                       Py_ssize_t* at_i, Py_ssize_t* at_j) noexcept nogil:
    cdef Py_ssize_t n = D.shape[0], n_tiles = (D.shape[0] + 63) // 64
    cdef Py_ssize_t ti, tj, i, j
    cdef double a, b
    for ti in range(n_tiles):
        for tj in range(ti, n_tiles):
            for i in range(64 * ti, min(64 * ti + 64, n)):
                for j in range(max(i, 64 * tj), min(64 * tj + 64, n)):
                    a = D[i, j]
                    b = D[j, i]
                    if a < 0 or b < 0:
                        at_i[0] = i if a < 0 else j
                        at_j[0] = j if a < 0 else i
                        return 1
                    if a - b > atol or b - a > atol:
                        at_i[0] = i
                        at_j[0] = j
                        return 2
    return 0


def check_matrix(const floating[:, ::1] D, double atol):
    """First defect of a dissimilarity matrix, in one pass over tiles.

    Returns ``(0, -1, -1)`` when every entry is >= 0 and ``|D[i, j] -
    D[j, i]| <= atol``; else ``(1, i, j)`` for a negative ``D[i, j]`` or
    ``(2, i, j)`` for an asymmetric pair.  Square tiles keep both reads
    in cache (a plain column read of a large matrix is many times slower).
    """
    cdef Py_ssize_t i = -1, j = -1
    cdef int defect
    with nogil:
        defect = _first_defect(D, atol, &i, &j)
    return defect, i, j
