"""Warnings that point at the caller's line, however deep they are raised."""

import contextlib
import contextvars
import os
import sys
import warnings

__all__ = ["silenced", "warn_external"]

# Message prefixes that warn_external drops in the current context.
_SILENCED = contextvars.ContextVar("kmeanskit_silenced_warnings", default=())

# The package's folder: this module lives in kmeanskit/_base/.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _external_stacklevel():
    """The ``stacklevel`` of the first frame outside kmeanskit."""
    frame = sys._getframe(2)  # the caller of warn_external
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back
        level += 1
    return level


def warn_external(message, category=UserWarning):
    """``warnings.warn`` attributed to the first line outside this package
    (nothing when :func:`silenced` covers the message)."""
    if message.startswith(_SILENCED.get()):
        return
    warnings.warn(message, category, stacklevel=_external_stacklevel())


@contextlib.contextmanager
def silenced(*prefixes):
    """A context in which :func:`warn_external` drops the messages that start
    with one of ``prefixes``.

    For kmeanskit's own callers (the estimators report some situations in
    scikit-learn's words instead).  Unlike ``warnings.catch_warnings`` it
    leaves the process-wide filters alone: it is local to the thread or task
    and costs well under a microsecond, which matters on small fits.
    """
    token = _SILENCED.set(_SILENCED.get() + tuple(prefixes))
    try:
        yield
    finally:
        _SILENCED.reset(token)
