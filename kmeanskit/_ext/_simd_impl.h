/*
 * Template body of _simd.h: KMK_T is the element type, KMK_NAME(base) the
 * suffixed function name.  Included once per type; no include guard.
 */

/* Rows that the direct and argmin kernels handle at once, their running
 * minima and labels held in registers: four 512-bit vectors' worth. */
#define KMK_RB ((ptrdiff_t)(256 / sizeof(KMK_T)))

/*
 * kmk_select: a where the mask m is all ones, b where it is zero.  Written
 * with integer operations because compilers turn the conditional expression
 * `better ? a : b` on an array element into a masked store to memory, where
 * this stays a blend in registers.
 */
static KMK_ALWAYS_INLINE KMK_T
KMK_NAME(kmk_select)(KMK_MASK m, KMK_T a, KMK_T b)
{
    KMK_MASK ia, ib, r;
    KMK_T v;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    r = (ia & m) | (ib & ~m);
    memcpy(&v, &r, sizeof v);
    return v;
}

/*
 * kmk_load_block: xl (d x KMK_RB, row-major) = the g <= KMK_RB rows of x
 * (row-major, d features) transposed; lanes past g repeat the last row, so
 * every lane holds a real value.
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_load_block)(const KMK_T *restrict x, ptrdiff_t g, ptrdiff_t d,
                         KMK_T *restrict xl)
{
    ptrdiff_t r, t;
    if (g == KMK_RB) {
        for (t = 0; t < d; ++t)
            for (r = 0; r < KMK_RB; ++r)
                xl[t * KMK_RB + r] = x[r * d + t];
    } else {
        for (t = 0; t < d; ++t)
            for (r = 0; r < KMK_RB; ++r)
                xl[t * KMK_RB + r] = x[(r < g ? r : g - 1) * d + t];
    }
}

/*
 * kmk_block_sqdist: acc[r] = squared distance from row r of the transposed
 * block xl to the centre cj, summed over the features in order 0..d-1 in
 * the data type (the order of SciPy's vq, and of every direct sum here).
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_block_sqdist)(const KMK_T *restrict xl, ptrdiff_t d,
                           const KMK_T *restrict cj, KMK_T *restrict acc)
{
    ptrdiff_t r, t;
    const KMK_T c0 = cj[0];
    for (r = 0; r < KMK_RB; ++r) {
        const KMK_T e = xl[r] - c0;
        acc[r] = e * e;
    }
    for (t = 1; t < d; ++t) {
        const KMK_T ct = cj[t];
        const KMK_T *restrict xr = xl + t * KMK_RB;
        for (r = 0; r < KMK_RB; ++r) {
            const KMK_T e = xr[r] - ct;
            acc[r] = acc[r] + e * e;
        }
    }
}

/*
 * kmk_minima: the running minima of a block of rows over the centres offered
 * so far (kmk_offer): the lowest value, its centre (the first offered wins
 * exact ties; a row offered only NaN keeps centre 0 and INFINITY) and, for
 * Hamerly's bounds, the runner-up.  Small enough to live in registers; the
 * centres are held as wide as the values (KMK_MASK), so that float64 blends
 * need no narrowing of their masks.
 */
typedef struct {
    KMK_T low[KMK_RB], next[KMK_RB];
    KMK_MASK near[KMK_RB];
} KMK_NAME(kmk_minima);

static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_start)(KMK_NAME(kmk_minima) *restrict m)
{
    ptrdiff_t r;
    for (r = 0; r < KMK_RB; ++r) {
        m->low[r] = m->next[r] = (KMK_T)INFINITY;
        m->near[r] = 0;
    }
}

/* kmk_offer: centre jj's values v (one per row of the block); the runner-up
 * is kept only when `two` (a constant where this is inlined). */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_offer)(KMK_NAME(kmk_minima) *restrict m, const KMK_T *restrict v,
                    int jj, int two)
{
    ptrdiff_t r;
    for (r = 0; r < KMK_RB; ++r) {
        const KMK_MASK better = -(KMK_MASK)(v[r] < m->low[r]);
        if (two) {
            const KMK_MASK second = -(KMK_MASK)(v[r] < m->next[r]);
            const KMK_T runner_up = KMK_NAME(kmk_select)(second, v[r], m->next[r]);
            m->next[r] = KMK_NAME(kmk_select)(better, m->low[r], runner_up);
        }
        m->low[r] = KMK_NAME(kmk_select)(better, v[r], m->low[r]);
        m->near[r] = ((KMK_MASK)jj & better) | (m->near[r] & ~better);
    }
}

