/* OpenMP facts shared by the kernel modules (kmeanskit._ext).
 *
 * kmk_last_team is the team size of the most recent parallel loop of the
 * module that includes this header (0 before the first): `static`, so each
 * module keeps its own.  A diagnostic for the tests: results are the same
 * for every thread count by design, so only this shows that a test's data
 * was large enough for several threads to run at all.  Every task of a
 * parallel loop calls kmk_note_team(task); only task 0 stores the team size
 * (1 on the serial path): one plain store per loop, by one thread, read
 * after the loop's closing barrier.
 * Kernels running at once from several Python threads (Dask's) overwrite
 * each other's value: it means something only when one kernel runs at a
 * time, as in those tests.
 */
#ifndef KMK_TEAM_H
#define KMK_TEAM_H

#include <stddef.h>

#ifdef _OPENMP
#include <omp.h>
#define KMK_HAVE_OPENMP 1
static int kmk_max_threads(void) { return omp_get_max_threads(); }
#else
#define KMK_HAVE_OPENMP 0
static int kmk_max_threads(void) { return 1; }
#endif

static int kmk_last_team = 0;

static void kmk_note_team(ptrdiff_t task) {
    if (task != 0)
        return;
#ifdef _OPENMP
    kmk_last_team = omp_get_num_threads();
#else
    kmk_last_team = 1;
#endif
}

#endif
