"""What every subcommand shares: the parser, option types, input and output.

Every problem a user can cause (a bad option, an unreadable file, a plot
format matplotlib lacks) is raised as :class:`CliError`, whose message names
the option or file; :func:`kmeanskit._cli.main` prints it as one line.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from .._base._validate import positions
from ._text import (
    WHITESPACE,
    TableError,
    default_delimiter,
    delimiter_hint,
    read_table,
    write_table,
)

DEMO = "built-in 3x3 grid of Gaussian blobs"
READERS = (".npy", ".csv", ".txt", ".tsv", ".dat")
# What --labels, --centroids and --distances write: the name's extension says.
WRITERS = {".npy": "binary NumPy", ".csv": "comma-separated text",
           ".txt": "whitespace-separated text"}


class CliError(Exception):
    """A mistake in the command line or its files, reported as one line."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class ManPage(argparse.RawDescriptionHelpFormatter):
    """Keep the hand-written paragraphs and examples; show defaults."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=30, width=88)


# -- option types: each error names the bad value; argparse adds the option --

def _number(text, convert, accept, expected):
    """`text` converted, or argparse's error saying what was `expected`."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_int(text):
    return _number(text, int, lambda v: v >= 1, "a positive integer")


def nonnegative_float(text):
    return _number(text, float, lambda v: 0 <= v < math.inf, "a number >= 0")


def seed(text):
    return _number(text, int, lambda v: v >= 0, "an integer >= 0")


def int_list(text):
    """``'2,5,10'`` or an inclusive range ``'1-12'`` (or a mix: ``'1-4,8'``)."""
    values = []
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        lo = _number(lo, int, lambda v: v >= 1,
                     "positive integers such as '1-10' or '2,4,8'")
        hi = _number(hi, int, lambda v, lo=lo: v >= lo,
                     f"an end >= its start in {text!r}") if sep else lo
        values.extend(range(lo, hi + 1))
    if sorted(set(values)) != values:
        raise argparse.ArgumentTypeError(f"expected increasing integers, got {text!r}")
    return values


def choice_list(allowed):
    """A type for comma-separated choices among `allowed`."""
    def parse(text):
        values = [v.strip() for v in text.split(",") if v.strip()]
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated selection of {', '.join(allowed)}; "
                f"got {text!r}") from None
        return values
    return parse


def add_seed(parser):
    parser.add_argument("--seed", type=seed, default=0, metavar="S",
                        help="random seed, passed as rng=S: the same seed, the same "
                             "result (default: 0)")


def add_output_options(parser, *, plot=None):
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true",
                       help="print the result as one JSON object instead of text")
    group.add_argument("-o", "--output", type=Path, metavar="FILE",
                       help="also write the JSON result to FILE")
    if plot:
        group.add_argument("--plot", type=Path, metavar="FILE",
                           help=f"draw {plot} into FILE (.png, .pdf, .svg...; "
                                "needs matplotlib)")
    group.add_argument("-q", "--quiet", action="store_true",
                       help="no progress bar or status lines on standard error")
    return group


# -- input -------------------------------------------------------------------

def delimiter_char(text):
    """--delimiter: one character, ``tab``, or ``whitespace`` (runs of blanks)."""
    named = {"tab": "\t", "\\t": "\t", WHITESPACE: WHITESPACE}
    if text in named:
        return named[text]
    if len(text) != 1 or text.isalnum() or text in "#.+-_\"'\r\n":
        raise argparse.ArgumentTypeError(
            f"expected one character that cannot be part of a number (such as "
            f"',', ';' or '|'), 'tab' or 'whitespace'; got {text!r}")
    return text


def add_data_command(subparsers, formatter, name, *, run, help, description, epilog,
                     data_default="the built-in blobs", with_k=False):
    """A subcommand that reads DATA (see :func:`add_data_argument`).

    ``run(args)`` carries it out.  ``with_k``: it also takes ``-k/--k``, the
    number of clusters, which defaults to the built-in data's 9 (the run
    function enforces "else required").
    """
    parser = subparsers.add_parser(name, help=help, description=description,
                                   epilog=epilog, formatter_class=formatter)
    parser.set_defaults(run=run)
    add_data_argument(parser, default=data_default)
    if with_k:
        parser.add_argument("-k", "--k", type=positive_int, metavar="K",
                            help="number of clusters (default: 9 for the built-in "
                                 "data, else required)")
    return parser


