"""How the Lloyd loop sweeps the data: plain passes, bounded passes
(Hamerly's one bound per row, or Yinyang's one per row and group of
centres), or the faster of plain and bounded.

Every kind of pass gives the same assignment and adds the rows up in the same
order (the engines guarantee it; see ``Engine.bounded_pass``), so the choice
made here changes the speed of a run, never its result.  The loop asks for a
pass with :meth:`Passes.run` and calls :meth:`Passes.reset` when the code book
changed under it (clusters dropped).
"""

import math
import time

from .._backends._engines import group_count, host_dtype

__all__ = ["AUTO_MIN_ROW_WORK", "AUTO_MIN_WORK", "ALGORITHM_CHOICES",
           "BOUNDS_MAX_SCANNED", "make_passes"]

ALGORITHM_CHOICES = ("lloyd", "hamerly", "yinyang", "auto")
"""Values of the public ``algorithm`` keyword."""

AUTO_MIN_WORK = 1 << 22
"""Below this many distance terms (rows x centres x features) per pass,
``'auto'`` runs plain passes: a pass then takes well under a millisecond,
too little for the bounds to save anything measurable (or to time reliably)."""

AUTO_MIN_ROW_WORK = 1024
"""Below this many distance terms per row (centres x features), ``'auto'``
runs plain passes: the vectorised plain pass then costs about as much per
row as a bounded pass's own work (the exact distance to the current centre,
a square root and the bound tests), so the bounds save little where they
prune and trying them costs much where they do not.  Measured (float32, 2
threads, ms per iteration, plain / bounded / 'auto' when it tries):
1e6 x 2 x 9 overlapping 1.4 / 6.0 / 3.0; 5e5 x 16 x 32 overlapping
6.1 / 8.7 / 10.0; 2e5 x 16 x 32 separated 2.8 / 2.5 / 2.7; from 2048 terms
per row (1e5 x 8 x 256, 2e5 x 16 x 128 separated) the bounds halve the
time and 'auto' keeps them."""


BOUNDS_MAX_SCANNED = 0.5
"""A bounded pass scans every row its bounds cannot vouch for, one row at a
time; once more than this fraction of the rows needed a scan (overlapping
clusters), the vectorised plain pass is faster and is used instead, until
the bounds are reset."""


class Passes:
    """Plain Lloyd passes (``algorithm='lloyd'``)."""

    def __init__(self, engine, x):
        self.engine = engine
        self.x = x

    def run(self, centres, weights, return_labels):
        """One pass against ``centres``: the engine's ``PassResult``."""
        return self.engine.lloyd_pass(self.x, centres, weights,
                                      return_labels=return_labels)

    def plain_ahead(self, centres):
        """How many of the coming passes, from ``centres``, will be plain
        ones (0: the next is a bounded pass): a loop that updates the
        centres by their means may hand that many to the engine's
        ``lloyd_iterations`` at once (:meth:`run_plain`)."""
        return math.inf

    def run_plain(self, centres, weights, count, return_labels):
        """``count`` plain passes, each followed by the mean update, in one
        engine call: ``(centres, PassResult of the last pass, passes that
        left a cluster empty)``, as ``engine.lloyd_iterations`` gives them."""
        return self.engine.lloyd_iterations(self.x, centres, count, weights,
                                            return_labels=return_labels)

    def reset(self):
        """Forget any state tied to the previous code book."""


class BoundedPasses(Passes):
    """Bounded passes (``algorithm='hamerly'``, or ``'yinyang'`` with
    ``n_groups`` > 1), and plain ones once the bounds stop pruning
    (:data:`BOUNDS_MAX_SCANNED`).

    This is the one place that decides between the two kinds on how well
    the bounds prune; :class:`TimedPasses` adds the decision on time.
    """

    def __init__(self, engine, x, n_groups=1):
        super().__init__(engine, x)
        self.bounds = engine.start_bounds(x, n_groups)
        self.pruning = True

    def run(self, centres, weights, return_labels):
        n = self.x.shape[0]
        if not self.pruning:
            # A full sweep, reported as one; the bounds are not kept up to
            # date, and only a reset (a full bounded sweep) starts them again.
            result = Passes.run(self, centres, weights, return_labels)
            self.bounds.n_scans = n
            return result
        previous = self.bounds.centres
        initial = previous is None or previous.shape != centres.shape
        result = self.engine.bounded_pass(self.x, centres, self.bounds, weights,
                                          return_labels=return_labels)
        # The first pass scans every row to set the bounds up: no verdict yet.
        self.pruning = initial or self.bounds.n_scans <= BOUNDS_MAX_SCANNED * n
        return result

    def plain_ahead(self, centres):
        # Once the bounds stop pruning, only a reset brings them back.
        return 0 if self.pruning else math.inf

    def run_plain(self, centres, weights, count, return_labels):
        self.bounds.n_scans = self.x.shape[0]
        return super().run_plain(centres, weights, count, return_labels)

    def reset(self):
        self.bounds.reset()
        self.pruning = True


