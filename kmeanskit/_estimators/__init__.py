"""scikit-learn-compatible estimators on kmeanskit's functions (imported
only through the public ``kmeanskit.estimators``, which needs scikit-learn)."""
