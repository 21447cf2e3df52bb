"""scikit-learn-compatible estimators: change one import line.

``from sklearn.cluster import KMeans`` becomes ``from kmeanskit.estimators
import KMeans``; parameters, fitted attributes, methods, warnings and
``verbose`` output are scikit-learn's (1.9), and every fit runs kmeanskit's
functions.  Needs scikit-learn (``pip install kmeanskit[sklearn]``); ``import
kmeanskit`` alone never imports it.

Estimators
----------
KMeans, MiniBatchKMeans, BisectingKMeans
    scikit-learn's three k-means estimators.
KMedians, KMedoids, SphericalKMeans
    kmeanskit's variants in the same style.

Functions
---------
k_means, kmeans_plusplus
    scikit-learn's function forms.
"""

try:
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "kmeanskit.estimators needs scikit-learn >= 1.6: install it with "
        "'pip install kmeanskit[sklearn]' (or 'pip install scikit-learn').") from error

from ._estimators._bisecting import BisectingKMeans
from ._estimators._kmeans import KMeans, k_means
from ._estimators._minibatch import MiniBatchKMeans
from ._estimators._seeding import kmeans_plusplus
from ._estimators._variants import KMedians, KMedoids, SphericalKMeans

__all__ = ["BisectingKMeans", "KMeans", "KMedians", "KMedoids", "MiniBatchKMeans",
           "SphericalKMeans", "k_means", "kmeans_plusplus"]
