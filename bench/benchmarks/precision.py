"""Certified mixed precision: a Lloyd pass over float64 data by the float64
kernels alone, by float32 tiles with certified labels (the default where it
pays), and the same data in float32, on the engine itself.

The three must rank mixed between the other two: close to float32 at many
features and centres, never slower than float64 where the rule
(``pays_mixed``) picks it.  Results are identical to float64's (the tests
check that bit for bit); only time is measured here.
"""

from kmeanskit._backends._engines.compiled import CompiledEngine

from .common import FULL, Benchmark, Case, initial_centres, make_data

# (d, k): the shapes of compare.py at d >= 64, and one just above the rule's edge.
SHAPES = ["64x128", "256x256", "128x1024", "16x64"]
ROWS = 100_000 if FULL else 10_000


class LloydPass(Benchmark):
    params = [SHAPES, ["float64", "mixed", "float32"]]
    param_names = ["features x centres", "arithmetic"]

    def setup(self, shape, arithmetic):
        d, k = (int(v) for v in shape.split("x"))
        dtype = "float32" if arithmetic == "float32" else "float64"
        self.x = make_data(Case(ROWS, d, k), dtype)
        self.c = initial_centres(self.x, k).astype(dtype)
        self.engine = CompiledEngine(mixed=arithmetic == "mixed")

    def time_lloyd_pass(self, shape, arithmetic):
        self.engine.lloyd_pass(self.x, self.c)

