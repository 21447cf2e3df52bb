# Compiled kernels for CSR data against dense centres: assignment, the fused
# Lloyd pass, Hamerly's bounded pass and the running minimum of k-means++,
# for float32 and float64 values and int32 or int64 indices.
#
# The data is never densified.  A row's products with the k centres come
# from its non-zeros against the *transposed* centres (d, k): non-zero
# (t, v) adds v * ct[t, :] to k contiguous products, which vectorises.  The
# nearest centre minimises |c|^2 / 2 - x.c (the identity |x - c|^2 =
# |x|^2 - 2 x.c + |c|^2 without the row's own norm).  The reported squared
# distance to the chosen centre is recomputed in float64 over the row's
# non-zeros only, as |c|^2 + sum_t ((x_t - c_t)^2 - c_t^2), clipped at 0:
# exact in the non-zero columns; the cancellation left is that of |c|^2
# against the c_t^2 of those columns.
#
# Threads: OpenMP over fixed chunks of CHUNK_ROWS rows; statistics (inertia)
# are summed per chunk and the chunks' sums added in chunk order.  Cluster
# sums are accumulated per cluster over its rows in row order (clusters in
# parallel: each owns its row of the sums).  Neither order depends on the
# thread count, so results are bit-for-bit the same for any thread count.
#
# Everything assumes validated input (canonical or not: duplicate and
# unsorted indices are fine, every index in [0, d)); the compiled engine
# guarantees it.

from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport sqrt, INFINITY
from libc.stdlib cimport free, malloc, calloc

include "_team.pxi"

ctypedef fused index_t:
    int
    long long

cdef enum:
    CHUNK_ROWS = 256

CHUNK = CHUNK_ROWS


cdef inline void _products(const floating* data, const index_t* indices,
                           Py_ssize_t lo, Py_ssize_t hi, const floating* ct,
                           Py_ssize_t k, floating* dots) noexcept nogil:
    """dots[j] = x . c_j for the row whose non-zeros are [lo, hi)."""
    cdef Py_ssize_t p, j
    cdef floating v
    cdef const floating* col
    for j in range(k):
        dots[j] = 0
    for p in range(lo, hi):
        v = data[p]
        col = ct + <Py_ssize_t>indices[p] * k
        for j in range(k):
            dots[j] += v * col[j]


cdef inline double _exact_sqdist(const floating* data, const index_t* indices,
                                 Py_ssize_t lo, Py_ssize_t hi,
                                 const floating* ct, Py_ssize_t k, Py_ssize_t j,
                                 double cnorm_j) noexcept nogil:
    """|x - c_j|^2 in float64 over the row's non-zeros (see the header)."""
    cdef Py_ssize_t p
    cdef double near = 0, rest = cnorm_j, cv, dv
    for p in range(lo, hi):
        cv = <double>ct[<Py_ssize_t>indices[p] * k + j]
        dv = <double>data[p] - cv
        near += dv * dv
        rest -= cv * cv
    # The centre's mass outside the row's columns, |c|^2 - sum c_t^2: what
    # is left of it within rounding of |c|^2 is zero (a row equal to the
    # centre is at distance 0, as with direct differences).
    if rest <= 2.2e-16 * (hi - lo + 1) * cnorm_j:
        rest = 0
    return near + rest


cdef inline Py_ssize_t _best(const floating* dots, const floating* half_cnorm,
                             Py_ssize_t k) noexcept nogil:
    """Index of the smallest |c|^2/2 - x.c (lowest index on ties)."""
    cdef Py_ssize_t j, best = 0
    cdef floating score, low = half_cnorm[0] - dots[0]
    for j in range(1, k):
        score = half_cnorm[j] - dots[j]
        if score < low:
            low = score
            best = j
    return best


