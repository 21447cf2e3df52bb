"""The matplotlib side: imported on first use, never at ``import kmeanskit``.

Every colour and size is passed explicitly to the artists; nothing here
touches ``rcParams`` or the current figure of the caller.
"""

import numpy as np

__all__ = ["axes", "palette", "pyplot", "CENTROID_STYLE"]

# Centroids: large white-edged discs on top of the points they summarise.
CENTROID_STYLE = dict(marker="o", s=140, edgecolors="black", linewidths=1.5,
                      zorder=4)
CELL_ALPHA = 0.18


def pyplot():
    """``matplotlib.pyplot``, or ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib
        raise ImportError(
            "kmeanskit.plotting needs matplotlib: pip install 'kmeanskit[plot]'."
        ) from exc
    return plt


def axes(ax, figsize=(6.0, 5.0)):
    """``ax`` checked, or the axes of a new figure when ``ax`` is None."""
    plt = pyplot()
    if ax is None:
        return plt.subplots(figsize=figsize, layout="constrained")[1]
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, "
                        f"got {type(ax).__name__}.")
    return ax


def palette(n):
    """(n, 4) RGBA colours, one per cluster label: tab10 up to 10 clusters,
    tab20 up to 20, evenly spaced on 'turbo' beyond."""
    import matplotlib
    from matplotlib.colors import to_rgba_array

    if n <= 10:
        return to_rgba_array(matplotlib.colormaps["tab10"].colors[:n])
    if n <= 20:
        return to_rgba_array(matplotlib.colormaps["tab20"].colors[:n])
    return matplotlib.colormaps["turbo"](np.linspace(0.05, 0.95, n))
