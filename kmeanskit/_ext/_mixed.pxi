# Certified mixed precision: nearest centres of float64 rows from float32
# arithmetic, with labels bit-identical to the float64 kernels' (included by
# _kernels.pyx, after the nearest-centre helpers).
#
# Per chunk of rows, three tiers:
#
# 1. The rows, shifted by a reference point ``ref`` (the centres' mean) and
#    rounded to float32, go through the float32 kernel (BLAS tile or fused
#    products) with the float32 centres ``c32_j = fl32(c_j - ref)``.  A row
#    keeps the float32 label when a rigorous bound on every error made (the
#    rounding of the inputs, the products and sums of d terms, the half
#    norms, underflow) proves that centre the nearest in exact arithmetic by
#    more than the float64 kernels' own error: then they choose it too.
# 2. The other rows are gathered and run through today's float64 kernel, and
#    certified again with the float64 bound (the gathered tile's rounding
#    may differ from the chunk's in the last bits; the bound covers both).
# 3. A row that is a near-tie even in float64 sends its whole chunk through
#    today's float64 kernel as the plain path runs it: same rows, same tile,
#    same labels, however close the tie.
#
# The bound (u = 2^-24, u64 = 2^-53, y = fl32(x - ref), Y = |y|, B = max_j
# |c32_j|, value_j = |c32_j|^2/2 - y.c32_j what the argmin compares): each
# computed value is within e = (d + 3) u (Y B + B^2/2) (1.01) of its exact
# value on the rounded inputs (Higham's gamma_d for a dot product summed in
# any order, fused or not, plus the half norm and the subtraction), plus an
# underflow term.  The rounding of the inputs moves each distance by at most
# delta = |y - (x - ref)| + max_j |c32_j - (c_j - ref)|, hence each squared
# distance by at most delta (2 (Y + B) + delta).  The exact squared
# distances then differ by at least 2 (second - first) - 4 e - 2 delta (2 (Y
# + B) + delta), and a row is certified when that exceeds eight times the
# float64 kernels' own bound, (d + 3) u64 (|x| C + C^2/2) (1.01) with C =
# max_j |c_j|: so the float64 kernels order the two centres the same way.
# NaN, inf and values beyond float32's reach fail the test (it is written
# to be false on NaN) and take tiers 2 and 3.

cdef enum:
    # Method bits above the float64 method: the float32 method + 1 (0: none).
    MIXED_SHIFT = 2
    METHOD_MASK = 3

cdef double U32 = 5.9604644775390625e-08       # 2^-24
cdef double U64 = 1.1102230246251565e-16       # 2^-53
cdef double ETA32 = 1.401298464324817e-45      # 2^-149, the least float32
cdef double ETA64 = 4.9406564584124654e-324    # 2^-1074
# Norms (after the shift) up to this stay far inside float32's range, with
# their products and sums of d <= 2^20 terms.
cdef double REACH32 = 1.152921504606847e+18     # 2^60
cdef Py_ssize_t MAX_MIXED_FEATURES = 1 << 20


cdef struct MixedPlan:
    int method32               # METHOD_GEMM or METHOD_DOT, in float32
    int method64               # the float64 method of tiers 2 and 3
    Py_ssize_t k, d
    double* ref                # (d,) the centres' mean
    float* c32                 # (k, d) fl32(c_j - ref)
    float* half32              # (k,) fl32(|c32_j|^2 / 2)
    double b_max               # max_j |c32_j|
    double delta_c             # bound on |c32_j - (c_j - ref)|, every j
    double c_max               # max_j |c_j|
    double ref_norm            # |ref| (with x = (x - ref) + ref it bounds |x|)
    char* scratch              # scratch_bytes per thread
    Py_ssize_t scratch_bytes
    int threads
    double gamma32, eta32      # float32 rounding: (d + 3) u (1.01), (d + 3) eta
    double gamma64, eta64      # the same in float64
    double sum_err             # relative error of |y|^2 summed in float64
    double root_d              # sqrt(d)
    char* buffer               # what _mixed_free releases
    bint usable                # False: the centres are out of float32's reach


cdef inline Py_ssize_t _aligned(Py_ssize_t nbytes) noexcept nogil:
    return (nbytes + 63) // 64 * 64


