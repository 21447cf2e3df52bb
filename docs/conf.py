"""Sphinx configuration for the kmeanskit documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` after
``pip install ".[docs]"`` (see ``install.rst``).  The API pages are generated
from the docstrings of the *installed* package, so install kmeanskit into the
same environment first.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import date
from importlib import metadata

# -- Project information -----------------------------------------------------

project = "kmeanskit"
author = "The kmeanskit developers"
copyright = f"{date.today().year}, {author}"

try:
    release = metadata.version("kmeanskit")
except metadata.PackageNotFoundError:  # building the docs without the package
    release = "unknown"
# The short X.Y version shown in the page header.
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path: list[str] = []
# examples/ holds the gallery's sources; sphinx-gallery renders them into
# auto_examples/, which is what Sphinx reads.
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "examples/README.rst"]
default_role = "autolink"
root_doc = "index"
# Sphinx 7 and 8+ both accept the plain mapping form.
source_suffix = {".rst": "restructuredtext"}

# -- autodoc / autosummary ---------------------------------------------------

autosummary_generate = True
if importlib.util.find_spec("kmeanskit") is None:
    # Without the package there is nothing to generate, and some Sphinx
    # releases (9.0) crash instead of warning when autosummary cannot import
    # a module.  Build the prose pages anyway; the API pages stay empty.
    print(
        "WARNING: kmeanskit is not importable, so the API pages will be empty. "
        'Install the package (pip install ".[docs]") to build them.',
        file=sys.stderr,
    )
    autosummary_generate = False
autosummary_imported_members = True
autodoc_default_options = {"members": False}
# numpydoc renders the parameter types; keep signatures readable.
autodoc_typehints = "none"

# -- numpydoc ----------------------------------------------------------------

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = False

# -- doctest -----------------------------------------------------------------
# ``sphinx-build -W -b doctest docs docs/_build/doctest`` runs the ``>>>``
# examples in these pages and in the docstrings they pull in.

doctest_global_setup = """
import numpy as np
"""

# -- sphinx-gallery ----------------------------------------------------------
# Every example runs at each build (they take seconds), so the pictures are
# always those of the installed kmeanskit.  Figures are drawn off screen.

os.environ.setdefault("MPLBACKEND", "Agg")

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # an example that raises fails the build instead of showing a traceback
    "only_warn_on_example_error": False,
    "abort_on_example_error": True,
    # animate_lloyd's animation plays in the page (HTML with controls)
    "matplotlib_animations": (True, "jshtml"),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
}

# -- intersphinx -------------------------------------------------------------

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "scipy": ("https://docs.scipy.org/doc/scipy/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
}
# Offline builds should fail fast on the inventory downloads, not hang.
intersphinx_timeout = 10
# Without network access the inventories cannot be fetched; set
# KMEANSKIT_DOCS_OFFLINE=1 to skip them (links to NumPy/SciPy/scikit-learn
# then render as plain text) instead of getting one warning per inventory.
if os.environ.get("KMEANSKIT_DOCS_OFFLINE", "") not in ("", "0"):
    intersphinx_mapping = {}

# -- HTML output -------------------------------------------------------------

if importlib.util.find_spec("pydata_sphinx_theme") is not None:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
    }
else:
    html_theme = "alabaster"
    html_theme_options = {}

html_title = f"kmeanskit {release}"
html_show_sourcelink = False