/* kmk_finish: the first g rows' labels into lab, their minima into low (if
 * not NULL) and runner-ups into next (if not NULL). */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_finish)(const KMK_NAME(kmk_minima) *restrict m, ptrdiff_t g,
                     int *restrict lab, KMK_T *restrict low,
                     KMK_T *restrict next)
{
    ptrdiff_t r;
    for (r = 0; r < g; ++r) {
        lab[r] = (int)m->near[r];
        if (low != NULL)
            low[r] = m->low[r];
        if (next != NULL)
            next[r] = m->next[r];
    }
}

/*
 * kmk_direct_blocks: the nearest centre of each of `rows` rows of x
 * (row-major, d features) among the k centres c, by direct differences:
 * KMK_RB rows at a time, transposed into `xl` (d * KMK_RB elements of
 * scratch) so that each distance sum runs over the block's rows at once.
 * best[i] gets the squared distance (kmk_block_sqdist's sums) and, when
 * `two`, second[i] the one to the nearest other centre.  Inlined with d =
 * 1..4 as a constant (kmk_direct_as), so that those loops are unrolled.
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_direct_blocks)(const KMK_T *restrict x, ptrdiff_t rows,
                            ptrdiff_t d, const KMK_T *restrict c, ptrdiff_t k,
                            KMK_T *restrict xl, int *restrict lab,
                            KMK_T *restrict best, int two,
                            KMK_T *restrict second)
{
    ptrdiff_t i0, j;
    for (i0 = 0; i0 < rows; i0 += KMK_RB) {
        const ptrdiff_t g = rows - i0 < KMK_RB ? rows - i0 : KMK_RB;
        KMK_NAME(kmk_minima) m;
        KMK_T acc[KMK_RB];
        KMK_NAME(kmk_load_block)(x + i0 * d, g, d, xl);
        KMK_NAME(kmk_start)(&m);
        for (j = 0; j < k; ++j) {
            KMK_NAME(kmk_block_sqdist)(xl, d, c + j * d, acc);
            KMK_NAME(kmk_offer)(&m, acc, (int)j, two);
        }
        KMK_NAME(kmk_finish)(&m, g, lab + i0, best + i0,
                             two ? second + i0 : NULL);
    }
}

static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_direct_as)(const KMK_T *restrict x, ptrdiff_t rows, ptrdiff_t d,
                        const KMK_T *restrict c, ptrdiff_t k,
                        KMK_T *restrict xl, int *restrict lab,
                        KMK_T *restrict best, int two, KMK_T *restrict second)
{
    switch (d) {
    case 1: KMK_NAME(kmk_direct_blocks)(x, rows, 1, c, k, xl, lab, best, two, second); break;
    case 2: KMK_NAME(kmk_direct_blocks)(x, rows, 2, c, k, xl, lab, best, two, second); break;
    case 3: KMK_NAME(kmk_direct_blocks)(x, rows, 3, c, k, xl, lab, best, two, second); break;
    case 4: KMK_NAME(kmk_direct_blocks)(x, rows, 4, c, k, xl, lab, best, two, second); break;
    default: KMK_NAME(kmk_direct_blocks)(x, rows, d, c, k, xl, lab, best, two, second); break;
    }
}

/*
 * kmk_nearest_direct: for each of `rows` rows of x (row-major, d features),
 * the index of the nearest of the k centres c (row-major) and its squared
 * distance, summed over the features in order 0..d-1 in the data type (the
 * order of SciPy's vq); see kmk_direct_blocks and kmk_minima.
 */
KMK_CLONES static void
KMK_NAME(kmk_nearest_direct)(const KMK_T *restrict x, ptrdiff_t rows,
                             ptrdiff_t d, const KMK_T *restrict c, ptrdiff_t k,
                             KMK_T *restrict xl, int *restrict lab,
                             KMK_T *restrict best)
{
    KMK_NAME(kmk_direct_as)(x, rows, d, c, k, xl, lab, best, 0, NULL);
}