cdef struct MixedScratch:
    # One thread's view of its mixed scratch, for one chunk.
    float* y32                 # (CHUNK_ROWS, d) the shifted rows in float32
    float* work32              # the float32 kernel's tile or transposed block
    float* first32             # per row: the float32 kernel's lowest value
    float* second32            # ... and its runner-up
    double* y_sq               # |y|^2 per row (then per gathered row)
    double* gathered           # (CHUNK_ROWS, d) the rows tier 1 left, float64
    double* first64            # their float64 lowest values
    double* second64           # ... and runners-up
    int* left                  # their rows in the chunk
    int* lab64                 # their float64 labels
    Py_ssize_t* tally          # rows settled by tier 1, 2 and 3 (diagnostics)


cdef Py_ssize_t _carve(MixedScratch* v, char* base, Py_ssize_t k,
                       Py_ssize_t d) noexcept nogil:
    """Lay ``v`` out from ``base`` (NULL: only measure); the bytes used."""
    cdef Py_ssize_t at = 0
    v.y32 = <float*>(base + at)
    at += _aligned(CHUNK_ROWS * d * sizeof(float))
    v.work32 = <float*>(base + at)
    at += _aligned(_scratch_size(k, d) * sizeof(float))
    v.first32 = <float*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(float))
    v.second32 = <float*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(float))
    v.y_sq = <double*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(double))
    v.gathered = <double*>(base + at)
    at += _aligned(CHUNK_ROWS * d * sizeof(double))
    v.first64 = <double*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(double))
    v.second64 = <double*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(double))
    v.left = <int*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(int))
    v.lab64 = <int*>(base + at)
    at += _aligned(CHUNK_ROWS * sizeof(int))
    v.tally = <Py_ssize_t*>(base + at)
    at += _aligned(3 * sizeof(Py_ssize_t))
    return at


cdef int _mixed_method32(int method) noexcept nogil:
    """The float32 method encoded in ``method`` (-1: none)."""
    return (method >> MIXED_SHIFT) - 1


cdef int _mixed_alloc(MixedPlan* mp, int method, Py_ssize_t k, Py_ssize_t d,
                      int threads) except -1:
    """Set up ``mp`` for ``method`` (a float64 method with a float32 one
    encoded above it) and allocate its buffers; ``mp.buffer`` is NULL when
    the method asks for no mixed precision."""
    cdef MixedScratch layout
    mp.buffer = NULL
    mp.usable = False
    mp.method32 = _mixed_method32(method)
    mp.method64 = method & METHOD_MASK
    if mp.method32 < 0:
        return 0
    if (mp.method32 != METHOD_GEMM and mp.method32 != METHOD_DOT) or (
            mp.method64 != METHOD_GEMM and mp.method64 != METHOD_DOT):
        raise ValueError(f"unknown mixed-precision method {method}")
    if d > MAX_MIXED_FEATURES:
        return 0  # the bound's constants assume d u << 1: plain float64
    mp.k, mp.d = k, d
    mp.gamma32, mp.eta32 = 1.01 * (d + 3) * U32, (d + 3) * ETA32
    mp.gamma64, mp.eta64 = 1.01 * (d + 3) * U64, (d + 3) * ETA64
    mp.sum_err = 1.01 * d * U64
    mp.root_d = sqrt(<double>d)
    mp.scratch_bytes = _carve(&layout, NULL, k, d)
    cdef Py_ssize_t head = (_aligned(d * sizeof(double)) + _aligned(k * d * sizeof(float))
                            + _aligned(k * sizeof(float)))
    mp.threads = threads
    mp.buffer = <char*>_alloc64(head + threads * mp.scratch_bytes, True)
    if mp.buffer == NULL:
        raise MemoryError("cannot allocate the mixed-precision buffers")
    mp.ref = <double*>mp.buffer
    mp.c32 = <float*>(mp.buffer + _aligned(d * sizeof(double)))
    mp.half32 = <float*>(<char*>mp.c32 + _aligned(k * d * sizeof(float)))
    mp.scratch = mp.buffer + head
    return 0


# Rows the last mixed-precision call settled in each tier (tier 3 counts the
# rows of the chunks it recomputed); read by the tests through mixed_tally().
cdef Py_ssize_t _last_tally[3]


