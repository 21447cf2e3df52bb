"""``show_config``: what this installation of kmeanskit was built with."""

import json
import platform

__all__ = ["show_config"]


def _config():
    import numpy
    import scipy
    from threadpoolctl import threadpool_info

    from . import __version__, _kernels
    from ._threads import default_n_threads

    blas = [
        {key: lib.get(key) for key in ("internal_api", "version", "num_threads",
                                       "threading_layer", "filepath")}
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    ]
    return {
        "version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "openmp": bool(_kernels.HAVE_OPENMP),
        "threads": default_n_threads(),
        "blas": blas,
    }


def show_config(mode="stdout"):
    """Report the version, the OpenMP build flag, the BLAS and the thread count.

    Parameters
    ----------
    mode : {'stdout', 'dicts'}, optional
        Print a readable report (default) or return it as a dict.

    Returns
    -------
    dict or None
        With ``mode='dicts'``: keys ``version``, ``python``, ``platform``,
        ``numpy``, ``scipy``, ``openmp`` (whether the kernels were compiled
        with OpenMP), ``threads`` (threads the kernels use by default; set
        ``OMP_NUM_THREADS`` to change it) and ``blas`` (the BLAS libraries
        loaded in this process, as reported by threadpoolctl).

    Raises
    ------
    ValueError
        If `mode` is not one of the two values.

    Examples
    --------
    >>> import kmeanskit
    >>> sorted(kmeanskit.show_config(mode="dicts"))[:3]
    ['blas', 'numpy', 'openmp']
    """
    if mode not in ("stdout", "dicts"):
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}.")
    config = _config()
    if mode == "dicts":
        return config
    print(json.dumps(config, indent=2))
    return None
