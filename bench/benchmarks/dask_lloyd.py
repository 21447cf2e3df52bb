"""The Dask engine under Dask's threaded scheduler.

asv runs every benchmark in a fresh process, where a ``dask.distributed``
cluster would cost seconds to start; these track the engine's own cost (one
Lloyd pass over persisted blocks, the per-iteration overhead on tiny data,
the tasks in one pass) from commit to commit.  The cluster figures, against
dask-ml and in-memory engines, come from ``bench/dask_compare.py``.
"""

import numpy as np

from .common import CASES, Benchmark, initial_centres, make_data

BLOCKS = 8
"""Row blocks per array (the reference measurements' case A has 8)."""


def _dask_array(x, blocks=BLOCKS):
    try:
        import dask.array as da
    except ImportError as exc:
        raise NotImplementedError(f"dask is not installed: {exc}") from None
    rows = -(-x.shape[0] // blocks)
    return da.from_array(x, chunks=(rows, x.shape[1])).persist(scheduler="threads")


def _is_data(node):
    """Whether a graph node holds data (a persisted block) or only renames
    another key, rather than being a task that runs."""
    if isinstance(node, np.ndarray):
        return True
    return type(node).__name__ in ("DataNode", "Alias")


def _engine():
    try:
        from kmeanskit._backends._engines.dask import DaskEngine
    except ImportError as exc:  # no Dask engine at this commit
        raise NotImplementedError(f"no Dask engine: {exc}") from None
    return DaskEngine()


class DaskLloydPass(Benchmark):
    """One pass: a task per block (the compiled kernel) plus the tree sum."""

    params = [[c for c in CASES if not c.is_tiny], ["float64"]]
    param_names = ["case", "dtype"]

    def setup(self, case, dtype):
        import dask

        self.make(case, dtype)
        self.engine = _engine()
        self.xd = _dask_array(self.x)
        self._config = dask.config.set(scheduler="threads")
        self._config.__enter__()

    def teardown(self, case, dtype):
        self._config.__exit__(None, None, None)

    def time_lloyd_pass(self, case, dtype):
        self.engine.lloyd_pass(self.xd, self.c)


class DaskTinyKmeans2(Benchmark):
    """Per-iteration cost on 10 000 rows in 8 blocks: scheduling, not work."""

    params = [[5]]
    param_names = ["iterations"]

    def setup(self, iterations):
        import dask

        x = make_data((10_000, 16, 32))
        self.xd = _dask_array(x)
        self.c = initial_centres(x, 32)
        self._config = dask.config.set(scheduler="threads")
        self._config.__enter__()

    def teardown(self, iterations):
        self._config.__exit__(None, None, None)

    def time_kmeans2(self, iterations):
        import dask.array as da

        from kmeanskit import kmeans2

        kmeans2(self.xd, da.from_array(self.c), iter=iterations, minit="matrix")

    def track_tasks_per_pass(self, iterations):
        """Tasks in the graph of one pass (blocks + the reduction's few),
        not counting persisted blocks or aliases."""
        import dask

        counted = []

        def get(dsk, keys, **kwargs):
            graph = dict(dsk.__dask_graph__())
            counted.append(sum(not _is_data(v) for v in graph.values()))
            return dask.get(dsk, keys, **kwargs)

        engine = _engine()
        with dask.config.set(scheduler=get):
            engine.lloyd_pass(self.xd, np.asarray(self.c))
        return counted[0]

    track_tasks_per_pass.unit = "tasks"
