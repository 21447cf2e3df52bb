# Compiled kernels of kmeanskit: nearest-centre assignment, the fused Lloyd
# pass and the running minimum distance of k-means++, for float32 and float64.
#
# Everything here assumes validated input: C-contiguous arrays of one float
# dtype, matching widths, k >= 1.  The Python side (the compiled engine)
# guarantees that; these functions only check what would otherwise crash.
#
# Memory: rows are processed in chunks of at most CHUNK_ROWS; the only
# per-thread buffer is one chunk-by-k tile, so no n-by-k matrix is allocated.
#
# Three ways to find the nearest centre of each row of a chunk (``method``):
#   DIRECT: squared distances by direct differences, vectorised over blocks
#           of rows (transposed, sums and minima in registers).  Exact, and
#           the fastest for a few features and few centres.
#   GEMM:   the identity |x - c|^2 = |x|^2 - 2 x.c + |c|^2, with x.c for the
#           whole chunk from one BLAS gemm call (single-threaded BLAS inside
#           each OpenMP thread).  Fastest for many features.
#   DOT:    the same identity with the products summed by fused multiply-adds
#           on DIRECT's register blocks, compared as they come (no tile, no
#           BLAS call).  Fastest in between; only where FMA is in hardware
#           (FAST_FMA).
# Every way the reported distance to the chosen centre is recomputed by
# direct differences, so distances and inertia carry no cancellation error.
#
# Threads: OpenMP over fixed row blocks.  The blocks do not depend on the
# thread count and their float64 partial sums are reduced in block order, so
# results are bit-for-bit the same whatever the number of threads.

from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport sqrt
from libc.stdlib cimport free, malloc, calloc
from cpython.exc cimport PyErr_CheckSignals
from scipy.linalg.cython_blas cimport dgemm, sgemm

include "_team.pxi"


cdef void* _alloc64(size_t nbytes, bint zeroed) noexcept nogil:
    """``nbytes`` (zeroed if asked) starting at a 64-byte boundary, or NULL;
    release with ``_free64``.  Tiles and per-block sums then start on a
    cache line wherever malloc puts them: measured, a float64 pass took 27
    or 35 ms from one call to the next by where its buffers happened to
    land.  (The pointer malloc gave is kept just below the aligned one.)"""
    cdef char* raw = <char*>(calloc(nbytes + 64, 1) if zeroed else malloc(nbytes + 64))
    if raw == NULL:
        return NULL
    # malloc's alignment (at least 16) leaves 16 to 64 bytes below for it.
    cdef char* p = raw + 64 - (<size_t>raw) % 64
    (<void**>p)[-1] = raw
    return p


cdef void _free64(void* p) noexcept nogil:
    """Release what ``_alloc64`` gave (NULL is ignored)."""
    if p != NULL:
        free((<void**>p)[-1])


cdef inline Py_ssize_t _lines(Py_ssize_t n_doubles) noexcept nogil:
    """``n_doubles`` rounded up to whole 64-byte lines (of 8 doubles)."""
    return (n_doubles + 7) // 8 * 8

cdef enum:
    # Rows per chunk: a chunk of a few hundred rows and its tile stay in cache.
    CHUNK_ROWS = 256
    # Upper bound on the number of independent row blocks of a Lloyd pass, and
    # on the memory their partial sums may take.  Both are constants, never the
    # thread count, which is what makes the reduction order fixed.
    MAX_BLOCKS = 32
    BLOCK_BUFFER_BYTES = 8 * 1024 * 1024
    # Rows the float64 direct kernels of k-means++ handle at once (_simd.h).
    GROUP_ROWS = 8


cdef enum Method:
    METHOD_DIRECT = 0
    METHOD_GEMM = 1
    METHOD_DOT = 2

# Values of ``method`` for Python callers.
DIRECT = METHOD_DIRECT
GEMM = METHOD_GEMM
DOT = METHOD_DOT

HAVE_OPENMP = bool(KMK_HAVE_OPENMP)
FAST_FMA = bool(kmk_fast_fma())
WIDE_VECTORS = bool(kmk_wide_vectors())
CHUNK = CHUNK_ROWS


def max_threads():
    """Number of threads OpenMP would use by default (1 without OpenMP)."""
    return kmk_max_threads()



# --------------------------------------------------------------------------
# Per-row helpers

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


# --------------------------------------------------------------------------
# Nearest centre for one chunk of rows

cdef inline Py_ssize_t _scratch_size(Py_ssize_t k, Py_ssize_t d) noexcept nogil:
    """Elements of per-thread scratch: the GEMM tile, or a transposed block of
    rows and (Hamerly) the runner-up distances."""
    cdef Py_ssize_t tile = CHUNK_ROWS * k
    cdef Py_ssize_t direct = CHUNK_ROWS * (d + 1)
    return (tile if tile > direct else direct) + 2 * CHUNK_ROWS


