"""Helpers of :mod:`kmeanskit.plotting`: geometry (NumPy only), input
conversion, and the matplotlib-facing pieces (imported lazily)."""
