#!/usr/bin/env python
"""Assemble the record of one GPU check: machine, versions, tests, benchmark.

``bench/gpu_check.sh`` runs the GPU test cells with
``KMEANSKIT_TEST_RECORD`` (each backend's outcomes, per function) and
``bench/gpu_bench.py --json``; this script puts both into one JSON record
with the date, the device and the library versions::

    python bench/gpu_record.py --tests outcomes.json --bench bench.json \\
        --log-tail pytest-summary.txt --out gpu-record.json

A record of a real GPU run, committed as ``bench/records/gpu-<date>.json``,
is what ``tools/support_matrix.py`` renders the matrix's GPU cells from;
a dry run's record says ``"dry_run": true`` and is never rendered.
"""

import argparse
import datetime
import importlib
import json
import platform
import subprocess
import sys

LIBRARIES = ("kmeanskit", "numpy", "scipy", "array_api_compat", "torch", "cupy",
             "jax", "jaxlib")


def versions():
    """{library: version or None} of the libraries the GPU cells use."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = importlib.import_module(name).__version__
        except Exception:  # noqa: BLE001 - missing or broken: recorded as None
            found[name] = None
    return found


def gpu():
    """The accelerator as the libraries and the driver name it."""
    info = {"name": None, "driver": None, "cuda": None}
    try:
        import torch

        if torch.cuda.is_available():
            info["name"] = torch.cuda.get_device_name(0)
            info["cuda"] = torch.version.cuda
    except ImportError:
        pass
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=True).stdout
        name, driver = (part.strip() for part in out.splitlines()[0].split(","))
        info["name"] = info["name"] or name
        info["driver"] = driver
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        pass
    return info


def read_json(path):
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", help="the suite's outcome record (JSON)")
    parser.add_argument("--tests-exit", type=int, default=None,
                        help="pytest's exit status")
    parser.add_argument("--bench", help="bench/gpu_bench.py's --json output")
    parser.add_argument("--log-tail", help="a text file whose lines are kept "
                                           "(pytest's summary)")
    parser.add_argument("--commit", default=None, help="the commit tested")
    parser.add_argument("--dry-run", action="store_true",
                        help="a CPU dry run: never rendered into the matrix")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    tail = None
    if args.log_tail:
        with open(args.log_tail, encoding="utf-8", errors="replace") as f:
            tail = f.read().splitlines()[-40:]
    device = gpu()
    record = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "dry_run": bool(args.dry_run or device["name"] is None),
        "commit": args.commit,
        "device": device,
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
        "versions": versions(),
        "tests": {"exit_status": args.tests_exit, "outcomes": read_json(args.tests),
                  "summary": tail},
        "bench": read_json(args.bench),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    print(f"record written to {args.out} (dry run: {record['dry_run']}, "
          f"device: {device['name']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