/*
 * kmk_nearest_two_direct: kmk_nearest_direct that also returns, in second[i],
 * the squared distance from row i to the nearest *other* centre (INFINITY
 * when k = 1): what Hamerly's lower bound is made of.  The same sums and the
 * same tie rule, so the labels are the same.
 */
KMK_CLONES static void
KMK_NAME(kmk_nearest_two_direct)(const KMK_T *restrict x, ptrdiff_t rows,
                                 ptrdiff_t d, const KMK_T *restrict c,
                                 ptrdiff_t k, KMK_T *restrict xl,
                                 int *restrict lab, KMK_T *restrict best,
                                 KMK_T *restrict second)
{
    KMK_NAME(kmk_direct_as)(x, rows, d, c, k, xl, lab, best, 1, second);
}

/*
 * kmk_dot_blocks: the GEMM identity without the tile: for a block of KMK_RB
 * rows at a time, transposed into `xl` (d * KMK_RB elements of scratch), the
 * products x_i . c_j are summed over the features in order with fused
 * multiply-adds, and half_cnorm[j] - x_i . c_j is offered as it comes;
 * nothing is written per centre.  One operation per term where the direct
 * kernel needs three, and no BLAS call: for narrow rows this beats both.
 * `lab` gets the argmin and, when `two`, second_value the runner-up value
 * (as kmk_argmin2_tile).
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_dot_blocks)(const KMK_T *restrict x, ptrdiff_t rows, ptrdiff_t d,
                         const KMK_T *restrict c, ptrdiff_t k,
                         const KMK_T *restrict half_cnorm, KMK_T *restrict xl,
                         int *restrict lab, int two,
                         KMK_T *restrict second_value, KMK_T *restrict low)
{
    ptrdiff_t i0, r, j, t;
    for (i0 = 0; i0 < rows; i0 += KMK_RB) {
        const ptrdiff_t g = rows - i0 < KMK_RB ? rows - i0 : KMK_RB;
        KMK_NAME(kmk_minima) m;
        KMK_T acc[KMK_RB];
        KMK_NAME(kmk_load_block)(x + i0 * d, g, d, xl);
        KMK_NAME(kmk_start)(&m);
        for (j = 0; j < k; ++j) {
            const KMK_T *restrict cj = c + j * d;
            const KMK_T h = half_cnorm[j];
            for (r = 0; r < KMK_RB; ++r)
                acc[r] = xl[r] * cj[0];
            for (t = 1; t < d; ++t) {
                const KMK_T ct = cj[t];
                const KMK_T *restrict xr = xl + t * KMK_RB;
                for (r = 0; r < KMK_RB; ++r)
                    acc[r] = KMK_FMA(xr[r], ct, acc[r]);
            }
            for (r = 0; r < KMK_RB; ++r)
                acc[r] = h - acc[r];
            KMK_NAME(kmk_offer)(&m, acc, (int)j, two);
        }
        KMK_NAME(kmk_finish)(&m, g, lab + i0, low != NULL ? low + i0 : NULL,
                             two ? second_value + i0 : NULL);
    }
}

/* kmk_nearest_dot: kmk_dot_blocks's labels (kmk_argmin_tile's, without the
 * tile).  Needs fused multiply-add in hardware to pay (see kmk_fast_fma). */
KMK_CLONES static void
KMK_NAME(kmk_nearest_dot)(const KMK_T *restrict x, ptrdiff_t rows,
                          ptrdiff_t d, const KMK_T *restrict c, ptrdiff_t k,
                          const KMK_T *restrict half_cnorm,
                          KMK_T *restrict xl, int *restrict lab)
{
    KMK_NAME(kmk_dot_blocks)(x, rows, d, c, k, half_cnorm, xl, lab, 0, NULL, NULL);
}

/* kmk_nearest_two_dot: kmk_nearest_dot with kmk_argmin2_tile's runner-up
 * and, when `low` is not NULL, the lowest value itself. */
KMK_CLONES static void
KMK_NAME(kmk_nearest_two_dot)(const KMK_T *restrict x, ptrdiff_t rows,
                              ptrdiff_t d, const KMK_T *restrict c,
                              ptrdiff_t k, const KMK_T *restrict half_cnorm,
                              KMK_T *restrict xl, int *restrict lab,
                              KMK_T *restrict second_value, KMK_T *restrict low)
{
    KMK_NAME(kmk_dot_blocks)(x, rows, d, c, k, half_cnorm, xl, lab, 1,
                             second_value, low);
}

