"""Packaging: the installed wheel is tested, every module imports, show_config."""

import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import inspect
import json
import pkgutil
from pathlib import Path

import numpy as np
import pytest
import scipy.cluster.vq as sp

import kmeanskit

SOURCE_PKG = Path(__file__).resolve().parents[1] / "kmeanskit"


def _all_module_names():
    return sorted(
        m.name for m in pkgutil.walk_packages(kmeanskit.__path__, prefix="kmeanskit.")
    )


# Importing kmeanskit.__main__ runs the command line, so it is checked by
# locating it (and by test_cli.py running it), not by importing it.
_RUNS_ON_IMPORT = {"kmeanskit.__main__"}


def _editable_install():
    """Whether kmeanskit is installed in editable mode (PEP 660's direct_url)."""
    text = importlib.metadata.distribution("kmeanskit").read_text("direct_url.json")
    return bool(text) and json.loads(text).get("dir_info", {}).get("editable", False)


def _package_folders():
    """Where the installed package's modules may live.

    A wheel installs everything in one folder.  An editable install serves
    the .py files from the source tree and the compiled extensions from its
    build folder (meson-python's import hook), so both count.
    """
    folders = [Path(kmeanskit.__file__).resolve().parent]
    if _editable_install():
        from kmeanskit._ext import _kernels

        folders.append(Path(_kernels.__file__).resolve().parent)
    return folders


class TestInstalledWheel:
    def test_package_is_imported_from_install_not_checkout(self):
        """kmeanskit is imported from the install, not the checkout's kmeanskit/.

        With an editable install the source tree is the install; its
        compiled extensions must then come from the build folder, which the
        import hook rebuilds, not from stale files in the tree.
        """
        pkg_file = Path(kmeanskit.__file__).resolve()
        if _editable_install():
            from kmeanskit._ext import _kernels

            kernels = Path(_kernels.__file__).resolve()
            assert not kernels.is_relative_to(pkg_file.parent), (
                f"editable install, but the kernels load from the tree: {kernels}"
            )
            return
        assert not pkg_file.is_relative_to(SOURCE_PKG.resolve()), (
            f"tests imported the source tree: {pkg_file}"
        )

    def test_every_module_imports(self):
        """Every module found in the installed package imports without error."""
        names = _all_module_names()
        assert "kmeanskit._ext._kernels" in names
        assert "kmeanskit.datasets" in names
        folders = _package_folders()

        def installed(path):
            return any(Path(path).resolve().is_relative_to(f) for f in folders)

        for name in names:
            if name in _RUNS_ON_IMPORT:
                assert installed(importlib.util.find_spec(name).origin), name
                continue
            assert installed(importlib.import_module(name).__file__), name

    def test_source_py_files_are_installed(self):
        """Every .py module of the checkout's kmeanskit/ is in the installed wheel."""
        if not SOURCE_PKG.is_dir():
            pytest.skip("no source checkout next to the tests")
        installed = Path(kmeanskit.__file__).resolve().parent
        missing = [
            str(p.relative_to(SOURCE_PKG))
            for p in SOURCE_PKG.rglob("*.py")
            if "__pycache__" not in p.parts
            and not (installed / p.relative_to(SOURCE_PKG)).exists()
        ]
        assert missing == []

    def test_kernels_are_compiled(self):
        """kmeanskit._ext._kernels is a compiled extension module, not Python source."""
        from kmeanskit._ext import _kernels

        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        assert _kernels.__file__.endswith(suffixes)

    def test_distribution_metadata(self):
        """The installed distribution has a version that show_config reports."""
        version = importlib.metadata.version("kmeanskit")
        assert version
        assert kmeanskit.show_config(mode="dicts")["version"] == version


class TestPublicApi:
    @pytest.mark.parametrize(
        "name",
        [
            "whiten",
            "vq",
            "kmeans",
            "kmeans2",
            "kpp_init",
            "ClusterError",
            "show_config",
        ],
    )
    def test_public_names(self, name):
        """Each public name is importable from the top-level package."""
        obj = getattr(kmeanskit, name)
        assert callable(obj)

    def test_datasets_module(self):
        """kmeanskit.datasets.grid_blobs is reachable."""
        from kmeanskit.datasets import grid_blobs

        assert callable(grid_blobs)

    @pytest.mark.parametrize("name", ["whiten", "vq", "kmeans", "kmeans2"])
    def test_signature_matches_scipy(self, name):
        """Positional parameters, their order and defaults equal scipy.cluster.vq's."""
        ours = inspect.signature(getattr(kmeanskit, name)).parameters
        theirs = inspect.signature(getattr(sp, name)).parameters

        def positional(params):
            return [
                (p.name, p.default)
                for p in params.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]

        assert positional(ours) == positional(theirs)

    @pytest.mark.parametrize("name", ["kmeans", "kmeans2"])
    def test_rng_and_seed_keyword_only(self, name):
        """rng and seed exist and are keyword-only."""
        params = inspect.signature(getattr(kmeanskit, name)).parameters
        for kw in ("rng", "seed"):
            assert params[kw].kind == inspect.Parameter.KEYWORD_ONLY

    def test_kpp_init_signature(self):
        """kpp_init(data, k, *, rng=None, n_local_trials=1, check_finite=True)."""
        params = inspect.signature(kmeanskit.kpp_init).parameters
        assert list(params)[:2] == ["data", "k"]
        assert params["rng"].kind == inspect.Parameter.KEYWORD_ONLY
        assert params["rng"].default is None
        assert params["n_local_trials"].default == 1
        assert params["check_finite"].default is True

    @pytest.mark.parametrize("name", ["whiten", "vq", "kmeans", "kmeans2", "kpp_init"])
    def test_docstrings(self, name):
        """Public functions carry numpydoc docstrings with Parameters and Returns."""
        doc = getattr(kmeanskit, name).__doc__ or ""
        assert "Parameters" in doc and "Returns" in doc


