"""Array helpers every layer may need, whatever the array library.

Dtype names, float64 support on a device, values brought to the host, and
the row chunks that bound every pass's memory.
"""

import numpy as np

__all__ = ["chunks", "has_float64", "numpy_dtype", "to_host"]


def numpy_dtype(dtype):
    """The NumPy dtype of an Array API dtype (``torch.float32`` -> float32).

    bfloat16 maps to float16: both are computed in float32.
    """
    if isinstance(dtype, np.dtype):
        return dtype
    try:
        found = np.dtype(dtype)  # JAX and CuPy dtypes are NumPy's
    except TypeError:
        found = None
    name = found.name if found is not None else str(dtype).rsplit(".", 1)[-1]
    if name == "bfloat16":
        return np.dtype(np.float16)
    if found is not None:
        return found
    try:
        return np.dtype(name)
    except TypeError:
        return np.dtype(object)


def has_float64(xp, device):
    """Whether namespace ``xp`` can hold float64 arrays on ``device``."""
    info = getattr(xp, "__array_namespace_info__", None)
    if info is not None:
        try:
            return "float64" in info().dtypes(device=device, kind="real floating")
        except Exception:  # noqa: BLE001 - an incomplete inspection API
            pass
    return hasattr(xp, "float64")


def to_host(a):
    """A NumPy array holding the values of Array API array ``a``.

    NumPy arrays are returned as they are; CPU arrays that NumPy can view are
    viewed, not copied; device arrays are copied to host memory.  Only ever
    called on small results (centres, sums) or on what the caller asked to
    have computed (Dask).
    """
    if isinstance(a, np.ndarray):
        return a
    import array_api_compat as compat

    if compat.is_torch_array(a):
        import torch

        a = a.detach()
        if a.dtype == torch.bfloat16:
            a = a.to(torch.float32)
        return a.cpu().resolve_conj().resolve_neg().numpy()
    if compat.is_cupy_array(a):
        return a.get()
    if compat.is_dask_array(a):
        return np.asarray(a.compute())
    if type(a).__module__.startswith("array_api_strict"):
        import array_api_strict

        return np.asarray(a.to_device(array_api_strict.Device("CPU_DEVICE")))
    try:
        return np.asarray(a)
    except (TypeError, RuntimeError, ValueError):
        return np.from_dlpack(a, device="cpu")


def chunks(n, rows):
    """``(start, stop)`` of consecutive chunks of ``rows`` rows covering ``n``
    (stops stay in bounds: the Array API leaves out-of-bounds slices
    undefined)."""
    for start in range(0, n, rows):
        yield start, min(start + rows, n)
