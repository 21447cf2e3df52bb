"""Argument checks shared by the public functions.

Every check raises the exception type SciPy raises for the same mistake, with
a message that names the argument and the offending value.  Nothing here
modifies its input: arrays are only ever read, and a new array is made
whenever a dtype or layout has to change.
"""

import numbers

import numpy as np

from ._warnings import warn_external

__all__ = [
    "as_data",
    "check_finite_array",
    "raise_bad_ndim",
    "raise_no_features",
    "raise_not_finite",
    "check_count",
    "per_observation",
    "check_k_count",
    "check_option",
    "check_thresh",
    "check_tol",
    "check_weights",
    "check_flag",
    "check_callback",
    "Default",
    "DefaultInt",
    "NOT_GIVEN",
    "renamed_keyword",
    "floating_dtype",
    "positions",
    "to_2d",
]

# How many offending positions an error message lists before counting the rest.
_LISTED = 5

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def floating_dtype(dtype, name, *, integers="raise"):
    """The float dtype the kernels compute in for data of ``dtype``.

    float32 and float64 are kept, float16 is computed in float32.  Integers
    and booleans raise ``TypeError`` (``integers='raise'``, SciPy's rule for
    k-means) or become float64 (``integers='float64'``, SciPy's rule for vq).
    Complex data raises ``ValueError`` and non-numeric data ``TypeError``, as
    SciPy does.
    """
    dtype = np.dtype(dtype)
    if dtype in _FLOATS:
        return dtype
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype.kind == "c":
        raise ValueError(
            f"{name} has complex dtype {dtype}; k-means needs real "
            "floating-point data (split real and imaginary parts into columns)."
        )
    if dtype.kind in "iub":
        if integers == "float64":
            return np.dtype(np.float64)
        raise TypeError(
            f"{name} must hold floating-point numbers (float32 or float64), got "
            f"dtype {dtype}; convert it first, e.g. {name}.astype(numpy.float64)."
        )
    raise TypeError(
        f"{name} must be a numeric array of float32 or float64, got dtype {dtype}."
    )


# Elements checked at a time when a sum cannot vouch for finiteness.
_FINITE_CHECK_BLOCK = 1 << 16