cdef extern from "_simd.h" nogil:
    void kmk_nearest_direct_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                                const float* c, Py_ssize_t k, float* xl,
                                int* lab, float* best)
    void kmk_nearest_direct_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                                const double* c, Py_ssize_t k, double* xl,
                                int* lab, double* best)
    void kmk_nearest_dot_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                             const float* c, Py_ssize_t k,
                             const float* half_cnorm, float* xl, int* lab)
    void kmk_nearest_dot_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                             const double* c, Py_ssize_t k,
                             const double* half_cnorm, double* xl, int* lab)
    void kmk_nearest_two_dot_f32(const float* x, Py_ssize_t rows,
                                 Py_ssize_t d, const float* c, Py_ssize_t k,
                                 const float* half_cnorm, float* xl, int* lab,
                                 float* second_value, float* low)
    void kmk_nearest_two_dot_f64(const double* x, Py_ssize_t rows,
                                 Py_ssize_t d, const double* c, Py_ssize_t k,
                                 const double* half_cnorm, double* xl,
                                 int* lab, double* second_value, double* low)
    int kmk_fast_fma()
    int kmk_wide_vectors()
    void kmk_argmin_tile_f32(const float* tile, Py_ssize_t rows, Py_ssize_t k,
                             const float* half_cnorm, int* lab)
    void kmk_argmin_tile_f64(const double* tile, Py_ssize_t rows, Py_ssize_t k,
                             const double* half_cnorm, int* lab)
    void kmk_accumulate_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                            Py_ssize_t k, const int* lab, const double* w,
                            double* sums, double* counts)
    void kmk_accumulate_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                            Py_ssize_t k, const int* lab, const double* w,
                            double* sums, double* counts)
    void kmk_chunk_stats_f32(const float* sq, Py_ssize_t rows, const double* w,
                             double* stats)
    void kmk_chunk_stats_f64(const double* sq, Py_ssize_t rows, const double* w,
                             double* stats)
    void kmk_nearest_two_direct_f32(const float* x, Py_ssize_t rows,
                                    Py_ssize_t d, const float* c, Py_ssize_t k,
                                    float* xl, int* lab, float* best,
                                    float* second)
    void kmk_nearest_two_direct_f64(const double* x, Py_ssize_t rows,
                                    Py_ssize_t d, const double* c,
                                    Py_ssize_t k, double* xl, int* lab,
                                    double* best, double* second)
    void kmk_argmin2_tile_f32(const float* tile, Py_ssize_t rows, Py_ssize_t k,
                              const float* half_cnorm, int* lab,
                              float* second_value, float* low)
    void kmk_argmin2_tile_f64(const double* tile, Py_ssize_t rows,
                              Py_ssize_t k, const double* half_cnorm, int* lab,
                              double* second_value, double* low)
    void kmk_row_sqnorms_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                             double* xnorm)
    void kmk_row_sqnorms_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                             double* xnorm)
    void kmk_shift_round(const double* x, Py_ssize_t rows, Py_ssize_t d,
                         const double* ref, float* y, double* y_sq)
    void kmk_assigned_sqdist_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                                 const float* c, const int* lab, float* best)
    void kmk_assigned_sqdist_f64(const double* x, Py_ssize_t rows,
                                 Py_ssize_t d, const double* c, const int* lab,
                                 double* best)
    void kmk_lower_sqdist_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                              const float* c, Py_ssize_t m, double* current)
    void kmk_lower_sqdist_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                              const double* c, Py_ssize_t m, double* current)
    void kmk_potentials_direct_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                                   const float* c, Py_ssize_t m,
                                   const double* current, const double* w,
                                   double* xt, double* acc, double* potentials)
    void kmk_potentials_direct_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                                   const double* c, Py_ssize_t m,
                                   const double* current, const double* w,
                                   double* xt, double* acc, double* potentials)
    void kmk_potentials_tile_f32(const float* x, Py_ssize_t rows, Py_ssize_t d,
                                 const float* tile, Py_ssize_t m,
                                 const double* cnorm, const double* current,
                                 const double* w, double* acc,
                                 double* potentials)
    void kmk_potentials_tile_f64(const double* x, Py_ssize_t rows, Py_ssize_t d,
                                 const double* tile, Py_ssize_t m,
                                 const double* cnorm, const double* current,
                                 const double* w, double* acc,
                                 double* potentials)


cdef inline void _chunk_totals(const floating* x, Py_ssize_t rows,
                               Py_ssize_t d, Py_ssize_t k, const int* lab,
                               const floating* sq, const double* w,
                               double* sums, double* counts,
                               double* stats) noexcept nogil:
    """Add one chunk's rows to its clusters' sums and counts, and (unless
    ``sq`` is NULL) its squared and plain distances to ``stats``; the same
    code for every kind of pass, so Lloyd and Hamerly passes add in the same
    order."""
    if floating is float:
        kmk_accumulate_f32(x, rows, d, k, lab, w, sums, counts)
        if sq != NULL:
            kmk_chunk_stats_f32(sq, rows, w, stats)
    else:
        kmk_accumulate_f64(x, rows, d, k, lab, w, sums, counts)
        if sq != NULL:
            kmk_chunk_stats_f64(sq, rows, w, stats)


cdef inline void _nearest_direct(const floating* x, Py_ssize_t rows,
                                 Py_ssize_t d, const floating* c, Py_ssize_t k,
                                 floating* scratch, int* lab,
                                 floating* best) noexcept nogil:
    """Nearest centre by direct differences, vectorised over the chunk's rows
    (C, in _simd.h, compiled for several SIMD widths)."""
    if floating is float:
        kmk_nearest_direct_f32(x, rows, d, c, k, scratch, lab, best)
    else:
        kmk_nearest_direct_f64(x, rows, d, c, k, scratch, lab, best)


cdef void _nearest_gemm(const floating* x, Py_ssize_t rows, Py_ssize_t d,
                        const floating* c, const floating* half_cnorm,
                        Py_ssize_t k, floating* scratch, int* lab,
                        floating* best) noexcept nogil:
    """Nearest centre by the GEMM identity; ``best`` (unless NULL) gets the
    exact distance.

    ``tile[j, i] = x_i . c_j`` for the chunk comes from one gemm call; the
    argmin of ``|c_j|^2 / 2 - x_i . c_j`` is the nearest centre (|x_i|^2 is the
    same for every j).  BLAS is column-major: the row-major (k x rows) tile is
    the column-major (rows x k) product X . C^T, so each centre's products
    are contiguous and the argmin runs over the rows, vectorised.
    """
    cdef floating* tile = scratch
    cdef int m = <int>rows, n = <int>k, kk = <int>d
    cdef int lda = <int>d, ldb = <int>d, ldc = <int>rows
    cdef floating one = 1.0, zero = 0.0
    cdef char trans = b'T', notrans = b'N'
    if floating is float:
        sgemm(&trans, &notrans, &m, &n, &kk, &one, <float*>x, &lda,
              <float*>c, &ldb, &zero, tile, &ldc)
        kmk_argmin_tile_f32(tile, rows, k, half_cnorm, lab)
    else:
        dgemm(&trans, &notrans, &m, &n, &kk, &one, <double*>x, &lda,
              <double*>c, &ldb, &zero, tile, &ldc)
        kmk_argmin_tile_f64(tile, rows, k, half_cnorm, lab)
    if best != NULL:
        _assigned_sqdist(x, rows, d, c, lab, best)


cdef inline void _assigned_sqdist(const floating* x, Py_ssize_t rows,
                                  Py_ssize_t d, const floating* c,
                                  const int* lab, floating* best) noexcept nogil:
    """``best[i]`` = squared distance from row i to centre ``lab[i]``, by
    direct differences in feature order (the direct kernels' sums)."""
    if floating is float:
        kmk_assigned_sqdist_f32(x, rows, d, c, lab, best)
    else:
        kmk_assigned_sqdist_f64(x, rows, d, c, lab, best)


