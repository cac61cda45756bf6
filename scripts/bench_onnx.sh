#!/usr/bin/env bash
# ONNX Runtime (npm onnxruntime-node 1.30, CPU/MLAS, ORT_ENABLE_ALL) on the PP-OCR .onnx
# models beside liteq's interpreter on the same models converted to .tflite (float32) and
# quantized (int8, calibrated on the opencv-doc images; and ORT on the same int8 model as
# QDQ .onnx, `liteq quantize IN.onnx -o OUT.onnx`), 1 and 2 threads. Prints a Markdown
# table of medians (ms) and the ratios liteq / ORT.
#
#   bash scripts/bench_onnx.sh [--runs 30] [--threads 1,2] [--no-setup]
#
# Run it on an otherwise idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=30
THREADS="1,2"
SETUP=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --no-setup) SETUP=0; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_onnx.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ "$SETUP" -eq 1 ] && bash "$ROOT/scripts/setup.sh" >&2
LITEQ="$ROOT/build/bin/liteq"
A="${LITEQ_ASSETS:-$ROOT/.cache/assets}"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/liteq-bench-onnx.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
MODELS=(
  "ch_PP-OCRv4_det_infer 1,3,640,640 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375"
  "ch_PP-OCRv4_rec_infer 1,3,48,320 --range -1,1"
  "ch_ppocr_mobile_v2.0_cls_infer 1,3,48,192 --range -1,1"
)
ours() { "$LITEQ" bench "$1" --threads "$2" --runs "$RUNS" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).latency_ms.median.toFixed(2)))'; }
ort() { node "$ROOT/tests/tools/ort_runner.cjs" "$1" --bench --shape "x=$2" --threads "$3" --runs "$RUNS" | sed -n 's/^median_ms=//p' | awk '{ printf "%.2f", $1 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "| model | input | threads | ORT float .onnx | ORT our QDQ .onnx | liteq float32 .tflite | liteq int8 .tflite | float: liteq / ORT | int8: liteq / ORT QDQ |"
echo "|---|---|---|---|---|---|---|---|---|"
for spec in "${MODELS[@]}"; do
  read -r name shape norm <<< "$spec"
  onnx="$A/onnx/$name.onnx"
  "$LITEQ" convert "$onnx" -o "$OUT/$name.tflite" --input-shape "x=$shape" -q
  # shellcheck disable=SC2086  # norm holds options
  "$LITEQ" quantize "$OUT/$name.tflite" -o "$OUT/${name}_int8.tflite" --mode int8 --calib "$A/images/calib" $norm -q
  # shellcheck disable=SC2086
  "$LITEQ" quantize "$onnx" --input-shape "x=$shape" -o "$OUT/${name}_qdq.onnx" --mode int8 --calib "$A/images/calib" $norm -q
  IFS=, read -r -a ths <<< "$THREADS"
  for t in "${ths[@]}"; do
    o="$(ort "$onnx" "$shape" "$t")"
    oq="$(ort "$OUT/${name}_qdq.onnx" "$shape" "$t")"
    f="$(ours "$OUT/$name.tflite" "$t")"
    q="$(ours "$OUT/${name}_int8.tflite" "$t")"
    echo "| $name | $shape | $t | $o | $oq | $f | $q | $(ratio "$f" "$o") | $(ratio "$q" "$oq") |"
  done
done