def _all_finite(a):
    """Whether every element of ``a`` is finite, in O(1) extra memory.

    An inf or NaN makes the sum non-finite, so a finite sum (a fast pairwise
    reduction, no temporary) proves all elements finite; only when the sum
    is not (overflow, or a real inf/NaN) are elements tested, a block of rows
    at a time, never building an n-by-d boolean array.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(a)
    if a.size == 0 or np.isfinite(total):
        return True
    flat = a.reshape(-1) if a.flags.c_contiguous else None
    if flat is not None:
        return all(
            np.isfinite(flat[start:start + _FINITE_CHECK_BLOCK]).all()
            for start in range(0, flat.size, _FINITE_CHECK_BLOCK)
        )
    rows = max(1, _FINITE_CHECK_BLOCK // max(1, a[0].size))
    return all(
        np.isfinite(a[start:start + rows]).all() for start in range(0, a.shape[0], rows)
    )


def raise_not_finite(name):
    """Raise the ``ValueError`` for an array ``name`` holding an inf or a NaN."""
    raise ValueError(
        f"{name} must not contain infs or NaNs (pass check_finite=False to "
        "skip this check at your own risk)."
    )


def positions(mask, noun="row", plural=None, *, first=0):
    """The positions where boolean ``mask`` is true, for an error message.

    ``'row 3'``, ``'rows 3, 8 and 9'``, or the first few and the count:
    ``'rows 0, 1, 2, 3, 4 and 5 more (10 in all)'``.  ``first`` is the number
    of position 0 (1 for the row numbers of a file).
    """
    found = np.flatnonzero(mask) + first
    plural = plural or f"{noun}s"
    listed = [str(int(i)) for i in found[:_LISTED]]
    if found.size == 1:
        return f"{noun} {listed[0]}"
    if found.size <= _LISTED:
        return f"{plural} {', '.join(listed[:-1])} and {listed[-1]}"
    return (f"{plural} {', '.join(listed)} and {found.size - _LISTED} more "
            f"({found.size} in all)")


def check_finite_array(a, name):
    """Raise ``ValueError`` if NumPy array ``a`` holds an inf or a NaN."""
    if not _all_finite(a):
        raise_not_finite(name)


def raise_bad_ndim(a, name, min_ndim=1, max_ndim=2):
    """Raise the ``ValueError`` for an observation array ``name`` of bad rank
    (the caller takes ranks ``min_ndim`` to ``max_ndim``)."""
    allowed = " or ".join(f"{r}-D" for r in range(min_ndim, max_ndim + 1))
    raise ValueError(
        f"{name} must be a {allowed} array, got an array of ndim={a.ndim} "
        f"(shape {tuple(a.shape)})."
    )


def raise_no_features(a, name):
    """Raise the ``ValueError`` for 2-D ``name`` with zero columns: there is
    nothing to measure a distance on (and the kernels need d >= 1)."""
    raise ValueError(
        f"{name} has no features (shape {tuple(a.shape)}): it needs at least "
        "one column."
    )


def as_data(a, name, *, check_finite, integers="raise", min_ndim=1, max_ndim=2):
    """Validate an observation array; return it as a float32/float64 ndarray.

    The returned array is ``a`` itself when no conversion is needed: callers
    must treat it as read-only.
    """
    arr = np.asarray(a)
    if not min_ndim <= arr.ndim <= max_ndim:
        raise_bad_ndim(arr, name, min_ndim, max_ndim)
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise_no_features(arr, name)
    dtype = floating_dtype(arr.dtype, name, integers=integers)
    if check_finite and arr.dtype.kind in "fc":
        check_finite_array(arr, name)
    return arr.astype(dtype, copy=False)


def to_2d(a):
    """An (n, d) C-contiguous view or copy of 1-D or 2-D ``a`` (1-D: d=1)."""
    if a.ndim == 1:
        a = a[:, np.newaxis]
    return np.ascontiguousarray(a)


def _is_integral(value):
    if isinstance(value, numbers.Integral):
        return True
    try:
        return float(value).is_integer()
    except (TypeError, ValueError, OverflowError):
        return False


def check_count(value, name, *, minimum=1, allow_none=False):
    """Validate a count of things (iterations, starts, rows, runs).

    Parameters
    ----------
    value : object
        The caller's argument.
    name : str
        Its name, for the messages.
    minimum : int, optional
        The smallest count allowed.
    allow_none : bool, optional
        Whether ``None`` ("not given") passes through unchanged.

    Returns
    -------
    int or None

    Raises
    ------
    TypeError
        If ``value`` is not an integer (a bool is not one).
    ValueError
        If ``value`` is below ``minimum``.

    Notes
    -----
    Cluster counts go through :func:`check_k_count` instead: SciPy takes
    ``k=3.0`` and raises ``ValueError`` for a bad ``k``, and the public
    SciPy-compatible functions keep that rule.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_thresh(thresh):
    """``thresh`` must be a real number >= 0 (a negative one never converges)."""
    try:
        value = float(thresh)
    except (TypeError, ValueError):
        raise TypeError(f"thresh must be a real number >= 0, got {thresh!r}.") from None
    if not value >= 0:  # also rejects NaN
        raise ValueError(
            f"thresh must be >= 0, got {thresh!r}: the loop stops when the "
            "distortion changes by at most thresh, which a negative value never allows."
        )
    return value


def check_k_count(k, n, *, name="k", points_needed=False):
    """Validate a cluster count; return it as an int.

    ``points_needed``: ``k`` rows are sampled from the ``n`` observations, so
    ``k`` may not exceed ``n``.
    """
    if not _is_integral(k):
        raise ValueError(f"{name} must be an integer number of clusters, got {k!r}.")
    count = int(k)
    if count < 1:
        raise ValueError(f"{name} must be at least 1, got {count}.")
    if points_needed and count > n:
        raise ValueError(
            f"{name}={count} clusters cannot be seeded from {n} observations "
            "without repeating one; ask for at most as many clusters as observations."
        )
    return count


