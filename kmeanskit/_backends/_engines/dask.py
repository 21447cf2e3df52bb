"""The Dask engine: the per-chunk kernels mapped over row blocks.

Dask arrays are never brought to the client.  Each primitive maps a kernel
over the row blocks of ``x`` (one task per block, on the workers) and brings
back only what is k-sized:

* ``lloyd_pass`` -- per block, the compiled ``lloyd_pass`` packed into one
  float64 vector ``[sums (k*d), counts (k), inertia, distance sum]``; the
  vectors are added by a tree reduction of fixed shape (fan-in
  :data:`SPLIT_EVERY`), so the result does not depend on which worker ran
  what, or when.  One ``compute`` per pass; the labels, when asked for, are
  returned as a lazy Dask array (nothing computed).
* ``assign`` -- lazy: a graph giving the labels and squared distances.
* ``min_sqdist`` -- the running minimum that seeding needs is per-row state:
  it is kept *on the workers* (``persist``) as a :class:`RowValues`, with
  its per-block sums on the client; draws against it (``d2_draw``,
  ``d2_search``, ``sample_rows``) bring back row indices only.
* ``take`` -- the few rows seeding picks (only their blocks are read).
* ``moments`` -- mean and covariance in one pass (shifted sums).

Blocks of NumPy arrays go through the compiled kernels, one thread per task
by default (Dask's workers are the parallelism); blocks of any other array
library (CuPy, ...) through the portable engine.  The data must be in one
block along the columns (the dispatch rechunks it, and warns) and have known
row-chunk sizes (the dispatch rejects unknown ones where they are needed).

Finiteness (``check_finite=True``) is checked inside the first pass that
reads every block, not by a pass of its own: the error is raised by the
task that finds the inf or NaN, when that pass is computed.
"""

import functools

import numpy as np

from .._arrays import to_host
from ._interface import (
    BoundsState,
    EngineBase,
    PassResult,
    row_uniforms,
    spread_dof,
    top_rows,
)

__all__ = ["SPLIT_EVERY", "DaskEngine", "RowValues"]

SPLIT_EVERY = 32
"""Fan-in of the tree reductions.  Adding (1, L) vectors is cheap, so a wide
fan-in keeps the graph small: a pass is ``n_blocks`` tasks, the partial sums
of each group of 32 (above 32 blocks), and Dask's final aggregate and
finalize tasks (18 tasks for 16 blocks)."""


# --------------------------------------------------------------------------
# Per-block functions (module level: workers import them by name)

@functools.cache
def _compiled(n_threads):
    from .compiled import CompiledEngine

    return CompiledEngine(n_threads=n_threads)


def _block_engine(block, n_threads):
    """The engine for one block: compiled for NumPy, portable otherwise."""
    if isinstance(block, np.ndarray):
        return _compiled(n_threads)
    import array_api_compat as compat

    from .portable import PortableEngine

    return PortableEngine(compat.array_namespace(block), compat.device(block))


def _prepared(block, check):
    """``block`` as the kernels read it, checked for infs and NaNs when
    ``check`` names the argument."""
    if isinstance(block, np.ndarray):
        block = np.ascontiguousarray(block)
        if check:
            from ..._base._validate import check_finite_array

            check_finite_array(block, check)
    elif check:
        import array_api_compat as compat

        xp = compat.array_namespace(block)
        if not bool(xp.all(xp.isfinite(block))):
            from ..._base._validate import raise_not_finite

            raise_not_finite(check)
    return block


def _weights_of(w_block):
    return None if w_block is None else np.ascontiguousarray(w_block, dtype=np.float64)


def _pass_block(block, w_block, *, c, n_threads, check):
    """``[sums, counts, inertia, distance_sum]`` of one block, shape (1, L)."""
    k, d = c.shape
    out = np.zeros((1, k * d + k + 2))
    if block.shape[0] == 0:
        return out
    block = _prepared(block, check)
    result = _block_engine(block, n_threads).lloyd_pass(block, c, _weights_of(w_block))
    out[0, :k * d] = result.sums.reshape(-1)
    out[0, k * d:k * d + k] = result.counts
    out[0, -2] = result.inertia
    out[0, -1] = result.distance_sum
    return out


