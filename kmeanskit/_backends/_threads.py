"""How many threads the compiled kernels use, and keeping BLAS out of their way."""

import contextlib
import functools
import os

from .._ext import _kernels

__all__ = ["blas_single_threaded", "default_n_threads", "resolve_workers"]


def default_n_threads():
    """Threads OpenMP would use (honours ``OMP_NUM_THREADS``); 1 without OpenMP."""
    return max(1, int(_kernels.max_threads()))


def resolve_workers(workers):
    """Turn a SciPy-style ``workers`` value into a thread count.

    ``None`` uses OpenMP's default, ``-1`` every core, a positive int exactly
    that many threads.  Results never depend on it.
    """
    if workers is None:
        return default_n_threads()
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"workers must be an int or None, got {workers!r}.")
    if workers == -1:
        return max(1, os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be -1 or a positive int, got {workers}.")
    return workers


@functools.cache
def _blas_controller():
    # Inspecting the loaded libraries is the slow part of threadpoolctl: do it
    # once per process, then only switch limits.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def blas_single_threaded(active=True):
    """Context manager holding BLAS to one thread (a no-op when not ``active``).

    The GEMM kernels call BLAS from inside OpenMP threads; a multi-threaded
    BLAS there would run threads x BLAS-threads on the same cores.
    """
    if not active:
        return contextlib.nullcontext()
    return _blas_controller().limit(limits=1, user_api="blas")
