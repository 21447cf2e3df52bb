"""The persisted row blocks of a Dask array on a ``dask.distributed`` cluster.

When the data is persisted on the cluster of the active client, the Dask
engine does not build a new ``dask.array`` graph for every pass: it submits
its tasks straight onto the futures of the blocks, one task per worker (the
blocks that worker holds, in block order), and gathers their small results in
one round trip.  A task per block would cost the scheduler and the workers
about a millisecond each; a graph per pass, its construction and
optimisation on the client as well.

:class:`Shards` is that plumbing and nothing else: which blocks each worker
holds, submitting a function over each group of blocks, gathering.  What the
tasks compute is the engine's (``dask.py``).  Results are per block, put
back in block order on the client, so every sum over blocks is added in the
same order whichever worker ran what.  Tasks are pinned to the worker that
held their blocks when the call started, but may run elsewhere
(``allow_other_workers``): a lost or rebalanced worker costs transfers,
never a wrong or stuck result.
"""

import collections
import itertools
import threading

import numpy as np

__all__ = ["GATHER_PARTS_BYTES", "SPLIT_EVERY", "Chain", "ResidentMissing", "Shards",
           "ShardValues", "active_client", "block_futures", "drop_resident",
           "ordered_sum", "persist_like", "persisted_unit_rows", "resident_values",
           "store_resident", "stored_values"]

SPLIT_EVERY = 32
"""Fan-in of the fixed-shape sums of per-block vectors on the workers (the
``dask.array`` tree reductions, and the partial sums of large vectors on a
cluster).  Adding (1, L) vectors is cheap, so a wide fan-in keeps the graph
small: a ``dask.array`` pass is ``n_blocks`` tasks, the partial sums of each
group of 32 (above 32 blocks), and Dask's final aggregate and finalize
tasks (18 tasks for 16 blocks)."""

GATHER_PARTS_BYTES = 1 << 14
"""Per-block vectors of a pass (k*d + k + 2 float64 each) that take at most
this much together are gathered and added on the client, in block order:
the round trip then has no reduction task to wait for.  Larger ones are
added on the cluster, in fixed groups of :data:`SPLIT_EVERY` consecutive
blocks, so the client receives at most ``n_blocks / 32`` vectors."""


def ordered_sum(parts):
    """The sum of per-block vectors ``parts``, added in block order (so the
    result does not depend on which worker computed what, or when)."""
    total = np.array(parts[0], dtype=np.float64, copy=True)
    for part in parts[1:]:
        total += part
    return total


def _sum_range(*group_results, places):
    """``ordered_sum`` of the per-block vectors at ``places`` (pairs of
    group and position in it, in block order) among ``group_results``."""
    return ordered_sum([group_results[g][p] for g, p in places])


def active_client(x):
    """The distributed client that computes ``x``'s graph by default, or None
    (no client, or a local scheduler chosen by ``dask.config``)."""
    import dask

    scheduler = dask.config.get("scheduler", None)
    if scheduler is not None and scheduler not in ("dask.distributed", "distributed"):
        return None
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def block_futures(x, client):
    """Futures of ``x``'s row blocks in block order, when every block is
    persisted on ``client``'s cluster; None otherwise."""
    from dask.core import flatten
    from distributed import Future

    graph = x.__dask_graph__()
    futures = []
    for key in flatten(x.__dask_keys__()):
        value = graph.get(key)
        if not isinstance(value, Future) or value.client is not client:
            return None
        futures.append(value)
    return futures


def persist_like(source, derived):
    """``derived`` persisted on the cluster when ``source`` is (data that
    every later pass reads, such as spherical k-means's unit rows); as it is
    otherwise (out-of-core data stays a graph, recomputed per pass)."""
    client = active_client(source)
    if client is None or block_futures(source, client) is None:
        return derived
    from distributed import wait

    derived = client.persist(derived)
    # The first pass reads it at once; waiting here lets :class:`Shards`
    # see where every block is without asking twice.
    wait(derived)
    return derived