cdef void _mixed_free(MixedPlan* mp) noexcept nogil:
    """Release ``mp``'s buffers, keeping its threads' tallies in _last_tally."""
    cdef MixedScratch v
    cdef int tid, tier
    if mp.buffer == NULL:
        return
    for tier in range(3):
        _last_tally[tier] = 0
    for tid in range(mp.threads):
        _carve(&v, mp.scratch + tid * mp.scratch_bytes, mp.k, mp.d)
        for tier in range(3):
            _last_tally[tier] += v.tally[tier]
    _free64(mp.buffer)
    mp.buffer = NULL


def mixed_tally():
    """``(tier1, tier2, tier3)``: the rows the last mixed-precision kernel
    call certified in float32, certified in float64 after gathering, and
    recomputed with their chunk in float64.  For tests and benchmarks."""
    return tuple(int(_last_tally[tier]) for tier in range(3))


cdef bint _mixed_prepare(MixedPlan* mp, const double* c) noexcept nogil:
    """The float32 centres of one pass; sets and returns ``mp.usable`` (false
    when a centre is not finite or beyond float32's reach: then the pass
    runs in float64 alone)."""
    cdef Py_ssize_t j, t, k = mp.k, d = mp.d
    cdef double v, s, err, cn, b_sq, err_sq, r_sq = 0
    cdef float f
    mp.usable = False
    for t in range(d):
        mp.ref[t] = 0
    for j in range(k):
        for t in range(d):
            mp.ref[t] += c[j * d + t]
    for t in range(d):
        mp.ref[t] /= k
        r_sq += mp.ref[t] * mp.ref[t]
    mp.ref_norm = 1.001 * sqrt(r_sq)
    mp.b_max, mp.delta_c, mp.c_max = 0, 0, 0
    for j in range(k):
        b_sq, err_sq, cn = 0, 0, 0
        for t in range(d):
            v = c[j * d + t] - mp.ref[t]
            f = <float>v
            mp.c32[j * d + t] = f
            b_sq += <double>f * <double>f
            err = <double>f - v
            err_sq += err * err
            cn += c[j * d + t] * c[j * d + t]
        if not (b_sq < REACH32 * REACH32 and cn < 1e300):  # also false on NaN
            return False
        mp.half32[j] = <float>(0.5 * b_sq)
        s = sqrt(b_sq)
        mp.b_max = max(mp.b_max, s)
        # |c32_j - (c_j - ref)|: measured (1.001 covers its own rounding),
        # the rounding of c_j - ref, and underflow.
        mp.delta_c = max(mp.delta_c, 1.001 * sqrt(err_sq) + 4.0 * U64 * s
                         + mp.root_d * ETA32)
        mp.c_max = max(mp.c_max, 1.001 * sqrt(cn))
    if not (mp.ref_norm < 1e150):
        return False
    mp.usable = True
    return True


cdef inline double _x_norm_bound(const MixedPlan* mp, double y_norm) noexcept nogil:
    """An upper bound on |x| from |y| = |fl32(x - ref)|: |x| <= |x - ref| + |ref|."""
    return mp.ref_norm + 1.001 * y_norm + mp.root_d * ETA32


cdef inline double _error64(const MixedPlan* mp, double x_norm) noexcept nogil:
    """Bound on the float64 kernels' error in a compared value
    ``|c_j|^2/2 - x.c_j`` (Higham's gamma_d, the half norm, the subtraction)."""
    return mp.gamma64 * (x_norm * mp.c_max + 0.5 * mp.c_max * mp.c_max) + mp.eta64


cdef inline double _error32(const MixedPlan* mp, double y_norm) noexcept nogil:
    """Bound on the float32 kernels' error in a compared value
    ``|c32_j|^2/2 - y.c32_j`` of a float32 row of norm ``y_norm``."""
    return mp.gamma32 * (y_norm * mp.b_max + 0.5 * mp.b_max * mp.b_max) + mp.eta32


cdef inline double _moved(const MixedPlan* mp, double y_norm) noexcept nogil:
    """Bound on how far rounding a row and the centres to float32 moves any
    distance between them (delta)."""
    return mp.delta_c + 1.001 * U32 * y_norm + mp.root_d * ETA32