cdef inline void _nearest(int method, const floating* x, Py_ssize_t rows,
                          Py_ssize_t d, const floating* c,
                          const floating* half_cnorm, Py_ssize_t k,
                          floating* scratch, int* lab, floating* best,
                          bint exact=True) noexcept nogil:
    """Nearest centre of each row into ``lab``; ``best`` gets the exact
    distances unless ``exact`` is false (then the GEMM and DOT methods skip
    them and ``best`` is only scratch)."""
    if method == METHOD_GEMM:
        _nearest_gemm(x, rows, d, c, half_cnorm, k, scratch, lab,
                      best if exact else NULL)
    elif method == METHOD_DOT:
        if floating is float:
            kmk_nearest_dot_f32(x, rows, d, c, k, half_cnorm, scratch, lab)
        else:
            kmk_nearest_dot_f64(x, rows, d, c, k, half_cnorm, scratch, lab)
        if exact:
            _assigned_sqdist(x, rows, d, c, lab, best)
    else:
        _nearest_direct(x, rows, d, c, k, scratch, lab, best)


cdef void _fill_half_norms(const floating* c, Py_ssize_t k, Py_ssize_t d,
                           floating* out) noexcept nogil:
    """``out[j] = |c_j|^2 / 2`` for every centre."""
    cdef Py_ssize_t j, t
    cdef floating s
    for j in range(k):
        s = 0
        for t in range(d):
            s = s + c[j * d + t] * c[j * d + t]
        out[j] = s / 2


cdef floating* _half_norms(const floating* c, Py_ssize_t k, Py_ssize_t d) noexcept nogil:
    """A new array of ``|c_j|^2 / 2`` (NULL on allocation failure)."""
    cdef floating* out = <floating*>malloc(k * sizeof(floating))
    if out != NULL:
        _fill_half_norms(c, k, d, out)
    return out


include "_mixed.pxi"


cdef int _check_features(Py_ssize_t d, str kernel) except -1:
    # Zero-width rows would leave the kernels' buffers unwritten; validation
    # rejects such data first, this keeps a direct call safe too.
    if d < 1:
        raise ValueError(f"{kernel}: the data has no features (d = 0)")
    return 0


cdef int _check_method(int method) except -1:
    """A plain method, or a float64 GEMM/DOT method with a float32 one
    encoded above it (:func:`mixed`; only float64 data reads it)."""
    cdef int base = method & METHOD_MASK, single = _mixed_method32(method)
    if base != METHOD_DIRECT and base != METHOD_GEMM and base != METHOD_DOT:
        raise ValueError(f"unknown kernel method {method}")
    if single >= 0 and ((single != METHOD_GEMM and single != METHOD_DOT)
                        or base == METHOD_DIRECT):
        raise ValueError(f"unknown mixed-precision method {method}")
    return 0


def uses_blas(int method):
    """Whether ``method`` (plain or mixed) calls BLAS from its threads."""
    return (method & METHOD_MASK) == METHOD_GEMM or _mixed_method32(method) == METHOD_GEMM


def mixed(int method64, int method32):
    """The ``method`` value for certified mixed precision on float64 data:
    nearest centres by float32 ``method32`` (GEMM or DOT) where a rigorous
    error bound certifies them, by float64 ``method64`` (GEMM or DOT)
    elsewhere, with the labels and distances of ``method64`` alone (see
    ``_mixed.pxi``).  float32 data runs ``method64``."""
    method = method64 | ((method32 + 1) << MIXED_SHIFT)
    _check_method(method)
    return method


# --------------------------------------------------------------------------
# Public kernels

