"""Knee (elbow) detection: the Kneedle algorithm (Satopaa et al., 2011)."""

import numpy as np

__all__ = ["find_knee"]

_SHAPES = {
    ("convex", "decreasing"), ("concave", "increasing"),
    ("convex", "increasing"), ("concave", "decreasing"),
}


def _local_extrema(values, better):
    """Indices where ``values`` is at least (``better=np.greater_equal``) or
    at most its neighbours; the ends compare with their one neighbour."""
    n = values.shape[0]
    left = np.ones(n, dtype=bool)
    right = np.ones(n, dtype=bool)
    left[1:] = better(values[1:], values[:-1])
    right[:-1] = better(values[:-1], values[1:])
    return np.flatnonzero(left & right)


def find_knee(x, y, *, curve="convex", direction="decreasing", sensitivity=1.0):
    """The knee of a curve by the Kneedle algorithm.

    Parameters
    ----------
    x : array_like, shape (n,)
        Strictly increasing abscissae (for an elbow plot: the numbers of
        clusters).
    y : array_like, shape (n,)
        The curve (for an elbow plot: the inertia, or its logarithm).
    curve : {'convex', 'concave'}, optional
        Shape of the curve.  Default: 'convex' (an elbow plot).
    direction : {'decreasing', 'increasing'}, optional
        Default: 'decreasing' (an elbow plot).
    sensitivity : float, optional
        Kneedle's S: how far the difference curve must fall below a local
        maximum (in units of the mean x step) before that maximum is a
        knee.  Larger is more conservative.  Default: 1.

    Returns
    -------
    knee : number or None
        The element of `x` at the first knee, or None when the curve has
        none (fewer than three points, a flat curve, or no drop below the
        threshold).

    Raises
    ------
    ValueError
        If `x` and `y` differ in length, `x` is not strictly increasing,
        either holds a non-finite value, an unknown `curve` or `direction`,
        or a negative `sensitivity`.

    Notes
    -----
    The offline Kneedle algorithm [1]_: normalise both axes to [0, 1],
    turn the curve into a concave increasing one (``1 - y`` for a convex
    decreasing curve; reversed for the increasing convex and decreasing
    concave shapes), and form the difference curve
    :math:`d_i = \\tilde y_i - \\tilde x_i`.  Each local maximum
    :math:`i` of :math:`d` sets the threshold
    :math:`T = d_i - S \\cdot \\overline{\\Delta \\tilde x}`; scanning
    right, the first point whose successor falls below the current
    threshold declares the maximum that set it a knee; after a local
    minimum the search pauses until the next local maximum.  This is the
    rule of the ``kneed`` package's ``KneeLocator`` (0.9; offline, linear
    interpolation), which the test-suite compares against; it is
    implemented here (a few lines) so that no dependency is needed.

    An elbow plot of raw inertia often has its knee at the first bend, not
    at the number of clusters: see :func:`~kmeanskit.choose_k` for why the logarithm
    of the inertia is the better curve.

    References
    ----------
    .. [1] V. Satopaa, J. Albrecht, D. Irwin and B. Raghavan, "Finding a
       'Kneedle' in a haystack: detecting knee points in system behavior",
       ICDCS Workshops 2011.

    Examples
    --------
    >>> from kmeanskit import find_knee
    >>> find_knee([1, 2, 3, 4, 5, 6], [100.0, 40.0, 12.0, 10.0, 9.0, 8.5])
    3
    """
    if (curve, direction) not in _SHAPES:
        raise ValueError(
            "curve must be 'convex' or 'concave' and direction 'decreasing' or "
            f"'increasing', got curve={curve!r}, direction={direction!r}."
        )
    if not sensitivity >= 0:
        raise ValueError(f"sensitivity must be >= 0, got {sensitivity!r}.")
    xs = np.asarray(x)
    x_val = xs.astype(np.float64)
    y_val = np.asarray(y, dtype=np.float64)
    if x_val.ndim != 1 or x_val.shape != y_val.shape:
        raise ValueError(
            f"x and y must be 1-D of one length, got shapes {x_val.shape} and "
            f"{y_val.shape}."
        )
    if not (np.all(np.isfinite(x_val)) and np.all(np.isfinite(y_val))):
        raise ValueError("x and y must be finite.")
    if np.any(np.diff(x_val) <= 0):
        raise ValueError(f"x must be strictly increasing, got {xs.tolist()!r}.")
    n = x_val.shape[0]
    if n < 3 or np.ptp(y_val) == 0:
        return None
    tx = (x_val - x_val[0]) / (x_val[-1] - x_val[0])
    ty = (y_val - y_val.min()) / np.ptp(y_val)
    reverse = (curve, direction) in (("convex", "increasing"),
                                     ("concave", "decreasing"))
    if curve == "convex":
        ty = 1.0 - ty
    if reverse:
        # Mirror x so that the curve becomes increasing.
        tx, ty = 1.0 - tx[::-1], ty[::-1]
    diff = ty - tx
    maxima = _local_extrema(diff, np.greater_equal)
    minima = set(_local_extrema(diff, np.less_equal).tolist())
    if maxima.size == 0:
        return None
    step = float(np.mean(np.diff(tx)))
    is_max = set(maxima.tolist())
    threshold, source, active = None, None, True
    for i in range(int(maxima[0]), n - 1):
        if i in is_max:
            threshold, source, active = diff[i] - sensitivity * step, i, True
        if i in minima:
            # A local minimum ends the search around the last maximum; the
            # next maximum starts a new one.
            threshold, active = 0.0, False
        if active and diff[i + 1] < threshold:
            index = n - 1 - source if reverse else source
            return xs[index].item()
    return None
