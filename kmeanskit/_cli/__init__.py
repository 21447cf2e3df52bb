"""The ``kmeanskit`` command: one subcommand per job.

``fit``, ``vq``, ``choose-k``, ``study``, ``animate`` and ``bench``, each in
its own module.  Without a subcommand the arguments go to ``fit``, so bare
``kmeanskit`` clusters the built-in demo data (the README's quick start).
"""

import difflib
import os
import sys
import textwrap
import warnings
from pathlib import Path

from ._animate import add_animate
from ._bench import add_bench
from ._common import READERS, CliError, ManPage, Parser
from ._fit import add_fit, add_vq
from ._select import add_choose_k, add_study

__all__ = ["main"]

SUBCOMMANDS = ("fit", "vq", "choose-k", "study", "animate", "bench")

DESCRIPTION = """\
k-means from the command line: cluster a file of observations, assign new
ones to its centroids, choose the number of clusters, study how much the
result depends on the start, animate Lloyd's algorithm, and time kmeanskit
against SciPy on this machine.

Data files hold one observation per row: .npy (a 1-D or 2-D numeric array),
.csv (comma-separated) or .txt/.tsv/.dat (whitespace-separated); --delimiter
CHAR reads another separator.  The first line of a text file is a header of
column names only when every cell of it is a name (neither empty nor a
number); --header or --no-header says so instead.  A row with a blank or
non-numeric cell is an error naming its row and column: no row is dropped.
Every command runs on built-in demo data when no file is given.  Results print
as text, or as JSON with --json (to a file with -o FILE); labels and centroids
are saved as .npy, .csv or .txt; --plot FILE draws a picture.
"""

EPILOG = """\
Without a command, 'kmeanskit [DATA] [options]' is 'kmeanskit fit [DATA]
[options]' (a first argument that is not a command must be a file name).
'kmeanskit COMMAND --help' describes each command's options.

synopsis:
{synopsis}
exit status:
  0 on success; 2 when an option or an input file is wrong (one line on
  standard error says which and why); 130 when interrupted.

examples:
  kmeanskit                                        # cluster the demo data, k = 9
  kmeanskit points.csv -k 4 --json                 # = kmeanskit fit points.csv ...
  kmeanskit fit points.npy -k 4 --centroids centres.csv --labels labels.csv
  kmeanskit fit points.npy -k 4 --n-init 1 --iter 10  # SciPy's kmeans2, minit='++'
  kmeanskit vq more.npy --code-book centres.csv --labels labels.npy
  kmeanskit choose-k points.npy --ks 1-15 --plot criteria.png
  kmeanskit study --plot stability.png
  kmeanskit animate -o lloyd.gif
  kmeanskit bench
"""


def _parser():
    parser = Parser(prog="kmeanskit", description=DESCRIPTION, formatter_class=ManPage)
    from .. import __version__

    parser.add_argument("--version", action="version",
                        version=f"kmeanskit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       title="commands", parser_class=Parser)
    commands = [add(subparsers, ManPage) for add in
                (add_fit, add_vq, add_choose_k, add_study, add_animate, add_bench)]
    # The man page's synopsis: every command's own usage line.
    parser.epilog = EPILOG.format(synopsis="".join(
        textwrap.fill(" ".join(c.format_usage().replace("usage: ", "").split()),
                      width=84, initial_indent="  ", subsequent_indent="      ") + "\n"
        for c in commands))
    return parser


def _route(argv):
    """Send arguments without a command to ``fit`` (bare ``kmeanskit``).

    A first argument that is neither a command nor an option goes to ``fit``
    as DATA when it names a file or looks like a path; a bare word is a
    mistyped or unknown command, reported as a :class:`CliError`.
    """
    if not argv:
        return ["fit"]
    if argv[0] in (*SUBCOMMANDS, "-h", "--help", "--version"):
        return argv
    first = argv[0]
    if first.startswith("-") or Path(first).exists() \
            or Path(first).suffix.lower() in READERS:
        return ["fit", *argv]
    close = difflib.get_close_matches(first, SUBCOMMANDS, n=1)
    if close:
        raise CliError(f"unknown command {first!r} (did you mean {close[0]!r}?)")
    if "/" in first or os.sep in first or Path(first).suffix:
        return ["fit", *argv]   # a path: fit's DATA error says what is wrong
    raise CliError(f"unknown command {first!r}; the commands are "
                   f"{', '.join(SUBCOMMANDS)}, or give a data file "
                   f"({', '.join(READERS)}) to fit it")


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    # Library warnings (an empty cluster, a k larger than the distinct points)
    # matter to the user; the source line they were raised at does not.
    print(f"kmeanskit: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None):
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on a bad option or input file, 130 on interruption.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv = _route(argv)
    except CliError as exc:
        print(f"kmeanskit: error: {exc}", file=sys.stderr)
        return 2
    args = _parser().parse_args(argv)
    prog = f"kmeanskit {args.command}"
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return args.run(args)
        except CliError as exc:
            message = str(exc)
        except (ValueError, TypeError) as exc:
            # The library's own checks: their messages name the argument.
            message = " ".join(str(exc).split())
        except KeyboardInterrupt:
            print(f"{prog}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # The reader went away (`kmeanskit ... | head`): not an error of
            # ours; silence the flush at exit, as the Python docs advise.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2