def _unit_block(block):
    """One block's rows scaled to unit L2 norm (as ``Route.unit_rows``
    computes them: ``sqrt(sum(x * x))`` per row)."""
    if isinstance(block, np.ndarray):
        return block / np.sqrt(np.sum(block * block, axis=1))[:, np.newaxis]
    import array_api_compat as compat

    xp = compat.array_namespace(block)
    return block / xp.expand_dims(xp.sqrt(xp.sum(block * block, axis=1)), axis=1)


def _zero_rows(*unit_blocks, starts):
    """Global indices of the all-zero rows among ``unit_blocks`` (NaN rows
    there: 0 / 0; a finite row of norm 0 is all zeros), which start at
    rows ``starts``."""
    found = []
    for block, start in zip(unit_blocks, starts, strict=True):
        first = block[:, 0] if block.shape[1] else block.sum(axis=1)
        found.append(np.flatnonzero(np.isnan(np.asarray(first))) + start)
    return np.concatenate(found) if found else np.empty(0, np.int64)


def persisted_unit_rows(a, norms):
    """``Route.unit_rows`` of ``a`` (``norms``: its row norms, a lazy Dask
    array, read only when some row is all zeros) when ``a`` is persisted on
    the active client's cluster, else None.

    One task per block makes its unit rows where the block is, and one
    task per worker reads them for zero rows: one round trip, no
    ``dask.array`` graph, and the unit rows' layout is known (the data's),
    so their first pass need not ask where they are.
    """
    client = active_client(a)
    futures = None if client is None else block_futures(a, client)
    if futures is None:
        return None
    import uuid

    import dask.array as da

    shards = Shards(client, a, futures)
    units = [None] * shards.n_blocks
    for g, (_, blocks) in enumerate(shards.groups):
        for b in blocks:
            units[b] = shards.submit(g, _unit_block, futures[b])
    checks = [shards.submit(g, _zero_rows, *[units[b] for b in blocks],
                            starts=[int(shards.starts[b]) for b in blocks])
              for g, (_, blocks) in enumerate(shards.groups)]
    # A NaN of the data (check_finite=False) also makes NaN unit rows: the
    # norms say which rows are all zeros.
    if np.concatenate(shards.gather(checks)).size:
        zero = np.asarray(norms.compute()) == 0
        if zero.any():
            return None, zero
    name = f"unit-rows-{uuid.uuid4().hex}"
    unit = da.Array({(name, i, 0): f for i, f in enumerate(units)}, name,
                    chunks=(shards.sizes, (a.shape[1],)), dtype=a.dtype,
                    meta=a._meta)
    _remember_layout((client.id, tuple(f.key for f in units)), shards.groups)
    return unit, None


class ResidentMissing(LookupError):
    """A task found no resident values of the version it reads on its
    worker (the task ran elsewhere, or the worker was replaced): the client
    submits the step again with the history to rebuild them from."""


_RESIDENT = {}
_RESIDENT_LOCK = threading.Lock()
_DROPPED = collections.deque(maxlen=256)
RESIDENT_VERSIONS = 2
"""Versions of a chain's values a worker keeps per group: the latest and
the one before (a step that reads the previous one while the next is being
stored, or a task run again, still finds it)."""


def stored_values(token, group, version):
    """Version ``version`` of chain ``token`` on this worker, or None."""
    with _RESIDENT_LOCK:
        return _RESIDENT.get((token, group), {}).get(version)


def resident_values(token, group, version, blocks, history, derive, lower):
    """The group's per-block values of ``version`` of chain ``token`` (a
    list of arrays; None per block for ``version`` None: no centre yet).

    Not yet on this worker: made from the stored ``prior`` version by
    ``lower(blocks, prior_values, (source,))`` when ``derive`` is ``(prior,
    source)`` and that version is here; else rebuilt by ``lower(blocks,
    None, history)`` when the client sent the ``history`` they were made
    from; else :class:`ResidentMissing`.  Values made here are kept."""
    if version is None:
        return [None] * len(blocks)
    values = stored_values(token, group, version)
    if values is not None:
        return values
    if derive is not None:
        prior, source = derive
        base = stored_values(token, group, prior)
        if base is not None:
            values = lower(blocks, base, (source,))
    if values is None:
        if history is None:
            raise ResidentMissing(f"no values {version} of {token} here")
        values = lower(blocks, None, history)
    store_resident(token, group, version, values)
    return values


