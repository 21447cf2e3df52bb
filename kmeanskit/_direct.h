/*
 * Nearest centre by direct differences for one chunk of rows, vectorised over
 * the rows.  Instantiated for float and double from _direct_impl.h.
 *
 * On x86-64 Linux with GCC the functions are compiled three times (AVX-512,
 * AVX2 and baseline SSE2) and the loader picks the widest the CPU has.  The
 * kernels are built with -ffp-contract=off, so every variant rounds the same
 * way: results do not depend on the CPU.
 */
#ifndef KMEANSKIT_DIRECT_H
#define KMEANSKIT_DIRECT_H

#include <math.h>
#include <stddef.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) \
    && defined(__linux__) && __GNUC__ >= 11
#define KMK_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KMK_CLONES
#endif

#define KMK_T float
#define KMK_NAME(base) base##_f32
#include "_direct_impl.h"
#undef KMK_T
#undef KMK_NAME

#define KMK_T double
#define KMK_NAME(base) base##_f64
#include "_direct_impl.h"
#undef KMK_T
#undef KMK_NAME

#endif /* KMEANSKIT_DIRECT_H */
