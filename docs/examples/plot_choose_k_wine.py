"""
Choosing k on real data: the wine recipes
=========================================

The wine data set that ships with scikit-learn has 178 wines from three
cultivars, each described by 13 chemical measurements.  Suppose we did not
know there were three cultivars: how many clusters would each rule pick?
:func:`kmeanskit.choose_k` fits every k once and judges the fits by all the
usual criteria, so the rules can be compared on the same fits.
"""

# %%
# The raw measurements
# --------------------
# The 13 columns have very different units: proline is in the hundreds, hue
# around 1.  Squared distances on the raw numbers are therefore distances in
# proline, almost alone.
from sklearn.datasets import load_wine

from kmeanskit import choose_k, whiten

wine = load_wine()
raw = wine.data
spread = raw.std(axis=0)
print(f"{raw.shape[0]} wines, {raw.shape[1]} measurements, column standard "
      f"deviations from {spread.min():.2g} to {spread.max():.3g}")

criteria = ("silhouette", "calinski_harabasz", "davies_bouldin", "bic", "aic",
            "elbow", "gap")
on_raw = choose_k(raw, range(1, 9), criteria=criteria, rng=0)
print(on_raw)

# %%
# The rules disagree.  With one column dominating, the data is mostly a
# one-dimensional spread of proline values, and each criterion cuts it where
# its own model of a cluster fits best.
#
# Whitened measurements
# ---------------------
# :func:`kmeanskit.whiten` divides every column by its standard deviation, so
# that each measurement counts equally.
scaled = whiten(raw)
on_scaled = choose_k(scaled, range(1, 9), criteria=criteria, rng=0)
print(on_scaled)

# %%
# Now the silhouette, Calinski-Harabasz, Davies-Bouldin, both elbows and the
# gap statistic agree on three.  BIC, kmeanskit's default recommendation, asks
# for more: it models clusters as round Gaussians of one shared width, and the
# cultivars are neither round nor equally spread, so extra centres buy it
# likelihood.  On data like this, read the table, not one number.
import matplotlib.pyplot as plt

from kmeanskit.plotting import plot_choose_k

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained", sharey=True)
for ax, result, title in zip(axes, [on_raw, on_scaled], ["raw", "whitened"],
                             strict=True):
    plot_choose_k(result, ax=ax)
    ax.set_title(f"{title} measurements")
    ax.get_legend().remove()
axes[1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
plt.show()

# %%
# Do the clusters match the cultivars?
# ------------------------------------
# The fit for k = 3 on the whitened data is already in the result.  Cross
# tabulating its labels against the cultivars, and drawing its silhouette
# diagram, shows how clean the three clusters are.
import numpy as np
from sklearn.metrics import adjusted_rand_score

from kmeanskit import silhouette_samples
from kmeanskit.plotting import plot_silhouette

labels = np.asarray(on_scaled.labels[on_scaled.ks.index(3)])
table = np.zeros((3, 3), dtype=int)
np.add.at(table, (wine.target, labels), 1)
print("rows: cultivar, columns: cluster")
print(table)
print(f"adjusted Rand index: {adjusted_rand_score(wine.target, labels):.3f}")

art = plot_silhouette(silhouette_samples(scaled, labels), labels)
art.ax.set_title("Silhouette of k = 3 on the whitened wines")
plt.show()