def store_resident(token, group, version, values):
    """Keep ``values`` as ``version`` of chain ``token`` on this worker (the
    oldest beyond :data:`RESIDENT_VERSIONS` dropped; nothing kept for a
    chain already dropped, whose last tasks may run after the drop)."""
    with _RESIDENT_LOCK:
        if token in _DROPPED:
            return
        kept = _RESIDENT.setdefault((token, group), {})
        kept[version] = values
        while len(kept) > RESIDENT_VERSIONS:
            del kept[next(iter(kept))]


def drop_resident(token=None):
    """Forget every value of chain ``token`` (None: of every chain) on this
    worker; returns how many groups' values were dropped."""
    with _RESIDENT_LOCK:
        if token is not None:
            _DROPPED.append(token)
        keys = [key for key in _RESIDENT if token is None or key[0] == token]
        for key in keys:
            del _RESIDENT[key]
    return len(keys)


def _drop_everywhere(client, workers, token):
    """Ask ``workers`` to forget chain ``token`` (no waiting: the client
    dropped its last state of the chain)."""
    try:
        if client.status != "running":
            return
        from distributed import fire_and_forget

        for worker in workers:
            fire_and_forget(client.submit(
                drop_resident, token, pure=False, workers=[worker] if worker else None,
                allow_other_workers=True))
    except Exception:  # noqa: BLE001 -- a closing client: nothing to free
        pass


class Chain:
    """One seeding run's running minimum, kept on the workers as module
    state (not as task results, so that one task per worker can both keep
    the lowered values and send back their sums).  Each state of the run is
    a version; the workers' copies are dropped when the client drops the
    last state of the run."""

    def __init__(self, shards):
        import uuid
        import weakref

        self.token = uuid.uuid4().hex
        self._versions = itertools.count()
        weakref.finalize(self, _drop_everywhere, shards.client,
                         sorted({w for w, _ in shards.groups}), self.token)

    def next_version(self):
        return next(self._versions)


class ShardValues:
    """A float64 value per row (seeding's running minimum), on the workers.

    ``chain`` and ``version`` name the values kept on the workers (version
    None: no centre yet); ``derive``, when not None, is ``(prior,
    source)``: a task that does not find ``version`` makes it from version
    ``prior`` lowered by the host ``(indices, rows)`` of ``source``.
    ``history`` is every such source so far, in order (to rebuild the
    values on another worker).  ``block_sums`` (NumPy, one sum per block,
    weighted when seeding is) is what the client draws from.  Immutable.
    """

    __slots__ = ("chain", "version", "history", "derive", "block_sums")

    def __init__(self, chain, version, history, block_sums, derive=None):
        self.chain = chain
        self.version = version
        self.history = tuple(history)
        self.derive = derive
        self.block_sums = np.asarray(block_sums, dtype=np.float64)

    def copy(self):
        return self


_LAYOUTS = {}
LAYOUTS_KEPT = 16
"""Layouts (which worker holds which block) of the last arrays seen, by
client and block keys: a later call on the same persisted array does not
ask the scheduler again.  A layout gone stale (blocks moved, a worker
lost) costs transfers, not results: tasks may run on other workers."""


def _remember_layout(layout, groups):
    _LAYOUTS[layout] = groups
    while len(_LAYOUTS) > LAYOUTS_KEPT:
        del _LAYOUTS[next(iter(_LAYOUTS))]


