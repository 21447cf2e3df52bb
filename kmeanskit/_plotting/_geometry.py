"""Plane geometry for the cluster plots: NumPy only, no matplotlib.

The Voronoi cells are built by half-plane intersection rather than with
``scipy.spatial.Voronoi``: Qhull needs at least four centres in general
position, while a k-means picture must also draw k = 1, k = 2, collinear and
coincident centres.
"""

import numpy as np

__all__ = ["bounding_box", "clipped_cells", "project"]


def bounding_box(*point_sets, margin=0.05):
    """``(xmin, xmax, ymin, ymax)`` around every (n, 2) array given, widened
    by ``margin`` times the span on each side (by 0.5 where the span is 0)."""
    pts = np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1, 2)
                          for p in point_sets])
    low, high = pts.min(axis=0), pts.max(axis=0)
    span = high - low
    pad = np.where(span > 0, margin * span, 0.5)
    low, high = low - pad, high + pad
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def _clip(poly, normal, offset):
    """The part of convex polygon ``poly`` where ``x @ normal <= offset``
    (one Sutherland-Hodgman step)."""
    side = poly @ normal - offset
    inside = side <= 0
    if inside.all():
        return poly
    if not inside.any():
        return poly[:0]
    out = []
    n = len(poly)
    for a in range(n):
        b = (a + 1) % n
        if inside[a]:
            out.append(poly[a])
        if inside[a] != inside[b]:
            t = side[a] / (side[a] - side[b])
            out.append(poly[a] + t * (poly[b] - poly[a]))
    return np.asarray(out)


def clipped_cells(centres, box):
    """The Voronoi cell of each centre, intersected with ``box``.

    Parameters
    ----------
    centres : ndarray, shape (k, 2)
    box : tuple of float
        ``(xmin, xmax, ymin, ymax)``.

    Returns
    -------
    list of ndarray
        ``cells[i]``: the vertices (m, 2) of centre i's cell, counter-
        clockwise; shape (0, 2) when the cell misses the box, or when centre
        i repeats an earlier centre (its points go to the first copy, as
        ``vq`` assigns them).
    """
    centres = np.asarray(centres, dtype=np.float64)
    xmin, xmax, ymin, ymax = box
    square = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])
    cells = []
    for i, c in enumerate(centres):
        # Nearest neighbours first: they cut the most, so the polygon stays small.
        order = np.argsort(np.sum((centres - c) ** 2, axis=1), kind="stable")
        poly = square
        for j in order:
            if j == i:
                continue
            normal = centres[j] - c
            if not normal.any():
                if j < i:
                    poly = poly[:0]
                    break
                continue
            poly = _clip(poly, normal, normal @ (centres[j] + c) / 2)
            if len(poly) == 0:
                break
        cells.append(poly)
    return cells


def project(data, centroids):
    """2-D coordinates of ``data`` (n, d) and ``centroids`` (k, d), and the
    names of the two axes.

    d = 2 is drawn as it is, d = 1 on a line (y = 0), d > 2 on the data's
    first two principal components, named with the share of the variance
    each explains.  Components are sign-fixed (largest loading positive) so
    the same data always gives the same picture.
    """
    d = data.shape[1]
    if d == 2:
        return data, centroids, ("feature 0", "feature 1")
    if d == 1:
        pad = np.zeros((1, 1))
        return (np.hstack([data, np.broadcast_to(pad, data.shape)]),
                np.hstack([centroids, np.broadcast_to(pad, centroids.shape)]),
                ("feature 0", ""))
    mean = data.mean(axis=0)
    centred = data - mean
    # The d x d scatter matrix: cheap for any n, unlike an SVD of the data.
    variances, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(variances)[::-1][:2]
    axes = vectors[:, order]
    axes *= np.where(axes[np.argmax(np.abs(axes), axis=0), [0, 1]] < 0, -1.0, 1.0)
    total = variances.sum()
    share = variances[order] / total if total > 0 else np.zeros(2)
    names = tuple(f"PC{i + 1} ({s:.0%} of variance)" for i, s in enumerate(share))
    return centred @ axes, (centroids - mean) @ axes, names