class TestShowConfig:
    def test_prints_report(self, capsys):
        """show_config() prints a non-empty report that names the version and OpenMP."""
        ret = kmeanskit.show_config()
        out = capsys.readouterr().out
        assert ret is None
        assert importlib.metadata.version("kmeanskit") in out
        assert "openmp" in out.lower()

    def test_dicts_mode(self):
        """show_config(mode='dicts') returns a dict with the documented keys."""
        cfg = kmeanskit.show_config(mode="dicts")
        assert isinstance(cfg, dict)
        for key in ("version", "openmp", "blas", "threads"):
            assert key in cfg
        assert isinstance(cfg["openmp"], bool)
        assert isinstance(cfg["version"], str)

    def test_lists_optional_libraries_and_versions(self, monkeypatch):
        """Each optional library: its installed version, or None when absent."""
        from kmeanskit._api import _config

        optional = kmeanskit.show_config(mode="dicts")["optional"]
        assert set(optional) == set(_config.OPTIONAL) >= {
            "torch", "dask", "jax", "matplotlib", "sklearn"}
        sklearn = pytest.importorskip("sklearn")
        assert optional["sklearn"] == sklearn.__version__
        monkeypatch.setattr(_config, "OPTIONAL", ("sklearn", "no_such_library_x"))
        assert kmeanskit.show_config(mode="dicts")["optional"] == {
            "sklearn": sklearn.__version__, "no_such_library_x": None}

    def test_dicts_mode_prints_nothing(self, capsys):
        """mode='dicts' returns the information instead of printing it."""
        kmeanskit.show_config(mode="dicts")
        assert capsys.readouterr().out == ""


class TestImportIsLight:
    def test_import_needs_no_optional_dependencies(self, tmp_path):
        """`import kmeanskit` does not import torch, jax, dask or matplotlib."""
        import subprocess
        import sys

        code = (
            "import sys, kmeanskit; "
            "opt = ('torch', 'jax', 'dask', 'matplotlib'); "
            "bad = [m for m in opt if m in sys.modules]; "
            "print(','.join(bad))"
        )
        # run outside the checkout so that '' on sys.path cannot find the source tree
        res = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == ""


def test_results_are_numpy_arrays():
    """NumPy in gives NumPy ndarrays out (not subclasses or other containers)."""
    X = np.random.default_rng(1).normal(size=(30, 2))
    c, lab = kmeanskit.kmeans2(X, 2, minit="points", rng=0)
    assert type(c) is np.ndarray and type(lab) is np.ndarray


class TestUnbuiltSourceTree:
    """Importing a tree without its compiled extensions gives one clear error."""

    @pytest.fixture(autouse=True)
    def _not_editable(self):
        if _editable_install():
            pytest.skip("editable install: its import hook serves 'kmeanskit' "
                        "from any working directory")

    @staticmethod
    def _import_from(folder):
        import subprocess
        import sys

        # -c puts `folder` (the working directory) first on sys.path, as
        # running Python from a repository's root does.
        return subprocess.run([sys.executable, "-c", "import kmeanskit"],
                              capture_output=True, text=True, timeout=120,
                              cwd=folder)

    @staticmethod
    def _copy_without_extensions(tmp_path, *, source_marker):
        import shutil

        installed = Path(kmeanskit.__file__).resolve().parent
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        shutil.copytree(installed, tmp_path / "kmeanskit",
                        ignore=lambda _, names: [n for n in names
                                                 if n.endswith(suffixes)])
        if source_marker:
            (tmp_path / "kmeanskit" / "_ext" / "_kernels.pyx").write_text("# source\n")
        return tmp_path

    def test_source_tree_says_how_to_build(self, tmp_path):
        folder = self._copy_without_extensions(tmp_path, source_marker=True)
        res = self._import_from(folder)
        assert res.returncode != 0
        last = res.stderr.strip().splitlines()[-1]
        assert last.startswith("ImportError: kmeanskit is being imported from its "
                               "source tree"), res.stderr
        assert "pip install ." in last and "-e ." in last
        assert "circular import" not in res.stderr

    def test_incomplete_install_says_reinstall(self, tmp_path):
        folder = self._copy_without_extensions(tmp_path, source_marker=False)
        res = self._import_from(folder)
        last = res.stderr.strip().splitlines()[-1]
        assert last.startswith("ImportError: kmeanskit's compiled extensions "
                               "(_kernels, _pam, _cityblock, _silhouette, _sparse) are "
                               "missing"), res.stderr

    def test_the_checkout_itself(self):
        # The repository's root, where `python -c "import kmeanskit"` finds
        # the unbuilt tree (unless an editable install's hook serves it).
        if not (SOURCE_PKG / "_ext" / "_kernels.pyx").exists():
            pytest.skip("no source checkout next to the tests")
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        if any(p.name.endswith(suffixes) for p in (SOURCE_PKG / "_ext").iterdir()):
            pytest.skip("the checkout holds extensions built in place")
        res = self._import_from(SOURCE_PKG.parent)
        assert "kmeanskit is being imported from its source tree" in res.stderr