/*
 * kmk_tile_minima: for each of `rows` rows, the index j minimising
 * half_cnorm[j] - tile[j, i] over the k centres (the nearest centre; the
 * lowest index wins exact ties) and, when `two`, the runner-up value, from
 * the row-major (k x rows) tile of products x_i . c_j.  KMK_RB rows at a
 * time through kmk_minima, each centre's products read once; a last
 * partial block row by row.
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_tile_minima)(const KMK_T *restrict tile, ptrdiff_t rows,
                          ptrdiff_t k, const KMK_T *restrict half_cnorm,
                          int *restrict lab, int two,
                          KMK_T *restrict second_value, KMK_T *restrict low_value)
{
    ptrdiff_t i0, r, j;
    for (i0 = 0; i0 + KMK_RB <= rows; i0 += KMK_RB) {
        KMK_NAME(kmk_minima) m;
        KMK_T v[KMK_RB];
        KMK_NAME(kmk_start)(&m);
        for (j = 0; j < k; ++j) {
            const KMK_T h = half_cnorm[j];
            const KMK_T *restrict tj = tile + j * rows + i0;
            for (r = 0; r < KMK_RB; ++r)
                v[r] = h - tj[r];
            KMK_NAME(kmk_offer)(&m, v, (int)j, two);
        }
        KMK_NAME(kmk_finish)(&m, KMK_RB, lab + i0,
                             low_value != NULL ? low_value + i0 : NULL,
                             two ? second_value + i0 : NULL);
    }
    for (; i0 < rows; ++i0) {
        KMK_T low = (KMK_T)INFINITY, next = (KMK_T)INFINITY;
        int near = 0;
        for (j = 0; j < k; ++j) {
            const KMK_T v = half_cnorm[j] - tile[j * rows + i0];
            if (v < low) {
                next = low;
                low = v;
                near = (int)j;
            } else if (v < next) {
                next = v;
            }
        }
        lab[i0] = near;
        if (low_value != NULL)
            low_value[i0] = low;
        if (two)
            second_value[i0] = next;
    }
}

/* kmk_argmin_tile: kmk_tile_minima's labels. */
KMK_CLONES static void
KMK_NAME(kmk_argmin_tile)(const KMK_T *restrict tile, ptrdiff_t rows,
                          ptrdiff_t k, const KMK_T *restrict half_cnorm,
                          int *restrict lab)
{
    KMK_NAME(kmk_tile_minima)(tile, rows, k, half_cnorm, lab, 0, NULL, NULL);
}

/* kmk_argmin2_tile: kmk_argmin_tile that also returns, in second_value[i],
 * the lowest value over the centres other than the chosen one (INFINITY
 * when k = 1) and, when `low` is not NULL, the chosen one's value. */
KMK_CLONES static void
KMK_NAME(kmk_argmin2_tile)(const KMK_T *restrict tile, ptrdiff_t rows,
                           ptrdiff_t k, const KMK_T *restrict half_cnorm,
                           int *restrict lab, KMK_T *restrict second_value,
                           KMK_T *restrict low)
{
    KMK_NAME(kmk_tile_minima)(tile, rows, k, half_cnorm, lab, 1, second_value, low);
}