def add_data_argument(parser, default="the built-in blobs"):
    """DATA and the options saying how to read it (--delimiter, --header)."""
    parser.add_argument("data", nargs="?", type=Path, metavar="DATA",
                        help=f"{', '.join(READERS)} file, one observation per row "
                             f"(default: {default})")
    group = parser.add_argument_group("reading DATA (a text file)")
    group.add_argument("--delimiter", type=delimiter_char, default=None, metavar="CHAR",
                       help="the column separator: one character (',', ';', '|'), "
                            "'tab', or 'whitespace' for runs of spaces and tabs "
                            "(default: ',' for .csv, whitespace otherwise)")
    header = group.add_mutually_exclusive_group()
    header.add_argument("--header", dest="header", action="store_true",
                        default=None,
                        help="the first line (after # comments) holds the "
                             "column names")
    header.add_argument("--no-header", dest="header", action="store_false",
                        help="the first line is data (default: a header only when "
                             "every cell of the first line is a name, neither empty "
                             "nor a number)")
    return group


def load_table(path, what="DATA", *, delimiter=None, header=None):
    """Read a .npy, .csv or whitespace-separated text file as float data.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; its extension says how to read it.
    what : str, optional
        How errors name the file: the option that gave it, or DATA.
    delimiter : str, optional
        For a text file: the column separator instead of the extension's.
    header : bool, optional
        For a text file: whether the first line holds names (None: when
        every cell of it is a name).

    Returns
    -------
    data : ndarray, shape (n,) or (n, d)
        1-D or 2-D float data of at least one finite row; one text column
        is read as 1-D (observations of one feature).
    names : list of str or None
        The text file's column names, or None without a header.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise CliError(f"{what} {path}: unsupported file type "
                       f"{suffix or '(none)'!r}; expected one of {', '.join(READERS)}")
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise CliError(f"{what} {path}: {problem}")
    if suffix == ".npy":
        _text_options_unused(path, what, delimiter, header)
        data, names = _read_npy(path, what), None
    else:
        data, names = _read_text(path, what, delimiter or default_delimiter(suffix),
                                 header)
    return _checked(data, path, what), names


def load_data(path, what="DATA"):
    """:func:`load_table`'s data alone, the file read as its extension says."""
    return load_table(path, what)[0]


def _text_options_unused(path, what, delimiter, header):
    # An option that cannot apply is a mistake worth saying, not ignoring.
    if delimiter is not None:
        raise CliError(f"--delimiter: {what} {path} is a .npy file, which has no "
                       "delimiter")
    if header:
        raise CliError(f"--header: {what} {path} is a .npy file, which has no header")


def _checked(data, path, what):
    """Numeric 1-D or 2-D data of at least one row, all finite, as float."""
    if data.dtype.kind not in "biuf":
        raise CliError(f"{what} {path}: expected numbers, got an array of dtype "
                       f"{data.dtype}")
    if data.dtype.kind in "biu":
        data = data.astype(np.float64)
    if data.ndim not in (1, 2):
        raise CliError(f"{what} {path}: expected a 1-D or 2-D array, got shape "
                       f"{data.shape}")
    if data.size == 0:
        raise CliError(f"{what} {path}: no data")
    bad = ~np.isfinite(data)
    if bad.any():
        rows = bad if bad.ndim == 1 else bad.any(axis=1)
        raise CliError(f"{what} {path}: NaN or infinite value in "
                       f"{positions(rows, first=1)}")
    return data


def _read_npy(path, what):
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise CliError(f"{what} {path}: not a NumPy .npy file (save it with "
                           "numpy.save, or name a text file .csv or .txt)")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise CliError(f"{what} {path}: holds pickled Python objects, which are "
                           "not read; save a numeric array") from None
        raise CliError(f"{what} {path}: damaged .npy file ({_first_line(exc)})") \
            from None
    except (OSError, EOFError) as exc:
        raise CliError(f"{what} {path}: damaged .npy file ({_first_line(exc)})") \
            from None