class Shards:
    """The blocks of a persisted Dask array, grouped by the worker holding them.

    Parameters
    ----------
    client : distributed.Client
    x : dask.array.Array
        Persisted on ``client``'s cluster, blocks of whole rows.
    futures : list of Future
        Its blocks in order (:func:`block_futures`).
    """

    def __init__(self, client, x, futures):
        self.client = client
        self.sizes = tuple(int(s) for s in x.chunks[0])
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self.blocks = futures
        self._layout = layout = (client.id, tuple(f.key for f in futures))
        self.groups = _LAYOUTS.get(layout)
        if self.groups is None:
            self.groups = self._locate(client, futures)
            _remember_layout(layout, self.groups)
        self.group_of = {b: g for g, (_, blocks) in enumerate(self.groups)
                         for b in blocks}
        self._weights = (None, None)

    def forget_layout(self):
        """Ask the scheduler where the blocks are the next time."""
        _LAYOUTS.pop(self._layout, None)

    @staticmethod
    def _locate(client, futures):
        """Groups of blocks by the worker holding them: ``(worker, blocks)``
        pairs in order of their first block (a reproducible layout)."""
        holders = client.who_has(futures)
        if not all(holders.get(f.key) for f in futures):
            from distributed import wait

            # Blocks still being computed have no holder yet: wait for them
            # (the first pass would), so that every group is one worker's.
            wait(futures)
            holders = client.who_has(futures)
        by_worker = {}
        for index, future in enumerate(futures):
            where = holders.get(future.key) or ("",)
            by_worker.setdefault(sorted(where)[0], []).append(index)
        return sorted(((w, tuple(b)) for w, b in by_worker.items()),
                      key=lambda group: group[1][0])

    @property
    def n_blocks(self):
        return len(self.blocks)

    def submit(self, group, func, *args, **kwargs):
        """``func(*args, **kwargs)`` as a task on ``group``'s worker (futures
        among the arguments are resolved by the scheduler)."""
        worker = self.groups[group][0]
        placement = {"workers": [worker], "allow_other_workers": True} if worker else {}
        return self.client.submit(func, *args, pure=False, **placement, **kwargs)

    def data(self, group):
        """The futures of ``group``'s blocks, in block order."""
        return [self.blocks[b] for b in self.groups[group][1]]

    def each(self, func, *per_group, **kwargs):
        """One task per group: ``func(blocks, *[arg[g] for arg in
        per_group], **kwargs)``; a list of futures, one per group."""
        return [self.submit(g, func, self.data(g), *(a[g] for a in per_group),
                            **kwargs)
                for g in range(len(self.groups))]

    def gather(self, futures):
        """Results of ``futures`` (one round trip; task errors raise here)."""
        return self.client.gather(futures)

    def in_block_order(self, per_group):
        """Per-group lists of per-block results, as one list in block order."""
        out = [None] * self.n_blocks
        for (_, blocks), results in zip(self.groups, per_group, strict=True):
            for b, result in zip(blocks, results, strict=True):
                out[b] = result
        return out

    def ordered_sum(self, parts, size):
        """The sum, in block order, of the per-block (``size``,) vectors
        that the group tasks ``parts`` return (one round trip)."""
        if self.n_blocks * size * 8 <= GATHER_PARTS_BYTES:
            return ordered_sum(self.in_block_order(self.gather(parts)))
        where = {b: (g, p) for g, (_, blocks) in enumerate(self.groups)
                 for p, b in enumerate(blocks)}
        ranges = [[where[b] for b in range(start, min(start + SPLIT_EVERY,
                                                        self.n_blocks))]
                  for start in range(0, self.n_blocks, SPLIT_EVERY)]
        partial = [self.client.submit(_sum_range, *parts, places=places, pure=False)
                   for places in ranges]
        return ordered_sum(self.gather(partial))

    def weights(self, weights):
        """Per-group futures of host ``weights`` (float64), each list of
        blocks placed on its group's worker; None without weights.  Sent
        once per array of weights."""
        if weights is None:
            return None
        cached_host, cached = self._weights
        if cached_host is weights:
            return cached
        w = np.asarray(weights, dtype=np.float64)
        cached = [self.client.scatter(
            [[w[self.starts[b]:self.starts[b + 1]] for b in blocks]],
            workers=[worker] if worker else None)[0]
            for worker, blocks in self.groups]
        self._weights = (weights, cached)
        return cached