cdef inline bint _certified32(const MixedPlan* mp, double y_sq, double first,
                              double second) noexcept nogil:
    """Whether a row's float32 label is its nearest centre in exact
    arithmetic and in the float64 kernels: ``first`` and ``second`` are the
    float32 kernel's lowest value and runner-up over the other centres,
    ``y_sq`` the squared norm of the float32 row.

    In squared distances D_j = |x - c_j|^2: the float32 values give
    D~_j = |y|^2 + 2 value_j up to 2 e (their rounding) and the rounding of
    |y|^2; the rows and centres as rounded move every distance by at most
    delta, hence every squared distance (at most (|y| + B + delta)^2) by at
    most delta (2 (|y| + B) + 3 delta); and the float64 kernels must see the
    same order despite their own rounding (8 _error64).
    """
    cdef double y_norm = sqrt(y_sq)
    cdef double delta = _moved(mp, y_norm)
    cdef double needed = (4.0 * _error32(mp, y_norm) + 2.0 * mp.sum_err * y_sq
                          + 2.0 * delta * (2.0 * (y_norm + mp.b_max) + 3.0 * delta)
                          + 8.0 * _error64(mp, _x_norm_bound(mp, y_norm)))
    # False on NaN and inf (inf - inf, inf > inf), and beyond float32's reach.
    return y_norm < REACH32 and 2.0 * (second - first) > needed


cdef inline double _lower_second32(const MixedPlan* mp, double y_sq,
                                   double second) noexcept nogil:
    """A lower bound on the squared distance from a certified row to every
    centre but its own, from the float32 runner-up value (Hamerly's bound)."""
    cdef double y_norm = sqrt(y_sq)
    cdef double lo = y_sq - mp.sum_err * y_sq + 2.0 * (second - _error32(mp, y_norm))
    if not lo > 0:
        return 0.0
    cdef double root = sqrt(lo) * (1.0 - 4.0 * U64) - _moved(mp, y_norm)
    return root * root if root > 0 else 0.0


cdef bint _settle64(const MixedPlan* mp, MixedScratch* v, Py_ssize_t rows,
                    const double* c, const double* half_cnorm,
                    double* scratch) noexcept nogil:
    """Tier 2: labels (``v.lab64``) of the ``rows`` gathered float64 rows from
    today's float64 method; false unless every one is certified against
    that method's rounding."""
    cdef Py_ssize_t d = mp.d, k = mp.k, r
    cdef int m = <int>rows, n = <int>k, kk = <int>d
    cdef int lda = <int>d, ldb = <int>d, ldc = <int>rows
    cdef double one = 1.0, zero = 0.0
    cdef char trans = b'T', notrans = b'N'
    if mp.method64 == METHOD_GEMM:
        dgemm(&trans, &notrans, &m, &n, &kk, &one, v.gathered, &lda,
              <double*>c, &ldb, &zero, scratch, &ldc)
        kmk_argmin2_tile_f64(scratch, rows, k, half_cnorm, v.lab64, v.second64,
                             v.first64)
    else:
        kmk_nearest_two_dot_f64(v.gathered, rows, d, c, k, half_cnorm, scratch,
                                v.lab64, v.second64, v.first64)
    for r in range(rows):
        # Each value within _error64 of exact: the order holds for any
        # rounding within that bound (today's chunk's tile included).
        if not (v.second64[r] - v.first64[r]
                > 4.0 * _error64(mp, _x_norm_bound(mp, sqrt(v.y_sq[r])))):
            return False
    return True


cdef void _float32_nearest(const MixedPlan* mp, const double* x, Py_ssize_t rows,
                           int* lab, MixedScratch* v) noexcept nogil:
    """Tier 1's arithmetic: the rows shifted and rounded to float32, and their
    nearest float32 centre, lowest value and runner-up (``lab``,
    ``v.first32``, ``v.second32``; ``v.y_sq`` their squared norms)."""
    cdef Py_ssize_t d = mp.d, k = mp.k
    cdef int m = <int>rows, n = <int>k, kk = <int>d
    cdef int lda = <int>d, ldb = <int>d, ldc = <int>rows
    cdef float one = 1.0, zero = 0.0
    cdef char trans = b'T', notrans = b'N'
    kmk_shift_round(x, rows, d, mp.ref, v.y32, v.y_sq)
    if mp.method32 == METHOD_GEMM:
        sgemm(&trans, &notrans, &m, &n, &kk, &one, v.y32, &lda, <float*>mp.c32,
              &ldb, &zero, v.work32, &ldc)
        kmk_argmin2_tile_f32(v.work32, rows, k, mp.half32, lab, v.second32,
                             v.first32)
    else:
        kmk_nearest_two_dot_f32(v.y32, rows, d, mp.c32, k, mp.half32, v.work32,
                                lab, v.second32, v.first32)


