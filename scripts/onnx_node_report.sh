#!/usr/bin/env bash
# Runs the ONNX node test summary and prints its per-operator table (markdown), failures
# and rejections, for the team's notes.
#   scripts/onnx_node_report.sh [build-dir]        (default: build)
# The binary is tests/onnx_node_test in the build folder; LITEQ_ONNX_NODE_DATA overrides
# the test data folder (/usr/share/libonnx-testdata/data/node).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin="$build/tests/onnx_node_test"
[[ -x "$bin" ]] || { echo "no $bin: build first (cmake --build $build -j1 --target onnx_node_test)" >&2; exit 1; }
out=$("$bin" --gtest_filter='OnnxNodeSummary.*' 2>&1) || { echo "$out" >&2; exit 1; }
table=$(sed -n '/^=== onnx node summary ===$/,/^=== end onnx node summary ===$/p' <<<"$out" | sed '1d;$d')
[[ -n "$table" ]] || { echo "$out" >&2; echo "no summary in the output (test data missing?)" >&2; exit 1; }
echo "$table"