def _assign_block(block, c, *, n_threads, check, check_centres):
    """``(labels, sqdist)`` of one block (a tuple: split by the two getters)."""
    block = _prepared(block, check)
    c = _prepared(c, check_centres)
    if block.shape[0] == 0:
        return np.empty(0, np.int32), np.empty(0, block.dtype)
    return _block_engine(block, n_threads).assign(block, c.astype(block.dtype))


def _labels_block(block, *, c, n_threads):
    if block.shape[0] == 0:
        return np.empty(0, np.int32)
    block = _prepared(block, None)
    return _block_engine(block, n_threads).assign(block, c)[0]


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


def _min_sqdist_block(block, current, *, c, n_threads, check):
    """The running minimum of one block, lowered by the centres ``c``."""
    block = _prepared(block, check)
    if block.shape[0] == 0:
        return np.empty(0)
    # A fresh array: blocks of a persisted Dask array are never written to.
    current = None if current is None else np.array(current, dtype=np.float64)
    return _block_engine(block, n_threads).min_sqdist(block, c, current)


def _block_sum(values, weights=None):
    """Sum of one block of row values (times weights), shape (1,)."""
    if weights is not None:
        values = values * weights
    return np.array([np.sum(values)])


def _search_block(values, *, offset, targets):
    """First row of the block where ``offset + cumsum(values)`` reaches each
    target; ``len(values)`` where none does."""
    return np.searchsorted(offset + np.cumsum(values), targets)


def _last_nonzero_block(values):
    found = np.flatnonzero(values)
    return np.array([found[-1] if found.size else -1])


def _sample_block(values, weights, *, starts, scale, seed, block_id=None):
    """Global indices of this block's rows drawn with probability
    ``min(1, scale * w * values)``, from each row's own uniform number."""
    start = starts[block_id[0]]
    u = row_uniforms(seed, start, values.shape[0])
    p = scale * values if weights is None else scale * (weights * values)
    return np.flatnonzero(u < p) + start


def _moments_block(block, w_block, *, shift, spread, check):
    """``[weight, sum(w (x - shift)), weighted scatter]`` of one block,
    shape (1, L); ``w_block`` None: every weight 1."""
    block = _prepared(block, check)
    xc = np.asarray(block, dtype=np.float64) - shift
    w = _weights_of(w_block)
    wxc = xc if w is None else xc * w[:, np.newaxis]
    if spread == "cov":
        scatter = (wxc.T @ xc).reshape(-1)
    elif spread == "var":
        scatter = np.array([wxc[:, 0] @ xc[:, 0]])
    else:
        scatter = np.empty(0)
    total = xc.shape[0] if w is None else np.sum(w)
    return np.concatenate([[total], wxc.sum(axis=0), scatter])[np.newaxis]


def _farthest_block(block, w_block, *, start, c, m, within, n_threads, check):
    """The block's ``m`` best candidates for ``DaskEngine.farthest``: global
    row indices and scores, best first, padded with -1 rows of score -inf."""
    rows = np.full(m, -1, dtype=np.int64)
    scores = np.full(m, -np.inf)
    if block.shape[0] == 0:
        return rows, scores
    block = _prepared(block, check)
    labels, sqdist = _block_engine(block, n_threads).assign(block, c)
    score = sqdist.astype(np.float64)
    w = _weights_of(w_block)
    if w is not None:
        score[w <= 0] = -1.0
    if within is not None:
        score[labels != within] = -1.0
    found, values = top_rows(score, m)
    rows[:found.size] = found + start
    scores[:values.size] = values
    return rows, scores


# --------------------------------------------------------------------------
# Row values kept on the workers

class RowValues:
    """A float64 value per row (seeding's running minimum), kept on the workers.

    ``array`` is a persisted Dask array with the data's row chunks;
    ``block_sums`` (a NumPy array, one sum per block) is what the client
    needs to draw from it.  Immutable: updates make a new one.
    """

    __slots__ = ("array", "block_sums")

    def __init__(self, array, block_sums):
        self.array = array
        self.block_sums = block_sums

    def copy(self):
        return self


# --------------------------------------------------------------------------
# The engine

