#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite:
#   1. the untrusted-input suites (io, runtime, the ONNX importer's own tests and fuzzer
#      regressions) under AddressSanitizer + UBSan;
#   2. every test under CTest in the Release build, real models against official TFLite
#      included (LITEQ_REQUIRE_ASSETS=1: a missing asset fails instead of skipping).
#
#   bash scripts/test.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
start=$(date +%s)

bash scripts/setup.sh
export LITEQ_REQUIRE_ASSETS=1
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"

echo "== sanitizers (ASan + UBSan): io_test, runtime_test, kernels_test (every kernel and its optimized variants), onnx_import_test (OnnxImport.*)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLITEQ_SANITIZE=ON \
      -DLITEQ_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan --target io_test runtime_test kernels_test onnx_import_test
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  build-asan/tests/io_test --gtest_brief=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  build-asan/tests/runtime_test --gtest_brief=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  build-asan/tests/kernels_test --gtest_brief=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  build-asan/tests/onnx_import_test --gtest_brief=1 --gtest_filter='OnnxImport.*'

echo "== all tests (Release)"
ctest --test-dir build --output-on-failure -j2 --timeout 900
echo "test.sh: total wall time $(( $(date +%s) - start )) s"
