# Yinyang k-means (Ding et al., ICML 2015): a Lloyd pass that keeps one lower
# bound per row and *group* of centres, so a row whose bounds fail scans only
# the groups that could hold a nearer centre.  Included by _kernels.pyx (it
# uses the chunk kernels and the Hamerly scan above it).
#
# State per row: its label and, for each group g, a lower bound on the
# distance to every centre of g other than the row's own (float32, rounded
# down, to keep the bounds within a quarter of the data's memory).  Every
# bound of group g drops, each pass, by the largest move of g's centres;
# rather than rewriting n x G bounds per pass, a bound is stored plus the
# group's total drift ``drift[g]`` when it was set, and read as the stored
# value minus the group's total drift now.  A pass:
#   1. the exact distance D to the current centre (as Hamerly's pass);
#   2. a row whose D is below half the gap to its centre's nearest other
#      centre, or below every group bound, keeps its label;
#   3. otherwise each group whose bound does not clear D is scanned: the rows
#      that need group g are gathered (over a batch of chunks, so the scans
#      are full tiles even when few rows fail) and run through the Hamerly
#      scan kernel on that group's centres, which are contiguous in a copy of
#      the code book ordered by group.  The scans give each such group's
#      nearest centre (exact distance) and a rigorous lower bound on the rest.
#      A row that needs groups holding more than half the centres is
#      instead scanned against all groups in one product, as a Lloyd pass
#      would scan it (``_wide_scan``), which bounds every group at once.
#      Every row of the first pass is scanned against the whole code book
#      as a Lloyd pass scans it, and all its group bounds start at the
#      runner-up's distance (as cheap as a Lloyd pass; later scans tighten
#      them);
#   4. the nearest candidate must beat every bound by the same relative
#      margin as Hamerly's test, otherwise (a near-tie) the row is scanned
#      against the whole code book exactly as a Lloyd pass would.
# So the labels are those of ``lloyd_pass`` with the same method, and the
# sums are added chunk by chunk in the same order.

from libc.math cimport INFINITY, fmax

cdef enum:
    # Most rows per batch, whose failing rows are gathered before the group
    # scans run (16 chunks); fewer where a batch of rows would not stay in
    # cache until its sums are added (YY_BATCH_BYTES).
    YY_BATCH_ROWS = 16 * CHUNK_ROWS
    YY_BATCH_BYTES = 256 * 1024


cdef inline float _down32(double v) noexcept nogil:
    """``v >= 0`` as a float32 no larger than ``v`` (bounds stay lower bounds).

    Scaled down by four float32 half-ulps before rounding to nearest, which
    then cannot land above ``v``; only below float32's normal range could
    the rounding be coarser than that, and there 0 is returned.  No branch
    on the common path and no library call: it runs per row and group.
    """
    cdef float f = <float>(v * (1.0 - 2.4e-7))
    return f if f <= v else 0.0


cdef struct YinyangScratch:
    # One thread's buffers; sizes for a batch of YY_BATCH_ROWS rows.
    char* gathered        # CHUNK_ROWS x d rows to scan (data dtype)
    char* near            # the scan kernel's scratch (data dtype)
    char* scan_best       # CHUNK_ROWS exact distances (data dtype)
    char* dist            # YY_BATCH_ROWS distance to the chosen centre
    int* scan_labels      # CHUNK_ROWS
    int* scan_rows        # CHUNK_ROWS: batch row of each gathered row
    double* scan_second   # CHUNK_ROWS squared lower bounds
    int* best_label       # YY_BATCH_ROWS
    int* old_label        # YY_BATCH_ROWS
    int* from_group       # YY_BATCH_ROWS: group whose scan gave the label
    double* old_dist      # YY_BATCH_ROWS
    double* best_second   # YY_BATCH_ROWS: bound on the rest of that group
    char* todo            # YY_BATCH_ROWS: the row failed the global test
    int* lists            # n_groups x YY_BATCH_ROWS batch rows per group
    int* list_size        # n_groups
    int* full_rows        # YY_BATCH_ROWS rows for a whole-code-book scan
    int* wide_rows        # YY_BATCH_ROWS rows for a scan of every group
    char* tile_second     # CHUNK_ROWS runner-up values (data dtype)
    double* wide_value    # CHUNK_ROWS: the lowest value over the groups so far
    double* wide_second   # CHUNK_ROWS: the bound on the rest of its group
    int* wide_group       # CHUNK_ROWS: its group


