"""The Dask engine: the per-chunk kernels mapped over row blocks.

Dask arrays are never brought to the client.  Each primitive runs a kernel
on the row blocks of ``x`` on the workers and brings back only what is
k-sized, in one of two ways:

* **On a cluster, data persisted** (every block a future of the active
  ``dask.distributed`` client): tasks are submitted straight onto the
  blocks' futures, one per worker for the blocks it holds
  (:mod:`._dask_shards`), and their small results gathered: one round trip
  per Lloyd pass, per k-means++ step (``d2_start``, ``d2_pick``; greedy's
  ``d2_trials`` weighs every candidate in the same trip, ``d2_select``
  needs none) and per k-means|| round (``d2_sample``), with no
  ``dask.array`` graph built on the client.  The running minimum of
  seeding is kept in the worker processes' memory, named by a
  :class:`ShardValues <._dask_shards.ShardValues>` on the client, so that
  one task per worker both keeps the lowered distances and sends back
  their block sums: a step is the search (on the workers holding the
  targets), then one task per worker.
* **Otherwise** (Dask's threaded or synchronous scheduler, or data not
  persisted, recomputed per pass): a ``dask.array`` graph per primitive, one
  task per block, and one ``compute``; the running minimum is persisted as
  a :class:`RowValues`.

Either way, per-block results are added in block order (on the client, or
by a reduction of fixed shape, fan-in :data:`SPLIT_EVERY`), so the result
does not depend on which worker ran what, or when; seeding draws are made
on the client from the caller's ``rng`` and pick the rows NumPy picks.

* ``lloyd_pass`` -- per block, the compiled ``lloyd_pass`` packed into one
  float64 vector ``[sums (k*d), counts (k), inertia, distance sum]``; the
  labels, when asked for, are returned as a lazy Dask array (nothing
  computed).
* ``assign`` -- lazy: a graph giving the labels and squared distances.
* ``min_sqdist`` and the ``d2_*`` steps -- the running minimum that seeding
  needs is per-row state, kept *on the workers* with its per-block sums on
  the client; draws against it bring back row indices and rows only.
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
from ._dask_shards import (
    SPLIT_EVERY,
    Chain,
    ResidentMissing,
    Shards,
    ShardValues,
    active_client,
    block_futures,
    ordered_sum,
    resident_values,
    store_resident,
    stored_values,
)
from ._interface import (
    BoundsState,
    D2State,
    EngineBase,
    PassResult,
    row_uniforms,
    spread_dof,
    top_rows,
)

__all__ = ["SPLIT_EVERY", "DaskEngine", "RowValues"]

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
    target, at most the block's last row of positive value (rounding can
    leave the cumulative sum a hair below a target its block sum reaches;
    a target past every block is sent to the last block of positive sum
    with an infinite target)."""
    found = np.searchsorted(offset + np.cumsum(values), targets)
    if (found >= values.shape[0]).any():
        positive = np.flatnonzero(values)
        found = np.minimum(found, positive[-1] if positive.size else 0)
    return found


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
# Per-group functions (on a cluster: the blocks one worker holds, in order;
# see ``_dask_shards``).  Each returns one result per block.

def _mass(values, w_block):
    return values if w_block is None else values * w_block


def _blocks_weights(blocks, w_blocks):
    return zip(blocks, [None] * len(blocks) if w_blocks is None else w_blocks,
               strict=True)


def _group_pass(blocks, w_blocks, *, c, n_threads, check):
    """``_pass_block`` of each block, as (L,) vectors."""
    return [_pass_block(b, w, c=c, n_threads=n_threads, check=check)[0]
            for b, w in _blocks_weights(blocks, w_blocks)]


def _rows_of(source):
    """The centre rows of ``source``: an ``(indices, rows)`` pair (a find
    or take task's result, or host rows with indices None) or a list of
    such pairs (k-means||'s draws, merged in row order)."""
    return _merged(source)[1]


def _lowered(block, current, sources, n_threads, check=None):
    """One block's running minimum (``current``; None: none yet) lowered
    by the centres of each of ``sources`` in turn, as NumPy's is."""
    for source in sources:
        rows = _rows_of(source)
        if rows.shape[0]:
            current = _min_sqdist_block(block, current, c=rows,
                                        n_threads=n_threads, check=check)
            check = None
    return current


