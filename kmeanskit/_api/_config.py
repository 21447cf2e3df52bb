"""``show_config``: what this installation of kmeanskit was built with."""

import json
import platform
from importlib import metadata
from importlib.util import find_spec

from .._base._validate import check_option

__all__ = ["show_config"]

# The libraries kmeanskit works with when they are installed, by import name.
OPTIONAL = ("array_api_strict", "cupy", "dask", "distributed", "jax", "matplotlib",
            "pandas", "sklearn", "torch", "tqdm")


def _optional_versions():
    """``{import name: version or None}``, found without importing anything."""
    distributions = metadata.packages_distributions()
    versions = {}
    for name in OPTIONAL:
        version = None
        if find_spec(name) is not None:
            # CuPy's distribution is named per CUDA version (cupy-cuda12x).
            for dist in distributions.get(name, ()):
                try:
                    version = metadata.version(dist)
                    break
                except metadata.PackageNotFoundError:
                    continue
            else:
                version = "unknown"
        versions[name] = version
    return versions


def _version():
    try:
        return metadata.version("kmeanskit")
    except metadata.PackageNotFoundError:  # pragma: no cover - odd installs
        return "unknown"


def _config():
    import numpy
    import scipy
    from threadpoolctl import threadpool_info

    from .._backends._threads import default_n_threads
    from .._ext import _kernels

    blas = [
        {key: lib.get(key) for key in ("internal_api", "version", "num_threads",
                                       "threading_layer", "filepath")}
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    ]
    return {
        "version": _version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "openmp": bool(_kernels.HAVE_OPENMP),
        "threads": default_n_threads(),
        "blas": blas,
        "optional": _optional_versions(),
    }


def show_config(mode="stdout"):
    """Report how kmeanskit was built, its threads, and the optional libraries found.

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
        ``OMP_NUM_THREADS`` to change it), ``blas`` (the BLAS libraries
        loaded in this process, as reported by threadpoolctl) and
        ``optional``: the version of each optional library kmeanskit works
        with (array-api-strict, CuPy, Dask, distributed, JAX, matplotlib,
        pandas, scikit-learn, PyTorch, tqdm), by import name, or ``None``
        when it is not installed.  Nothing is imported to find them.

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
    check_option(mode, "mode", ("stdout", "dicts"))
    config = _config()
    if mode == "dicts":
        return config
    print(json.dumps(config, indent=2))
    return None
