"""The ``kmeanskit`` command: one subcommand per job.

``fit``, ``vq``, ``choose-k``, ``study``, ``animate`` and ``bench``, each in
its own module.  Without a subcommand the arguments go to ``fit``, so bare
``kmeanskit`` clusters the built-in demo data (the README's quick start).
"""

import sys
import textwrap
import warnings

from ._animate import add_animate
from ._bench import add_bench
from ._common import CliError, ManPage, Parser
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
.csv (comma-separated) or .txt/.tsv/.dat (whitespace-separated); a header line
in a text file is skipped.  Every command runs on built-in demo data when no
file is given.  Results print as text, or as JSON with --json (to a file with
-o FILE); labels and centroids are saved as .npy; --plot FILE draws a picture.
"""

EPILOG = """\
Without a command, 'kmeanskit [DATA] [options]' is 'kmeanskit fit [DATA]
[options]'.  'kmeanskit COMMAND --help' describes each command's options.

synopsis:
{synopsis}
exit status:
  0 on success; 2 when an option or an input file is wrong (one line on
  standard error says which and why); 130 when interrupted.

examples:
  kmeanskit                                        # cluster the demo data, k = 9
  kmeanskit points.csv -k 4 --json                 # = kmeanskit fit points.csv ...
  kmeanskit fit points.npy -k 4 --n-init 10 --tol 1e-4 --centroids centres.npy
  kmeanskit vq more.npy --code-book centres.npy --labels labels.npy
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
    """Send arguments without a command to ``fit`` (bare ``kmeanskit``)."""
    if not argv or argv[0] not in (*SUBCOMMANDS, "-h", "--help", "--version"):
        return ["fit", *argv]
    return argv


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
    parser = _parser()
    args = parser.parse_args(_route(argv))
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
