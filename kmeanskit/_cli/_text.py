"""Text tables in and out: the header rule, delimiters, errors that name a cell.

The header rule: the first line with content (``#`` starts a comment) is a
header when every one of its cells is a name, that is neither empty nor a
number; ``header=True`` or ``header=False`` decides instead.  A first line that
mixes numbers with text or blank cells is neither a header nor data and is an
error, like the same line anywhere else in the file: no row is ever dropped
without a word.

Rows are numbered as the lines of the file (comments and blank lines count),
so an error's row is the line an editor shows.
"""

import csv
import io
import re
import warnings

import numpy as np

WHITESPACE = "whitespace"
# Delimiters a file may use instead of the expected one, for the hint.
CANDIDATES = (",", ";", "\t", "|")
HINT_SAMPLE = 20   # content lines looked at for the hint
DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


class TableError(Exception):
    """What is wrong inside a text file; the caller adds the file's name."""


def default_delimiter(suffix):
    """The delimiter a file name implies: ',' for .csv, else whitespace."""
    return "," if suffix == ".csv" else WHITESPACE


def spell(delimiter):
    """`delimiter` as --delimiter takes it on a shell command line."""
    return {"\t": "tab", WHITESPACE: WHITESPACE, ",": ","}.get(delimiter,
                                                               f"'{delimiter}'")


def _describe(delimiter):
    return {"\t": "tab", WHITESPACE: WHITESPACE}.get(delimiter, f"'{delimiter}'")


def _columns(n):
    return f"{n} column" if n == 1 else f"{n} columns"


# -- reading -----------------------------------------------------------------

def _content_lines(path):
    """(row number, text before any '#') of each line with content."""
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            content = line.split("#", 1)[0].rstrip("\r\n")
            if content.strip():
                yield number, content


def _cells(content, delimiter):
    if delimiter == WHITESPACE:
        return content.split()
    return [cell.strip() for cell in content.split(delimiter)]


def _is_number(cell):
    # NumPy's parser, which reads the rows, takes no digit separators.
    if "_" in cell:
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _cell_problem(cell, delimiter, last):
    """Why `cell` is not a finite number (None when it is one)."""
    if not cell:
        trailing = (f" (the row ends with {_describe(delimiter)})"
                    if last and delimiter != WHITESPACE else "")
        return f"empty cell{trailing}"
    if not _is_number(cell):
        if delimiter != "," and DECIMAL_COMMA.fullmatch(cell):
            return (f"{cell!r} is not a number (a decimal comma? write "
                    f"{cell.replace(',', '.')})")
        return f"{cell!r} is not a number"
    if not np.isfinite(float(cell)):
        return f"{cell!r}: NaN or infinite value"
    return None


def _row_problem(number, cells, delimiter):
    """'row R, column C: ...' for the first bad cell of a row, or None."""
    for column, cell in enumerate(cells, start=1):
        problem = _cell_problem(cell, delimiter, last=column == len(cells))
        if problem:
            return f"row {number}, column {column}: {problem}"
    return None


def _first_row_problem(number, cells, delimiter):
    """The error for a first row that is neither a header nor data."""
    numbers = [_is_number(cell) for cell in cells]
    if any(numbers):
        # Mostly numbers: blame the first cell that is not one.
        column = numbers.index(False)
    else:
        column = [bool(cell) for cell in cells].index(False)
    problem = _cell_problem(cells[column], delimiter, column == len(cells) - 1)
    return (f"row {number}, column {column + 1}: {problem}; so row {number} is "
            "neither a header (a name in every cell) nor data (a number in every "
            "cell); --header or --no-header says which it is")


def _is_header(number, cells, delimiter, header):
    """Whether the first content line is a header (see the module's rule)."""
    if header is not None:
        return header
    names = [bool(cell) and not _is_number(cell) for cell in cells]
    if all(names):
        return True
    if not any(names) and all(cells):
        return False
    raise TableError(_first_row_problem(number, cells, delimiter))


def _names(number, content, delimiter):
    """The header's names; a name may be quoted ("x, in cm")."""
    if delimiter == WHITESPACE:
        names = content.split()
    else:
        names = next(csv.reader([content], delimiter=delimiter,
                                skipinitialspace=True))
    names = [name.strip() for name in names]
    if "" in names:
        column = names.index("")
        raise TableError(f"row {number}, column {column + 1}: empty name in the "
                         "header")
    return names


