"""``python -m kmeanskit``: see :mod:`kmeanskit._cli`."""

import sys

from ._cli import main

sys.exit(main())
