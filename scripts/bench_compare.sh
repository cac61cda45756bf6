#!/usr/bin/env bash
# liteq's interpreter beside official TFLite 2.9 (builtin kernels, XNNPACK delegate) on
# the MediaPipe models and their int8 / dynamic-range versions, 1 and 2 threads:
#
#   bash scripts/bench_compare.sh [--models a,b] [--dtypes float32,int8,dynamic[,int16x8]]
#                                 [--threads 1,2] [--runs 40] [--rounds 1] [--json FILE]
#
# Sets everything up first (scripts/setup.sh). Run it on an otherwise idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" >&2
exec node "$ROOT/scripts/bench_compare.mjs" "$@"