/*
 * kmk_add_row: add `row` (d features) times wi to the float64 sums `sj` of
 * its cluster, and wi to the cluster's count `*nj`.  Inlined with constant
 * d for narrow rows (kmk_accumulate_as).
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_add_row)(const KMK_T *restrict row, ptrdiff_t d, double wi,
                      int weighted, double *restrict sj, double *restrict nj)
{
    ptrdiff_t t;
    *nj += wi;
    if (weighted) {
        for (t = 0; t < d; ++t)
            sj[t] += wi * (double)row[t];
    } else {
        for (t = 0; t < d; ++t)
            sj[t] += (double)row[t];
    }
}

/*
 * kmk_accumulate_as: kmk_accumulate's work for a given d and weighting.
 * With copies > 1, row i goes into copy i % copies of the sums (`part`,
 * copies * k * (d + 1) doubles: sums then counts per copy), else straight
 * into sums and counts.
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_accumulate_as)(const KMK_T *restrict x, ptrdiff_t rows,
                            ptrdiff_t d, ptrdiff_t k, const int *restrict lab,
                            const double *restrict w, int weighted,
                            ptrdiff_t copies, double *restrict part,
                            double *restrict sums, double *restrict counts)
{
    ptrdiff_t i, q;
    const ptrdiff_t width = k * (d + 1);
    if (copies == 1) {
        for (i = 0; i < rows; ++i)
            KMK_NAME(kmk_add_row)(x + i * d, d, weighted ? w[i] : 1.0,
                                  weighted, sums + (ptrdiff_t)lab[i] * d,
                                  counts + lab[i]);
        return;
    }
    for (i = 0; i < rows; i += copies)
        for (q = 0; q < copies && i + q < rows; ++q) {
            double *restrict pq = part + q * width;
            const ptrdiff_t j = lab[i + q];
            KMK_NAME(kmk_add_row)(x + (i + q) * d, d,
                                  weighted ? w[i + q] : 1.0, weighted,
                                  pq + j * d, pq + k * d + j);
        }
}

/*
 * kmk_accumulate: add each of `rows` rows (times its weight; w may be NULL
 * for all ones) to the float64 sum of its cluster (of k) and its weight to
 * the count.  When the sums are small (KMK_ACC_SMALL), row i goes into copy
 * i % KMK_ACC_COPIES of them and the copies are added up at the end in a
 * fixed order: consecutive rows of one cluster (sorted data, few clusters)
 * then update different memory instead of each waiting for the store of the
 * one before.  The order depends only on the shapes, never on the CPU.
 */
KMK_CLONES static void
KMK_NAME(kmk_accumulate)(const KMK_T *restrict x, ptrdiff_t rows, ptrdiff_t d,
                         ptrdiff_t k, const int *restrict lab,
                         const double *restrict w, double *restrict sums,
                         double *restrict counts)
{
    double part[KMK_ACC_COPIES * KMK_ACC_SMALL];
    const ptrdiff_t width = k * (d + 1);
    const ptrdiff_t copies = width <= KMK_ACC_SMALL ? KMK_ACC_COPIES : 1;
    ptrdiff_t l;
    if (copies > 1)
        for (l = 0; l < copies * width; ++l)
            part[l] = 0;
#define KMK_ACCUMULATE_AS(dd) \
    do { \
        if (w == NULL) \
            KMK_NAME(kmk_accumulate_as)(x, rows, dd, k, lab, w, 0, copies, \
                                        part, sums, counts); \
        else \
            KMK_NAME(kmk_accumulate_as)(x, rows, dd, k, lab, w, 1, copies, \
                                        part, sums, counts); \
    } while (0)
    switch (d) {
    case 1: KMK_ACCUMULATE_AS(1); break;
    case 2: KMK_ACCUMULATE_AS(2); break;
    case 3: KMK_ACCUMULATE_AS(3); break;
    case 4: KMK_ACCUMULATE_AS(4); break;
    default: KMK_ACCUMULATE_AS(d); break;
    }
#undef KMK_ACCUMULATE_AS
    if (copies == 1)
        return;
    for (l = 0; l < k * d; ++l)
        sums[l] += (part[l] + part[width + l])
                   + (part[2 * width + l] + part[3 * width + l]);
    for (l = 0; l < k; ++l) {
        const ptrdiff_t m = k * d + l;
        counts[l] += (part[m] + part[width + m])
                     + (part[2 * width + m] + part[3 * width + m]);
    }
}

/*
 * kmk_chunk_stats: add the (weighted, w may be NULL) sums of sq[i] and of
 * sqrt(sq[i]) over a chunk to stats[0] and stats[1].  KMK_PARTIALS
 * interleaved partial sums, combined in a fixed order, keep the additions
 * independent (so they vectorise) and the result the same on every CPU.
 */
