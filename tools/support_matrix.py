#!/usr/bin/env python
"""Render kmeanskit's support matrix into the README and the docs.

The table itself is declared once, in ``kmeanskit/_backends/_capabilities.py``
(what each public function does with each array library); this script turns
it into the Markdown block of ``README.md`` and the reStructuredText block of
``docs/backends.rst``, between their markers::

    python tools/support_matrix.py --write README.md docs/backends.rst

It reads the installed kmeanskit (install it first); ``tests/test_capabilities.py``
checks that both files hold what it renders.

The GPU rows come from recorded runs: every ``bench/records/gpu-*.json``
written by ``bench/gpu_check.sh`` on a GPU machine (dry runs are left out;
of several records, the newest speaks for each backend).  A cell whose
tests all passed there becomes ✅ (or keeps its ⚠️ and the limit), one with
a failure ❌ with the count, and one no test of that run exercised stays
"implemented, untested".
"""

import argparse
import json
from pathlib import Path

from kmeanskit._backends._capabilities import (
    BACKENDS,
    FUNCTIONS,
    LIMITED,
    UNTESTED,
    support,
)

RECORDS = Path(__file__).resolve().parents[1] / "bench" / "records"

_LEGEND = (
    "✅ works and is tested (CPU columns: in CI; GPU columns: in the recorded "
    "GPU run named below); ⚠️ works and is tested, with the limit stated; ❌ "
    "failed in the recorded run; \"implemented, untested\": the code path "
    "exists (and runs in CI on CPU) but no run on that hardware has been "
    "recorded."
)

_NOTES = (
    "Results come back in the caller's library and on its device: centroids "
    "and distances in the input's floating dtype, labels as int32. As in "
    "SciPy, integer input to `vq` gives the library's default integer and "
    "float64 distances, and to `whiten` its default float, while `kmeans`, "
    "`kmeans2` and `kpp_init` reject integer data with `TypeError`; float16 "
    "and bfloat16 data are computed, and returned, in float32.",
    "Random numbers are drawn on the host from a NumPy `Generator` or "
    "`RandomState` in SciPy's order, so the same `rng` gives the same initial "
    "centres on every backend.",
    "Arrays from two libraries in one call (NumPy data with a torch code "
    "book, say) raise `TypeError`; arrays on two devices raise `ValueError`.",
    "Sums are accumulated in float64 where the library has float64 on the "
    "device, otherwise in float32 with compensated (Kahan) summation; across "
    "backends, centroids agree to 1e-12 relative in float64 and 1e-5 in "
    "float32.",
    "`workers` is validated everywhere but only the compiled engine uses "
    "threads (on Dask: per task, one by default); `algorithm='hamerly'` and "
    "`'yinyang'` run as plain Lloyd passes (the same labels) on the portable "
    "and Dask engines, and `'yinyang'` as `'hamerly'` on scipy.sparse data.",
    "On Dask, `check_finite` is checked inside the first pass over the data "
    "(no pass of its own): `vq` raises when its result is computed.",
    "`pip install \".[test]\"` installs array-api-strict, PyTorch, JAX and "
    "Dask (with `distributed`), so `pytest tests` runs every CPU column of "
    "this table.",
)


