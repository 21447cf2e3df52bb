#!/usr/bin/env bash
# Download, into .whl/, the wheels that bench/gpu_check.sh installs on a GPU
# machine that has no package index: kmeanskit's build and runtime
# dependencies missing from a typical CUDA image with PyTorch, CuPy and JAX
# (Python 3.12, x86-64).  Run it where pip reaches an index; keep .whl/ out
# of git (e.g. in .git/info/exclude).
set -euo pipefail
cd "$(dirname "$0")/.."
PY_VERSION=${PY_VERSION:-3.12}
mkdir -p .whl
# Pure-Python wheels (any platform) and Cython (compiled; CPython 3.12).
for spec in meson-python==0.22.1 pyproject-metadata==0.12.1 meson==1.12.1 \
            array-api-compat==1.16.0 array-api-extra==0.11.5 kneed==0.9.0 \
            Cython==3.3.1; do
  python3 -m pip download -q --no-deps --only-binary=:all: \
    --python-version "$PY_VERSION" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform any -d .whl "$spec"
done
ls -l .whl