def _group_values(blocks, values, sources, n_threads, check=None):
    values = [None] * len(blocks) if values is None else values
    return [_lowered(b, v, sources, n_threads, check)
            for b, v in zip(blocks, values, strict=True)]


def _resident(blocks, read, n_threads):
    """The group's running minimum that ``read`` names: ``(token, group,
    version, history, derive)`` (see ``_dask_shards.resident_values``)."""
    token, group, version, history, derive = read
    return resident_values(
        token, group, version, blocks, history, derive,
        lambda b, v, sources: _group_values(b, v, sources, n_threads))


def _resident_at(blocks, read, positions, n_threads):
    """The running minimum ``read`` of the group's blocks at ``positions``
    (a dict).  When that version is not made yet, but the one it derives
    from is here, only these blocks are lowered (not kept): the search
    needs no more, and the task after it makes and keeps the whole
    group's."""
    token, group, version, _, derive = read
    if (version is not None and derive is not None
            and stored_values(token, group, version) is None):
        prior, source = derive
        base = stored_values(token, group, prior)
        if base is not None:
            return {p: _lowered(blocks[p], base[p], (source,), n_threads)
                    for p in positions}
    values = _resident(blocks, read, n_threads)
    return {p: values[p] for p in positions}


def _kept(values, keep):
    """``values``, kept on this worker as ``keep`` (``(token, group,
    version)``; None: not kept)."""
    if keep is not None:
        store_resident(*keep, values)
    return values


def _group_advance(blocks, w_blocks, *sources, read, keep, n_threads, check):
    """Each block's running minimum (``read``) lowered by ``sources``, kept
    on the worker as ``keep``; returns each block's ``sum(w * minimum)``.
    One task both keeps the values and sends back their sums."""
    lowered = _kept(_group_values(blocks, _resident(blocks, read, n_threads),
                                  sources, n_threads, check), keep)
    return [float(np.sum(_mass(v, w))) for v, w in _blocks_weights(lowered, w_blocks)]


def _merged(found):
    """One ``(indices, rows)`` pair from a pair or a list of pairs, rows in
    increasing index order."""
    if isinstance(found, tuple):
        return found
    indices = np.concatenate([f[0] for f in found])
    rows = np.concatenate([f[1] for f in found])
    order = np.argsort(indices, kind="stable")
    return indices[order], rows[order]


def _find_rows(blocks, w_blocks, *, read, searches, n_threads):
    """Per search ``(position, start, offset, targets)``, an ``(indices,
    rows)`` pair: the rows of the group's block ``position`` where its
    cumulative mass (of the running minimum ``read``, from ``offset``)
    reaches each of ``targets``."""
    values = _resident_at(blocks, read, {search[0] for search in searches},
                          n_threads)
    found = []
    for position, start, offset, targets in searches:
        block = blocks[position]
        w = None if w_blocks is None else w_blocks[position]
        local = _search_block(_mass(values[position], w), offset=offset,
                              targets=targets)
        found.append((local + start, np.ascontiguousarray(block[local])))
    return found


def _take_block(blocks, *, position, start, local):
    """``(indices, rows)``: rows ``local`` of the group's block ``position``."""
    local = np.asarray(local, dtype=np.int64)
    return local + start, np.ascontiguousarray(blocks[position][local])


def _group_trials(blocks, w_blocks, found, *, read, places, n_threads):
    """Per block, the potential each candidate would leave, shape (m,)
    (the block engine's ``candidate_potentials``) against the running
    minimum ``read``; ``found`` holds the find tasks' results, ``places``
    where each one's rows go among the ``m`` candidates."""
    rows = _candidates([pair for group in found for pair in group], places)
    current = _resident(blocks, read, n_threads)
    out = []
    for block, cur, w in zip(blocks, current,
                             [None] * len(blocks) if w_blocks is None else w_blocks,
                             strict=True):
        if block.shape[0] == 0:
            out.append(np.zeros(rows.shape[0]))
            continue
        block = _prepared(block, None)
        out.append(_block_engine(block, n_threads).candidate_potentials(
            block, rows, np.asarray(cur, dtype=np.float64), _weights_of(w)))
    return out


