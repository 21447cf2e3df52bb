"""The compiled kernels (Cython and SIMD C), and one clear error without them.

``_kernels``: the assignment, Lloyd-pass, seeding and Hamerly kernels;
``_pam``: k-medoids (FasterPAM, alternating, BUILD); ``_cityblock``: the L1
assignment of k-medians; ``_silhouette``: the exact silhouette's blocked
distance sums; ``_sparse``: CSR rows against dense centres.

Python puts the current folder first on ``sys.path``, so ``import kmeanskit``
from the repository's root finds the unbuilt source tree.  Without this check
the first module needing a kernel fails half-way through the package's own
imports, with a misleading "circular import" message.  An editable install
(meson-python's import hook) finds the extensions in its build folder, so
it passes.
"""

from importlib.util import find_spec
from pathlib import Path

__all__ = ["require_compiled_extensions"]

EXTENSIONS = ("_kernels", "_pam", "_cityblock", "_silhouette", "_sparse")


def require_compiled_extensions():
    """Raise ImportError, saying what to do, if an extension module is missing."""
    missing = [name for name in EXTENSIONS if find_spec(f"{__name__}.{name}") is None]
    if not missing:
        return
    folder = Path(__file__).resolve().parent
    names = ", ".join(missing)
    if (folder / "_kernels.pyx").exists():
        raise ImportError(
            f"kmeanskit is being imported from its source tree ({folder.parent}), "
            f"where the compiled extensions ({names}) are not built. Install it with "
            "'pip install .' and run Python from another folder, or make an "
            "editable install that rebuilds on import: "
            "'pip install --no-build-isolation -e .' (with meson-python, meson, "
            "ninja, Cython, NumPy and SciPy installed first)."
        )
    raise ImportError(
        f"kmeanskit's compiled extensions ({names}) are missing from {folder}: "
        "the installation is incomplete; reinstall it with 'pip install "
        "--force-reinstall kmeanskit'."
    )