def gpu_runs(folder=RECORDS):
    """{backend key: run} from the GPU records in ``folder``, the newest
    record per backend; a run is ``{"where", "counts", "functions"}``."""
    runs = {}
    for path in sorted(Path(folder).glob("gpu-*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("dry_run", True):
            continue
        outcomes = (record.get("tests") or {}).get("outcomes") or {}
        for key, entry in outcomes.items():
            backend, _, device = key.partition("@")
            if device in ("cpu", "not-run", ""):
                continue  # a CPU stand-in for the GPU row proves nothing
            where = f"{record['device']['name']}, {record['date'][:10]}"
            runs[backend] = {"where": where, "counts": entry.get("all", {}),
                             "functions": entry.get("functions", {})}
    return runs


def recorded_text(cell, counts, where):
    """The text of ``cell`` (a Support) after a GPU run's ``counts``
    ({'passed': n, 'failed': m, ...}) of its function's tests, run ``where``."""
    failed = counts.get("failed", 0)
    total = sum(counts.get(o, 0) for o in ("passed", "failed", "xfailed"))
    if failed:
        return f"❌ {failed} of {total} tests failed ({where})"
    if not counts.get("passed"):
        return cell.text()
    if cell.status == LIMITED:
        return cell.text()
    return "✅" if cell.status == UNTESTED else cell.text()


def _summary(counts):
    return ", ".join(f"{counts[o]} {o}" for o in ("passed", "failed", "xfailed",
                                                 "skipped") if counts.get(o))


def _tested(backend, runs):
    run = runs.get(backend.key)
    if run is None:
        return backend.tested
    return f"GPU run ({run['where']}): {_summary(run['counts'])}"


def _cell(function, backend, runs):
    cell = support(function, backend.key)
    run = runs.get(backend.key)
    counts = run["functions"].get(function) if run else None
    return recorded_text(cell, counts, run["where"]) if counts else cell.text()


def _rows(runs=None):
    """(function name, [cell text per backend]) for every function: one row
    per function reads better than one column per function, as they are many."""
    runs = gpu_runs() if runs is None else runs
    return [(f.name, [_cell(f.name, b, runs) for b in BACKENDS]) for f in FUNCTIONS]


def _md_cell(text):
    # A bare "|" (as in k-means||) would end a Markdown table cell.
    return text.replace("|", "\\|")


def _markdown():
    labels = [b.label for b in BACKENDS]
    lines = [
        "| function | " + " | ".join(labels) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]
    for name, cells in _rows():
        cells = [_md_cell(c) for c in cells]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines += ["", _LEGEND, "", "| backend | engine | the data | tested by |",
              "|---|---|---|---|"]
    runs = gpu_runs()
    for backend in BACKENDS:
        lines.append(f"| {backend.label} | {_md_cell(backend.engine)} | "
                     f"{_md_cell(backend.data)} | "
                     f"{_md_cell(_tested(backend, runs))} |")
    lines.append("")
    lines += [f"- {note}" for note in _NOTES]
    return "\n".join(lines)


def _rst_text(text):
    # Markdown `code` becomes reStructuredText ``code``.
    parts = text.split("`")
    return "".join(p if i % 2 == 0 else f"``{p}``" for i, p in enumerate(parts))


def _rst_table(header, rows, widths):
    lines = [".. list-table::", "   :header-rows: 1",
             "   :widths: " + " ".join(str(w) for w in widths), ""]
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            lines.append(("   * - " if i == 0 else "     - ") + _rst_text(cell))
    return lines


def _rst():
    header = ["function", *[b.label for b in BACKENDS]]
    rows = [[f"`{name}`", *cells] for name, cells in _rows()]
    lines = _rst_table(header, rows, [18] + [14] * len(BACKENDS))
    lines += ["", _rst_text(_LEGEND), ""]
    lines += _rst_table(
        ["backend", "engine", "the data", "tested by"],
        [[b.label, b.engine, b.data, _tested(b, gpu_runs())] for b in BACKENDS],
        [15, 30, 35, 20],
    )
    lines.append("")
    lines += [f"* {_rst_text(note)}" for note in _NOTES]
    return "\n".join(lines)


_COMMAND = "python tools/support_matrix.py --write README.md docs/backends.rst"
_MARKERS = {
    "markdown": (f"<!-- support matrix: generated by `{_COMMAND}`; do not edit "
                 "by hand -->",
                 "<!-- end of support matrix -->"),
    "rst": (f".. support matrix: generated by ``{_COMMAND}``; do not edit by hand",
            ".. end of support matrix"),
}


def render(fmt="markdown"):
    """The support matrix as text: ``fmt`` 'markdown' (README) or 'rst' (docs)."""
    if fmt == "markdown":
        return _markdown()
    if fmt == "rst":
        return _rst()
    raise ValueError(f"fmt must be 'markdown' or 'rst', got {fmt!r}.")


def _format_of(path):
    return "rst" if str(path).endswith(".rst") else "markdown"


def rendered_block(path):
    """The marked block that belongs in file ``path`` (markers included)."""
    fmt = _format_of(path)
    begin, end = _MARKERS[fmt]
    return f"{begin}\n\n{render(fmt)}\n\n{end}"


def current_block(text, path):
    """The marked block found in ``text`` (the content of ``path``), or None."""
    begin, end = _MARKERS[_format_of(path)]
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        return None
    return text[start:stop + len(end)]


def write(path):
    """Replace the marked block of file ``path`` by the rendered matrix."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    block = current_block(text, path)
    if block is None:
        raise ValueError(f"{path} has no support-matrix markers")
    new = text.replace(block, rendered_block(path))
    if new != text:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(new)
    return new != text


def main(argv=None):
    """``python tools/support_matrix.py [--rst] [--write FILE ...]``."""
    parser = argparse.ArgumentParser(
        prog="python tools/support_matrix.py",
        description="Print the support matrix, or rewrite it in files.")
    parser.add_argument("--rst", action="store_true", help="print reStructuredText")
    parser.add_argument("--write", nargs="+", metavar="FILE",
                        help="rewrite the marked block of these files")
    args = parser.parse_args(argv)
    if args.write:
        for path in args.write:
            print(f"{path}: {'updated' if write(path) else 'up to date'}")
    else:
        print(render("rst" if args.rst else "markdown"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
