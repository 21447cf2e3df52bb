# What the kernel modules share: the size of a parallel loop's thread team,
# the team diagnostic of _team.h (included by each .pyx, so each module has
# its own counter), and the check of given labels.

cdef extern from "_team.h":
    const int KMK_HAVE_OPENMP
    int kmk_max_threads() noexcept nogil
    int kmk_last_team
    void kmk_note_team(Py_ssize_t task) noexcept nogil

cdef enum:
    # Below this much work (multiply-adds) a loop runs on the calling thread:
    # starting an OpenMP team costs more than it saves.
    TEAM_MIN_WORK = 1 << 17


cdef inline int _team_size(int n_threads, Py_ssize_t n_tasks,
                           Py_ssize_t work) noexcept nogil:
    """Threads worth starting for ``n_tasks`` parallel tasks of ``work`` in all."""
    if work < TEAM_MIN_WORK or n_threads < 1:
        return 1
    return <int>min(<Py_ssize_t>n_threads, n_tasks)


cdef int _check_labels(const int[::1] labels, Py_ssize_t k, str kernel) except -1:
    """Raise ValueError unless every label is a centre index in [0, k): the
    kernels index by them without bounds checks."""
    cdef Py_ssize_t i
    for i in range(labels.shape[0]):
        if labels[i] < 0 or labels[i] >= k:
            raise ValueError(f"{kernel}: labels out of range")
    return 0


def last_team_size():
    """Threads that ran the most recent parallel loop of this module (1 if
    it ran serially, 0 before any).  For tests only: see ``_team.h``."""
    return kmk_last_team