class TimedPasses(BoundedPasses):
    """``algorithm='auto'``: time both kinds of pass and keep the faster.

    Bounds prune well on separated clusters (many times fewer distances) and
    not at all on overlapping ones, where the plain pass's vectorised or GEMM
    kernels win; which case a data set is cannot be known before a few passes.
    So the bounds are tried first: their first pass is a full sweep that sets
    them up, at about a plain pass's cost (it scans every row as a plain
    pass does), and its time stands for a plain pass's until one is timed.
    Before the next pass, the engine estimates from a sample of rows how
    many it would scan (``engine.scan_estimate``): more than
    :data:`BOUNDS_MAX_SCANNED` fails the try at once.  Otherwise bounded
    passes run, and as soon as one is slower than a plain pass, plain
    passes take over.
    Pruning improves as the centres settle, so after ``retry_after`` plain
    passes the bounds get another try, judged against the last plain pass;
    each failed try multiplies the wait by :attr:`RETRY_GROWTH`, which bounds
    the cost of trying on data where the bounds never pay.  A failed try
    costs a fraction of a pass's work (the sweep that sets the bounds up, a
    little dearer than a plain pass, the estimate, about 1-3 % of a pass,
    and a bounded pass only where the estimate let it run); with the
    defaults, one try in the first 20 passes and two in the first 100.
    A retry pays only where many passes remain, hence the long first wait.
    """

    RETRY_GROWTH = 4
    """Factor by which each failed try lengthens the wait before the next."""

    def __init__(self, engine, x, n_groups=1, *, retry_after=20,
                 clock=time.perf_counter):
        super().__init__(engine, x, n_groups)
        self.retry_after = retry_after
        self.clock = clock
        self.bounded = True
        self.plain_since = 0
        self.failed_tries = 0
        self.plain_time = None      # seconds of the last plain pass
        self.just_set_up = False    # the last pass set the bounds up

    def run(self, centres, weights, return_labels):
        self._judge(centres)
        start = self.clock()
        if self.bounded:
            previous = self.bounds.centres
            initial = previous is None or previous.shape != centres.shape
            result = super().run(centres, weights, return_labels)
            elapsed = self.clock() - start
            # A full sweep (the one that sets the bounds up) is no verdict;
            # a pass after which the bounds stopped pruning fails the try
            # (BoundedPasses would run plain passes and never try again).
            swept = self.bounds.n_scans >= self.x.shape[0]
            self.just_set_up = initial
            if swept and self.plain_time is None:
                self.plain_time = elapsed
            slower = not swept and elapsed > self.plain_time
            if slower or not self.pruning:
                self._fail()
            return result
        result = Passes.run(self, centres, weights, return_labels)
        self._ran_plain(1, self.clock() - start)
        return result

    def plain_ahead(self, centres):
        self._judge(centres)
        return 0 if self.bounded else self._wait() - self.plain_since

    def run_plain(self, centres, weights, count, return_labels):
        start = self.clock()
        out = Passes.run_plain(self, centres, weights, count, return_labels)
        self._ran_plain(count, self.clock() - start)
        return out

    def _wait(self):
        """Plain passes between a failed try and the next one."""
        # (plain passes run only after a failed try)
        return self.retry_after * self.RETRY_GROWTH ** (self.failed_tries - 1)

    def _ran_plain(self, count, elapsed):
        """Account for ``count`` plain passes that took ``elapsed`` seconds."""
        self.plain_time = elapsed / count
        self.plain_since += count
        if self.plain_since >= self._wait():
            # Bounds are stale after plain passes: start them afresh (the
            # next bounded pass is a full sweep again).
            self.bounded = True
            self.reset()

    def _judge(self, centres):
        """Straight after the sweep that set the bounds up, fail the try if
        the next pass would scan more than :data:`BOUNDS_MAX_SCANNED` of
        the rows (the engine's estimate, from a sample), without running
        that pass: on overlapping clusters it costs up to 2.5 plain passes."""
        if not (self.bounded and self.just_set_up):
            return
        self.just_set_up = False
        estimate = self.engine.scan_estimate(self.x, centres, self.bounds)
        if estimate is not None and estimate > BOUNDS_MAX_SCANNED:
            self._fail()

    def _fail(self):
        """End a try of the bounds: plain passes until the next one."""
        self.bounded = False
        self.plain_since = 0
        self.failed_tries += 1


def bound_groups(x, n_centres):
    """Groups of centres for Yinyang's bounds on ``x`` (1: Hamerly's bound)."""
    return group_count(x.shape[1], n_centres, host_dtype(x).itemsize)


def make_passes(engine, x, algorithm, n_centres):
    """The pass strategy for ``algorithm`` (one of ALGORITHM_CHOICES).

    ``'auto'`` runs plain passes on engines whose bounded passes would be
    plain ones too (``engine.prunes``), and on inputs too small or narrow for
    bounds to pay (:data:`AUTO_MIN_WORK`, :data:`AUTO_MIN_ROW_WORK`).
    Elsewhere it tries group bounds where more than one group fits
    (:func:`bound_groups`), Hamerly's otherwise: the group filter is
    Hamerly's test and a finer one, at O(groups) per row, and both are set
    up by the same sweep.
    """
    if algorithm == "hamerly":
        return BoundedPasses(engine, x)
    if algorithm == "yinyang":
        return BoundedPasses(engine, x, bound_groups(x, n_centres))
    if algorithm == "auto":
        n, d = x.shape
        if (engine.prunes and n * n_centres * d >= AUTO_MIN_WORK and n_centres > 1
                and n_centres * d >= AUTO_MIN_ROW_WORK):
            return TimedPasses(engine, x, bound_groups(x, n_centres))
    return Passes(engine, x)