cdef Py_ssize_t _yinyang_scratch_bytes(Py_ssize_t k, Py_ssize_t d,
                                       Py_ssize_t g, Py_ssize_t item) noexcept nogil:
    """Bytes of one thread's YinyangScratch (each piece 64-byte aligned)."""
    cdef Py_ssize_t total = 0
    total += (CHUNK_ROWS * d * item + 63) // 64 * 64
    total += ((_scratch_size(k, d) + CHUNK_ROWS) * item + 63) // 64 * 64
    total += (CHUNK_ROWS * item + 63) // 64 * 64
    total += (YY_BATCH_ROWS * item + 63) // 64 * 64
    total += 2 * ((CHUNK_ROWS * 4 + 63) // 64 * 64) + CHUNK_ROWS * 8
    total += 3 * (YY_BATCH_ROWS * 4) + 2 * (YY_BATCH_ROWS * 8) + YY_BATCH_ROWS
    total += g * YY_BATCH_ROWS * 4 + g * 4 + YY_BATCH_ROWS * 4 + 16 * 64
    total += YY_BATCH_ROWS * 4 + (CHUNK_ROWS * item + 63) // 64 * 64
    total += 2 * CHUNK_ROWS * 8 + CHUNK_ROWS * 4 + 64
    return total


cdef void _yinyang_carve(YinyangScratch* s, char* p, Py_ssize_t k, Py_ssize_t d,
                         Py_ssize_t g, Py_ssize_t item) noexcept nogil:
    """Point the pieces of ``s`` into the buffer ``p``."""
    s.gathered = p
    p += (CHUNK_ROWS * d * item + 63) // 64 * 64
    s.near = p
    p += ((_scratch_size(k, d) + CHUNK_ROWS) * item + 63) // 64 * 64
    s.scan_best = p
    p += (CHUNK_ROWS * item + 63) // 64 * 64
    s.dist = p
    p += (YY_BATCH_ROWS * item + 63) // 64 * 64
    s.scan_labels = <int*>p
    p += (CHUNK_ROWS * 4 + 63) // 64 * 64
    s.scan_rows = <int*>p
    p += (CHUNK_ROWS * 4 + 63) // 64 * 64
    s.scan_second = <double*>p
    p += CHUNK_ROWS * 8
    s.old_dist = <double*>p
    p += YY_BATCH_ROWS * 8
    s.best_second = <double*>p
    p += YY_BATCH_ROWS * 8
    s.best_label = <int*>p
    p += YY_BATCH_ROWS * 4
    s.old_label = <int*>p
    p += YY_BATCH_ROWS * 4
    s.from_group = <int*>p
    p += YY_BATCH_ROWS * 4
    s.list_size = <int*>p
    p += g * 4
    s.full_rows = <int*>p
    p += YY_BATCH_ROWS * 4
    s.wide_rows = <int*>p
    p += YY_BATCH_ROWS * 4
    s.wide_value = <double*>p
    p += CHUNK_ROWS * 8
    s.wide_second = <double*>p
    p += CHUNK_ROWS * 8
    s.wide_group = <int*>p
    p += CHUNK_ROWS * 4
    p += (64 - (<size_t>p) % 64) % 64
    s.tile_second = p
    p += (CHUNK_ROWS * item + 63) // 64 * 64
    s.lists = <int*>p
    p += g * YY_BATCH_ROWS * 4
    s.todo = p


cdef void _yinyang_gather(const floating* x, Py_ssize_t d, Py_ssize_t batch_start,
                          const int* rows, Py_ssize_t m,
                          floating* out) noexcept nogil:
    """Copy the batch rows ``rows[:m]`` (offsets from ``batch_start``)."""
    cdef Py_ssize_t r, t
    cdef const floating* row
    for r in range(m):
        row = x + (batch_start + rows[r]) * d
        for t in range(d):
            out[r * d + t] = row[t]


cdef void _wide_scan(int method, const floating* x, const floating* c,
                     const floating* cg, const floating* half_cgnorm,
                     double max_cnorm, const int* order, const int* group_start,
                     const double* drift, Py_ssize_t start, const int* rows,
                     Py_ssize_t m, Py_ssize_t d, Py_ssize_t n_groups,
                     float* lower, YinyangScratch* s) noexcept nogil:
    """Every group of the batch rows ``rows[:m]`` (m <= CHUNK_ROWS) at the
    cost of one Lloyd pass over them: one product against the grouped code
    book (GEMM: one BLAS call; DOT: the fused kernel group by group), whose
    per-group lowest values and runners-up (``|c|^2/2 - x.c``, the ranking
    of a Lloyd pass) give each group's bound, lowered by the identity's
    rounding bound as in ``_nearest_two``.  Sets the label (the lowest value,
    ties to the lower index), its exact distance in ``s.dist`` and every
    bound of each row; the caller certifies the label."""
    cdef floating* gathered = <floating*>s.gathered
    cdef floating* tile = <floating*>s.near
    cdef floating* low_value = <floating*>s.scan_best
    cdef floating* second_value = <floating*>s.tile_second
    cdef floating* dist = <floating*>s.dist
    cdef double* xnorm = s.scan_second
    cdef int mm = <int>m, nk = <int>group_start[n_groups], kk = <int>d
    cdef int lda = <int>d, ldb = <int>d, ldc = <int>m
    cdef floating one = 1.0, zero = 0.0
    cdef char trans = b'T', notrans = b'N'
    cdef double eps = 6.0e-8 if floating is float else 1.2e-16
    cdef double lo1, lo2
    cdef Py_ssize_t r, g, first, size, b
    if rows[m - 1] - rows[0] == m - 1:
        # Consecutive rows (every row of a first pass): read them in place.
        gathered = <floating*>(x + (start + rows[0]) * d)
    else:
        _yinyang_gather(x, d, start, rows, m, gathered)
    if floating is float:
        kmk_row_sqnorms_f32(gathered, m, d, xnorm)
    else:
        kmk_row_sqnorms_f64(gathered, m, d, xnorm)
    if method == METHOD_GEMM:
        if floating is float:
            sgemm(&trans, &notrans, &mm, &nk, &kk, &one, <float*>gathered, &lda,
                  <float*>cg, &ldb, &zero, tile, &ldc)
        else:
            dgemm(&trans, &notrans, &mm, &nk, &kk, &one, <double*>gathered,
                  &lda, <double*>cg, &ldb, &zero, tile, &ldc)
    for r in range(m):
        s.wide_value[r] = INFINITY
        s.best_label[rows[r]] = -1
        # |x|^2 less the identity's rounding bound: 2 value + this lower-bounds
        # a squared distance.
        xnorm[r] -= 4.0 * (d + 2) * eps * (xnorm[r] + 2.0 * max_cnorm)
    for g in range(n_groups):
        first = group_start[g]
        size = group_start[g + 1] - first
        if method == METHOD_GEMM:
            if floating is float:
                kmk_argmin2_tile_f32(tile + first * m, m, size, half_cgnorm + first,
                                     s.scan_labels, second_value, low_value)
            else:
                kmk_argmin2_tile_f64(tile + first * m, m, size, half_cgnorm + first,
                                     s.scan_labels, second_value, low_value)
        elif floating is float:
            kmk_nearest_two_dot_f32(gathered, m, d, cg + first * d, size,
                                    half_cgnorm + first, tile, s.scan_labels,
                                    second_value, low_value)
        else:
            kmk_nearest_two_dot_f64(gathered, m, d, cg + first * d, size,
                                    half_cgnorm + first, tile, s.scan_labels,
                                    second_value, low_value)
        # The group's bound, every row (branch-free: it vectorises).
        for r in range(m):
            lo1 = sqrt(fmax(2.0 * <double>low_value[r] + xnorm[r], 0.0))
            lower[(start + rows[r]) * n_groups + g] = _down32(lo1 + drift[g])
        for r in range(m):
            b = order[first + s.scan_labels[r]]
            if (<double>low_value[r] < s.wide_value[r]
                    or (<double>low_value[r] == s.wide_value[r]
                        and b < s.best_label[rows[r]])):
                s.wide_value[r] = low_value[r]
                s.best_label[rows[r]] = <int>b
                s.wide_group[r] = <int>g
                s.wide_second[r] = second_value[r]
    for r in range(m):
        # The chosen centre's group: bound the rest of it by the runner-up.
        g = s.wide_group[r]
        if group_start[g + 1] - group_start[g] > 1:
            lo2 = 2.0 * s.wide_second[r] + xnorm[r]
            lo2 = sqrt(lo2) if lo2 > 0 else 0.0
        else:
            lo2 = INFINITY
        lower[(start + rows[r]) * n_groups + g] = _down32(lo2 + drift[g])
        s.scan_labels[r] = s.best_label[rows[r]]
    _assigned_sqdist(gathered, m, d, c, s.scan_labels, low_value)
    for r in range(m):
        dist[rows[r]] = low_value[r]


cdef double _yinyang_batch(int method, const floating* x, const floating* c,
                           const floating* half_cnorm, const floating* cg,
                           const floating* half_cgnorm, double max_cnorm,
                           const int* order, const int* group_start,
                           const int* group_of, const double* half_sep,
                           const double* drift, Py_ssize_t start,
                           Py_ssize_t rows, Py_ssize_t k, Py_ssize_t d,
                           Py_ssize_t n_groups, bint initial, double margin,
                           int* labels, float* lower,
                           YinyangScratch* s) noexcept nogil:
    """Labels, bounds and (in ``s.dist``) distances of one batch of rows;
    returns the scans done, counted in whole-code-book rows."""
    cdef floating* dist = <floating*>s.dist
    cdef floating* gathered = <floating*>s.gathered
    cdef floating* scan_best = <floating*>s.scan_best
    cdef Py_ssize_t i, j, g, r, a, b, m, first, done, n_full = 0, n_wide = 0
    cdef Py_ssize_t need
    # Rows that need groups holding more than half the centres are scanned
    # against every group at once (the direct method has no such scan).
    cdef bint wide = method != METHOD_DIRECT
    cdef double big, low, gmin, bound, value, scans = 0
    cdef float* bounds
    cdef floating v
    for g in range(n_groups):
        s.list_size[g] = 0
    if not initial:
        _assigned_sqdist(x + start * d, rows, d, c, labels + start, dist)
    # 1-2: the global test; rows that fail it are listed under each group
    # whose bound does not clear their distance.
    for j in range(rows):
        i = start + j
        bounds = lower + i * n_groups
        if initial:
            # No bounds yet: the row is scanned against the whole code book,
            # as a Lloyd pass (and Hamerly's first pass) scans it, and every
            # group's bound starts at the runner-up's distance; the group
            # scans of later passes tighten them.  Exact per-group bounds
            # would cost a per-group argmin of every row (up to twice a
            # Lloyd pass, measured at 25 groups).
            s.todo[j] = 0
            s.full_rows[n_full] = <int>j
            n_full += 1
            continue
        else:
            a = labels[i]
            s.old_label[j] = <int>a
            s.best_label[j] = <int>a
            big = sqrt(<double>dist[j])
            s.old_dist[j] = big
            s.todo[j] = 0
            # Hamerly's test first: it needs no bound, and on separated data
            # it settles most rows.
            if big < half_sep[a] * (1.0 - margin):
                continue
            gmin = INFINITY
            for g in range(n_groups):
                low = <double>bounds[g] - drift[g]
                gmin = low if low < gmin else gmin
            if big < gmin * (1.0 - margin):
                continue
            s.todo[j] = 1
            s.from_group[j] = -1
            need = 0
            for g in range(n_groups):
                if not big < (<double>bounds[g] - drift[g]) * (1.0 - margin):
                    need += group_start[g + 1] - group_start[g]
            if wide and 2 * need > k:
                s.wide_rows[n_wide] = <int>j
                n_wide += 1
                continue
            for g in range(n_groups):
                if not big < (<double>bounds[g] - drift[g]) * (1.0 - margin):
                    s.lists[g * YY_BATCH_ROWS + s.list_size[g]] = <int>j
                    s.list_size[g] += 1
    # 3: the group scans, a full tile of gathered rows at a time.
    for g in range(n_groups):
        first = group_start[g]
        done = 0
        while done < s.list_size[g]:
            m = min(<Py_ssize_t>CHUNK_ROWS, s.list_size[g] - done)
            for r in range(m):
                s.scan_rows[r] = s.lists[g * YY_BATCH_ROWS + done + r]
            _yinyang_gather(x, d, start, s.scan_rows, m, gathered)
            _nearest_two(method, gathered, m, d, cg + first * d,
                         half_cgnorm + first, max_cnorm,
                         group_start[g + 1] - first, <floating*>s.near,
                         s.scan_labels, scan_best, s.scan_second)
            for r in range(m):
                j = s.scan_rows[r]
                b = order[first + s.scan_labels[r]]
                v = scan_best[r]
                low = sqrt(s.scan_second[r])
                value = sqrt(<double>v)
                # The bound covers the whole group (its nearest included) until
                # the row's final label is known.
                lower[(start + j) * n_groups + g] = _down32(
                    (value if value < low else low) + drift[g])
                if (v < dist[j] or (v == dist[j] and b < s.best_label[j])
                        or b == s.best_label[j]):
                    s.best_label[j] = <int>b
                    dist[j] = v
                    s.from_group[j] = <int>g
                    s.best_second[j] = low
            scans += m * (group_start[g + 1] - first)
            done += m
    done = 0
    while done < n_wide:
        m = min(<Py_ssize_t>CHUNK_ROWS, n_wide - done)
        _wide_scan(method, x, c, cg, half_cgnorm, max_cnorm, order, group_start,
                   drift, start, s.wide_rows + done, m, d, n_groups, lower, s)
        scans += m * k
        done += m
    # 4: bounds for the final label; a row not clear of every bound by the
    # margin is a near-tie, settled by the whole code book.
    for j in range(rows):
        if not s.todo[j]:
            continue
        i = start + j
        bounds = lower + i * n_groups
        b = s.best_label[j]
        a = s.old_label[j]
        g = s.from_group[j]
        if g >= 0:
            bounds[g] = _down32(s.best_second[j] + drift[g])
        if a >= 0 and b != a:
            # The old centre is now one of "the others" of its group.
            g = group_of[a]
            if s.old_dist[j] < <double>bounds[g] - drift[g]:
                bounds[g] = _down32(s.old_dist[j] + drift[g])
        gmin = INFINITY
        for g in range(n_groups):
            low = <double>bounds[g] - drift[g]
            gmin = low if low < gmin else gmin
        labels[i] = <int>b
        if not sqrt(<double>dist[j]) < gmin * (1.0 - margin):
            s.full_rows[n_full] = <int>j
            n_full += 1
    done = 0
    while done < n_full:
        m = min(<Py_ssize_t>CHUNK_ROWS, n_full - done)
        if s.full_rows[done + m - 1] - s.full_rows[done] == m - 1:
            # Consecutive rows (every row of a first pass): read in place.
            gathered = <floating*>(x + (start + s.full_rows[done]) * d)
        else:
            gathered = <floating*>s.gathered
            _yinyang_gather(x, d, start, s.full_rows + done, m, gathered)
        _nearest_two(method, gathered, m, d, c, half_cnorm, max_cnorm, k,
                     <floating*>s.near, s.scan_labels, scan_best, s.scan_second)
        for r in range(m):
            j = s.full_rows[done + r]
            i = start + j
            labels[i] = s.scan_labels[r]
            dist[j] = scan_best[r]
            low = sqrt(s.scan_second[r])
            for g in range(n_groups):
                lower[i * n_groups + g] = _down32(low + drift[g])
        scans += m * k
        done += m
    return scans / k


def yinyang_pass(const floating[:, ::1] x, const floating[:, ::1] c,
                 const floating[:, ::1] grouped, const int[::1] order,
                 const int[::1] group_start, const int[::1] group_of,
                 const double[::1] half_sep, const double[::1] drift,
                 const double[::1] weights, int[::1] labels,
                 float[:, ::1] lower, double[:, ::1] sums, double[::1] counts,
                 bint initial, int method, int n_threads):
    """One Lloyd pass with Yinyang's group bounds (Ding et al., ICML 2015).

    Parameters
    ----------
    x : (n, d) array, IN
    c : (k, d) array of the same dtype, IN
    grouped : (k, d) array, IN
        ``c[order]``: the centres with each group contiguous.
    order : (k,) int32, IN
        ``order[p]`` is the index in ``c`` of row ``p`` of ``grouped``; within
        a group in increasing order.
    group_start : (G + 1,) int32, IN
        Group g is rows ``group_start[g]:group_start[g + 1]`` of ``grouped``.
    group_of : (k,) int32, IN
        The group of each centre of ``c``.
    half_sep : (k,) float64, IN
        Half the distance from each centre to its nearest other centre.
    drift : (G,) float64, IN
        Per group, the sum over the passes since the bounds were set up of
        the largest move of one of its centres.
    weights : (n,) float64 array or None, IN
    labels : (n,) int32, INOUT
    lower : (n, G) float32, INOUT
        Per row and group: a lower bound on the distance to the group's
        centres other than the row's own, plus ``drift`` (see above).
    sums, counts : OUT, as in ``lloyd_pass``
    initial : bool
        No valid bounds yet: every row is scanned against every centre.
    method : {DIRECT, GEMM, DOT}
    n_threads : int

    Returns
    -------
    inertia, distance_sum : float
        As in ``lloyd_pass``.
    n_scans : int
        The distances computed, in rows' worth of all k (at most n).
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], k = c.shape[0]
    cdef Py_ssize_t n_groups = lower.shape[1]
    cdef Py_ssize_t i
    _check_features(d, "yinyang_pass")
    _check_method(method)
    if (c.shape[1] != d or grouped.shape[0] != k or grouped.shape[1] != d
            or order.shape[0] != k or group_of.shape[0] != k
            or group_start.shape[0] != n_groups + 1 or n_groups < 1
            or drift.shape[0] != n_groups or half_sep.shape[0] != k
            or labels.shape[0] != n or lower.shape[0] != n
            or sums.shape[0] != k or sums.shape[1] != d or counts.shape[0] != k):
        raise ValueError("yinyang_pass: inconsistent array shapes")
    if weights is not None and weights.shape[0] != n:
        raise ValueError("yinyang_pass: weights must have one entry per row")
    if group_start[0] != 0 or group_start[n_groups] != k:
        raise ValueError("yinyang_pass: groups must cover the centres")
    for i in range(n_groups):
        if group_start[i + 1] <= group_start[i]:
            raise ValueError("yinyang_pass: empty group")
    for i in range(k):
        if (order[i] < 0 or order[i] >= k or group_of[i] < 0
                or group_of[i] >= n_groups):
            raise ValueError("yinyang_pass: group indices out of range")
    sums[:, :] = 0
    counts[:] = 0
    if n == 0:
        return 0.0, 0.0, 0
    if not initial:
        _check_labels(labels, k, "yinyang_pass")
    cdef double eps = 6.0e-8 if floating is float else 1.2e-16
    cdef double margin = 8.0 * (d + 2) * eps
    # The float32 bounds round once more per pass; the margin is far above it.
    margin = max(margin, 8.0 * 6.0e-8)

    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef Py_ssize_t stride = _lines(k * d + k + 3)
    cdef Py_ssize_t n_blocks = min(<Py_ssize_t>MAX_BLOCKS, n_chunks)
    n_blocks = max(1, min(n_blocks, BLOCK_BUFFER_BYTES // (stride * sizeof(double))))
    cdef int threads = _team_size(n_threads, n_blocks, n * k * d)
    cdef Py_ssize_t batch_rows = YY_BATCH_BYTES // (d * sizeof(floating))
    batch_rows = max(<Py_ssize_t>CHUNK_ROWS,
                     min(<Py_ssize_t>YY_BATCH_ROWS, batch_rows // CHUNK_ROWS * CHUNK_ROWS))
    cdef Py_ssize_t per_thread = _yinyang_scratch_bytes(k, d, n_groups,
                                                        sizeof(floating))
    per_thread = (per_thread + 63) // 64 * 64
    cdef double* buf = <double*>_alloc64(n_blocks * stride * sizeof(double), True)
    cdef char* scratch = <char*>malloc(threads * per_thread + 64)
    cdef floating* half_cnorm = _half_norms(&c[0, 0], k, d)
    cdef floating* half_cgnorm = _half_norms(&grouped[0, 0], k, d)
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    cdef const floating* gp = &grouped[0, 0]
    cdef const double* wp = NULL if weights is None else &weights[0]
    cdef Py_ssize_t b, row_start, row_stop
    cdef double* blk
    cdef double stats[3]
    cdef double max_cnorm = 0
    cdef char* base
    try:
        if (buf == NULL or scratch == NULL or half_cnorm == NULL
                or half_cgnorm == NULL):
            raise MemoryError("yinyang_pass: cannot allocate block buffers")
        for i in range(k):
            max_cnorm = max(max_cnorm, 2.0 * <double>half_cnorm[i])
        base = scratch + (64 - (<size_t>scratch) % 64) % 64
        method = method & METHOD_MASK
        for b in prange(n_blocks, nogil=True, schedule='dynamic',
                        num_threads=threads, use_threads_if=threads > 1):
            kmk_note_team(b)
            row_start = ((b * n_chunks) // n_blocks) * CHUNK_ROWS
            row_stop = min((((b + 1) * n_chunks) // n_blocks) * CHUNK_ROWS, n)
            blk = buf + b * stride
            _yinyang_block(method, xp, cp, half_cnorm, gp, half_cgnorm,
                           max_cnorm, &order[0], &group_start[0], &group_of[0],
                           &half_sep[0], &drift[0], wp, row_start,
                           row_stop, batch_rows, k, d, n_groups, initial, margin,
                           &labels[0], &lower[0, 0],
                           base + threadid() * per_thread,
                           blk, blk + k * d, blk + k * d + k)
        _reduce_blocks(buf, n_blocks, stride, k, d, 3, &sums[0, 0], &counts[0],
                       stats)
    finally:
        _free64(buf)
        free(scratch)
        free(half_cnorm)
        free(half_cgnorm)
    return stats[0], stats[1], int(min(<double>n, stats[2] + 0.5))


cdef void _yinyang_block(int method, const floating* x, const floating* c,
                         const floating* half_cnorm, const floating* cg,
                         const floating* half_cgnorm, double max_cnorm,
                         const int* order, const int* group_start,
                         const int* group_of, const double* half_sep,
                         const double* drift, const double* w,
                         Py_ssize_t row_start, Py_ssize_t row_stop,
                         Py_ssize_t batch_rows, Py_ssize_t k, Py_ssize_t d,
                         Py_ssize_t n_groups,
                         bint initial, double margin, int* labels,
                         float* lower, char* scratch, double* sums,
                         double* counts, double* stats) noexcept nogil:
    """One block of a Yinyang pass, batch by batch; the sums are added chunk
    by chunk in row order, as a Lloyd pass adds them."""
    cdef YinyangScratch s
    cdef Py_ssize_t start, rows, cs, crows
    cdef double scans = 0
    _yinyang_carve(&s, scratch, k, d, n_groups, sizeof(floating))
    stats[0] = 0
    stats[1] = 0
    start = row_start
    while start < row_stop:
        rows = min(batch_rows, row_stop - start)
        scans += _yinyang_batch(method, x, c, half_cnorm, cg, half_cgnorm,
                                max_cnorm, order, group_start, group_of,
                                half_sep, drift, start, rows, k, d,
                                n_groups, initial, margin, labels, lower, &s)
        cs = 0
        while cs < rows:
            crows = min(<Py_ssize_t>CHUNK_ROWS, rows - cs)
            _chunk_totals(x + (start + cs) * d, crows, d, k, labels + start + cs,
                          (<floating*>s.dist) + cs,
                          NULL if w == NULL else w + start + cs,
                          sums, counts, stats)
            cs += crows
        start += rows
    stats[2] = scans
