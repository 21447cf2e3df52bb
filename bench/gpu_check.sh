#!/usr/bin/env bash
# The whole GPU check in one call (at most about 5 minutes on one GPU):
#   1. install the wheels carried in .whl/ (bench/gpu_wheels.sh fetches them)
#      and build kmeanskit from this working tree with the machine's Python,
#      without build isolation (the machine has no package index);
#   2. run the test suite's GPU cells: PyTorch on CUDA, CuPy and JAX on the
#      GPU (KMEANSKIT_TEST_DEVICE / KMEANSKIT_TEST_BACKENDS, see
#      tests/conftest.py), recording each backend's outcomes per function;
#   3. run the GPU benchmark (bench/gpu_bench.py);
#   4. write the record (bench/gpu_record.py) and the log under $OUT.
#
# On the GPU machine, from the repository root:
#     bash bench/gpu_check.sh
# The dry run, anywhere (CPU tensors through the portable engine, small
# benchmark cases; its record says "dry_run": true):
#     KMEANSKIT_GPU_DRY_RUN=1 PYTHON=python OUT=/tmp/gpu-out bash bench/gpu_check.sh
# A run's record, copied to bench/records/gpu-<date>.json and committed, is
# what `python tools/support_matrix.py --write README.md docs/backends.rst`
# renders the support matrix's GPU cells from.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$REPO/gpu-out}
PY=${PYTHON:-python3}
DRY=${KMEANSKIT_GPU_DRY_RUN:-}
TEST_SECONDS=${KMEANSKIT_GPU_TEST_SECONDS:-170}
BENCH_SECONDS=${KMEANSKIT_GPU_BENCH_SECONDS:-75}
mkdir -p "$OUT"
SITE=$(mktemp -d)
exec > >(tee "$OUT/gpu_check.log") 2>&1
export PYTHONUNBUFFERED=1
stamp() { echo "== $(date -u +%H:%M:%S) $*"; }

stamp "python: $("$PY" --version 2>&1); dry run: ${DRY:-no}"
if [ -z "$DRY" ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi

stamp "carried wheels"
if [ -d "$REPO/.whl" ]; then
  for pkg in meson meson-python pyproject-metadata cython array-api-compat \
             array-api-extra kneed; do
    # One at a time: a wheel this Python cannot take (the dry run's) is left out.
    "$PY" -m pip install -q --no-index --no-deps --no-compile --find-links "$REPO/.whl" \
      --target "$SITE" "$pkg" || echo "   not installed from .whl: $pkg"
  done
fi
export PYTHONPATH=$SITE PATH=$SITE/bin:$PATH

stamp "build and install kmeanskit"
BUILD_START=$(date +%s)
if ! (cd "$REPO" && "$PY" -m pip install -q --no-index --no-deps --no-build-isolation \
        --target "$SITE/kmk" .); then
  echo "BUILD FAILED"; exit 1
fi
export PYTHONPATH=$SITE/kmk:$SITE
echo "   built in $(( $(date +%s) - BUILD_START )) s"
(cd /tmp && "$PY" -c "import kmeanskit; print('  ', kmeanskit.__version__, kmeanskit.__file__)")

stamp "GPU test cells"
if [ -n "$DRY" ]; then
  DEVICE=cpu BACKENDS=torch-portable,jax.numpy
else
  DEVICE=cuda BACKENDS=torch,cupy,jax.numpy
fi
(cd /tmp && KMEANSKIT_TEST_DEVICE=$DEVICE KMEANSKIT_TEST_BACKENDS=$BACKENDS \
   KMEANSKIT_TEST_RECORD="$OUT/outcomes.json" \
   timeout "$TEST_SECONDS" "$PY" -m pytest "$REPO/tests" -q -p no:cacheprovider \
   -k "torch or cupy or jax" > "$OUT/pytest.txt" 2>&1)
TESTS_EXIT=$?
grep -v -E "^(SKIPPED|[.sxFE]+ *(\[ *[0-9]+%\])?$)" "$OUT/pytest.txt" | tail -40
echo "   pytest exit status: $TESTS_EXIT"

stamp "GPU benchmark"
if [ -n "$DRY" ]; then
  BENCH_ARGS=(--device cpu --libs torch --quick --iters 3)
else
  BENCH_ARGS=(--device cuda --libs torch,cupy)
fi
(cd /tmp && timeout "$BENCH_SECONDS" "$PY" "$REPO/bench/gpu_bench.py" "${BENCH_ARGS[@]}" \
   --json "$OUT/bench.json")
echo "   benchmark exit status: $?"

stamp "record"
COMMIT=${KMEANSKIT_COMMIT:-$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)}
(cd /tmp && "$PY" "$REPO/bench/gpu_record.py" --tests "$OUT/outcomes.json" \
   --tests-exit "$TESTS_EXIT" --bench "$OUT/bench.json" --log-tail "$OUT/pytest.txt" \
   --commit "$COMMIT" ${DRY:+--dry-run} --out "$OUT/gpu-record.json")
stamp "done"
