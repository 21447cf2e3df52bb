"""Progress of long sweeps and studies: quiet by default, tqdm when asked.

``progress=True`` shows a tqdm bar when tqdm is installed, otherwise one
line per step on standard error; ``False`` (the default) shows nothing.
"""

import sys

__all__ = ["Progress", "check_progress"]


def check_progress(progress):
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {progress!r}.")
    return progress


class Progress:
    """A counter of ``total`` steps labelled ``desc``; a context manager."""

    def __init__(self, total, desc, enabled=False):
        self.total = int(total)
        self.desc = desc
        self.count = 0
        self._bar = None
        self._enabled = enabled
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=self.total, desc=desc)

    def update(self, note=""):
        """One step done (``note`` says which, in the text fallback)."""
        self.count += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self._enabled:
            suffix = f" {note}" if note else ""
            print(f"{self.desc}: {self.count}/{self.total}{suffix}", file=sys.stderr,
                  flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
