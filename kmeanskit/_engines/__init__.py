"""Engines: the per-row work of k-means, behind one small interface.

Everything above this package (the Lloyd loop, seeding, the public functions)
is written once against :class:`Engine`; an engine only computes, chunked over
rows so that no n-by-k matrix is ever held.  It never validates user input
and never decides convergence.
"""

from typing import NamedTuple, Protocol

import numpy as np

__all__ = ["Engine", "PassResult", "get_engine"]


class PassResult(NamedTuple):
    """What one fused Lloyd sweep returns."""

    sums: np.ndarray
    """(k, d) float64: weighted sum of the rows assigned to each centre."""
    counts: np.ndarray
    """(k,) float64: total weight assigned to each centre."""
    inertia: float
    """Weighted sum of squared distances to the nearest centre."""
    distance_sum: float
    """Weighted sum of (non-squared) distances to the nearest centre."""
    labels: np.ndarray | None
    """(n,) int32 assignment, when asked for."""


class Engine(Protocol):
    """The primitives every engine provides.

    ``x`` is an (n, d) array and ``c`` a (k, d) array of the same floating
    dtype, both already validated.
    """

    name: str

    def assign(self, x, c):
        """Return ``(labels, sqdist)``: nearest centre (int32; the lowest index
        wins ties) and the squared distance to it, in the data dtype."""

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False) -> PassResult:
        """Assign every row and accumulate per-cluster sums in one sweep."""

    def min_sqdist(self, x, c, current=None):
        """Float64 squared distance from each row to its nearest row of ``c``,
        lowered from ``current`` when given (k-means++ keeps a running minimum)."""


def get_engine(xp=None, *, workers=None):
    """Return the engine for arrays of namespace ``xp`` (NumPy: compiled).

    ``workers`` follows SciPy's convention (None: default, -1: every core).
    """
    from .._threads import resolve_workers
    from .compiled import CompiledEngine

    return CompiledEngine(n_threads=resolve_workers(workers))