def _read_text(path, what, delimiter, header):
    """(data, names) of a text table; one column becomes 1-D data."""
    try:
        data, names = read_table(path, delimiter, header)
    except TableError as exc:
        raise CliError(f"{what} {path}: not a table of numbers: {exc}"
                       f"{delimiter_hint(path, delimiter)}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{what} {path}: cannot be read: not UTF-8 text "
                       f"({_first_line(exc)})") from None
    except OSError as exc:
        raise CliError(f"{what} {path}: cannot be read ({exc.strerror or exc})") \
            from None
    return (data[:, 0] if data.shape[1] == 1 else data), names


def check_no_reading_options(args):
    """--delimiter and --header say how to read DATA: a mistake without it."""
    for option, value in (("--delimiter", args.delimiter),
                          ("--header/--no-header", args.header)):
        if value is not None:
            raise CliError(f"{option}: applies to a DATA file, and none is given "
                           "(the built-in data is used)")


def read_data(args, what="DATA"):
    """(data, names, description) of DATA, or of the built-in grid of blobs."""
    if args.data is None:
        check_no_reading_options(args)
        from ..datasets import grid_blobs

        return grid_blobs()[0], None, DEMO
    data, names = load_table(args.data, what, delimiter=args.delimiter,
                             header=args.header)
    return data, names, str(args.data)


def demo_or_file(args, demo_k=9):
    """(data, names, description, k) from DATA and -k, or the built-in blobs."""
    if args.data is not None and args.k is None:
        raise CliError("-k/--k: required when DATA is given")
    data, names, source = read_data(args)
    k = demo_k if args.k is None else args.k
    if k > data.shape[0]:
        raise CliError(f"-k/--k: {k} clusters for the {data.shape[0]} "
                       f"observations of {source}")
    return data, names, source, k


def check_writable(path, option):
    """Fail before the work, not after it, when an output cannot be written."""
    if path is None:
        return
    parent = Path(path).parent
    if not parent.is_dir():
        raise CliError(f"{option} {path}: folder {parent} does not exist")
    if Path(path).is_dir():
        raise CliError(f"{option} {path}: is a directory")


# -- output ------------------------------------------------------------------

def jsonable(value):
    """Plain JSON types: arrays to lists, NumPy scalars unwrapped, NaN to null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def emit(args, result, text):
    """Print `text` (or the JSON with --json), and write the JSON to -o FILE."""
    encoded = json.dumps(jsonable(result), indent=None if args.json else 2,
                         allow_nan=False)
    if args.output is not None:
        try:
            Path(args.output).write_text(encoded + "\n")
        except OSError as exc:
            raise CliError(f"-o/--output {args.output}: {exc.strerror or exc}") \
                from None
    print(encoded if args.json else text)


def check_array_output(path, option):
    """An output array's file name must say a format: .npy, .csv or .txt."""
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    if suffix not in WRITERS:
        raise CliError(f"{option} {path}: unsupported file type "
                       f"{suffix or '(none)'!r}; expected one of "
                       f"{', '.join(WRITERS)}")
    check_writable(path, option)


def save_array(path, array, option, names=None):
    """Write `array` as its file name says (see WRITERS); `names` head a CSV."""
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    try:
        if suffix == ".npy":
            np.save(path, np.asarray(array), allow_pickle=False)
        else:
            write_table(path, array, "," if suffix == ".csv" else " ",
                        names=names if suffix == ".csv" else None)
    except OSError as exc:
        raise CliError(f"{option} {path}: {exc.strerror or exc}") from None


def pyplot():
    """matplotlib's pyplot on a file-only backend, or a CliError saying why not."""
    try:
        import matplotlib
    except ImportError:
        raise CliError('--plot needs matplotlib: pip install "kmeanskit[plot]"') \
            from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_plot_format(path, option="--plot"):
    """The picture format must be one matplotlib can write."""
    if path is None:
        return
    plt = pyplot()
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in formats:
        raise CliError(f"{option} {path}: unknown picture format "
                       f"{suffix or '(none)'!r}; use one of "
                       f"{', '.join(sorted(formats))}")
    check_writable(path, option)


def save_figure(fig, path, option="--plot"):
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise CliError(f"{option} {path}: {exc.strerror or exc}") from None
    finally:
        pyplot().close(fig)


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def note(args, message):
    """A progress or status line on stderr, unless -q."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)
