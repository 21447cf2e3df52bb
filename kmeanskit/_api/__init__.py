"""The public functions: validate the call, dispatch it, run the loop, return.

SciPy's ``whiten``, ``vq``, ``kmeans`` and ``kmeans2`` (``_vq``), ``kpp_init``,
the variants (mini-batch, k-medians, k-medoids, spherical) and
``show_config``.  Each function checks its arguments once (``_base``), finds
the engine for the caller's arrays (``_backends``) and runs the shared loop
(``_core``).
"""