class DaskEngine(EngineBase):
    """Engine over Dask arrays whose blocks hold whole rows.

    Parameters
    ----------
    n_threads : int, optional
        Threads of the compiled kernel in each task; default 1, because the
        Dask workers already run one task per core.
    """

    name = "dask"

    def __init__(self, n_threads=None):
        self.n_threads = 1 if n_threads is None else int(n_threads)
        self._check_data = None
        self._check_centres = None
        self._weights_cache = (None, None)

    def check_finite_in_first_pass(self, data=None, centres=None):
        """Check the data (named ``data`` in errors) in the first pass that
        reads every block, and Dask centres (``centres``) wherever used."""
        self._check_data = data
        self._check_centres = centres

    def _take_check(self):
        check, self._check_data = self._check_data, None
        return check

    # -- plumbing -------------------------------------------------------------

    def _weights(self, x, weights):
        """Weights as a Dask array with ``x``'s row chunks (None: unweighted)."""
        if weights is None:
            return None
        import dask.array as da

        if isinstance(weights, da.Array):
            return weights.astype(np.float64).rechunk((x.chunks[0],))
        cached_host, cached = self._weights_cache
        if cached_host is not weights:
            cached = da.from_array(np.asarray(weights, dtype=np.float64),
                                   chunks=(x.chunks[0],))
            self._weights_cache = (weights, cached)
        return cached

    def _tree_sum(self, func, x, w, size, **kwargs):
        """Apply ``func`` to every row block (and its weights) giving a
        (1, size) float64 vector each, and add them up in a fixed tree."""
        import dask.array as da

        w_args = (w, "i") if w is not None else (None, None)
        parts = da.blockwise(
            func, "ij", x, "ij", *w_args, adjust_chunks={"i": 1, "j": size},
            dtype=np.float64, meta=np.empty((0, 0)), **kwargs,
        )
        return np.asarray(parts.sum(axis=0, split_every=SPLIT_EVERY).compute())

    @staticmethod
    def _centres(x, c):
        return np.ascontiguousarray(c, dtype=x.dtype)

    # -- the engine interface ---------------------------------------------------

    def assign(self, x, c):
        """Lazy ``(labels, sqdist)``: Dask arrays with ``x``'s row chunks.

        ``c`` may be a NumPy array or a (small) Dask array, which then stays
        lazy too.
        """
        import dask.array as da

        if isinstance(c, da.Array):
            c_args = (c.rechunk(-1), "kj")
        else:
            c_args = (self._centres(x, c), None)
        pairs = da.blockwise(
            _assign_block, "i", x, "ij", *c_args, concatenate=True,
            n_threads=self.n_threads, check=self._take_check(),
            check_centres=self._check_centres,
            dtype=object, meta=np.empty((0,), dtype=object),
        )
        labels = pairs.map_blocks(_first, dtype=np.int32,
                                  meta=np.empty((0,), dtype=np.int32))
        sqdist = pairs.map_blocks(_second, dtype=x.dtype,
                                  meta=np.empty((0,), dtype=x.dtype))
        return labels, sqdist

    def labels(self, x, c):
        """Lazy int32 nearest-centre labels (one task per block)."""
        import dask.array as da

        return da.blockwise(
            _labels_block, "i", x, "ij", concatenate=True,
            c=self._centres(x, c), n_threads=self.n_threads,
            dtype=np.int32, meta=np.empty((0,), dtype=np.int32),
        )

    def lloyd_pass(self, x, c, weights=None, *, return_labels=False):
        """One pass, one ``compute``: k-sized sums come back, labels (when
        asked for) are a lazy Dask array of the same assignment."""
        c = self._centres(x, c)
        k, d = c.shape
        packed = self._tree_sum(
            _pass_block, x, self._weights(x, weights), k * d + k + 2,
            c=c, n_threads=self.n_threads, check=self._take_check(),
        )
        labels = self.labels(x, c) if return_labels else None
        return PassResult(packed[:k * d].reshape(k, d), packed[k * d:k * d + k],
                          float(packed[-2]), float(packed[-1]), labels)

    def start_bounds(self, x, n_groups=1):
        """State for :meth:`bounded_pass` (this engine keeps none)."""
        return BoundsState(None, None)

    def bounded_pass(self, x, c, state, weights=None, *, return_labels=False):
        """Hamerly's pass, run as a plain :meth:`lloyd_pass`.

        Bounds would be per-row state carried from pass to pass, i.e. a new
        persisted array per pass; the plain pass gives the same labels.
        """
        state.n_scans = x.shape[0]
        return self.lloyd_pass(x, c, weights, return_labels=return_labels)

    def min_sqdist(self, x, c, current=None):
        """Running minimum of squared distances, kept on the workers.

        Returns a :class:`RowValues`; ``current`` (a :class:`RowValues`) is
        left as it is.  One pass over the data, then one tiny ``compute``
        of the per-block sums (which also raises any error of the pass now,
        with every scheduler).
        """
        import dask

        cur = (current.array, "i") if current is not None else (None, None)
        values = _blockwise_rows(
            _min_sqdist_block, x, "ij", *cur, c=self._centres(x, c),
            n_threads=self.n_threads, check=self._take_check(),
        )
        (values,) = dask.persist(values)
        return RowValues(values, _block_sums(values))

    # -- seeding draws on row values -----------------------------------------

    def row_values(self, x, values):
        """Per-row values (weights) as a :class:`RowValues` on ``x``'s rows."""
        import dask

        array = self._weights(x, values)
        (array,) = dask.persist(array)
        return RowValues(array, _block_sums(array))

    def farthest(self, x, c, m, weights=None, *, within=None):
        """``Engine.farthest`` in one pass: each block sends back its own
        ``m`` best rows (2 m numbers), and the client keeps the best of those
        (ties: lowest row first)."""
        import dask

        m = min(int(m), x.shape[0])
        starts = np.concatenate([[0], np.cumsum(x.chunks[0])[:-1]])
        blocks = x.to_delayed().ravel()
        w = self._weights(x, weights)
        w_blocks = [None] * len(blocks) if w is None else w.to_delayed().ravel()
        find = dask.delayed(_farthest_block, nout=2)
        parts = dask.compute(*[
            find(block, w_block, start=int(start), c=self._centres(x, c), m=m,
                 within=within, n_threads=self.n_threads,
                 check=self._take_check())
            for block, w_block, start in zip(blocks, w_blocks, starts, strict=True)
        ])
        rows = np.concatenate([p[0] for p in parts])
        scores = np.concatenate([p[1] for p in parts])
        real = rows >= 0
        rows, scores = rows[real], scores[real]
        order = np.lexsort((rows, -scores))[:m]
        return rows[order], scores[order]

    def scale_rows(self, values, weights):
        """``values`` times the per-row ``weights``, kept on the workers."""
        import dask

        array = values.array * self._weights(values.array, weights)
        (array,) = dask.persist(array)
        return RowValues(array, _block_sums(array))

    def candidate_potentials(self, x, candidates, current, weights=None):
        """Greedy k-means++'s potential of each candidate: one pass each
        (``min_sqdist`` leaves ``current`` as it is)."""
        return np.array([
            self.potential(self.min_sqdist(x, candidates[j:j + 1], current),
                           weights)
            for j in range(candidates.shape[0])
        ])

    def potential(self, values, weights=None):
        """``sum(weights * values)`` over all rows."""
        if weights is None:
            return float(np.sum(values.block_sums))
        w = self._weights(values.array, weights)
        return float(np.sum(_block_sums(values.array, w)))

    def d2_draw(self, values, total, u):
        """Row where the cumulative sum of ``values`` first reaches ``u *
        total`` (the last row with a positive value at most)."""
        return int(self._search(values, np.array([u * total]))[0])

    def d2_search(self, values, targets):
        """Rows where the cumulative sum of ``values`` first reaches each of
        ``targets`` (the last row with a positive value at most)."""
        return self._search(values, np.asarray(targets, dtype=np.float64))

    def _search(self, values, targets):
        import dask

        ends = np.cumsum(values.block_sums)
        starts = np.concatenate([[0], np.cumsum(values.array.chunks[0])])
        blocks = np.searchsorted(ends, targets)
        wanted = sorted(set(blocks[blocks < len(ends)].tolist()))
        parts = [
            values.array.blocks[j].map_blocks(
                _search_block, offset=ends[j - 1] if j > 0 else 0.0,
                targets=targets[blocks == j], chunks=(int(np.sum(blocks == j)),),
                dtype=np.int64)
            for j in wanted
        ]
        found = np.full(len(targets), -1, dtype=np.int64)
        for j, local in zip(wanted, dask.compute(*parts), strict=True):
            inside = local < starts[j + 1] - starts[j]
            found[np.flatnonzero(blocks == j)[inside]] = starts[j] + local[inside]
        # Past the end (u * total a hair above the sum of the block sums, or
        # a block's own cumulative sum): the last row with a positive value,
        # as NumPy's draw is clamped.
        if (found < 0).any():
            found[found < 0] = _last_nonzero(values)
        return found

    def sample_rows(self, values, weights, scale, seed):
        """Indices of the rows drawn independently with probability
        ``min(1, scale * weights * values)`` (see ``row_uniforms``)."""
        chunks = values.array.chunks[0]
        w = self._weights(values.array, weights)
        picked = values.array.map_blocks(
            _sample_block, w, starts=tuple(int(s) for s in np.cumsum((0,) + chunks)),
            scale=scale, seed=seed, chunks=((np.nan,) * len(chunks),),
            dtype=np.int64, meta=np.empty((0,), dtype=np.int64),
        )
        return np.asarray(picked.compute(), dtype=np.int64)

    # -- host helpers for seeding ---------------------------------------------

    def take(self, x, index):
        """Rows ``index`` of ``x`` as a NumPy array; only their blocks are read."""

        index = np.asarray(index, dtype=np.int64)
        order = np.argsort(index, kind="stable")
        rows = to_host(x[index[order]].compute())
        out = np.empty(rows.shape, dtype=rows.dtype)
        out[order] = rows
        return out

    def to_host(self, x):
        """All of ``x`` as a NumPy array (only for data with fewer rows than
        features, where seeding needs an SVD of the data)."""

        return np.array(to_host(x), copy=True)

    def moments(self, x, spread, weights=None):
        """float64 mean and (``spread``) variance of column 0 or covariance
        in one pass: (weighted) sums of ``x - s`` and of its products, ``s``
        the first row (a shift near the data, so the products do not
        cancel).  Weights are frequencies, as in ``Engine.moments``."""
        d = x.shape[1]
        shift = self.take(x, [0])[0].astype(np.float64)
        size = 1 + d + {"cov": d * d, "var": 1}.get(spread, 0)
        packed = self._tree_sum(_moments_block, x, self._weights(x, weights),
                                size, shift=shift, spread=spread,
                                check=self._take_check())
        total = packed[0]
        dof = total - 1 if weights is None else spread_dof(total)
        delta = packed[1:1 + d] / total
        mean = shift + delta
        if spread is None:
            return mean, None
        scatter = packed[1 + d:]
        if spread == "var":
            return mean, float((scatter[0] - total * delta[0] ** 2) / dof)
        cov = (scatter.reshape(d, d) - total * np.outer(delta, delta)) / dof
        return mean, np.atleast_2d(cov)


def _blockwise_rows(func, x, x_index, *args, **kwargs):
    """A float64 value per row of ``x``, computed block by block."""
    import dask.array as da

    return da.blockwise(func, "i", x, x_index, *args, concatenate=True,
                        dtype=np.float64, meta=np.empty((0,)), **kwargs)


def _block_sums(array, weights=None):
    """Per-block sums of a per-row array (times weights), as NumPy."""
    import dask.array as da

    w_args = (weights, "i") if weights is not None else (None, None)
    sums = da.blockwise(_block_sum, "i", array, "i", *w_args,
                        adjust_chunks={"i": 1}, dtype=np.float64,
                        meta=np.empty((0,)))
    return np.asarray(sums.compute())


def _last_nonzero(values):
    """Global index of the last row with a positive value (0 if none)."""
    positive = np.flatnonzero(values.block_sums > 0)
    if positive.size == 0:
        return 0
    block = int(positive[-1])
    start = int(np.sum(values.array.chunks[0][:block]))
    local = values.array.blocks[block].map_blocks(
        _last_nonzero_block, chunks=(1,), dtype=np.int64).compute()[0]
    return start + max(int(local), 0)