KMK_CLONES static void
KMK_NAME(kmk_chunk_stats)(const KMK_T *restrict sq, ptrdiff_t rows,
                          const double *restrict w, double *restrict stats)
{
    double p[KMK_PARTIALS], q[KMK_PARTIALS];
    ptrdiff_t i, l;
    const ptrdiff_t full = rows - rows % KMK_PARTIALS;
    for (l = 0; l < KMK_PARTIALS; ++l)
        p[l] = q[l] = 0;
    if (w == NULL) {
        for (i = 0; i < full; i += KMK_PARTIALS)
            for (l = 0; l < KMK_PARTIALS; ++l) {
                const double s = (double)sq[i + l];
                p[l] += s;
                q[l] += sqrt(s);
            }
        for (i = full; i < rows; ++i) {
            const double s = (double)sq[i];
            p[i - full] += s;
            q[i - full] += sqrt(s);
        }
    } else {
        for (i = 0; i < full; i += KMK_PARTIALS)
            for (l = 0; l < KMK_PARTIALS; ++l) {
                const double s = (double)sq[i + l];
                p[l] += w[i + l] * s;
                q[l] += w[i + l] * sqrt(s);
            }
        for (i = full; i < rows; ++i) {
            const double s = (double)sq[i];
            p[i - full] += w[i] * s;
            q[i - full] += w[i] * sqrt(s);
        }
    }
    stats[0] += ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
    stats[1] += ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
}

/*
 * kmk_group_sqdist: for a group of KMK_GROUP rows of x (row-major, d
 * features; `rows` <= KMK_GROUP of them real), sq[j * KMK_GROUP + r] = the
 * squared distance from row r to centre j of c, for the m centres: direct
 * differences in double, summed over features in order 0..d-1, i.e. bit for
 * bit the scalar loop `s = 0; for t: s += (x[t] - c[t])^2`.  The group is
 * first transposed into `xt` (d * KMK_GROUP doubles, in L1) so that the sums
 * run over the rows of the group at once.  Rows past `rows` are padded with
 * copies of row 0, so every lane holds a finite value.
 */
static inline void
KMK_NAME(kmk_group_sqdist)(const KMK_T *restrict x, ptrdiff_t rows,
                           ptrdiff_t d, const KMK_T *restrict c, ptrdiff_t m,
                           double *restrict xt, double *restrict sq)
{
    ptrdiff_t r, t, j;
    for (t = 0; t < d; ++t)
        for (r = 0; r < KMK_GROUP; ++r)
            xt[t * KMK_GROUP + r] = (double)x[(r < rows ? r : 0) * d + t];
    for (j = 0; j < m; ++j) {
        const KMK_T *restrict cj = c + j * d;
        double acc[KMK_GROUP];
        const double c0 = (double)cj[0];
        for (r = 0; r < KMK_GROUP; ++r) {
            const double e = xt[r] - c0;
            acc[r] = e * e;
        }
        for (t = 1; t < d; ++t) {
            const double ct = (double)cj[t];
            const double *restrict xr = xt + t * KMK_GROUP;
            for (r = 0; r < KMK_GROUP; ++r) {
                const double e = xr[r] - ct;
                acc[r] = acc[r] + e * e;
            }
        }
        for (r = 0; r < KMK_GROUP; ++r)
            sq[j * KMK_GROUP + r] = acc[r];
    }
}

/*
 * kmk_lower_sqdist: lower current[i] to the float64 squared distance from
 * each of the `rows` rows of x to each of the m centres c (k-means++'s
 * running minimum).  Each sum runs over the features in order 0..d-1, as
 * kmk_group_sqdist's; for narrow rows four at a time, so that their sums
 * are independent chains (k-means++ asks for one centre at a time, too few
 * to pay for transposing the rows).
 */