def assign(const floating[:, ::1] x, const floating[:, ::1] c,
           int[::1] labels, floating[::1] sqdist, int method, int n_threads):
    """Nearest centre of every row of ``x``.

    Parameters
    ----------
    x : (n, d) array, IN
    c : (k, d) array of the same dtype, IN
    labels : (n,) int32 array, OUT
        Index of the nearest centre; with ``DIRECT`` the lowest index wins
        exact ties.
    sqdist : (n,) array of the data dtype, OUT
        Squared distance to that centre, by direct differences.
    method : {DIRECT, GEMM, DOT}
    n_threads : int
        OpenMP threads (ignored without OpenMP).
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], k = c.shape[0]
    _check_features(d, "assign")
    _check_method(method)
    if c.shape[1] != d or labels.shape[0] != n or sqdist.shape[0] != n:
        raise ValueError("assign: inconsistent array shapes")
    if n == 0:
        return
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef int threads = _team_size(n_threads, n_chunks, n * k * d)
    cdef Py_ssize_t scratch_size = _scratch_size(k, d)
    cdef floating* scratch = <floating*>_alloc64(
        threads * scratch_size * sizeof(floating), False)
    cdef floating* half_cnorm = _half_norms(&c[0, 0], k, d)
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    cdef Py_ssize_t chunk, start, rows
    cdef MixedPlan mixed_plan
    cdef MixedPlan* mp = NULL
    mixed_plan.buffer = NULL
    try:
        if scratch == NULL or half_cnorm == NULL:
            raise MemoryError("assign: cannot allocate scratch buffers")
        if floating is double:
            _mixed_alloc(&mixed_plan, method, k, d, threads)
            if mixed_plan.buffer != NULL and _mixed_prepare(&mixed_plan, cp):
                mp = &mixed_plan
        method = method & METHOD_MASK
        for chunk in prange(n_chunks, nogil=True, schedule='static',
                            num_threads=threads, use_threads_if=threads > 1):
            kmk_note_team(chunk)
            start = chunk * CHUNK_ROWS
            rows = min(CHUNK_ROWS, n - start)
            if floating is double:
                if mp != NULL:
                    _nearest_mixed(mp, xp + start * d, rows, cp, half_cnorm,
                                   scratch + threadid() * scratch_size,
                                   &labels[start], &sqdist[start], True,
                                   mp.scratch + threadid() * mp.scratch_bytes)
                    continue
            _nearest(method, xp + start * d, rows, d, cp, half_cnorm, k,
                     scratch + threadid() * scratch_size,
                     &labels[start], &sqdist[start])
    finally:
        _free64(scratch)
        free(half_cnorm)
        _mixed_free(&mixed_plan)


cdef void _lloyd_block(int method, const floating* x, const floating* c,
                       const floating* half_cnorm, const double* w,
                       Py_ssize_t row_start, Py_ssize_t row_stop,
                       Py_ssize_t k, Py_ssize_t d, floating* scratch,
                       double* sums, double* counts, double* stats,
                       int* labels, bint with_stats, const MixedPlan* mp,
                       char* ms) noexcept nogil:
    """Accumulate rows [row_start, row_stop) into one block's partial sums.

    ``stats`` receives [weighted sum of squared distances, weighted sum of
    distances] (zeros unless ``with_stats``).  ``labels`` may be NULL.  With
    ``mp`` (float64 data only) the nearest centres come through certified
    mixed precision, ``ms`` being this thread's scratch for it.
    """
    cdef Py_ssize_t start, rows
    cdef floating* best = scratch + _scratch_size(k, d) - 2 * CHUNK_ROWS
    cdef int* lab = <int*>(best + CHUNK_ROWS)
    cdef int* chunk_lab
    stats[0] = 0
    stats[1] = 0
    start = row_start
    while start < row_stop:
        rows = min(<Py_ssize_t>CHUNK_ROWS, row_stop - start)
        chunk_lab = lab if labels == NULL else labels + start
        if floating is double:
            if mp != NULL:
                _nearest_mixed(mp, x + start * d, rows, c, half_cnorm, scratch,
                               chunk_lab, best, with_stats, ms)
            else:
                _nearest(method, x + start * d, rows, d, c, half_cnorm, k,
                         scratch, chunk_lab, best, with_stats)
        else:
            _nearest(method, x + start * d, rows, d, c, half_cnorm, k, scratch,
                     chunk_lab, best, with_stats)
        _chunk_totals(x + start * d, rows, d, k, chunk_lab,
                      best if with_stats else NULL,
                      NULL if w == NULL else w + start, sums, counts, stats)
        start += rows


cdef struct PassPlan:
    # How a Lloyd pass over n rows splits its work; fixed for given shapes.
    Py_ssize_t n_chunks
    Py_ssize_t n_blocks
    Py_ssize_t stride          # doubles per block: k*d sums, k counts, 2 stats
    Py_ssize_t scratch_size    # elements of per-thread scratch
    int threads


cdef PassPlan _plan_pass(Py_ssize_t n, Py_ssize_t d, Py_ssize_t k,
                         int n_threads) noexcept nogil:
    """Fixed partition of the rows into blocks (independent of n_threads)."""
    cdef PassPlan plan
    plan.n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    plan.stride = _lines(k * d + k + 2)
    plan.n_blocks = min(<Py_ssize_t>MAX_BLOCKS, plan.n_chunks)
    plan.n_blocks = max(1, min(plan.n_blocks,
                               BLOCK_BUFFER_BYTES // (plan.stride * sizeof(double))))
    plan.threads = _team_size(n_threads, plan.n_blocks, n * k * d)
    plan.scratch_size = _scratch_size(k, d)
    return plan


cdef void _run_pass(PassPlan* plan, int method, const floating* x,
                    Py_ssize_t n, Py_ssize_t d, const floating* c,
                    Py_ssize_t k, const floating* half_cnorm, const double* w,
                    int* labels, double* buf, floating* scratch, double* sums,
                    double* counts, double* stats, bint with_stats,
                    const MixedPlan* mp) noexcept nogil:
    """One Lloyd pass into ``sums`` (k*d), ``counts`` (k) and ``stats``
    ([inertia, distance sum]; zeros unless ``with_stats``: a pass whose
    distances nobody reads skips them), using the caller's zeroed ``buf``
    and scratch; ``mp``: certified mixed precision (or NULL)."""
    cdef Py_ssize_t b, row_start, row_stop
    cdef double* blk
    for b in prange(plan.n_blocks, schedule='dynamic', num_threads=plan.threads,
                    use_threads_if=plan.threads > 1):
        kmk_note_team(b)
        # Block b gets whole chunks, spread as evenly as possible.
        row_start = ((b * plan.n_chunks) // plan.n_blocks) * CHUNK_ROWS
        row_stop = min((((b + 1) * plan.n_chunks) // plan.n_blocks) * CHUNK_ROWS, n)
        blk = buf + b * plan.stride
        _lloyd_block(method, x, c, half_cnorm, w, row_start, row_stop, k, d,
                     scratch + threadid() * plan.scratch_size,
                     blk, blk + k * d, blk + k * d + k, labels, with_stats, mp,
                     NULL if mp == NULL else mp.scratch + threadid() * mp.scratch_bytes)
    _reduce_blocks(buf, plan.n_blocks, plan.stride, k, d, 2, sums, counts, stats)


cdef void _reduce_blocks(const double* buf, Py_ssize_t n_blocks,
                         Py_ssize_t stride, Py_ssize_t k, Py_ssize_t d,
                         Py_ssize_t n_stats, double* sums, double* counts,
                         double* stats) noexcept nogil:
    """Add up the blocks' partial sums, counts and ``n_stats`` statistics
    (each block: k*d sums, k counts, then the statistics) into the zeroed
    outputs, in block order: the same order for every thread count."""
    cdef Py_ssize_t b, j
    cdef const double* blk
    for j in range(k * d):
        sums[j] = 0
    for j in range(k):
        counts[j] = 0
    for j in range(n_stats):
        stats[j] = 0
    for b in range(n_blocks):
        blk = buf + b * stride
        for j in range(k):
            counts[j] += blk[k * d + j]
        for j in range(k * d):
            sums[j] += blk[j]
        for j in range(n_stats):
            stats[j] += blk[k * d + k + j]


def lloyd_pass(const floating[:, ::1] x, const floating[:, ::1] c,
               const double[::1] weights, double[:, ::1] sums,
               double[::1] counts, int[::1] labels, int method, int n_threads):
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
    method : {DIRECT, GEMM, DOT}
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
    _check_features(d, "lloyd_pass")
    _check_method(method)
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
    cdef PassPlan plan = _plan_pass(n, d, k, n_threads)
    cdef double* buf = <double*>_alloc64(
        plan.n_blocks * plan.stride * sizeof(double), True)
    cdef floating* scratch = <floating*>_alloc64(
        plan.threads * plan.scratch_size * sizeof(floating), False)
    cdef floating* half_cnorm = _half_norms(&c[0, 0], k, d)
    cdef double stats[2]
    cdef MixedPlan mixed_plan
    cdef MixedPlan* mp = NULL
    mixed_plan.buffer = NULL
    try:
        if buf == NULL or scratch == NULL or half_cnorm == NULL:
            raise MemoryError("lloyd_pass: cannot allocate block buffers")
        if floating is double:
            _mixed_alloc(&mixed_plan, method, k, d, plan.threads)
            if mixed_plan.buffer != NULL and _mixed_prepare(&mixed_plan, &c[0, 0]):
                mp = &mixed_plan
        with nogil:
            _run_pass(&plan, method & METHOD_MASK, &x[0, 0], n, d, &c[0, 0], k,
                      half_cnorm, NULL if weights is None else &weights[0],
                      NULL if labels is None else &labels[0],
                      buf, scratch, &sums[0, 0], &counts[0], stats, True, mp)
    finally:
        _free64(buf)
        _free64(scratch)
        free(half_cnorm)
        _mixed_free(&mixed_plan)
    return stats[0], stats[1]


def lloyd_iterations(const floating[:, ::1] x, floating[:, ::1] centres,
                     const double[::1] weights, double[:, ::1] sums,
                     double[::1] counts, int[::1] labels, int n_iter,
                     int method, int n_threads):
    """``n_iter`` Lloyd iterations in one call (what small inputs need).

    Exactly what ``n_iter`` calls of ``lloyd_pass``, each followed by the mean
    update of kmeanskit's loop (``sums / counts`` rounded to the data dtype;
    a centre whose cluster is empty keeps its place), would give, without a
    return to Python in between.

    Parameters
    ----------
    x : (n, d) array, IN
    centres : (k, d) array of the same dtype, INOUT
        Starting centres; on return, the centres after the last update.
    weights : (n,) float64 array or None, IN
    sums, counts : OUT
        Of the last pass, as in ``lloyd_pass``.
    labels : (n,) int32 array or None, OUT
        The assignment of the last pass (against the centres before the last
        update).
    n_iter : int
        Number of passes, >= 1.
    method, n_threads :
        As in ``lloyd_pass``.

    Returns
    -------
    inertia, distance_sum : float
        Of the last pass.
    empty_passes : int
        Passes after which at least one cluster was empty.
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], k = centres.shape[0]
    _check_features(d, "lloyd_iterations")
    _check_method(method)
    if n_iter < 1:
        raise ValueError("lloyd_iterations: n_iter must be >= 1")
    if (centres.shape[1] != d or sums.shape[0] != k or sums.shape[1] != d
            or counts.shape[0] != k or n == 0):
        raise ValueError("lloyd_iterations: inconsistent array shapes")
    if weights is not None and weights.shape[0] != n:
        raise ValueError("lloyd_iterations: weights must have one entry per row")
    if labels is not None and labels.shape[0] != n:
        raise ValueError("lloyd_iterations: labels must have one entry per row")
    cdef PassPlan plan = _plan_pass(n, d, k, n_threads)
    cdef double* buf = <double*>_alloc64(
        plan.n_blocks * plan.stride * sizeof(double), False)
    cdef floating* scratch = <floating*>_alloc64(
        plan.threads * plan.scratch_size * sizeof(floating), False)
    cdef floating* half_cnorm = <floating*>malloc(k * sizeof(floating))
    cdef floating* cp = &centres[0, 0]
    cdef double* sp = &sums[0, 0]
    cdef double* np_ = &counts[0]
    cdef const double* wp = NULL if weights is None else &weights[0]
    cdef int* lp = NULL if labels is None else &labels[0]
    cdef double stats[2]
    cdef Py_ssize_t it, i, j, t
    cdef int empty_passes = 0, any_empty
    cdef MixedPlan mixed_plan
    cdef MixedPlan* mp = NULL
    mixed_plan.buffer = NULL
    try:
        if buf == NULL or scratch == NULL or half_cnorm == NULL:
            raise MemoryError("lloyd_iterations: cannot allocate buffers")
        if floating is double:
            _mixed_alloc(&mixed_plan, method, k, d, plan.threads)
        method = method & METHOD_MASK
        with nogil:
            for it in range(n_iter):
                for i in range(plan.n_blocks * plan.stride):
                    buf[i] = 0
                _fill_half_norms(cp, k, d, half_cnorm)
                if floating is double:
                    mp = NULL
                    if mixed_plan.buffer != NULL and _mixed_prepare(&mixed_plan, cp):
                        mp = &mixed_plan
                # Only the last pass's labels and distances are returned.
                _run_pass(&plan, method, &x[0, 0], n, d, cp, k, half_cnorm, wp,
                          lp if it == n_iter - 1 else NULL, buf, scratch, sp,
                          np_, stats, it == n_iter - 1, mp)
                any_empty = 0
                for j in range(k):
                    if np_[j] > 0:
                        for t in range(d):
                            cp[j * d + t] = <floating>(sp[j * d + t] / np_[j])
                    else:
                        any_empty = 1
                empty_passes += any_empty
                if it < n_iter - 1:
                    # Ctrl-C between passes: raises KeyboardInterrupt here
                    # (the buffers are freed below; the data is only read).
                    with gil:
                        PyErr_CheckSignals()
    finally:
        _free64(buf)
        _free64(scratch)
        free(half_cnorm)
        _mixed_free(&mixed_plan)
    return stats[0], stats[1], empty_passes


