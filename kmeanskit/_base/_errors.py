"""Exceptions raised by kmeanskit."""

__all__ = ["ClusterError"]


class ClusterError(Exception):
    """Raised when k-means cannot go on, e.g. a cluster became empty.

    The same role as :class:`scipy.cluster.vq.ClusterError`: raised by
    :func:`kmeans2` with ``missing='raise'``.
    """
