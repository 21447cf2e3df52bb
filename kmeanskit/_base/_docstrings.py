"""Docstring paragraphs shared by many public functions, written once.

SciPy's ``doccer`` idea, kept small: a docstring names a shared paragraph by
a line that holds only ``{{name}}``, and :func:`fill_doc` replaces that line
by the paragraph, indented like the line.  Most paragraphs are one numpydoc
entry (a parameter's ``name : type`` line or an exception's name, and its
description); the rest are prose for the Notes.  The filled docstring reads,
renders and validates like a hand-written one.
"""

import re
import textwrap

__all__ = ["PARAGRAPHS", "doc_filler", "fill_doc"]

PARAGRAPHS = {
    "workers": """\
workers : int, optional
    Threads for the compiled kernels: None (default) uses OpenMP's default
    (``OMP_NUM_THREADS``, else every core), -1 every core, a positive int
    exactly that many.  Results do not depend on it.""",
    "workers_scipy": """\
workers : int, optional
    Threads for the compiled kernels: None (default) uses OpenMP's default
    (``OMP_NUM_THREADS``, else every core), -1 every core, a positive int
    exactly that many.  Results do not depend on it.  A kmeanskit
    extension (keyword-only); SciPy is single-threaded here.""",
    "algorithm": """\
algorithm : {'lloyd', 'hamerly', 'yinyang', 'auto'}, optional
    How each iteration finds the nearest centroids.  'lloyd' (default)
    computes every distance (vectorised, or by BLAS for wider data).
    'hamerly' keeps a label and one lower bound per observation across
    iterations (Hamerly, 2010; O(M) extra memory) and skips the
    distances the bounds rule out: fewer distance computations, which
    pays when clusters are well separated (often several times faster)
    and costs when they overlap.  'yinyang' keeps one lower bound per
    observation and group of about ten centroids (Ding et al., 2015;
    at most a quarter of the data's memory, which caps the number of
    groups), and scans only the groups that could hold a nearer
    centroid: it prunes far more than 'hamerly' when there are many
    centroids (it is 'hamerly' where fewer than two groups fit).
    'auto' tries bounded iterations (group bounds where they fit),
    skips them where a sample shows they would rule out too little, times
    them against plain ones as it goes and keeps the faster (below 1024
    centroids x features, where the bounds can save little, it runs
    'lloyd').  All
    give the same labels (up to exact near-ties from 5 features on,
    where 'lloyd' ranks by the GEMM identity).  A kmeanskit extension.""",
    "check_finite_inputs": """\
check_finite : bool, optional
    Whether to check that the inputs contain only finite numbers.
    Default: True.""",
    "compared_labels": """\
labels : array_like of int, shape (M,)
    Cluster of each observation; 2 to M - 1 distinct values.""",
    "labels_type_error": """\
TypeError
    If `labels` are not integers, or on integer or non-numeric data.""",
    "too_many_clusters_error": """\
ValueError
    If there are no more observations than clusters, or `labels` does not
    have one entry per observation.""",
    "check_finite": """\
check_finite : bool, optional
    Whether to check that `data` holds only finite numbers.  Default: True.""",
    "observations": """\
data : array_like, shape (M, N) or (M,)
    Observations, one per row (float32 or float64), of any supported
    array library.""",
    "observations_sparse": """\
data : array_like or sparse matrix, shape (M, N) or (M,)
    Observations, one per row (float32 or float64), of any supported
    array library, or a scipy.sparse matrix or array (see the user
    guide's "Sparse data").""",
    "check_finite_infs": """\
check_finite : bool, optional
    Whether to check the inputs for infs and NaNs.  Default: True.""",
    "minit_deprecated": """\
minit : optional
    Deprecated name of `init`, kept for one release (``minit='++'`` is
    ``init='greedy++'``, ``minit='points'`` is ``init='points'``): it
    warns with a ``DeprecationWarning``; passing both is a ``TypeError``.""",
    "array_libraries": """\
Arrays of any library implementing the Python Array API standard are
accepted (PyTorch, JAX, CuPy, Dask, array-api-strict, ...); results are
arrays of the same library on the same device, and the random draws are
made by NumPy on the host, so the same `rng` gives the same result on
every library.  See the support matrix in the documentation ("Array
libraries and engines"); arrays of two libraries raise ``TypeError``.""",
    "max_iter": """\
max_iter : int, optional
    Largest number of iterations.  Default: 300.""",
    "progress": """\
progress : bool, optional
    Show progress over the fits (tqdm when installed).  Default: False.""",
    "ax": """\
ax : matplotlib.axes.Axes, optional
    Where to draw.  Default: a new figure.""",
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)\{\{(?P<name>\w+)\}\}[ ]*$", re.MULTILINE)


def doc_filler(paragraphs):
    """A decorator that fills docstrings from ``paragraphs``.

    Parameters
    ----------
    paragraphs : mapping of str to str
        Paragraph texts by name, unindented.

    Returns
    -------
    callable
        The decorator: it replaces each ``{{name}}`` line of a function's or
        class's docstring by ``paragraphs[name]``, indented like the line,
        and returns the object itself.  A name missing from ``paragraphs``
        raises ``KeyError`` (a typo must fail at import, not render as a
        literal placeholder).
    """
    def expand(match):
        return textwrap.indent(paragraphs[match["name"]], match["indent"])

    def fill(obj):
        if obj.__doc__:  # None under ``python -OO``
            obj.__doc__ = _PLACEHOLDER.sub(expand, obj.__doc__)
        return obj

    return fill


fill_doc = doc_filler(PARAGRAPHS)
"""The filler of kmeanskit's functions: ``@fill_doc`` takes the paragraphs of
:data:`PARAGRAPHS`."""