KMK_CLONES static void
KMK_NAME(kmk_lower_sqdist)(const KMK_T *restrict x, ptrdiff_t rows,
                           ptrdiff_t d, const KMK_T *restrict c, ptrdiff_t m,
                           double *restrict current)
{
    ptrdiff_t i, j, t;
    for (j = 0; j < m; ++j) {
        const KMK_T *restrict cj = c + j * d;
        /* Measured: from a few dozen features on, one row at a time streams
         * the data faster than four interleaved rows. */
        for (i = 0; d < KMK_INTERLEAVE_MAX_D && i + 4 <= rows; i += 4) {
            const KMK_T *x0 = x + i * d, *x1 = x0 + d, *x2 = x1 + d,
                        *x3 = x2 + d;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (t = 0; t < d; ++t) {
                const double ct = (double)cj[t];
                const double e0 = (double)x0[t] - ct, e1 = (double)x1[t] - ct;
                const double e2 = (double)x2[t] - ct, e3 = (double)x3[t] - ct;
                s0 = s0 + e0 * e0;
                s1 = s1 + e1 * e1;
                s2 = s2 + e2 * e2;
                s3 = s3 + e3 * e3;
            }
            current[i] = s0 < current[i] ? s0 : current[i];
            current[i + 1] = s1 < current[i + 1] ? s1 : current[i + 1];
            current[i + 2] = s2 < current[i + 2] ? s2 : current[i + 2];
            current[i + 3] = s3 < current[i + 3] ? s3 : current[i + 3];
        }
        for (; i < rows; ++i) {
            const KMK_T *xi = x + i * d;
            double s = 0;
            for (t = 0; t < d; ++t) {
                const double e = (double)xi[t] - (double)cj[t];
                s = s + e * e;
            }
            current[i] = s < current[i] ? s : current[i];
        }
    }
}

/*
 * kmk_capped_sum: the weighted (w may be NULL) sum over `rows` rows of
 * min(current[i], sq[i]), i.e. the k-means++ potential if sq were the
 * distances to one more centre.  KMK_PARTIALS interleaved partial sums,
 * combined in a fixed order.
 */