def _candidates(found, places):
    """The candidate rows in target order, from the find tasks' results."""
    m = sum(len(p) for p in places)
    rows = None
    for (_, piece), where in zip(found, places, strict=True):
        if rows is None:
            rows = np.empty((m, piece.shape[1]), dtype=piece.dtype)
        rows[list(where)] = piece
    return rows


def _group_sample(blocks, w_blocks, *, read, starts, scale, seed, n_threads):
    """``(indices, rows)`` of the rows of the group's blocks kept by
    k-means||'s independent draws (as ``_sample_block``), in row order,
    from the running minimum ``read``."""
    indices, rows = [], []
    current = _resident(blocks, read, n_threads)
    for j, (block, v) in enumerate(zip(blocks, current, strict=True)):
        w = None if w_blocks is None else w_blocks[j]
        u = row_uniforms(seed, starts[j], v.shape[0])
        local = np.flatnonzero(u < scale * _mass(v, w))
        indices.append(local + starts[j])
        rows.append(np.ascontiguousarray(block[local]))
    return np.concatenate(indices), np.concatenate(rows)


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
        self._shards_cache = (None, None)

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

    def _on_cluster(self, x, weights=None):
        """:class:`Shards` of ``x`` when its blocks are persisted on the
        active client's cluster (and the weights, if any, are on the host);
        None: build ``dask.array`` graphs, for any scheduler."""
        if weights is not None and not isinstance(weights, np.ndarray):
            return None
        cached_x, shards = self._shards_cache
        if cached_x is not x:
            client = active_client(x)
            futures = None if client is None else block_futures(x, client)
            shards = None if futures is None else Shards(client, x, futures)
            self._shards_cache = (x, shards)
        return shards

    def _run(self, shards, step):
        """The results of the futures that ``step(history)`` submits.

        The running minimum is read where the last step kept it; a task run
        on another worker (the scheduler's choice, or a lost worker) finds
        none there and fails with ``ResidentMissing``: the step is then
        submitted again with ``history`` True, so that each task can rebuild
        the values it reads.
        """
        try:
            return shards.gather(step(False))
        except ResidentMissing as error:
            # The client may keep the error (with the failed futures): its
            # traceback must not keep this step's states, and so their
            # values on the workers, alive.
            error.__traceback__ = None
            shards.forget_layout()
        return shards.gather(step(True))

    def _advance(self, shards, values, chain, version, sources, w, check, history):
        """Submit, per group, the running minimum of ``values`` (a
        :class:`ShardValues`; None: no centre yet) lowered by the centres
        of ``sources`` (futures or host ``(indices, rows)``), kept on the
        workers as ``version`` of ``chain``: one task per worker, its
        result the block sums."""
        return [shards.submit(g, _group_advance, shards.data(g), w[g], *sources,
                              read=_read(values, g, history),
                              keep=(chain.token, g, version),
                              n_threads=self.n_threads, check=check)
                for g in range(len(shards.groups))]

    @staticmethod
    def _advanced(shards, values, chain, version, added, group_sums):
        """The :class:`D2State` of ``version``: ``values`` (None: none) with
        the host ``(indices, rows)`` of ``added``, whose per-group block
        sums came back as ``group_sums``."""
        history = () if values is None else values.history
        block_sums = shards.in_block_order(group_sums)
        return D2State(ShardValues(chain, version, history + tuple(added), block_sums),
                       None, float(np.sum(block_sums)))

    def _find(self, shards, values, plan, w, history):
        """Submit the search of ``plan`` (from :func:`_locate`, its blocks
        in group order) in the cumulative mass of ``values``: one task per
        worker holding targets, each giving a list of ``(indices, rows)``,
        one per block of ``plan``."""
        searches = {}
        for block, offset, _, local in plan:
            g = shards.group_of[block]
            searches.setdefault(g, []).append(
                (shards.groups[g][1].index(block), int(shards.starts[block]),
                 offset, local))
        return [shards.submit(g, _find_rows, shards.data(g), w[g],
                              read=_read(values, g, history), searches=found,
                              n_threads=self.n_threads)
                for g, found in searches.items()]

    @staticmethod
    def _group_weights(shards, weights):
        return shards.weights(weights) or [None] * len(shards.groups)

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
        shards = self._on_cluster(x, weights)
        if shards is not None:
            w = shards.weights(weights) or [None] * len(shards.groups)
            parts = shards.each(_group_pass, w, c=c, n_threads=self.n_threads,
                                check=self._take_check())
            packed = shards.ordered_sum(parts, k * d + k + 2)
        else:
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

    # -- k-means++ and k-means|| steps, one round trip each on a cluster -------

    def d2_add(self, x, rows, state=None, weights=None):
        """``EngineBase.d2_add``; on a cluster, one round trip (one task per
        worker)."""
        shards = self._on_cluster(x, weights)
        if shards is None:
            return super().d2_add(x, rows, state, weights)
        values = None if state is None else state.closest
        chain = Chain(shards) if values is None else values.chain
        version = chain.next_version()
        source = (None, self._centres(x, rows))
        w = self._group_weights(shards, weights)
        check = self._take_check()
        sums = self._run(shards, lambda history: self._advance(
            shards, values, chain, version, [source], w, check, history))
        return self._advanced(shards, values, chain, version, [source], sums)

    def d2_start(self, x, index, weights=None):
        """``EngineBase.d2_start``; on a cluster, the row read and the
        distances to it in one round trip."""
        shards = self._on_cluster(x, weights)
        if shards is None:
            return super().d2_start(x, index, weights)
        block = int(np.searchsorted(shards.starts, index, side="right")) - 1
        g = shards.group_of[block]
        chain = Chain(shards)
        version = chain.next_version()
        w = self._group_weights(shards, weights)
        check = self._take_check()

        def step(history):
            taken = shards.submit(
                g, _take_block, shards.data(g),
                position=shards.groups[g][1].index(block),
                start=int(shards.starts[block]),
                local=[int(index) - int(shards.starts[block])])
            return [taken, *self._advance(shards, None, chain, version, [taken], w,
                                          check, history)]

        (_, row), *sums = self._run(shards, step)
        return row, self._advanced(shards, None, chain, version, [(None, row)], sums)

    def d2_pick(self, x, state, u, weights=None, *, update=True):
        """``EngineBase.d2_pick``; on a cluster, the search, the row and the
        updated distances in one round trip: the search on the worker
        holding the target, then one task per worker."""
        shards = self._on_cluster(x, weights)
        if shards is None:
            return super().d2_pick(x, state, u, weights, update=update)
        values = state.closest
        chain = values.chain
        version = chain.next_version() if update else None
        plan = _locate(values.block_sums, np.array([u * state.total]))
        w = self._group_weights(shards, weights)

        def step(history):
            (found,) = self._find(shards, values, plan, w, history)
            return [found, *(self._advance(shards, values, chain, version, [found], w,
                                           None, history) if update else [])]

        [(index, row)], *sums = self._run(shards, step)
        if update:
            state = self._advanced(shards, values, chain, version, [(None, row)], sums)
        return int(index[0]), row, state

    def d2_trials(self, x, state, targets, weights=None):
        """``EngineBase.d2_trials``; on a cluster, one round trip: the
        candidates found, then one task per worker that weighs every
        candidate."""
        shards = self._on_cluster(x, weights)
        if shards is None:
            return super().d2_trials(x, state, targets, weights)
        targets = np.asarray(targets, dtype=np.float64)
        values = state.closest
        # In group order: the finds' results come back one list per group.
        plan = sorted(_locate(values.block_sums, targets),
                      key=lambda search: (shards.group_of[search[0]], search[0]))
        places = [p for _, _, p, _ in plan]
        w = self._group_weights(shards, weights)

        def step(history):
            finds = self._find(shards, values, plan, w, history)
            trials = [shards.submit(
                g, _group_trials, shards.data(g), w[g], finds,
                read=_read(values, g, history), places=places,
                n_threads=self.n_threads)
                for g in range(len(shards.groups))]
            return [*finds, *trials]

        got = self._run(shards, step)
        n_finds = len({shards.group_of[search[0]] for search in plan})
        found = [pair for group in got[:n_finds] for pair in group]
        per_block = shards.in_block_order(got[n_finds:])
        indices = np.empty(len(targets), dtype=np.int64)
        indices[np.concatenate(places)] = np.concatenate([f[0] for f in found])
        rows = _candidates(found, places)
        return indices, rows, ordered_sum(per_block), (shards, rows, values, per_block)

    def d2_select(self, x, trials, best, weights=None):
        """``EngineBase.d2_select``; on a cluster, no round trip: the
        per-block potentials of the chosen candidate from :meth:`d2_trials`
        are the block sums the next draw needs, and the next step's first
        task on each worker lowers the distances by it (and keeps them).
        Lowering them ahead, in tasks of their own, cost more scheduling
        than it saved."""
        if not (isinstance(trials, tuple) and isinstance(trials[0], Shards)):
            return super().d2_select(x, trials, best, weights)
        _, rows, values, per_block = trials
        block_sums = np.array([p[best] for p in per_block])
        source = (None, rows[best:best + 1])
        chain = values.chain
        chosen = ShardValues(chain, chain.next_version(), values.history + (source,),
                             block_sums, derive=(values.version, source))
        return D2State(chosen, None, float(np.sum(block_sums)))

    def d2_sample(self, x, state, scale, seed, weights=None, *, update=True):
        """``EngineBase.d2_sample``; on a cluster, the draws, the rows kept
        and the updated distances in one round trip: one task per worker
        draws, then one per worker lowers by every row drawn."""
        shards = self._on_cluster(x, weights)
        if shards is None:
            return super().d2_sample(x, state, scale, seed, weights, update=update)
        values = state.closest
        chain = values.chain
        version = chain.next_version() if update else None
        w = self._group_weights(shards, weights)

        def step(history):
            samples = [shards.submit(
                g, _group_sample, shards.data(g), w[g],
                read=_read(values, g, history),
                starts=[int(shards.starts[b]) for b in shards.groups[g][1]],
                scale=scale, seed=seed, n_threads=self.n_threads)
                for g in range(len(shards.groups))]
            return [*samples, *(self._advance(shards, values, chain, version, [samples],
                                              w, None, history) if update else [])]

        got = self._run(shards, step)
        n_groups = len(shards.groups)
        indices, rows = _merged(got[:n_groups])
        if update:
            state = self._advanced(shards, values, chain, version, [(indices, rows)],
                                   got[n_groups:])
        return rows, state

    def d2_potential(self, state, weights=None):
        """``EngineBase.d2_potential`` (on a cluster, the state's total: its
        block sums are weighted already)."""
        if isinstance(state.closest, ShardValues):
            return state.total
        return super().d2_potential(state, weights)

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

        plan = _locate(values.block_sums, targets)
        starts = np.concatenate([[0], np.cumsum(values.array.chunks[0])])
        parts = [
            values.array.blocks[j].map_blocks(
                _search_block, offset=offset, targets=local,
                chunks=(len(local),), dtype=np.int64)
            for j, offset, _, local in plan
        ]
        found = np.empty(len(targets), dtype=np.int64)
        for (j, _, places, _), local in zip(plan, dask.compute(*parts), strict=True):
            found[places] = starts[j] + local
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


