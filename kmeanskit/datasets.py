"""Built-in synthetic data for examples, tests and the command line."""

import numpy as np

__all__ = ["grid_blobs", "init_study_blobs"]


def grid_blobs(grid_size=3, n_per_blob=100, scale=0.1, rng=0):
    """Gaussian blobs centred on the points of a square grid.

    The data of scikit-learn's k-means initialization study: blob centres at
    ``(i, j)`` for ``i, j`` in ``range(grid_size)``, each blob
    ``n_per_blob`` points with standard deviation `scale` in both
    coordinates.  With the default ``scale=0.1`` the blobs are well
    separated, yet a poor initialization often merges two of them.

    Parameters
    ----------
    grid_size : int, optional
        Blobs per side; there are ``grid_size**2`` blobs.  Default: 3.
    n_per_blob : int, optional
        Points per blob.  Default: 100.
    scale : float, optional
        Standard deviation of each blob.  Default: 0.1.
    rng : {None, int, numpy.random.Generator}, optional
        Seed or generator for the noise.  Default: 0 (the same data every
        time).

    Returns
    -------
    data : ndarray, shape (grid_size**2 * n_per_blob, 2)
        float64 points, blob by blob.
    labels : ndarray, shape (grid_size**2 * n_per_blob,)
        The blob of each point (int64), 0 .. grid_size**2 - 1.

    Raises
    ------
    ValueError
        If `grid_size` or `n_per_blob` is < 1 or `scale` is negative.

    Examples
    --------
    >>> from kmeanskit.datasets import grid_blobs
    >>> data, labels = grid_blobs()
    >>> data.shape, labels.max()
    ((900, 2), np.int64(8))
    """
    if int(grid_size) != grid_size or grid_size < 1:
        raise ValueError(f"grid_size must be a positive integer, got {grid_size!r}.")
    if int(n_per_blob) != n_per_blob or n_per_blob < 1:
        raise ValueError(f"n_per_blob must be a positive integer, got {n_per_blob!r}.")
    if not scale >= 0:
        raise ValueError(f"scale must be >= 0, got {scale!r}.")
    grid_size, n_per_blob = int(grid_size), int(n_per_blob)
    generator = np.random.default_rng(rng)
    rows, cols = np.divmod(np.arange(grid_size * grid_size), grid_size)
    centres = np.column_stack([rows, cols]).astype(np.float64)
    labels = np.repeat(np.arange(grid_size * grid_size, dtype=np.int64), n_per_blob)
    noise = generator.normal(scale=scale, size=(labels.size, 2))
    return centres[labels] + noise, labels


def init_study_blobs(run=0, *, n_per_centre=100, grid_size=3, scale=0.1):
    """The data set of scikit-learn's k-means initialization example.

    One ``(n_per_centre, 2)`` block of Gaussian noise with standard
    deviation `scale`, added to each centre ``(i, j)`` of a
    ``grid_size``-by-``grid_size`` grid (so the blobs are exact translated
    copies of each other), then the rows shuffled.  Each `run` gives a
    different data set, the same every time: :func:`stability_study` calls
    it with the run index.

    Parameters
    ----------
    run : int, optional
        The run index; it seeds NumPy's legacy ``RandomState``, as the
        example's ``make_data(run_id, ...)`` does.  Default: 0.
    n_per_centre : int, optional
        Points per centre.  Default: 100.
    grid_size : int, optional
        Centres per side.  Default: 3.
    scale : float, optional
        Standard deviation of the noise.  Default: 0.1.

    Returns
    -------
    data : ndarray, shape (grid_size**2 * n_per_centre, 2)
        float64 points, shuffled.
    labels : ndarray, shape (grid_size**2 * n_per_centre,)
        The centre of each point (int64).

    Raises
    ------
    ValueError
        If `run` is negative or not an integer, `grid_size` or
        `n_per_centre` is < 1, or `scale` is negative.

    See Also
    --------
    grid_blobs : the same grid with independent noise for every blob.

    Notes
    -----
    Draws, from ``numpy.random.RandomState(run)``: ``normal(scale=scale,
    size=(n_per_centre, 2))``, then ``shuffle`` of ``arange(n)`` to order
    the rows: the values of the example's ``make_data`` (which shuffles
    with ``sklearn.utils.shuffle`` on the same generator), without
    importing scikit-learn.

    Examples
    --------
    >>> from kmeanskit.datasets import init_study_blobs
    >>> data, labels = init_study_blobs(0)
    >>> data.shape, int(labels.max())
    ((900, 2), 8)
    """
    if isinstance(run, bool) or int(run) != run or run < 0:
        raise ValueError(f"run must be a non-negative integer, got {run!r}.")
    if int(grid_size) != grid_size or grid_size < 1:
        raise ValueError(f"grid_size must be a positive integer, got {grid_size!r}.")
    if int(n_per_centre) != n_per_centre or n_per_centre < 1:
        raise ValueError(
            f"n_per_centre must be a positive integer, got {n_per_centre!r}.")
    if not scale >= 0:
        raise ValueError(f"scale must be >= 0, got {scale!r}.")
    grid_size, n_per_centre = int(grid_size), int(n_per_centre)
    state = np.random.RandomState(int(run))  # noqa: NPY002 - the example's draws
    rows, cols = np.divmod(np.arange(grid_size * grid_size), grid_size)
    centres = np.column_stack([rows, cols]).astype(np.float64)
    noise = state.normal(scale=scale, size=(n_per_centre, 2))
    data = (centres[:, np.newaxis, :] + noise[np.newaxis, :, :]).reshape(-1, 2)
    labels = np.repeat(np.arange(grid_size * grid_size, dtype=np.int64), n_per_centre)
    order = np.arange(data.shape[0])
    state.shuffle(order)
    return data[order], labels[order]