def check_option(value, name, choices):
    """``value`` must be one of ``choices``: ``ValueError`` naming them otherwise."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"Unknown {name} {value!r}; expected one of {options}.")
    return value


def check_tol(tol):
    """``tol`` must be None or a real number >= 0."""
    if tol is None:
        return None
    message = f"tol must be None or a real number >= 0, got {tol!r}."
    if isinstance(tol, bool):
        raise TypeError(message)
    try:
        value = float(tol)
    except (TypeError, ValueError):
        raise TypeError(message) from None
    if not value >= 0 or value == float("inf"):  # also rejects NaN
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}.")
    return value


def check_flag(value, name):
    """``value`` must be a bool (``TypeError`` otherwise: a typo such as
    ``trace='yes'`` should not pass silently)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_callback(callback):
    """``callback`` must be None or callable."""
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}.")
    return callback


def per_observation(values, n, name, entry, kinds, holds):
    """``values`` as a NumPy array, checked to hold one value per observation.

    Raises ``ValueError`` unless it is 1-D with ``n`` entries (each an
    ``entry``), and ``TypeError`` unless its dtype kind is one of ``kinds``
    (the message says it must hold ``holds``).
    """
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"{name} must be a 1-D array with one {entry} per observation "
            f"({n}), got shape {tuple(arr.shape)}."
        )
    if arr.dtype.kind not in kinds:
        raise TypeError(f"{name} must hold {holds}, got dtype {arr.dtype}.")
    return arr


def check_weights(weights, n, *, at_least=1):
    """Validate sample weights for ``n`` observations.

    ``weights`` is a NumPy array (or array-like) already on the host.
    Returns a new C-contiguous float64 array (the caller's is never kept,
    so it can never be written to).  ``at_least``: how many weights must be
    positive (seeding from distinct rows needs ``k`` of them).
    """
    arr = per_observation(weights, n, "weights", "weight", "biuf", "real numbers")
    out = np.array(arr, dtype=np.float64, order="C", copy=True)
    if not np.isfinite(out).all():
        raise ValueError("weights must be finite, got an inf or a NaN at "
                         f"{positions(~np.isfinite(out), 'index', 'indices')}.")
    if (out < 0).any():
        raise ValueError(
            f"weights must be >= 0, got {float(out[out < 0][0])!r} at "
            f"{positions(out < 0, 'index', 'indices')}."
        )
    positive = int(np.count_nonzero(out))
    if positive < at_least:
        raise ValueError(
            f"weights has {positive} positive entries; at least {at_least} "
            "needed (a row of weight 0 counts as absent)."
        )
    return out


class Default(str):
    """A string default told apart, by identity, from the same string passed
    explicitly (so a renamed keyword can tell "both given" from "one given")."""

    __slots__ = ()


class DefaultInt(int):
    """An int default told apart from the same int passed explicitly."""

    __slots__ = ()


class _NotGiven:
    """The default of a deprecated keyword: not passed."""

    def __repr__(self):
        return "<not given>"


NOT_GIVEN = _NotGiven()


def renamed_keyword(func, new_name, new_value, old_name, old_value, *, hint=""):
    """The value of a keyword renamed from ``old_name`` to ``new_name``.

    ``old_value`` is :data:`NOT_GIVEN` when the old name was not used; the
    new keyword's default must be a :class:`Default` or :class:`DefaultInt`.
    Using the old name warns (``DeprecationWarning``, attributed to the
    caller) and returns ``old_value``; using both names is a ``TypeError``.
    ``hint`` is added to the warning.
    """
    if old_value is NOT_GIVEN:
        return new_value
    if not isinstance(new_value, Default | DefaultInt):
        raise TypeError(f"{func}() got both {new_name}= and {old_name}= (its "
                        f"deprecated name); pass only {new_name}=.")
    warn_external(f"{func}(): the keyword {old_name}= is deprecated and will be "
                  f"removed in the next release; use {new_name}= instead.{hint}",
                  DeprecationWarning)
    return old_value
