/*
 * The innermost loops of the kernels, in C so that they can be compiled for
 * several SIMD widths: the direct nearest-centre search, the argmin of a GEMM
 * tile and the accumulation of rows into cluster sums.  Instantiated for
 * float and double from _simd_impl.h.
 *
 * On x86-64 Linux with GCC the functions are compiled three times (AVX-512,
 * AVX2 and baseline SSE2) and the loader picks the widest the CPU has.  The
 * kernels are built with -ffp-contract=off, so every variant rounds the same
 * way: results do not depend on the CPU.
 */
#ifndef KMEANSKIT_SIMD_H
#define KMEANSKIT_SIMD_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) \
    && defined(__linux__) && __GNUC__ >= 11
#define KMK_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KMK_CLONES
#endif

/* Inlined into each SIMD variant of its caller (and, given constant
 * arguments, specialised there). */
#if defined(__GNUC__) || defined(__clang__)
#define KMK_ALWAYS_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define KMK_ALWAYS_INLINE __forceinline
#else
#define KMK_ALWAYS_INLINE inline
#endif

/*
 * kmk_fast_fma: whether fused multiply-add runs in hardware here (else fma()
 * is a slow library call and the DOT kernels must not be chosen).
 */
static int
kmk_fast_fma(void)
{
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
    return 1;
#elif defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/*
 * kmk_wide_vectors: whether the widest (AVX-512) variant of the kernels runs
 * here.  The fused-products (DOT) kernels hold more partial sums in its
 * registers, which moves the shape where BLAS tiles overtake them.
 */
static int
kmk_wide_vectors(void)
{
#if defined(__AVX512F__)
    return 1;
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) \
    && defined(__linux__) && __GNUC__ >= 11
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* kmk_lower_sqdist interleaves four rows below this many features. */
#define KMK_INTERLEAVE_MAX_D 48

/* kmk_accumulate keeps KMK_ACC_COPIES interleaved copies of the cluster sums
 * and counts when they take at most KMK_ACC_SMALL doubles (the sum of the
 * copies is written out for exactly four). */
#define KMK_ACC_COPIES 4
#define KMK_ACC_SMALL 128

/* Interleaved partial sums in kmk_chunk_stats (the combination below is
 * written out for exactly eight). */
#define KMK_PARTIALS 8

/* Rows whose distances the float64 direct kernels of k-means++ compute
 * together (one AVX-512 register of doubles). */
#define KMK_GROUP 8

/* KMK_MASK: the signed integer type as wide as KMK_T (blend masks). */
#define KMK_T float
#define KMK_MASK int32_t
#define KMK_FMA fmaf
#define KMK_NAME(base) base##_f32
#include "_simd_impl.h"
#undef KMK_T
#undef KMK_MASK
#undef KMK_FMA
#undef KMK_NAME

#define KMK_T double
#define KMK_MASK int64_t
#define KMK_FMA fma
#define KMK_NAME(base) base##_f64
#include "_simd_impl.h"
#undef KMK_T
#undef KMK_MASK
#undef KMK_FMA
#undef KMK_NAME

/*
 * kmk_shift_round: y (float32, rows x d) = x - ref rounded to float32, and
 * y_sq[i] = the squared norm of row i of y, summed in float64 over eight
 * interleaved partial sums combined in a fixed order (vectorisable, and the
 * same sums for every SIMD width).  The first step of certified mixed
 * precision (_mixed.pxi).
 */
KMK_CLONES static void
kmk_shift_round(const double *restrict x, ptrdiff_t rows, ptrdiff_t d,
                const double *restrict ref, float *restrict y,
                double *restrict y_sq)
{
    ptrdiff_t i, t, p;
    for (i = 0; i < rows; ++i) {
        const double *restrict xi = x + i * d;
        float *restrict yi = y + i * d;
        double part[KMK_PARTIALS] = {0};
        for (t = 0; t + KMK_PARTIALS <= d; t += KMK_PARTIALS) {
            for (p = 0; p < KMK_PARTIALS; ++p) {
                const float f = (float)(xi[t + p] - ref[t + p]);
                yi[t + p] = f;
                part[p] = part[p] + (double)f * (double)f;
            }
        }
        for (p = 0; t < d; ++t, ++p) {
            const float f = (float)(xi[t] - ref[t]);
            yi[t] = f;
            part[p] = part[p] + (double)f * (double)f;
        }
        y_sq[i] = ((part[0] + part[1]) + (part[2] + part[3]))
                  + ((part[4] + part[5]) + (part[6] + part[7]));
    }
}

#endif /* KMEANSKIT_SIMD_H */
