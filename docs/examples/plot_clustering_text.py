"""
Clustering text
===============

Text is k-means' most common sparse input: each document becomes a row of
TF-IDF weights, one column per word of the vocabulary, almost all of them
zero.  :func:`kmeanskit.spherical_kmeans` clusters such rows by cosine
similarity, directly on the :mod:`scipy.sparse` matrix that scikit-learn's
``TfidfVectorizer`` returns: the data is never densified.

The documents here are generated (no download): short texts drawn from four
topics, each with its own words, plus words common to all.
"""

# %%
# A small corpus
# --------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from kmeanskit import silhouette_samples, spherical_kmeans

topics = {
    "astronomy": "star galaxy planet orbit telescope comet nebula moon solar "
                 "eclipse asteroid cosmic",
    "cooking": "recipe oven flour butter sauce garlic simmer roast bake onion "
               "pepper dough",
    "finance": "market stock bond interest inflation bank investor dividend "
               "currency loan profit budget",
    "football": "goal match league striker referee penalty coach stadium "
                "season keeper tackle cup",
}
common = "today people week great really new time good report story".split()

rng = np.random.default_rng(0)
documents, truth = [], []
for _ in range(400):
    topic = rng.integers(len(topics))
    words = list(topics.values())[topic].split()
    text = list(rng.choice(words, size=rng.integers(5, 12)))
    text += list(rng.choice(common, size=rng.integers(2, 6)))
    documents.append(" ".join(text))
    truth.append(topic)
truth = np.array(truth)

tfidf = TfidfVectorizer()
x = tfidf.fit_transform(documents)
print(f"{x.shape[0]} documents, {x.shape[1]} words, "
      f"{x.nnz / x.shape[0]:.1f} non-zeros per row ({type(x).__name__})")

# %%
# Spherical k-means on the sparse matrix
# --------------------------------------
centroids, labels, info = spherical_kmeans(x, 4, n_init=5, rng=0)
print(f"mean cosine dissimilarity {info.inertia / x.shape[0]:.3f} after "
      f"{info.n_iter} iterations; adjusted Rand index against the topics "
      f"{adjusted_rand_score(truth, labels):.2f}")

# %%
# The top terms of each cluster
# -----------------------------
# Each centre is a (dense) direction in word space: its largest weights are
# the words that define the cluster.
vocabulary = tfidf.get_feature_names_out()
for j, centre in enumerate(centroids):
    top = vocabulary[np.argsort(centre)[::-1][:5]]
    size = int(np.sum(labels == j))
    print(f"cluster {j} ({size} documents): {', '.join(top)}")

# %%
# The silhouette
# --------------
# On unit rows the Euclidean distance is a function of the cosine, so the
# silhouette of the sparse rows measures how well each document sits in its
# cluster by cosine similarity.
values = silhouette_samples(x, labels)
fig, ax = plt.subplots(figsize=(6, 3.5))
start = 0
for j in range(4):
    part = np.sort(values[labels == j])
    ax.fill_betweenx(np.arange(start, start + part.size), 0, part, alpha=0.7,
                     label=f"cluster {j}")
    start += part.size + 10
ax.axvline(values.mean(), color="k", linestyle="--", linewidth=1)
ax.set_xlabel(f"silhouette (mean {values.mean():.2f})")
ax.set_yticks([])
ax.legend(loc="lower right", fontsize="small")
ax.set_title("Documents by cluster")
fig.tight_layout()
plt.show()