def min_sqdist(const floating[:, ::1] x, const floating[:, ::1] c,
               double[::1] current, int n_threads):
    """Lower ``current`` to the squared distance to the nearest row of ``c``.

    Distances are computed by direct differences and summed in float64,
    feature by feature in order (what k-means++ seeding needs: exact,
    non-negative, independent of the data dtype, and the same sums as SciPy's
    draws are made from).  Meant for a few rows of ``c`` at a time: O(n d m)
    work.

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
    _check_features(d, "min_sqdist")
    if c.shape[1] != d or current.shape[0] != n:
        raise ValueError("min_sqdist: inconsistent array shapes")
    if n == 0 or m == 0:
        return
    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef int threads = _team_size(n_threads, n_chunks, n * m * d)
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    cdef Py_ssize_t chunk, start, rows
    for chunk in prange(n_chunks, nogil=True, schedule='static',
                        num_threads=threads, use_threads_if=threads > 1):
        kmk_note_team(chunk)
        start = chunk * CHUNK_ROWS
        rows = min(<Py_ssize_t>CHUNK_ROWS, n - start)
        if floating is float:
            kmk_lower_sqdist_f32(xp + start * d, rows, d, cp, m, &current[start])
        else:
            kmk_lower_sqdist_f64(xp + start * d, rows, d, cp, m, &current[start])


cdef void _potentials_chunk(int method, const floating* x, Py_ssize_t rows,
                            Py_ssize_t d, const floating* c, Py_ssize_t m,
                            const double* cnorm, const double* current,
                            const double* w, double* scratch,
                            double* potentials) noexcept nogil:
    """Add one chunk's terms to ``potentials`` (see candidate_potentials)."""
    cdef floating* tile
    cdef int mm = <int>m, nn = <int>rows, kk = <int>d
    cdef int lda = <int>d, ldb = <int>d, ldc = <int>rows
    cdef floating one = 1.0, zero = 0.0
    cdef char trans = b'T', notrans = b'N'
    if method != METHOD_DIRECT:
        # Row-major (m x rows) tile of x_i . c_j: the column-major (rows x m)
        # product X . C^T, so each candidate's products are contiguous.
        tile = <floating*>(scratch + 2 * rows)
        if floating is float:
            sgemm(&trans, &notrans, &nn, &mm, &kk, &one, <float*>x, &lda,
                  <float*>c, &ldb, &zero, tile, &ldc)
            kmk_potentials_tile_f32(x, rows, d, tile, m, cnorm, current, w,
                                    scratch, potentials)
        else:
            dgemm(&trans, &notrans, &nn, &mm, &kk, &one, <double*>x, &lda,
                  <double*>c, &ldb, &zero, tile, &ldc)
            kmk_potentials_tile_f64(x, rows, d, tile, m, cnorm, current, w,
                                    scratch, potentials)
    elif floating is float:
        kmk_potentials_direct_f32(x, rows, d, c, m, current, w, scratch,
                                  scratch + GROUP_ROWS * d, potentials)
    else:
        kmk_potentials_direct_f64(x, rows, d, c, m, current, w, scratch,
                                  scratch + GROUP_ROWS * d, potentials)


