"""From the caller's array library to NumPy and back.

For now every input is computed on by the compiled engine through NumPy:
NumPy arrays and array-likes directly, other Array API arrays (e.g. CPU
PyTorch tensors) through ``numpy.asarray`` (no copy where the library allows
it), with results converted back to the caller's namespace.  Arrays NumPy
cannot read (GPU memory) raise ``TypeError``.
"""

import numpy as np

__all__ = ["Converted", "to_numpy"]


class Converted:
    """NumPy views of the caller's arrays, and the way back to their namespace."""

    def __init__(self, xp, arrays):
        self.xp = xp
        self.arrays = arrays

    def back(self, result):
        """``result`` (a NumPy array or scalar) in the caller's namespace."""
        if self.xp is None:
            return result
        return self.xp.asarray(result)


def _namespace(arrays):
    import array_api_compat

    candidates = [a for a in arrays if hasattr(a, "__array_namespace__")
                  or array_api_compat.is_array_api_obj(a)]
    if not candidates or all(isinstance(a, np.ndarray) for a in candidates):
        return None
    xp = array_api_compat.array_namespace(*candidates)
    return None if array_api_compat.is_numpy_namespace(xp) else xp


def _as_numpy(a):
    if isinstance(a, np.ndarray):
        return a
    try:
        return np.asarray(a)
    except (TypeError, RuntimeError) as exc:
        raise TypeError(
            f"kmeanskit cannot read an array of type {type(a).__name__} on the "
            f"CPU ({exc}); move it to host memory first."
        ) from exc


def to_numpy(*arrays):
    """Return a :class:`Converted` for ``arrays`` (``None`` entries kept)."""
    present = [a for a in arrays if a is not None]
    xp = _namespace(present)
    converted = tuple(None if a is None else _as_numpy(a) for a in arrays)
    return Converted(xp, converted)
