#!/usr/bin/env python
"""kmeanskit's Lloyd iterations on a GPU, against plain PyTorch and the floor.

For each library (PyTorch CUDA tensors, CuPy arrays), dtype and case
(n, d, k), every contender starts from the same centres (k rows of the data
drawn with a fixed seed) and runs the same number of Lloyd iterations on the
same device:

* kmeanskit ``kmeans2(data, centres, iter=N, minit='matrix')`` (the
  portable engine: data, labels and tiles stay on the device; only the
  (k, d) sums and (k,) counts cross to the host per iteration);
* plain PyTorch Lloyd (PyTorch rows only): per row chunk, one matrix
  product for the scores, ``argmin``, ``index_add_`` for the sums and
  ``bincount`` for the counts, on the same device;
* the floor: the larger of the time of the one matrix product an iteration
  cannot avoid, (n, d) x (d, k) in full float32 or float64 (TF32 off), and
  the time to read the data once at the copy bandwidth measured in the same
  run.

Each time is the median of several timed calls after a warm-up, with the
device synchronised before the clock is read.  The agreement columns compare
kmeanskit's centres with plain PyTorch's (relative difference) after the same
iterations.

On the GPU machine this runs from ``bench/gpu_check.sh``; anywhere else
``python bench/gpu_bench.py --device cpu --quick`` is the dry run (small
cases, the portable engine forced on CPU tensors).
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np

FULL_CASES = ((1_000_000, 128, 1024), (10_000_000, 32, 256))
QUICK_CASES = ((20_000, 16, 32), (5_000, 64, 128))


# --------------------------------------------------------------------------
# Libraries: arrays on the device, synchronisation, the GEMM

class Torch:
    name = "torch"

    def __init__(self, device):
        import torch

        self.torch = torch
        self.device = torch.device(device)
        # Full float32: kmeanskit computes in float32, so the floor must too.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    def random(self, n, d, dtype, seed):
        gen = self.torch.Generator(device=self.device).manual_seed(seed)
        return self.torch.randn(n, d, generator=gen, device=self.device,
                                dtype=getattr(self.torch, dtype))

    def take_rows(self, x, rows):
        return x[self.torch.as_tensor(rows, device=self.device)].clone()

    def sync(self):
        if self.device.type == "cuda":
            self.torch.cuda.synchronize(self.device)

    def matmul(self, a, b):
        return a @ b

    def to_numpy(self, a):
        return a.detach().cpu().numpy()

    def device_name(self):
        if self.device.type == "cuda":
            return self.torch.cuda.get_device_name(self.device)
        return "cpu"


class CuPy:
    name = "cupy"

    def __init__(self, device):
        import cupy

        self.cupy = cupy
        if device != "cuda":
            raise RuntimeError("CuPy arrays live on a CUDA device only")

    def random(self, n, d, dtype, seed):
        rng = self.cupy.random.default_rng(seed)
        return rng.standard_normal((n, d), dtype=getattr(self.cupy, dtype))

    def take_rows(self, x, rows):
        return x[self.cupy.asarray(rows)].copy()

    def sync(self):
        self.cupy.cuda.Device().synchronize()

    def matmul(self, a, b):
        return a @ b

    def to_numpy(self, a):
        return a.get()

    def device_name(self):
        props = self.cupy.cuda.runtime.getDeviceProperties(0)
        return props["name"].decode()


# --------------------------------------------------------------------------
# Timing

def median_time(lib, func, repeats):
    """Median wall time of ``func()`` over ``repeats`` calls after one warm-up,
    the device synchronised around each call."""
    func()
    lib.sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        lib.sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_time(lib, x, centres, repeats):
    """(GEMM time, read time) of one iteration's unavoidable work."""
    n = x.shape[0]
    ct = centres.T.copy() if lib.name == "cupy" else centres.T.contiguous()
    # The full (n, k) product where it fits in a quarter of the device, else
    # in row blocks: the same flops either way.
    rows = min(n, max(1, (1 << 29) // centres.shape[0]))

    def gemm():
        for start in range(0, n, rows):
            lib.matmul(x[start:start + rows], ct)

    def read():
        return x.sum()

    return median_time(lib, gemm, repeats), median_time(lib, read, repeats)


def plain_torch_lloyd(torch, x, centres, iters):
    """Textbook Lloyd in PyTorch: chunked scores, argmin, index_add_."""
    c = centres.clone()
    n, d = x.shape
    k = c.shape[0]
    rows = min(n, max(1, (1 << 27) // k))
    acc = torch.float64
    for _ in range(iters):
        half = 0.5 * (c * c).sum(dim=1)
        sums = torch.zeros(k, d, dtype=acc, device=x.device)
        counts = torch.zeros(k, dtype=acc, device=x.device)
        for start in range(0, n, rows):
            xc = x[start:start + rows]
            labels = torch.argmin(half - xc @ c.T, dim=1)
            sums.index_add_(0, labels, xc.to(acc))
            counts += torch.bincount(labels, minlength=k).to(acc)
        keep = counts > 0
        means = (sums / counts.clamp(min=1)[:, None]).to(x.dtype)
        c = torch.where(keep[:, None], means, c)
    return c


# --------------------------------------------------------------------------
# One case

def run_case(lib, case, dtype, iters, repeats, portable):
    import kmeanskit

    n, d, k = case
    x = lib.random(n, d, dtype, seed=0)
    rows = np.random.default_rng(1).choice(n, size=k, replace=False)
    centres = lib.take_rows(x, rows)
    gemm, read = floor_time(lib, x, centres, repeats)
    floor = max(gemm, read)

    def fit():
        return kmeanskit.kmeans2(x, centres, iter=iters, minit="matrix")

    context = _portable() if portable else _nothing()
    with context:
        per_iter = median_time(lib, fit, repeats) / iters
        ours, labels = fit()
    row = {
        "library": lib.name, "dtype": dtype, "n": n, "d": d, "k": k,
        "iters": iters, "floor_ms": 1e3 * floor, "gemm_ms": 1e3 * gemm,
        "read_ms": 1e3 * read, "kmeanskit_ms": 1e3 * per_iter,
        "kmeanskit_over_floor": per_iter / floor,
        "labels_type": type(labels).__module__.split(".")[0],
        "labels_device": str(getattr(labels, "device", "host")),
    }
    if lib.name == "torch":
        torch = lib.torch
        plain = median_time(lib, lambda: plain_torch_lloyd(torch, x, centres, iters),
                            repeats) / iters
        reference = lib.to_numpy(plain_torch_lloyd(torch, x, centres, iters))
        got = lib.to_numpy(ours)
        row.update({
            "torch_ms": 1e3 * plain,
            "kmeanskit_over_torch": per_iter / plain,
            "centres_rel_diff": float(np.linalg.norm(got.astype(np.float64) - reference)
                                      / np.linalg.norm(reference)),
        })
    return row


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _portable():
    from kmeanskit._backends._dispatch import force_portable

    return force_portable()


# --------------------------------------------------------------------------
# Report

COLUMNS = (("library", "{}"), ("dtype", "{}"), ("n", "{:.0e}"), ("d", "{}"),
           ("k", "{}"),
           ("floor_ms", "{:.2f}"), ("kmeanskit_ms", "{:.2f}"),
           ("kmeanskit_over_floor", "{:.2f}"), ("torch_ms", "{:.2f}"),
           ("kmeanskit_over_torch", "{:.2f}"), ("centres_rel_diff", "{:.1e}"))


def table(rows):
    """A Markdown table of the rows (per iteration times in ms)."""
    header = [name for name, _ in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for row in rows:
        cells = [fmt.format(row[name]) if name in row else "" for name, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda",
                        help="the device of the PyTorch tensors (default: cuda; "
                             "'cpu' is the dry run)")
    parser.add_argument("--libs", default="torch,cupy",
                        help="comma-separated: torch, cupy (default: both; a missing "
                             "one is reported and left out)")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--quick", action="store_true",
                        help=f"small cases {QUICK_CASES} (the dry run)")
    parser.add_argument("--iters", type=int, default=10,
                        help="Lloyd iterations per call (default: 10)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed calls per measurement (default: 3)")
    parser.add_argument("--json", help="also write the rows to this file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cases = QUICK_CASES if args.quick else FULL_CASES
    rows, notes = [], []
    for name in args.libs.split(","):
        try:
            lib = {"torch": Torch, "cupy": CuPy}[name](args.device)
        except (ImportError, RuntimeError) as exc:
            notes.append(f"{name}: left out ({exc})")
            continue
        for dtype in args.dtypes.split(","):
            for case in cases:
                try:
                    rows.append(run_case(lib, case, dtype, args.iters, args.repeats,
                                         portable=args.device == "cpu"))
                except Exception as exc:  # noqa: BLE001 - report, go on
                    notes.append(f"{name} {dtype} {case}: {type(exc).__name__}: {exc}")
                print(table(rows[-1:]) if rows else "", flush=True)
        notes.append(f"{name}: device {lib.device_name()}")
    print()
    print(table(rows))
    for note in notes:
        print("-", note)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, "notes": notes, "device": args.device}, f,
                      indent=1)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
