# The thread-team diagnostic of a kernel module (see _team.h); included by
# each .pyx whose loops run in parallel, so each has its own counter.

cdef extern from "_team.h":
    const int KMK_HAVE_OPENMP
    int kmk_max_threads() noexcept nogil
    int kmk_last_team
    void kmk_note_team() noexcept nogil


def last_team_size():
    """Threads that ran the most recent parallel loop of this module (1 if
    it ran serially, 0 before any).  For tests only: see ``_team.h``."""
    return kmk_last_team
