"""
Lloyd's algorithm, step by step
===============================

k-means alternates two steps: give every observation to its nearest centre,
then move each centre to the mean of its observations.  The region of the
plane nearest to a centre is its Voronoi cell, so each assignment step is a
cut of the plane into cells and each update moves the cuts.  This example
draws those cells and animates the iterations, for a start that ends in the
best partition and one that does not.
"""

# %%
# Two starts on the same data
# ---------------------------
# Nine blobs on a 3x3 grid (:func:`kmeanskit.datasets.grid_blobs`).  k-means++
# spreads its first centres over the blobs; nine observations drawn at random
# (``minit="points"``) can put two centres in one blob and none in another,
# and Lloyd's iterations cannot move a centre across an empty gap.
import matplotlib.pyplot as plt

from kmeanskit import kmeans2
from kmeanskit.datasets import grid_blobs
from kmeanskit.plotting import plot_clusters

data, _ = grid_blobs(n_per_blob=60)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
for ax, minit in zip(axes, ["++", "points"], strict=True):
    centroids, labels, info = kmeans2(data, 9, iter=20, minit=minit, rng=3,
                                      tol=1e-6, return_info=True)
    plot_clusters(data, centroids, labels, ax=ax)
    ax.set_title(f"minit={minit!r}: inertia {info.inertia:.1f} "
                 f"after {info.n_iter} iterations")
plt.show()

# %%
# The right panel is a local optimum: one blob split between two centres, two
# blobs sharing one.  Every observation is nearest its own centre and every
# centre is the mean of its observations, so Lloyd's algorithm has nothing
# left to change.
#
# The iterations, animated
# ------------------------
# :func:`kmeanskit.plotting.animate_lloyd` runs :func:`kmeanskit.kmeans2` with
# ``trace=True`` and draws one frame per iteration: the cells, the assignment
# and the path each centre has travelled.  Press play to watch the random
# start settle into the local optimum above.
from kmeanskit.plotting import animate_lloyd

anim = animate_lloyd(data, 9, max_iter=8, init="points", rng=3, interval=700)