cdef void _assign_chunk(const floating* data, const index_t* indices,
                        const index_t* indptr, Py_ssize_t start, Py_ssize_t stop,
                        const floating* ct, const floating* half_cnorm,
                        const double* cnorm, Py_ssize_t k, const double* w,
                        floating* dots, int* labels, floating* sqdist,
                        double* stats) noexcept nogil:
    """Label rows [start, stop); their squared distances into ``sqdist``
    (may be NULL) and [weighted inertia, weighted distance sum] into
    ``stats`` (may be NULL)."""
    cdef Py_ssize_t i, j, lo, hi
    cdef double sq, wi
    if stats != NULL:
        stats[0] = 0
        stats[1] = 0
        stats[2] = stop - start
    for i in range(start, stop):
        lo = indptr[i]
        hi = indptr[i + 1]
        _products(data, indices, lo, hi, ct, k, dots)
        j = _best(dots, half_cnorm, k)
        labels[i] = <int>j
        sq = _exact_sqdist(data, indices, lo, hi, ct, k, j, cnorm[j])
        if sqdist != NULL:
            sqdist[i] = <floating>sq
        if stats != NULL:
            wi = 1.0 if w == NULL else w[i]
            stats[0] += wi * sq
            stats[1] += wi * sqrt(sq)


cdef int _check(Py_ssize_t n, Py_ssize_t d, Py_ssize_t k, Py_ssize_t indptr_len,
                Py_ssize_t ct_rows, Py_ssize_t ct_cols, Py_ssize_t cnorm_len,
                str kernel) except -1:
    if d < 1 or k < 1:
        raise ValueError(f"{kernel}: no features or no centres")
    if indptr_len != n + 1 or ct_rows != d or ct_cols != k or cnorm_len != k:
        raise ValueError(f"{kernel}: inconsistent array shapes")
    return 0


cdef void _fill_half(const double* cnorm, Py_ssize_t k,
                     floating* half) noexcept nogil:
    """half[j] = cnorm[j] / 2 in the data dtype (what the scores compare)."""
    cdef Py_ssize_t j
    if half != NULL:
        for j in range(k):
            half[j] = <floating>(0.5 * cnorm[j])


def assign(const floating[::1] data, const index_t[::1] indices,
           const index_t[::1] indptr, Py_ssize_t d, const floating[:, ::1] ct,
           const double[::1] cnorm, int[::1] labels, floating[::1] sqdist,
           int n_threads):
    """Nearest centre of every CSR row.

    Parameters
    ----------
    data, indices, indptr : CSR arrays of an (n, d) matrix, IN
    d : int
        Number of columns.
    ct : (d, k) array of the data dtype, IN
        The centres, transposed.
    cnorm : (k,) float64, IN
        Squared norms of the centres.
    labels : (n,) int32, OUT
    sqdist : (n,) data dtype, OUT
    n_threads : int
    """
    cdef Py_ssize_t n = labels.shape[0], k = ct.shape[1]
    _check(n, d, k, indptr.shape[0], ct.shape[0], k, cnorm.shape[0], "assign")
    if sqdist.shape[0] != n:
        raise ValueError("assign: inconsistent array shapes")
    if n == 0:
        return
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef int threads = _team_size(n_threads, n_chunks, data.shape[0] * k)
    cdef floating* dots = <floating*>malloc(threads * k * sizeof(floating))
    cdef floating* half = <floating*>malloc(k * sizeof(floating))
    cdef Py_ssize_t chunk, start
    cdef const floating* dp = &data[0] if data.shape[0] else NULL
    cdef const index_t* ip = &indices[0] if indices.shape[0] else NULL
    try:
        if dots == NULL or half == NULL:
            raise MemoryError("assign: cannot allocate scratch buffers")
        _fill_half(&cnorm[0], k, half)
        for chunk in prange(n_chunks, nogil=True, schedule='static',
                            num_threads=threads, use_threads_if=threads > 1):
            kmk_note_team(chunk)
            start = chunk * CHUNK_ROWS
            _assign_chunk(dp, ip, &indptr[0], start, min(start + CHUNK_ROWS, n),
                          &ct[0, 0], half, &cnorm[0], k, NULL,
                          dots + threadid() * k, &labels[0], &sqdist[0], NULL)
    finally:
        free(dots)
        free(half)


