"""Arguments of the plots, from any array library to checked NumPy arrays.

Drawing happens on the host: arrays of other libraries are copied there
(GPU arrays included, Dask arrays computed).  Nothing given is modified.
"""

from collections.abc import Mapping

import numpy as np

from .._backends._arrays import to_host

__all__ = ["as_ks", "as_labels", "as_points", "as_vector", "column_names", "columns",
           "host"]


def host(a, name):
    """``a`` (NumPy, array-like, or an array of any supported library) as a
    NumPy array; TypeError naming ``name`` when it is not array-like."""
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, list | tuple | range) or np.isscalar(a):
        return np.asarray(a)
    try:
        return np.asarray(to_host(a))
    except Exception as exc:  # an object no array library recognises
        raise TypeError(f"{name} must be an array, got {type(a).__name__}.") from exc


def _float(a, name):
    a = host(a, name)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}.")
    return a.astype(np.float64)


def as_points(a, name, *, d=None):
    """(n, d) float64 copy of observations ``a`` (1-D: one feature)."""
    a = _float(a, name)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D or 2-D array, "
                         f"got shape {a.shape}.")
    if d is not None and a.shape[1] != d:
        raise ValueError(f"{name} must have {d} feature(s) like data, "
                         f"got shape {a.shape}.")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite (no NaN or inf).")
    return a


def as_vector(a, name, *, n=None, allow_nan=False):
    """1-D float64 copy of ``a``, of length ``n`` when given; NaN allowed
    (drawn as a gap) only with ``allow_nan``, infinities never."""
    a = _float(a, name)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}.")
    if n is not None and a.size != n:
        raise ValueError(f"{name} must have {n} values, got {a.size}.")
    bad = np.isinf(a) if allow_nan else ~np.isfinite(a)
    if bad.any():
        allowed = "finite or NaN" if allow_nan else "finite"
        raise ValueError(f"{name} must be {allowed}.")
    return a


def as_ks(a, name="ks"):
    """Increasing integer numbers of clusters, as an int64 array."""
    k = as_vector(a, name)
    if (k != np.round(k)).any() or (k < 1).any() or (np.diff(k) <= 0).any():
        raise ValueError(f"{name} must be increasing integers >= 1, got {k.tolist()}.")
    return k.astype(np.int64)


def as_labels(a, name, *, n, k=None):
    """int64 labels of ``n`` observations, in ``[0, k)`` when ``k`` is given."""
    a = host(a, name)
    if a.dtype.kind not in "biu" and not (
            a.dtype.kind == "f" and np.array_equal(a, np.round(a))):
        raise TypeError(f"{name} must hold integers, got dtype {a.dtype}.")
    a = a.astype(np.int64)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (one per observation), "
                         f"got {a.shape}.")
    if (a < 0).any() or (k is not None and (a >= k).any()):
        bound = f"[0, {k})" if k is not None else ">= 0"
        raise ValueError(f"{name} must be in {bound}, got values "
                         f"{int(a.min())}..{int(a.max())}.")
    return a


def _table(table):
    """The column source behind ``table``: its ``.table`` (``choose_k``) or
    ``.records`` (``stability_study``) attribute when it is a result object,
    records transposed, else itself."""
    if not isinstance(table, Mapping):
        for attribute in ("table", "records"):
            if hasattr(table, attribute):
                table = getattr(table, attribute)
                break
    if isinstance(table, list | tuple) and table and isinstance(table[0], Mapping):
        return {key: [row[key] for row in table] for key in table[0]}
    return table


def column_names(table, name):
    """Column names of a table-like (mapping, structured array, data frame)."""
    table = _table(table)
    if isinstance(table, np.ndarray) and table.dtype.names:
        return list(table.dtype.names)
    if isinstance(table, Mapping):
        return list(table.keys())
    names = getattr(table, "columns", None)
    if names is None:
        raise TypeError(f"{name} must be a mapping of columns, a structured "
                        f"array, a sequence of records or an object with a "
                        f"'table' or 'records', got {type(table).__name__}.")
    return [str(c) for c in names]


def columns(table, wanted, name):
    """``{column: 1-D ndarray}`` for every name in ``wanted``."""
    source = _table(table)
    available = column_names(source, name)
    missing = [w for w in wanted if w not in available]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {available}.")
    out = {}
    for w in wanted:
        values = source[w]
        values = host(values, f"{name}[{w!r}]") if not isinstance(values, list) \
            else np.asarray(values)
        out[w] = np.asarray(values).reshape(-1)
    lengths = {len(v) for v in out.values()}
    if len(lengths) > 1:
        raise ValueError(f"the columns of {name} have different lengths.")
    return out
