"""Warnings that point at the caller's line, however deep they are raised."""

import os
import sys
import warnings

__all__ = ["warn_external"]

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
    """``warnings.warn`` attributed to the first line outside this package."""
    warnings.warn(message, category, stacklevel=_external_stacklevel())