cdef int _accumulate(const floating* data, const index_t* indices,
                     const index_t* indptr, Py_ssize_t n, Py_ssize_t d,
                     Py_ssize_t k, const int* labels, const double* w,
                     double* sums, double* counts, int threads) except -1:
    """Weighted sums and counts of each cluster's rows, added in row order
    (clusters in parallel, each owning its row of ``sums``)."""
    cdef Py_ssize_t* start = <Py_ssize_t*>calloc(k + 1, sizeof(Py_ssize_t))
    cdef Py_ssize_t* order = <Py_ssize_t*>malloc((n if n else 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* fill = <Py_ssize_t*>malloc((k if k else 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t i, j, r, p
    cdef double wi, c
    cdef double* row
    try:
        if start == NULL or order == NULL or fill == NULL:
            raise MemoryError("lloyd_pass: cannot allocate buffers")
        with nogil:
            # Counting sort of the rows by label, stable (row order kept).
            for i in range(n):
                start[labels[i] + 1] += 1
            for j in range(k):
                start[j + 1] += start[j]
                fill[j] = start[j]
            for i in range(n):
                j = labels[i]
                order[fill[j]] = i
                fill[j] += 1
            for j in range(k * d):
                sums[j] = 0
            for j in prange(k, schedule='dynamic', num_threads=threads,
                            use_threads_if=threads > 1):
                row = sums + j * d
                c = 0
                for r in range(start[j], start[j + 1]):
                    i = order[r]
                    wi = 1.0 if w == NULL else w[i]
                    c = c + wi
                    for p in range(indptr[i], indptr[i + 1]):
                        row[<Py_ssize_t>indices[p]] += wi * <double>data[p]
                counts[j] = c
    finally:
        free(start)
        free(order)
        free(fill)
    return 0


cdef void _hamerly_chunk(const floating* data, const index_t* indices,
                         const index_t* indptr, Py_ssize_t start,
                         Py_ssize_t stop, const floating* ct,
                         const floating* half_cnorm, const double* cnorm,
                         Py_ssize_t k, const double* half_sep,
                         const double* other_shift, const double* w,
                         bint initial, double eps, floating* dots, int* labels,
                         double* lower, double* stats) noexcept nogil:
    """Rows [start, stop) of a Hamerly pass; ``stats``: [inertia, distance
    sum, rows scanned]."""
    cdef Py_ssize_t i, j, a, lo, hi, p, second
    cdef double sq = 0, xnorm, err, dist, bound, wi, s2
    cdef floating score, low, low2
    stats[0] = 0
    stats[1] = 0
    stats[2] = 0
    for i in range(start, stop):
        lo = indptr[i]
        hi = indptr[i + 1]
        xnorm = 0
        for p in range(lo, hi):
            xnorm = xnorm + <double>data[p] * <double>data[p]
        a = labels[i]
        # Rounding bound of the recomputed distances (see the header): the
        # bound test below must not keep a label Lloyd's pass would change.
        err = eps * (cnorm[a] + xnorm)
        if not initial:
            sq = _exact_sqdist(data, indices, lo, hi, ct, k, a, cnorm[a])
            lower[i] = lower[i] - other_shift[a]
            dist = sqrt(sq + err)
            bound = lower[i] if lower[i] > half_sep[a] else half_sep[a]
        if initial or not dist < bound:
            _products(data, indices, lo, hi, ct, k, dots)
            a = 0
            second = -1
            low = half_cnorm[0] - dots[0]
            low2 = INFINITY
            for j in range(1, k):
                score = half_cnorm[j] - dots[j]
                if score < low:
                    low2 = low
                    second = a
                    low = score
                    a = j
                elif score < low2:
                    low2 = score
                    second = j
            labels[i] = <int>a
            sq = _exact_sqdist(data, indices, lo, hi, ct, k, a, cnorm[a])
            if second < 0:
                lower[i] = INFINITY
            else:
                s2 = _exact_sqdist(data, indices, lo, hi, ct, k, second,
                                   cnorm[second])
                s2 = s2 - eps * (cnorm[second] + xnorm)
                lower[i] = sqrt(s2) if s2 > 0 else 0.0
            stats[2] += 1
        wi = 1.0 if w == NULL else w[i]
        stats[0] += wi * sq
        stats[1] += wi * sqrt(sq)


cdef int _check_pass(Py_ssize_t n, Py_ssize_t d, Py_ssize_t k, sums, counts,
                     weights, str kernel) except -1:
    if sums.shape[0] != k or sums.shape[1] != d or counts.shape[0] != k:
        raise ValueError(f"{kernel}: inconsistent array shapes")
    if weights is not None and weights.shape[0] != n:
        raise ValueError(f"{kernel}: weights must have one entry per row")
    return 0


cdef int _sweep(const floating* data, const index_t* indices,
                const index_t* indptr, Py_ssize_t n, Py_ssize_t d,
                Py_ssize_t nnz, const floating* ct, const double* cnorm,
                Py_ssize_t k, const double* w, int* labels, double* lower,
                const double* half_sep, const double* other_shift, bint initial,
                double* sums, double* counts, int n_threads,
                double* totals) except -1:
    """One pass: labels (plain, or with Hamerly's bounds when ``lower`` is
    given), then the cluster sums; ``totals``: [inertia, distance sum, rows
    scanned], each summed per chunk and the chunks in order."""
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef int threads = _team_size(n_threads, n_chunks, nnz * k)
    cdef floating* dots = <floating*>malloc(threads * k * sizeof(floating))
    cdef double* stats = <double*>calloc(3 * n_chunks, sizeof(double))
    cdef floating* half = <floating*>malloc(k * sizeof(floating))
    # Products in the data dtype, distances in float64: Hamerly's margin
    # covers the products' rounding, which decides the labels.
    cdef double eps = 16.0 * (6.0e-8 if floating is float else 1.2e-16)
    cdef Py_ssize_t chunk, start, i
    try:
        if dots == NULL or stats == NULL or half == NULL:
            raise MemoryError("sparse pass: cannot allocate scratch buffers")
        _fill_half(cnorm, k, half)
        for chunk in prange(n_chunks, nogil=True, schedule='static',
                            num_threads=threads, use_threads_if=threads > 1):
            kmk_note_team(chunk)
            start = chunk * CHUNK_ROWS
            if lower == NULL:
                _assign_chunk(data, indices, indptr, start,
                              min(start + CHUNK_ROWS, n), ct, half, cnorm, k, w,
                              dots + threadid() * k, labels, NULL,
                              stats + 3 * chunk)
            else:
                _hamerly_chunk(data, indices, indptr, start,
                               min(start + CHUNK_ROWS, n), ct, half, cnorm, k,
                               half_sep, other_shift, w, initial, eps,
                               dots + threadid() * k, labels, lower,
                               stats + 3 * chunk)
        totals[0] = 0
        totals[1] = 0
        totals[2] = 0
        for chunk in range(n_chunks):
            for i in range(3):
                totals[i] += stats[3 * chunk + i]
        _accumulate(data, indices, indptr, n, d, k, labels, w, sums, counts,
                    threads)
    finally:
        free(dots)
        free(stats)
        free(half)
    return 0


def lloyd_pass(const floating[::1] data, const index_t[::1] indices,
               const index_t[::1] indptr, Py_ssize_t d,
               const floating[:, ::1] ct, const double[::1] cnorm,
               const double[::1] weights, int[::1] labels, double[:, ::1] sums,
               double[::1] counts, int n_threads):
    """One fused Lloyd sweep over CSR rows.

    Parameters as in ``assign``, and ``weights`` ((n,) float64 or None),
    ``labels`` ((n,) int32, OUT: always filled, the accumulation reads it),
    ``sums`` ((k, d) float64, OUT) and ``counts`` ((k,) float64, OUT).

    Returns
    -------
    inertia, distance_sum : float
    """
    cdef Py_ssize_t n = labels.shape[0], k = ct.shape[1]
    _check(n, d, k, indptr.shape[0], ct.shape[0], k, cnorm.shape[0], "lloyd_pass")
    _check_pass(n, d, k, sums, counts, weights, "lloyd_pass")
    cdef double totals[3]
    if n == 0:
        sums[:, :] = 0
        counts[:] = 0
        return 0.0, 0.0
    _sweep(&data[0] if data.shape[0] else NULL,
           &indices[0] if indices.shape[0] else NULL, &indptr[0], n, d,
           data.shape[0], &ct[0, 0], &cnorm[0], k,
           NULL if weights is None else &weights[0], &labels[0], NULL, NULL,
           NULL, True, &sums[0, 0], &counts[0], n_threads, totals)
    return totals[0], totals[1]


def hamerly_pass(const floating[::1] data, const index_t[::1] indices,
                 const index_t[::1] indptr, Py_ssize_t d,
                 const floating[:, ::1] ct, const double[::1] cnorm,
                 const double[::1] half_sep, const double[::1] other_shift,
                 const double[::1] weights, int[::1] labels, double[::1] lower,
                 double[:, ::1] sums, double[::1] counts, bint initial,
                 int n_threads):
    """One Lloyd pass over CSR rows with Hamerly's bounds.

    As the dense ``_kernels.hamerly_pass``: a row keeps its label when its
    distance to its centre is below both its lower bound and half the gap
    from that centre to the nearest other one; otherwise all k products are
    computed (``initial``: every row).  The distances tested carry a margin
    for the rounding of the recomputed distances.

    Returns
    -------
    inertia, distance_sum : float
    n_scans : int
    """
    cdef Py_ssize_t n = labels.shape[0], k = ct.shape[1]
    _check(n, d, k, indptr.shape[0], ct.shape[0], k, cnorm.shape[0], "hamerly_pass")
    _check_pass(n, d, k, sums, counts, weights, "hamerly_pass")
    if half_sep.shape[0] != k or other_shift.shape[0] != k or lower.shape[0] != n:
        raise ValueError("hamerly_pass: inconsistent array shapes")
    cdef double totals[3]
    if n == 0:
        sums[:, :] = 0
        counts[:] = 0
        return 0.0, 0.0, 0
    if not initial:
        _check_labels(labels, k, "hamerly_pass")
    else:
        labels[:] = 0
    _sweep(&data[0] if data.shape[0] else NULL,
           &indices[0] if indices.shape[0] else NULL, &indptr[0], n, d,
           data.shape[0], &ct[0, 0], &cnorm[0], k,
           NULL if weights is None else &weights[0], &labels[0], &lower[0],
           &half_sep[0], &other_shift[0], initial, &sums[0, 0], &counts[0],
           n_threads, totals)
    return totals[0], totals[1], int(totals[2])


def min_sqdist(const floating[::1] data, const index_t[::1] indices,
               const index_t[::1] indptr, Py_ssize_t d,
               const floating[:, ::1] ct, const double[::1] cnorm,
               double[::1] current, int n_threads):
    """Lower ``current`` to the squared distance (float64, over each row's
    non-zeros, see the header) to the nearest of the m centres ``ct`` (d, m)."""
    cdef Py_ssize_t n = current.shape[0], m = ct.shape[1]
    _check(n, d, m, indptr.shape[0], ct.shape[0], m, cnorm.shape[0], "min_sqdist")
    if n == 0:
        return
    cdef const floating* dp = &data[0] if data.shape[0] else NULL
    cdef const index_t* ip = &indices[0] if indices.shape[0] else NULL
    cdef int threads = _team_size(n_threads, (n + CHUNK_ROWS - 1) // CHUNK_ROWS,
                                  data.shape[0] * m)
    cdef Py_ssize_t i, j
    cdef double sq
    for i in prange(n, nogil=True, schedule='static', chunksize=CHUNK_ROWS,
                    num_threads=threads, use_threads_if=threads > 1):
        kmk_note_team(i)
        for j in range(m):
            sq = _exact_sqdist(dp, ip, indptr[i], indptr[i + 1], &ct[0, 0], m,
                               j, cnorm[j])
            if sq < current[i]:
                current[i] = sq


def labelled_sqdist(const floating[::1] data, const index_t[::1] indices,
                    const index_t[::1] indptr, Py_ssize_t d,
                    const floating[:, ::1] ct, const double[::1] cnorm,
                    const int[::1] labels, double[::1] out, int n_threads):
    """out[i] = squared distance (float64, as in ``assign``) from CSR row i
    to centre ``labels[i]`` of ``ct`` (d, k): a given partition's spread."""
    cdef Py_ssize_t n = out.shape[0], k = ct.shape[1]
    _check(n, d, k, indptr.shape[0], ct.shape[0], k, cnorm.shape[0],
           "labelled_sqdist")
    if labels.shape[0] != n:
        raise ValueError("labelled_sqdist: inconsistent array shapes")
    _check_labels(labels, k, "labelled_sqdist")
    cdef Py_ssize_t i
    if n == 0:
        return
    cdef const floating* dp = &data[0] if data.shape[0] else NULL
    cdef const index_t* ip = &indices[0] if indices.shape[0] else NULL
    cdef int threads = _team_size(n_threads, (n + CHUNK_ROWS - 1) // CHUNK_ROWS,
                                  data.shape[0])
    for i in prange(n, nogil=True, schedule='static', chunksize=CHUNK_ROWS,
                    num_threads=threads, use_threads_if=threads > 1):
        kmk_note_team(i)
        out[i] = _exact_sqdist(dp, ip, indptr[i], indptr[i + 1], &ct[0, 0], k,
                               labels[i], cnorm[labels[i]])
