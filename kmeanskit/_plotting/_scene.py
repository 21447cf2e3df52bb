"""Points, centroids and Voronoi cells on one axes: drawn once by
``plot_clusters``, redrawn frame by frame by ``animate_lloyd``."""

import numpy as np

from ._geometry import bounding_box, clipped_cells
from ._mpl import CELL_ALPHA, CENTROID_STYLE, palette

__all__ = ["ClusterScene"]


def _point_size(n):
    # Small data gets visible dots, large data does not turn into a blot.
    return float(np.clip(3000.0 / max(n, 1), 3.0, 30.0))


class ClusterScene:
    """The artists of one cluster picture, with a method to move them.

    ``xy`` (n, 2) and every centroid set passed later are already in plot
    coordinates (projected when d > 2).  ``extra`` point sets (e.g. every
    centroid of a trace) widen the box so that nothing leaves the picture.
    """

    def __init__(self, ax, xy, k, *, names, voronoi, extra=(), one_d=False):
        self.ax, self.xy, self.k = ax, xy, k
        self.colours = palette(k)
        self.box = bounding_box(xy, *extra)
        self.cells = None
        if voronoi:
            from matplotlib.collections import PolyCollection

            self.cells = PolyCollection([], edgecolors=(0.3, 0.3, 0.3, 0.9),
                                        linewidths=1.0, zorder=1)
            ax.add_collection(self.cells)
        self.points = ax.scatter(xy[:, 0], xy[:, 1], s=_point_size(len(xy)),
                                 c=np.zeros((len(xy), 4)), linewidths=0, zorder=2)
        self.centroids = ax.scatter(np.zeros(k), np.zeros(k), c=self.colours,
                                    **CENTROID_STYLE)
        xmin, xmax, ymin, ymax = self.box
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        if one_d:
            ax.set_yticks([])
        else:
            # Equal scales: cell borders then look perpendicular to the
            # segments between centroids, as they are.
            ax.set_aspect("equal", adjustable="box")

    def show(self, cxy, labels):
        """Colour the points by ``labels``, put the centroids at ``cxy``
        (k, 2) and draw their cells."""
        self.points.set_facecolor(self.colours[labels])
        self.centroids.set_offsets(cxy)
        if self.cells is not None:
            cells = clipped_cells(cxy, self.box)
            kept = [i for i, c in enumerate(cells) if len(c)]
            faces = self.colours[kept].copy()
            faces[:, 3] = CELL_ALPHA
            self.cells.set_verts([cells[i] for i in kept])
            self.cells.set_facecolor(faces)
