"""The ``kmeanskit`` command: cluster a file, or the built-in demo data.

Without a file it clusters the 3x3 grid of Gaussian blobs from
:func:`kmeanskit.datasets.grid_blobs` into 9 clusters.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]


def _parser():
    parser = argparse.ArgumentParser(
        prog="kmeanskit",
        description=(
            "Cluster observations with k-means (kmeanskit.kmeans2) and print the "
            "centroids, cluster sizes, inertia and time taken. Without DATA, "
            "clusters the built-in 3x3 grid of Gaussian blobs."
        ),
    )
    parser.add_argument(
        "data", nargs="?", type=Path,
        help=".npy file (1-D or 2-D array) or .csv file (one observation per row, "
             "comma-separated, optional header line)",
    )
    parser.add_argument("-k", "--k", type=int, default=None,
                        help="number of clusters (default: 9 for the built-in data, "
                             "else required)")
    parser.add_argument("--minit", choices=("++", "points", "random"), default="++",
                        help="initialization method (default: ++)")
    parser.add_argument("--iter", type=int, default=10,
                        help="number of Lloyd iterations (default: 10)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed, passed as rng= (default: 0)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of a table")
    return parser


def _load(path):
    """Read a .npy or .csv file into a float array."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        data = np.load(path, allow_pickle=False)
    elif suffix == ".csv":
        try:
            data = np.loadtxt(path, delimiter=",", ndmin=2)
        except ValueError:
            # A header line: skip it and try again.
            data = np.loadtxt(path, delimiter=",", ndmin=2, skiprows=1)
        if data.shape[1] == 1:
            data = data[:, 0]
    else:
        raise ValueError(f"{path}: expected a .npy or .csv file, got {suffix!r}")
    if data.dtype.kind in "iub":
        data = data.astype(np.float64)
    return data


def _report(args, data, centroids, labels, seconds, source):
    from ._vq import vq

    sizes = np.bincount(labels, minlength=len(centroids))
    inertia = float(np.sum(vq(data, centroids)[1].astype(np.float64) ** 2))
    result = {
        "data": source,
        "n_observations": int(data.shape[0]),
        "n_features": 1 if data.ndim == 1 else int(data.shape[1]),
        "k": int(len(centroids)),
        "minit": args.minit,
        "iter": args.iter,
        "seed": args.seed,
        "centroids": np.atleast_2d(centroids.T).T.tolist(),
        "sizes": sizes.tolist(),
        "inertia": inertia,
        "seconds": seconds,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"kmeanskit: k={result['k']} on {source}: {result['n_observations']} "
          f"observations x {result['n_features']} features "
          f"(minit={args.minit!r}, iter={args.iter}, seed={args.seed})")
    print(f"{'cluster':>7}  {'size':>6}  centroid")
    for j, (centre, size) in enumerate(zip(result["centroids"], sizes, strict=True)):
        coords = "  ".join(f"{v: .6g}" for v in np.atleast_1d(centre))
        print(f"{j:>7}  {size:>6}  {coords}")
    print(f"inertia (sum of squared distances): {inertia:.6g}")
    print(f"time: {seconds * 1e3:.2f} ms")


def main(argv=None):
    """Run the command line; return the exit status."""
    from ._vq import kmeans2

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.data is None:
            from .datasets import grid_blobs

            data, _ = grid_blobs()
            source = "built-in 3x3 grid of Gaussian blobs"
            k = 9 if args.k is None else args.k
        else:
            if args.k is None:
                parser.error("-k is required when DATA is given")
            data = _load(args.data)
            source = str(args.data)
            k = args.k
        start = time.perf_counter()
        centroids, labels = kmeans2(data, k, iter=args.iter, minit=args.minit,
                                    rng=args.seed)
        seconds = time.perf_counter() - start
    except (OSError, ValueError, TypeError) as exc:
        print(f"kmeanskit: error: {exc}", file=sys.stderr)
        return 2
    _report(args, data, centroids, labels, seconds, source)
    return 0