static inline double
KMK_NAME(kmk_capped_sum)(const double *restrict current,
                         const double *restrict w, ptrdiff_t rows,
                         const double *restrict sq)
{
    double p[KMK_PARTIALS];
    ptrdiff_t i, l;
    const ptrdiff_t full = rows - rows % KMK_PARTIALS;
    for (l = 0; l < KMK_PARTIALS; ++l)
        p[l] = 0;
    for (i = 0; i < full; i += KMK_PARTIALS)
        for (l = 0; l < KMK_PARTIALS; ++l) {
            const double s = sq[i + l] < current[i + l] ? sq[i + l]
                                                        : current[i + l];
            p[l] += w == NULL ? s : w[i + l] * s;
        }
    for (i = full; i < rows; ++i) {
        const double s = sq[i] < current[i] ? sq[i] : current[i];
        p[i - full] += w == NULL ? s : w[i] * s;
    }
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/*
 * kmk_potentials_direct: potentials[j] += sum over the `rows` rows of
 * w[i] * min(current[i], |x_i - c_j|^2) for each of the m candidate centres,
 * distances by direct differences in double (greedy k-means++, low d).
 * `xt` needs d * KMK_GROUP doubles and `acc` m * (rows + KMK_GROUP).
 */
KMK_CLONES static void
KMK_NAME(kmk_potentials_direct)(const KMK_T *restrict x, ptrdiff_t rows,
                                ptrdiff_t d, const KMK_T *restrict c,
                                ptrdiff_t m, const double *restrict current,
                                const double *restrict w,
                                double *restrict xt, double *restrict acc,
                                double *restrict potentials)
{
    ptrdiff_t i, r, j;
    double *restrict sq = acc + m * rows;
    for (i = 0; i < rows; i += KMK_GROUP) {
        const ptrdiff_t g = rows - i < KMK_GROUP ? rows - i : KMK_GROUP;
        KMK_NAME(kmk_group_sqdist)(x + i * d, g, d, c, m, xt, sq);
        for (j = 0; j < m; ++j)
            for (r = 0; r < g; ++r)
                acc[j * rows + i + r] = sq[j * KMK_GROUP + r];
    }
    for (j = 0; j < m; ++j)
        potentials[j] += KMK_NAME(kmk_capped_sum)(current, w, rows,
                                                  acc + j * rows);
}

/*
 * kmk_sqnorms_as: xnorm[i] = the squared norm of row i, in float64 over
 * eight interleaved partial sums combined in a fixed order (vectorisable;
 * the same sums for every SIMD width, not those of a sum in order).
 */
static KMK_ALWAYS_INLINE void
KMK_NAME(kmk_sqnorms_as)(const KMK_T *restrict x, ptrdiff_t rows, ptrdiff_t d,
                         double *restrict xnorm)
{
    ptrdiff_t i, t, l;
    const ptrdiff_t full = d - d % KMK_PARTIALS;
    for (i = 0; i < rows; ++i) {
        const KMK_T *restrict row = x + i * d;
        double p[KMK_PARTIALS];
        for (l = 0; l < KMK_PARTIALS; ++l)
            p[l] = 0;
        for (t = 0; t < full; t += KMK_PARTIALS)
            for (l = 0; l < KMK_PARTIALS; ++l)
                p[l] += (double)row[t + l] * (double)row[t + l];
        for (t = full; t < d; ++t)
            p[t - full] += (double)row[t] * (double)row[t];
        xnorm[i] = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
    }
}

/* kmk_row_sqnorms: kmk_sqnorms_as for the Cython kernels. */
KMK_CLONES static void
KMK_NAME(kmk_row_sqnorms)(const KMK_T *restrict x, ptrdiff_t rows, ptrdiff_t d,
                          double *restrict xnorm)
{
    KMK_NAME(kmk_sqnorms_as)(x, rows, d, xnorm);
}

/*
 * kmk_potentials_tile: the same sums from a row-major (m x rows) tile of
 * products x_i . c_j (the GEMM identity): the squared distance is
 * xnorm[i] + cnorm[j] - 2 tile[i, j], in double, clamped at 0.  `x`
 * (row-major, d features) gives the row norms; `acc` needs 2*rows doubles.
 */
KMK_CLONES static void
KMK_NAME(kmk_potentials_tile)(const KMK_T *restrict x, ptrdiff_t rows,
                              ptrdiff_t d, const KMK_T *restrict tile,
                              ptrdiff_t m, const double *restrict cnorm,
                              const double *restrict current,
                              const double *restrict w, double *restrict acc,
                              double *restrict potentials)
{
    ptrdiff_t i, j, t;
    double *restrict xnorm = acc + rows;
    /* These norms only rank candidates: speed matters more than the order
     * of the additions. */
    KMK_NAME(kmk_sqnorms_as)(x, rows, d, xnorm);
    for (j = 0; j < m; ++j) {
        for (i = 0; i < rows; ++i) {
            const double s = xnorm[i] + cnorm[j] - 2.0 * (double)tile[j * rows + i];
            acc[i] = s > 0 ? s : 0;
        }
        potentials[j] += KMK_NAME(kmk_capped_sum)(current, w, rows, acc);
    }
}

/*
 * kmk_assigned_sqdist: best[i] = squared distance from row i of x to its
 * centre c[lab[i]], summed over features in order 0..d-1 in the data type
 * (the same sums as the direct kernels).  Four rows at a time: their sums
 * are independent chains, so the additions overlap instead of waiting on
 * each other, and each row's order is unchanged.
 */
KMK_CLONES static void
KMK_NAME(kmk_assigned_sqdist)(const KMK_T *restrict x, ptrdiff_t rows,
                              ptrdiff_t d, const KMK_T *restrict c,
                              const int *restrict lab, KMK_T *restrict best)
{
    ptrdiff_t i, t;
    for (i = 0; i + 4 <= rows; i += 4) {
        const KMK_T *x0 = x + i * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
        const KMK_T *c0 = c + (ptrdiff_t)lab[i] * d;
        const KMK_T *c1 = c + (ptrdiff_t)lab[i + 1] * d;
        const KMK_T *c2 = c + (ptrdiff_t)lab[i + 2] * d;
        const KMK_T *c3 = c + (ptrdiff_t)lab[i + 3] * d;
        KMK_T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (t = 0; t < d; ++t) {
            const KMK_T e0 = x0[t] - c0[t], e1 = x1[t] - c1[t];
            const KMK_T e2 = x2[t] - c2[t], e3 = x3[t] - c3[t];
            s0 = s0 + e0 * e0;
            s1 = s1 + e1 * e1;
            s2 = s2 + e2 * e2;
            s3 = s3 + e3 * e3;
        }
        best[i] = s0;
        best[i + 1] = s1;
        best[i + 2] = s2;
        best[i + 3] = s3;
    }
    for (; i < rows; ++i) {
        const KMK_T *xi = x + i * d, *ci = c + (ptrdiff_t)lab[i] * d;
        KMK_T s = 0;
        for (t = 0; t < d; ++t) {
            const KMK_T e = xi[t] - ci[t];
            s = s + e * e;
        }
        best[i] = s;
    }
}

#undef KMK_RB
