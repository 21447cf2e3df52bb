#!/usr/bin/env python
"""kmeanskit on sparse TF-IDF data side by side with scikit-learn, in one run.

The data imitates the TF-IDF features of a text collection: documents drawn
from topics (each a Zipf law over its own words, mixed with a background
Zipf law over the whole vocabulary), word counts turned into L2-normalised
TF-IDF rows, a scipy.sparse CSR matrix (default 40 000 x 20 000, about 40
distinct words per document, k = 50).

Every implementation starts from the same centres (k-means++ from
``kmeanskit.kpp_init`` with a fixed rng) and runs a fixed number of
iterations:

* Lloyd: kmeanskit ``kmeans2(minit='matrix')`` (plain and
  ``algorithm='hamerly'``) against scikit-learn ``KMeans(init=centres,
  n_init=1, tol=0, algorithm='lloyd')`` on the same CSR matrix;
* spherical k-means: kmeanskit ``spherical_kmeans`` (scikit-learn has none;
  its Lloyd time is the yardstick);
* mini-batch: kmeanskit ``minibatch_kmeans`` against scikit-learn
  ``MiniBatchKMeans`` (same batch size and number of steps, no early stop).

Times are the best of ``--repeat`` whole calls divided by the iterations (or
steps) each ran; the ratio column is kmeanskit's time over scikit-learn's,
measured in this run (absolute times vary between machines).  Each final
inertia is recomputed the same way (float64, from the returned centres).

Run ``python bench/sparse_compare.py`` (``--help`` for the options).
"""

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.common import best_of  # noqa: E402


def tfidf_like(n_docs, n_words, n_topics, words_per_doc, rng):
    """(n_docs, n_words) CSR float64 TF-IDF-like matrix and the topics."""
    topic_size = max(50, n_words // n_topics * 2)
    vocab = np.stack([rng.permutation(n_words)[:topic_size] for _ in range(n_topics)])
    zipf_topic = 1.0 / np.arange(1, topic_size + 1)
    zipf_topic /= zipf_topic.sum()
    zipf_all = 1.0 / np.arange(1, n_words + 1) ** 1.1
    zipf_all /= zipf_all.sum()
    topics = rng.integers(n_topics, size=n_docs)
    lengths = rng.poisson(words_per_doc * 1.4, size=n_docs) + 1
    total = int(lengths.sum())
    rows = np.repeat(np.arange(n_docs), lengths)
    from_topic = rng.random(total) < 0.7
    words = np.where(
        from_topic,
        vocab[topics[rows], rng.choice(topic_size, size=total, p=zipf_topic)],
        rng.choice(n_words, size=total, p=zipf_all))
    counts = sp.csr_matrix((np.ones(total), (rows, words)), shape=(n_docs, n_words))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=n_words)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts, topics


def inertia_of(x, centres):
    import kmeanskit

    _, dist = kmeanskit.vq(x, np.asarray(centres, dtype=np.float64))
    return float(np.sum(dist.astype(np.float64) ** 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=40_000)
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--per-doc", type=int, default=40,
                        help="distinct words per document (about)")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--iter", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    args = parser.parse_args()

    import sklearn
    from sklearn.cluster import KMeans, MiniBatchKMeans

    import kmeanskit

    rng = np.random.default_rng(0)
    x, _ = tfidf_like(args.docs, args.words, args.k, args.per_doc, rng)
    x = x.astype(args.dtype)
    centres = kmeanskit.kpp_init(x, args.k, rng=1).astype(args.dtype)
    print(f"data: {x.shape[0]} x {x.shape[1]} CSR {args.dtype}, "
          f"{x.nnz / x.shape[0]:.1f} non-zeros per row, k={args.k}; "
          f"kmeanskit {kmeanskit.__version__}, scikit-learn {sklearn.__version__}, "
          f"{os.cpu_count()} CPUs")
    rows = []

    def lloyd_kmk(algorithm):
        return kmeanskit.kmeans2(x, centres, iter=args.iter, minit="matrix",
                                 algorithm=algorithm)[0], args.iter

    def lloyd_sk():
        model = KMeans(args.k, init=centres, n_init=1, tol=0, max_iter=args.iter,
                       algorithm="lloyd").fit(x)
        return model.cluster_centers_, model.n_iter_

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sk, (c_sk, it_sk) = best_of(lloyd_sk, args.repeat)
        sk_per = t_sk / it_sk
        rows.append(("Lloyd", "scikit-learn KMeans(lloyd)", sk_per, it_sk,
                     inertia_of(x, c_sk), None))
        for algorithm in ("lloyd", "hamerly"):
            t, (c, it) = best_of(lambda a=algorithm: lloyd_kmk(a), args.repeat)
            rows.append(("Lloyd", f"kmeanskit kmeans2({algorithm})", t / it, it,
                         inertia_of(x, c), (t / it) / sk_per))

        def spherical():
            c, _, info = kmeanskit.spherical_kmeans(
                x, args.k, init=centres, max_iter=args.iter, tol=None)
            return c, info.n_iter

        t, (c, it) = best_of(spherical, args.repeat)
        rows.append(("spherical", "kmeanskit spherical_kmeans", t / it, it,
                     inertia_of(x, c), (t / it) / sk_per))

        def mb_sk():
            model = MiniBatchKMeans(args.k, init=centres, n_init=1,
                                    batch_size=args.batch,
                                    max_iter=args.steps * args.batch // x.shape[0] + 1,
                                    max_no_improvement=None, tol=0,
                                    random_state=0).fit(x)
            return model.cluster_centers_, model.n_steps_

        def mb_kmk():
            c, _, info = kmeanskit.minibatch_kmeans(
                x, args.k, init=centres, batch_size=args.batch,
                max_iter=args.steps * args.batch // x.shape[0] + 1,
                max_no_improvement=None, rng=0)
            return c, info.n_iter

        t_mb, (c, it_mb) = best_of(mb_sk, args.repeat)
        rows.append(("mini-batch", "scikit-learn MiniBatchKMeans", t_mb / it_mb,
                     it_mb, inertia_of(x, c), None))
        t, (c, it) = best_of(mb_kmk, args.repeat)
        rows.append(("mini-batch", "kmeanskit minibatch_kmeans", t / it, it,
                     inertia_of(x, c), (t / it) / (t_mb / it_mb)))

    print(f"\n{'case':<11} {'implementation':<30} {'ms/iter':>9} {'iters':>6} "
          f"{'inertia':>12} {'ratio':>6}")
    for case, name, per, it, inertia, ratio in rows:
        shown = "" if ratio is None else f"{ratio:.2f}"
        print(f"{case:<11} {name:<30} {1e3 * per:9.2f} {it:6d} {inertia:12.4f} "
              f"{shown:>6}")
    print("\nratio: kmeanskit's time per iteration (step) over scikit-learn's "
          "Lloyd (mini-batch: MiniBatchKMeans) time, this run.")


if __name__ == "__main__":
    main()
