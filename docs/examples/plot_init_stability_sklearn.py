"""
The initialization study as scikit-learn code
=============================================

The same experiment as :ref:`sphx_glr_auto_examples_plot_init_stability.py`,
written the way scikit-learn's example "Empirical evaluation of the impact of
k-means initialization" writes it: scikit-learn's estimators, its
``random_state`` and ``n_init`` parameters, ``.inertia_`` read after each
``fit``.  The one line that makes it kmeanskit is the import of ``KMeans``
and ``MiniBatchKMeans``: put ``sklearn.cluster`` back there and the script
runs on scikit-learn unchanged.

For each of four estimator/seeding pairs, five data sets of nine blobs on a
3 x 3 grid are each fitted with 1, 5, 10, 15 and 20 starts; the plot shows
the mean inertia over the data sets and its spread.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.utils import check_random_state, shuffle

from kmeanskit.estimators import KMeans, MiniBatchKMeans  # the changed line

n_runs = 5
n_init_range = np.array([1, 5, 10, 15, 20])
n_samples_per_center, grid_size, scale = 100, 3, 0.1
n_clusters = grid_size**2


def make_data(random_state, n_samples_per_center, grid_size, scale):
    """Nine translated copies of one block of Gaussian noise, shuffled."""
    random_state = check_random_state(random_state)
    centers = np.array([[i, j] for i in range(grid_size) for j in range(grid_size)])
    noise = random_state.normal(scale=scale,
                                size=(n_samples_per_center, centers.shape[1]))
    X = np.concatenate([center + noise for center in centers])
    y = np.repeat(np.arange(len(centers)), n_samples_per_center)
    return shuffle(X, y, random_state=random_state)


# %%
# Mean inertia against the number of starts
# -----------------------------------------
# Mini-batch k-means stops after three batches without improvement; with
# random seeding it draws its starts from 500 points.
cases = [
    (KMeans, "k-means++", {}),
    (KMeans, "random", {}),
    (MiniBatchKMeans, "k-means++", {"max_no_improvement": 3}),
    (MiniBatchKMeans, "random", {"max_no_improvement": 3, "init_size": 500}),
]

fig, ax = plt.subplots()
for factory, init, params in cases:
    inertia = np.empty((len(n_init_range), n_runs))
    for run_id in range(n_runs):
        X, y = make_data(run_id, n_samples_per_center, grid_size, scale)
        for i, n_init in enumerate(n_init_range):
            km = factory(n_clusters=n_clusters, init=init, random_state=run_id,
                         n_init=n_init, **params).fit(X)
            inertia[i, run_id] = km.inertia_
    label = f"{factory.__name__} with {init} init"
    print(f"{label:40s}", " ".join(f"{m:6.2f}" for m in inertia.mean(axis=1)))
    ax.errorbar(n_init_range, inertia.mean(axis=1), inertia.std(axis=1), label=label)
ax.set_xlabel("n_init")
ax.set_ylabel("inertia")
ax.set_title(f"Mean inertia for various k-means init across {n_runs} runs")
ax.legend()

# %%
# One poor start
# --------------
# A single random start of mini-batch k-means: some centres end between two
# blobs and others share one.
X, y = make_data(np.random.RandomState(0), n_samples_per_center, grid_size, scale)
km = MiniBatchKMeans(n_clusters=n_clusters, init="random", n_init=1,
                     random_state=0).fit(X)

fig, ax = plt.subplots()
colours = plt.cm.nipy_spectral(np.arange(n_clusters) / n_clusters)
for k in range(n_clusters):
    members = km.labels_ == k
    ax.plot(X[members, 0], X[members, 1], ".", color=colours[k])
    ax.plot(*km.cluster_centers_[k], "o", markerfacecolor=colours[k],
            markeredgecolor="k", markersize=6)
ax.set_title("Example cluster allocation with a single random init\n"
             "with MiniBatchKMeans")
plt.show()