cdef void _nearest_mixed(const MixedPlan* mp, const double* x, Py_ssize_t rows,
                         const double* c, const double* half_cnorm,
                         double* scratch, int* lab, double* best, bint exact,
                         char* ms) noexcept nogil:
    """``_nearest(mp.method64, ...)``'s labels (and, when ``exact``, its
    distances) for one chunk, through the three tiers.  ``scratch`` is the
    float64 kernels' scratch, ``ms`` this thread's mixed scratch."""
    cdef Py_ssize_t d = mp.d, k = mp.k, i, t, n_left = 0
    cdef MixedScratch v
    _carve(&v, ms, k, d)
    _float32_nearest(mp, x, rows, lab, &v)
    for i in range(rows):
        if not _certified32(mp, v.y_sq[i], <double>v.first32[i],
                            <double>v.second32[i]):
            v.left[n_left] = <int>i
            for t in range(d):
                v.gathered[n_left * d + t] = x[i * d + t]
            v.y_sq[n_left] = v.y_sq[i]  # n_left <= i: rows already read
            n_left = n_left + 1
    if n_left > 0:
        if not _settle64(mp, &v, n_left, c, half_cnorm, scratch):
            # Tier 3: a near-tie even in float64; the chunk exactly as the
            # plain float64 path runs it.
            _nearest(mp.method64, x, rows, d, c, half_cnorm, k, scratch, lab, best,
                     exact)
            v.tally[2] += rows
            return
        for i in range(n_left):
            lab[v.left[i]] = v.lab64[i]
    v.tally[0] += rows - n_left
    v.tally[1] += n_left
    if exact:
        _assigned_sqdist(x, rows, d, c, lab, best)


cdef void _nearest_two_mixed(const MixedPlan* mp, const double* x, Py_ssize_t rows,
                             const double* c, const double* half_cnorm,
                             double max_cnorm, double* scratch, int* lab,
                             double* best, double* second, char* ms) noexcept nogil:
    """``_nearest_two(mp.method64, ...)`` for the rows a Hamerly pass scans:
    the same labels and distances, and valid lower bounds ``second`` (from
    float32 where certified, else from the float64 kernel), through the same
    three tiers as :func:`_nearest_mixed`.  ``x`` holds the gathered rows."""
    cdef Py_ssize_t d = mp.d, k = mp.k, i, t, r, n_left = 0
    cdef MixedScratch v
    _carve(&v, ms, k, d)
    cdef double slack
    _float32_nearest(mp, x, rows, lab, &v)
    for i in range(rows):
        if _certified32(mp, v.y_sq[i], <double>v.first32[i], <double>v.second32[i]):
            second[i] = _lower_second32(mp, v.y_sq[i], <double>v.second32[i]) \
                if k > 1 else 1e300
        else:
            v.left[n_left] = <int>i
            for t in range(d):
                v.gathered[n_left * d + t] = x[i * d + t]
            v.y_sq[n_left] = v.y_sq[i]
            n_left = n_left + 1
    if n_left > 0:
        _nearest_two(mp.method64, v.gathered, n_left, d, c, half_cnorm, max_cnorm, k,
                     scratch, v.lab64, v.first64, v.second64)
        for r in range(n_left):
            # second64 bounds the other centres' squared distances from below,
            # first64 is the chosen one's by direct differences (relative
            # error (d + 2) u64): a gap beyond both kernels' rounding means
            # any float64 evaluation picks the same centre.
            slack = 16.0 * _error64(mp, _x_norm_bound(mp, sqrt(v.y_sq[r])))
            if not (v.second64[r] - v.first64[r] * (1.0 + 2.02 * (d + 2) * U64)
                    > slack):
                _nearest_two(mp.method64, x, rows, d, c, half_cnorm, max_cnorm, k,
                             scratch, lab, best, second)
                v.tally[2] += rows
                return
        for r in range(n_left):
            lab[v.left[r]] = v.lab64[r]
            second[v.left[r]] = v.second64[r]
    for i in range(rows):
        best[i] = _sqdist(x + i * d, c + lab[i] * d, d)
    v.tally[0] += rows - n_left
    v.tally[1] += n_left