def candidate_potentials(const floating[:, ::1] x, const floating[:, ::1] c,
                         const double[::1] current, const double[::1] weights,
                         double[::1] potentials, int method, int n_threads):
    """The k-means++ potential after adding each candidate centre, in one pass.

    ``potentials[j] = sum_i w_i * min(current_i, |x_i - c_j|^2)``: what greedy
    k-means++ compares its candidates by.  One sweep over ``x`` for all the
    candidates, instead of one per candidate.  ``DIRECT`` computes the
    distances by float64 differences; ``GEMM`` by the identity
    ``|x|^2 + |c|^2 - 2 x.c`` (x.c from BLAS in the data dtype; the rest in
    float64, clamped at 0), which only serves to rank the candidates.

    Parameters
    ----------
    x : (n, d) array, IN
    c : (m, d) array of the same dtype, IN
        The candidates.
    current : (n,) float64 array, IN
        Squared distance from each row to its nearest centre so far.
    weights : (n,) float64 array or None, IN
    potentials : (m,) float64 array, OUT
    method : {DIRECT, GEMM, DOT}
    n_threads : int
        OpenMP threads (ignored without OpenMP).  Fixed row blocks added up
        in order: the result does not depend on it.
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], m = c.shape[0]
    _check_features(d, "candidate_potentials")
    _check_method(method)
    method = method & METHOD_MASK  # the draws use the distances themselves
    if c.shape[1] != d or current.shape[0] != n or potentials.shape[0] != m:
        raise ValueError("candidate_potentials: inconsistent array shapes")
    if weights is not None and weights.shape[0] != n:
        raise ValueError("candidate_potentials: weights must have one entry per row")
    potentials[:] = 0
    if n == 0 or m == 0:
        return
    cdef Py_ssize_t rows_per = CHUNK_ROWS
    # GEMM (DOT too: it has no tile kernel of its own here): two rows of
    # doubles, then the tile; direct: one transposed group of rows, then m
    # rows of distances plus one group's.
    cdef Py_ssize_t per_thread = (rows_per * (m + 2) if method != METHOD_DIRECT
                                  else GROUP_ROWS * d
                                  + m * (rows_per + GROUP_ROWS))
    cdef Py_ssize_t n_chunks = (n + rows_per - 1) // rows_per
    cdef Py_ssize_t n_blocks = min(<Py_ssize_t>MAX_BLOCKS, n_chunks)
    cdef int threads = _team_size(n_threads, n_blocks, n * m * d)
    cdef double* buf = <double*>calloc(n_blocks * m, sizeof(double))
    cdef double* scratch = <double*>malloc(threads * per_thread * sizeof(double))
    cdef double* cnorm = <double*>malloc(m * sizeof(double))
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    cdef const double* wp = NULL if weights is None else &weights[0]
    cdef Py_ssize_t b, j, t, chunk, start, rows
    cdef double s
    try:
        if buf == NULL or scratch == NULL or cnorm == NULL:
            raise MemoryError("candidate_potentials: cannot allocate buffers")
        for j in range(m):
            s = 0
            for t in range(d):
                s = s + <double>cp[j * d + t] * <double>cp[j * d + t]
            cnorm[j] = s
        for b in prange(n_blocks, nogil=True, schedule='dynamic',
                        num_threads=threads, use_threads_if=threads > 1):
            kmk_note_team(b)
            for chunk in range((b * n_chunks) // n_blocks,
                               ((b + 1) * n_chunks) // n_blocks):
                start = chunk * rows_per
                rows = min(rows_per, n - start)
                _potentials_chunk(method, xp + start * d, rows, d, cp, m, cnorm,
                                  &current[start],
                                  NULL if wp == NULL else wp + start,
                                  scratch + threadid() * per_thread,
                                  buf + b * m)
        for b in range(n_blocks):
            for j in range(m):
                potentials[j] += buf[b * m + j]
    finally:
        free(buf)
        free(scratch)
        free(cnorm)


# --------------------------------------------------------------------------
# Hamerly's algorithm: a Lloyd pass that skips most distance computations

cdef void _nearest_two(int method, const floating* x, Py_ssize_t rows,
                       Py_ssize_t d, const floating* c,
                       const floating* half_cnorm, double max_cnorm,
                       Py_ssize_t k, floating* scratch, int* lab,
                       floating* best, double* second) noexcept nogil:
    """``_nearest`` plus a lower bound on the squared distance from each row
    to every centre other than its nearest (``second``; 1e300 when k = 1).

    DIRECT gives the second-smallest distance itself.  GEMM's and DOT's come
    from the identity, so they are lowered by a bound on the identity's
    rounding error (products of d terms in the data dtype), which keeps them
    lower bounds.  The labels are those of ``_nearest`` with the same method.
    ``max_cnorm`` is the largest squared norm of a centre.
    """
    cdef Py_ssize_t i, t
    cdef floating* tile = scratch
    cdef floating* second_value = best  # GEMM: reused before best is set
    cdef int m = <int>rows, n = <int>k, kk = <int>d
    cdef int lda = <int>d, ldb = <int>d, ldc = <int>rows
    cdef floating one = 1.0, zero = 0.0
    cdef char trans = b'T', notrans = b'N'
    cdef double eps = 6.0e-8 if floating is float else 1.2e-16
    cdef double xnorm, value
    if method == METHOD_DIRECT:
        if floating is float:
            kmk_nearest_two_direct_f32(x, rows, d, c, k, scratch, lab, best,
                                       <float*>(scratch + CHUNK_ROWS * d))
        else:
            kmk_nearest_two_direct_f64(x, rows, d, c, k, scratch, lab, best,
                                       <double*>(scratch + CHUNK_ROWS * d))
        for i in range(rows):
            value = <double>scratch[CHUNK_ROWS * d + i]
            second[i] = value if k > 1 else 1e300
        return
    if method == METHOD_DOT:
        if floating is float:
            kmk_nearest_two_dot_f32(x, rows, d, c, k, half_cnorm, scratch, lab,
                                    second_value, NULL)
        else:
            kmk_nearest_two_dot_f64(x, rows, d, c, k, half_cnorm, scratch, lab,
                                    second_value, NULL)
    elif floating is float:
        sgemm(&trans, &notrans, &m, &n, &kk, &one, <float*>x, &lda,
              <float*>c, &ldb, &zero, tile, &ldc)
        kmk_argmin2_tile_f32(tile, rows, k, half_cnorm, lab, second_value, NULL)
    else:
        dgemm(&trans, &notrans, &m, &n, &kk, &one, <double*>x, &lda,
              <double*>c, &ldb, &zero, tile, &ldc)
        kmk_argmin2_tile_f64(tile, rows, k, half_cnorm, lab, second_value, NULL)
    if floating is float:
        kmk_row_sqnorms_f32(x, rows, d, second)
    else:
        kmk_row_sqnorms_f64(x, rows, d, second)
    for i in range(rows):
        if k == 1:
            second[i] = 1e300
        else:
            xnorm = second[i]
            value = 2.0 * <double>second_value[i] + xnorm
            value = value - 4.0 * (d + 2) * eps * (xnorm + 2.0 * max_cnorm)
            second[i] = value if value > 0 else 0.0
    # The chosen centre's distance: the same sums as _sqdist, four rows at once.
    _assigned_sqdist(x, rows, d, c, lab, best)


cdef inline Py_ssize_t _hamerly_scratch(Py_ssize_t k, Py_ssize_t d) noexcept nogil:
    """Elements of per-thread scratch of a Hamerly pass: the rows to scan,
    gathered; ``_nearest_two``'s scratch (one more row of distances than
    ``_nearest``'s); the chunk's distances and the nearest ones."""
    return CHUNK_ROWS * d + _scratch_size(k, d) + CHUNK_ROWS + 2 * CHUNK_ROWS


cdef void _hamerly_block(int method, const floating* x, const floating* c,
                         const floating* half_cnorm, double max_cnorm,
                         const double* half_sep, const double* other_shift,
                         const double* w, Py_ssize_t row_start,
                         Py_ssize_t row_stop, Py_ssize_t k, Py_ssize_t d,
                         bint initial, double margin, int* labels,
                         double* lower, floating* scratch, int* iscratch,
                         double* dscratch, double* sums, double* counts,
                         double* stats, const MixedPlan* mp,
                         char* ms) noexcept nogil:
    """One block of a Hamerly pass; see ``hamerly_pass``.  Per thread:
    ``scratch`` has ``_hamerly_scratch(k, d)`` elements, ``iscratch`` and
    ``dscratch`` 2 * CHUNK_ROWS and CHUNK_ROWS.

    Per chunk, the rows whose bounds cannot vouch for their centre are
    gathered and scanned together by the vectorised (or GEMM) nearest-two
    kernel, so a pass that must scan most rows costs about a plain pass.
    """
    cdef floating* gathered = scratch
    cdef floating* near_scratch = scratch + CHUNK_ROWS * d
    cdef floating* sqbuf = near_scratch + _scratch_size(k, d) + CHUNK_ROWS
    cdef floating* best = sqbuf + CHUNK_ROWS
    cdef int* scan_rows = iscratch
    cdef int* scan_labels = iscratch + CHUNK_ROWS
    cdef double* second = dscratch
    cdef Py_ssize_t start, rows, i, r, t, a, n_scan
    cdef const floating* row
    cdef double dist = 0, bound = 0, scans = 0
    stats[0] = 0
    stats[1] = 0
    start = row_start
    while start < row_stop:
        rows = min(<Py_ssize_t>CHUNK_ROWS, row_stop - start)
        n_scan = 0
        if not initial:
            # Exact distance to the current centre, every row of the chunk.
            _assigned_sqdist(x + start * d, rows, d, c, labels + start, sqbuf)
        for i in range(start, start + rows):
            row = x + i * d
            if not initial:
                a = labels[i]
                # Every other centre moved by at most other_shift[a]: the lower
                # bound on their distances drops by at most that much.
                lower[i] = lower[i] - other_shift[a]
                dist = sqrt(<double>sqbuf[i - start])
                bound = lower[i] if lower[i] > half_sep[a] else half_sep[a]
            if initial or not dist < bound * (1.0 - margin):
                # The bounds cannot vouch for the current centre: scan (its
                # distance in sqbuf is replaced by the scan's).
                scan_rows[n_scan] = <int>(i - start)
                for t in range(d):
                    gathered[n_scan * d + t] = row[t]
                n_scan = n_scan + 1
        if n_scan > 0:
            if floating is double:
                if mp != NULL:
                    _nearest_two_mixed(mp, gathered, n_scan, c, half_cnorm,
                                       max_cnorm, near_scratch, scan_labels, best,
                                       second, ms)
                else:
                    _nearest_two(method, gathered, n_scan, d, c, half_cnorm,
                                 max_cnorm, k, near_scratch, scan_labels, best,
                                 second)
            else:
                _nearest_two(method, gathered, n_scan, d, c, half_cnorm, max_cnorm,
                             k, near_scratch, scan_labels, best, second)
            for r in range(n_scan):
                i = start + scan_rows[r]
                labels[i] = scan_labels[r]
                sqbuf[i - start] = best[r]
                lower[i] = sqrt(second[r])
            scans += n_scan
        _chunk_totals(x + start * d, rows, d, k, labels + start, sqbuf,
                      NULL if w == NULL else w + start, sums, counts, stats)
        start += rows
    stats[2] = scans


def hamerly_pass(const floating[:, ::1] x, const floating[:, ::1] c,
                 const double[::1] half_sep, const double[::1] other_shift,
                 const double[::1] weights, int[::1] labels, double[::1] lower,
                 double[:, ::1] sums, double[::1] counts, bint initial,
                 int method, int n_threads):
    """One Lloyd pass with Hamerly's bounds (Hamerly, SDM 2010).

    Per point, the state is its label and a lower bound on the distance to
    every other centre.  The distance to the current centre is recomputed
    exactly (O(d)); when it is below both the lower bound and half the
    distance from that centre to its nearest other centre, no other centre
    can be nearer and the point keeps its label.  Otherwise the point is
    scanned: its nearest centre and a new lower bound come from the same
    ``method`` as ``lloyd_pass`` uses (the rows to scan are gathered per
    chunk), so the labels are those of ``lloyd_pass``.  A relative ``margin``
    makes the test conservative against rounding.

    Parameters
    ----------
    x : (n, d) array, IN
    c : (k, d) array of the same dtype, IN
    half_sep : (k,) float64, IN
        Half the distance from each centre to its nearest other centre.
    other_shift : (k,) float64, IN
        For each centre j, the largest move since the previous pass among the
        *other* centres.
    weights : (n,) float64 array or None, IN
    labels : (n,) int32, INOUT
    lower : (n,) float64, INOUT
    sums, counts : OUT, as in ``lloyd_pass``
    initial : bool
        First pass: no valid bounds yet, every point is scanned.
    method : {DIRECT, GEMM, DOT}
    n_threads : int

    Returns
    -------
    inertia, distance_sum : float
        As in ``lloyd_pass``.
    n_scans : int
        Points for which all k distances were computed.
    """
    cdef Py_ssize_t n = x.shape[0], d = x.shape[1], k = c.shape[0]
    _check_features(d, "hamerly_pass")
    _check_method(method)
    if (c.shape[1] != d or sums.shape[0] != k or sums.shape[1] != d
            or counts.shape[0] != k or half_sep.shape[0] != k
            or other_shift.shape[0] != k or labels.shape[0] != n
            or lower.shape[0] != n):
        raise ValueError("hamerly_pass: inconsistent array shapes")
    if weights is not None and weights.shape[0] != n:
        raise ValueError("hamerly_pass: weights must have one entry per row")
    sums[:, :] = 0
    counts[:] = 0
    if n == 0:
        return 0.0, 0.0, 0
    if not initial:
        _check_labels(labels, k, "hamerly_pass")
    # Rounding in the distances and bounds is far below this relative margin.
    cdef double eps = 6.0e-8 if floating is float else 1.2e-16
    cdef double margin = 8.0 * (d + 2) * eps

    cdef Py_ssize_t n_chunks = (n + CHUNK_ROWS - 1) // CHUNK_ROWS
    cdef Py_ssize_t stride = _lines(k * d + k + 3)
    cdef Py_ssize_t n_blocks = min(<Py_ssize_t>MAX_BLOCKS, n_chunks)
    n_blocks = max(1, min(n_blocks, BLOCK_BUFFER_BYTES // (stride * sizeof(double))))
    cdef int threads = _team_size(n_threads, n_blocks, n * k * d)
    cdef Py_ssize_t per_thread = _hamerly_scratch(k, d)
    cdef double* buf = <double*>_alloc64(n_blocks * stride * sizeof(double), True)
    cdef floating* scratch = <floating*>_alloc64(
        threads * per_thread * sizeof(floating), False)
    cdef int* iscratch = <int*>malloc(threads * 2 * CHUNK_ROWS * sizeof(int))
    cdef double* dscratch = <double*>malloc(threads * CHUNK_ROWS * sizeof(double))
    cdef floating* half_cnorm = _half_norms(&c[0, 0], k, d)
    cdef const floating* xp = &x[0, 0]
    cdef const floating* cp = &c[0, 0]
    cdef const double* wp = NULL if weights is None else &weights[0]
    cdef Py_ssize_t b, row_start, row_stop
    cdef int tid
    cdef double* blk
    cdef double stats[3]
    cdef double max_cnorm = 0
    cdef MixedPlan mixed_plan
    cdef MixedPlan* mp = NULL
    mixed_plan.buffer = NULL
    try:
        if (buf == NULL or scratch == NULL or iscratch == NULL
                or dscratch == NULL or half_cnorm == NULL):
            raise MemoryError("hamerly_pass: cannot allocate block buffers")
        for i in range(k):
            max_cnorm = max(max_cnorm, 2.0 * <double>half_cnorm[i])
        if floating is double:
            _mixed_alloc(&mixed_plan, method, k, d, threads)
            if mixed_plan.buffer != NULL and _mixed_prepare(&mixed_plan, cp):
                mp = &mixed_plan
        method = method & METHOD_MASK
        for b in prange(n_blocks, nogil=True, schedule='dynamic',
                        num_threads=threads, use_threads_if=threads > 1):
            kmk_note_team(b)
            row_start = ((b * n_chunks) // n_blocks) * CHUNK_ROWS
            row_stop = min((((b + 1) * n_chunks) // n_blocks) * CHUNK_ROWS, n)
            blk = buf + b * stride
            tid = threadid()
            _hamerly_block(method, xp, cp, half_cnorm, max_cnorm,
                           &half_sep[0], &other_shift[0], wp,
                           row_start, row_stop, k, d, initial, margin,
                           &labels[0], &lower[0],
                           scratch + tid * per_thread,
                           iscratch + tid * 2 * CHUNK_ROWS,
                           dscratch + tid * CHUNK_ROWS,
                           blk, blk + k * d, blk + k * d + k, mp,
                           NULL if mp == NULL
                           else mp.scratch + tid * mp.scratch_bytes)
        _reduce_blocks(buf, n_blocks, stride, k, d, 3, &sums[0, 0], &counts[0],
                       stats)
    finally:
        _free64(buf)
        _free64(scratch)
        free(iscratch)
        free(dscratch)
        free(half_cnorm)
        _mixed_free(&mixed_plan)
    return stats[0], stats[1], int(stats[2])


include "_yinyang.pxi"