def _scan(path, delimiter, start, names):
    """The first problem of the rows from row `start` on, or None."""
    expected, reference = (len(names), "the header") if names else (None, None)
    for number, content in _content_lines(path):
        if number < start:
            continue
        cells = _cells(content, delimiter)
        problem = _row_problem(number, cells, delimiter)
        if problem:
            return problem
        if expected is None:
            expected, reference = len(cells), f"row {number}"
        elif len(cells) != expected:
            return f"row {number} has {_columns(len(cells))}, {reference} " \
                   f"{_columns(expected)}"
    return None


def _loadtxt(path, delimiter, skiprows):
    with warnings.catch_warnings(), open(path, encoding="utf-8-sig") as f:
        # An empty table is reported by the caller as "no data".
        warnings.simplefilter("ignore", UserWarning)
        return np.loadtxt(f, delimiter=None if delimiter == WHITESPACE else delimiter,
                          ndmin=2, skiprows=skiprows, dtype=np.float64)


def delimiter_hint(path, delimiter):
    """'; the file looks ';'-separated: try --delimiter ...', or ''.

    A candidate is suggested when it splits every sampled line into the same
    number (two or more) of columns and `delimiter` does not.
    """
    sample = []
    try:
        for _, content in _content_lines(path):
            sample.append(content)
            if len(sample) == HINT_SAMPLE:
                break
    except (OSError, UnicodeDecodeError):
        return ""
    current = {len(_cells(line, delimiter)) for line in sample}
    for candidate in CANDIDATES:
        if candidate == delimiter or not sample:
            continue
        counts = {len(line.split(candidate)) for line in sample}
        if len(counts) == 1 and min(counts) >= 2 and current != counts:
            return (f"; the file looks {_describe(candidate)}-separated: try "
                    f"--delimiter {spell(candidate)}")
    return ""


def read_table(path, delimiter, header=None):
    """Read a text table of numbers.

    Parameters
    ----------
    path : pathlib.Path
        The file, UTF-8 text (a byte-order mark is allowed).
    delimiter : str
        One character, or ``WHITESPACE`` for runs of spaces and tabs.
    header : bool, optional
        True: the first line with content holds names; False: it is data;
        None (default): the module's rule decides.

    Returns
    -------
    data : ndarray, shape (n, d)
        float64; n is 0 when the file holds no rows of data.
    names : list of str or None
        The header's names, one per column, or None without a header.

    Raises
    ------
    TableError
        On any row that is not all numbers (naming its row and column), rows
        of different lengths, a header whose names do not match the columns,
        or a NaN or infinite value.
    """
    first = next(_content_lines(path), None)
    if first is None:
        return np.empty((0, 0)), None
    number, content = first
    names = None
    if _is_header(number, _cells(content, delimiter), delimiter, header):
        names = _names(number, content, delimiter)
    start = number + 1 if names else number
    try:
        data = _loadtxt(path, delimiter, skiprows=number if names else 0)
    except ValueError as exc:
        raise TableError(_scan(path, delimiter, start, names) or _reason(exc)) \
            from None
    if data.size and names is not None and len(names) != data.shape[1]:
        raise TableError(f"the header (row {number}) has {len(names)} names for "
                         f"{_columns(data.shape[1])} of data")
    if not np.isfinite(data).all():
        raise TableError(_scan(path, delimiter, start, names)
                         or "NaN or infinite value")
    return data, names


def _reason(exc):
    # NumPy's full message: its tail can be the cause (never cut it short).
    return " ".join(str(exc).split()) or type(exc).__name__


# -- writing -----------------------------------------------------------------

def _format(array):
    """Rows of text: integers as they are, floats in their shortest exact form."""
    array = np.asarray(array)
    rows = array.reshape(len(array), -1).tolist()
    if array.dtype.kind in "biu":
        return [[str(int(v)) for v in row] for row in rows]
    return [[repr(float(v)) for v in row] for row in rows]


def write_table(path, array, delimiter, names=None):
    """Write a 1-D or 2-D array as text, one row per line.

    Parameters
    ----------
    path : pathlib.Path
        The file to write.
    array : array_like, shape (n,) or (n, d)
        The numbers; a 1-D array is one column.
    delimiter : str
        ',' (CSV) or ' '.
    names : list of str, optional
        A header row of column names (quoted where CSV needs it).
    """
    lines = []
    if names is not None:
        header = io.StringIO()
        csv.writer(header, delimiter=delimiter, lineterminator="").writerow(names)
        lines.append(header.getvalue())
    lines.extend(delimiter.join(row) for row in _format(array))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
