#!/usr/bin/env python
"""The median of several ``compare.py`` runs, against the best peer.

``compare.py --json run1.json`` saves every timing of a run; run it a few
times (three for the speed issue's targets) on one quiet machine, then::

    python bench/summarize.py run1.json run2.json run3.json

prints, per case and dtype, as Markdown:

* kmeanskit's time per iteration: the best of ``--algorithms`` (default
  ``lloyd`` and ``auto``, what a user gets without tuning) in each run, then
  the median over the runs;
* each peer's median time divided by it, and the best peer's;
* kmeanskit ÷ best peer: the median over the runs of each run's ratio (the
  number the targets are stated in), with its spread (lowest to highest);
  rows whose spread exceeds ``--noisy`` are flagged;
* kmeanskit ÷ the run's floor (GEMM rate or bandwidth), median, where the
  runs measured the machine's limits;

and, where the runs timed ``algorithm='auto'`` beside fixed choices, auto's
time ÷ the fastest fixed choice's (median of the runs' ratios).

Medians of per-run ratios, rather than ratios of medians, keep each
comparison within one run: a run on a busier moment slows every
implementation of a case alike.
"""

import argparse
import json
import statistics
import sys


def load_runs(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append(json.load(f))
    return runs


def case_rows(run, kmeanskit_impls):
    """{(case, dtype, threads): {"kmeanskit": row, peer impl: row, ...}} of
    one run, kmeanskit's row being the fastest of ``kmeanskit_impls``."""
    grouped = {}
    for row in run["rows"]:
        key = (row["case"], row["dtype"], row["threads"])
        grouped.setdefault(key, {})[row["impl"]] = row
    out = {}
    for key, impls in grouped.items():
        ours = [impls[name] for name in kmeanskit_impls if name in impls]
        if not ours:
            continue
        best = min(ours, key=lambda r: r["seconds_per_iter"])
        entry = {"kmeanskit": best}
        entry.update({name: row for name, row in impls.items()
                      if not name.startswith("kmeanskit")})
        out[key] = entry
    return out


def fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def fmt_ms(seconds):
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def summarize(runs, kmeanskit_impls, noisy):
    per_run = [case_rows(run, kmeanskit_impls) for run in runs]
    keys = [key for key in per_run[0] if all(key in r for r in per_run)]
    peers = []
    for key in keys:
        for name in per_run[0][key]:
            if name != "kmeanskit" and name not in peers:
                peers.append(name)
    labels = {}
    for run in runs:
        for row in run["rows"]:
            labels.setdefault(row["impl"], row["label"])

    lines = []
    head = (["case (n×d×k)", "dtype", "kmeanskit ms/iter"]
            + [labels[p] for p in peers]
            + ["best peer", "kmeanskit ÷ best peer (spread)", "kmeanskit ÷ floor"])
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
    flagged = False
    for key in keys:
        rows = [r[key] for r in per_run]
        ours = statistics.median(r["kmeanskit"]["seconds_per_iter"] for r in rows)
        cells = [key[0], key[1], fmt_ms(ours)]
        for peer in peers:
            times = [r[peer]["seconds_per_iter"] for r in rows if peer in r]
            cells.append(fmt(statistics.median(times) / ours) if times else "–")
        ratios, best_names = [], []
        for r in rows:
            present = [p for p in peers if p in r]
            if not present:
                continue
            best = min(present, key=lambda p: r[p]["seconds_per_iter"])
            best_names.append(best)
            ratios.append(r["kmeanskit"]["seconds_per_iter"]
                          / r[best]["seconds_per_iter"])
        if ratios:
            spread = max(ratios) / min(ratios) - 1
            mark = " ‡" if spread > noisy else ""
            flagged |= bool(mark)
            best = statistics.mode(best_names)
            cells.append(labels[best])
            cells.append(f"{fmt(statistics.median(ratios))} "
                         f"({fmt(min(ratios))}–{fmt(max(ratios))}){mark}")
        else:
            cells += ["–", "–"]
        floors = [r["kmeanskit"].get("bound_ratio") for r in rows]
        floors = [f for f in floors if f is not None]
        cells.append(fmt(statistics.median(floors)) if floors else "–")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Median of {len(runs)} runs. kmeanskit: the fastest of "
        f"{', '.join(n.removeprefix('kmeanskit-') for n in kmeanskit_impls)} in "
        "each run; a peer's column: its median time ÷ kmeanskit's (> 1: "
        "kmeanskit is faster).")
    if flagged:
        lines.append(f"‡ the ratio varies by more than {noisy:.0%} between runs: "
                     "noisy.")
    return "\n".join(lines)


def auto_table(runs):
    """'auto' against the best fixed kmeanskit algorithm timed, per case:
    the median over the runs of each run's ratio, with its range."""
    lines = ["| case (n×d×k) | dtype | fastest fixed choice | auto ÷ fastest "
             "(spread) |", "|---|---|---|---:|"]
    cases = {}
    for run in runs:
        grouped = {}
        for row in run["rows"]:
            key = (row["case"], row["dtype"], row["threads"])
            if row["impl"].startswith("kmeanskit-"):
                grouped.setdefault(key, {})[row["impl"]] = row["seconds_per_iter"]
        for key, times in grouped.items():
            auto = times.pop("kmeanskit-auto", None)
            if auto is None or not times:
                continue
            best = min(times, key=times.get)
            cases.setdefault(key, []).append((auto / times[best], best))
    if not cases:
        return ""
    for key, values in cases.items():
        ratios = [r for r, _ in values]
        best = statistics.mode(b for _, b in values).removeprefix("kmeanskit-")
        lines.append(f"| {key[0]} | {key[1]} | {best} | "
                     f"{fmt(statistics.median(ratios))} "
                     f"({fmt(min(ratios))}–{fmt(max(ratios))}) |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="JSON files of compare.py --json")
    parser.add_argument("--algorithms", default="lloyd,auto",
                        help="kmeanskit algorithms whose best counts "
                        "(default lloyd,auto)")
    parser.add_argument("--noisy", type=float, default=0.1,
                        help="flag rows whose ratio varies more than this "
                        "between runs (default 0.1)")
    args = parser.parse_args(argv)
    impls = [f"kmeanskit-{a.strip()}" for a in args.algorithms.split(",") if a.strip()]
    runs = load_runs(args.runs)
    machine = runs[0].get("machine", {})
    print(f"# {len(runs)} compare.py runs; machine: {machine.get('cpu')}, "
          f"{machine.get('cores')} cores")
    print()
    print(summarize(runs, impls, args.noisy))
    table = auto_table(runs)
    if table:
        print()
        print("## `algorithm='auto'` against the fastest fixed choice")
        print()
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
