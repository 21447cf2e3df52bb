"""Engines: the per-row work of k-means, behind one small interface.

Everything above this package (the Lloyd loop, seeding, the public functions)
is written once against :class:`Engine`; an engine only computes, chunked over
rows so that no n-by-k matrix is ever held.  It never validates user input
and never decides convergence.
"""

from typing import NamedTuple, Protocol

import numpy as np

__all__ = ["BoundsState", "Engine", "PassResult", "get_engine"]


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


class BoundsState:
    """Per-point state that Hamerly's algorithm carries from pass to pass.

    Created by ``engine.start_bounds(x)`` and updated in place by
    ``engine.bounded_pass``; O(n) memory (a label and a lower bound per row).
    """

    def __init__(self, labels, lower):
        self.labels = labels
        """(n,) int32: current assignment."""
        self.lower = lower
        """(n,) float64: lower bound on the distance to every other centre."""
        self.centres = None
        """float64 centres of the previous pass; None until the first pass."""
        self.n_scans = 0
        """Rows whose k distances were all computed in the last pass."""

    def reset(self):
        """Forget the bounds (e.g. after centres were dropped): next pass scans all."""
        self.centres = None


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

    def start_bounds(self, x) -> BoundsState:
        """Fresh per-point state for ``bounded_pass``."""

    def bounded_pass(self, x, c, state, weights=None, *,
                     return_labels=False) -> PassResult:
        """A ``lloyd_pass`` giving the same assignment, skipping the distance
        computations that Hamerly's bounds in ``state`` rule out."""

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