def _read(values, group, history):
    """What a task of ``group`` reads for the running minimum ``values`` (a
    :class:`ShardValues`; None: no centre yet): ``(token, group, version,
    history, derive)``, the history (host rows to rebuild it from) only
    when ``history``."""
    if values is None:
        return (None, group, None, None, None)
    return (values.chain.token, group, values.version,
            values.history if history else None, values.derive)


def _locate(block_sums, targets):
    """Where the cumulative sum of per-block masses ``block_sums`` reaches
    each of ``targets``: a list of ``(block, offset, places, local)``, one
    per block holding targets, ``offset`` the mass before it and ``local``
    the targets (at ``places`` among ``targets``) it holds.

    A target past the last block (``u * total`` a hair above the sum of the
    block sums) goes to the last block of positive mass with an infinite
    target: its last row of positive value, as NumPy's draw is clamped.
    """
    targets = np.asarray(targets, dtype=np.float64)
    ends = np.cumsum(block_sums)
    blocks = np.searchsorted(ends, targets)
    local = targets.copy()
    past = blocks >= len(ends)
    if past.any():
        positive = np.flatnonzero(np.asarray(block_sums) > 0)
        blocks[past] = positive[-1] if positive.size else len(ends) - 1
        local[past] = np.inf
    plan = []
    for j in sorted(set(blocks.tolist())):
        places = np.flatnonzero(blocks == j)
        plan.append((j, float(ends[j - 1]) if j > 0 else 0.0, places, local[places]))
    return plan


