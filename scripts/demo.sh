#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then shows liteq on a real model: what the model is
# (liteq inspect), and a run on a real photograph (liteq run) with its outputs.
#
#   bash scripts/demo.sh [MODEL_NAME]     (default: pose_landmark_full)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null

MODEL_NAME="${1:-pose_landmark_full}"
ASSETS="${LITEQ_ASSETS:-$ROOT/.cache/assets}"
MODEL="$ASSETS/models/$MODEL_NAME.tflite"
PHOTO="$ASSETS/images/calib/messi5.jpg"
[ -f "$MODEL" ] || { echo "demo.sh: no model $MODEL (names: $(ls "$ASSETS/models" | sed -n 's/\.tflite$//p' | tr '\n' ' '))" >&2; exit 2; }
OUT="$ROOT/.cache/demo/$MODEL_NAME"
LITEQ="$ROOT/build/bin/liteq"

echo "\$ liteq inspect $MODEL_NAME.tflite"
"$LITEQ" inspect "$MODEL"
echo
echo "\$ liteq run $MODEL_NAME.tflite --input messi5.jpg --range 0,1 --output-dir $OUT"
"$LITEQ" run "$MODEL" --input "$PHOTO" --range 0,1 --output-dir "$OUT"
echo
echo "outputs.json:"
cat "$OUT/outputs.json"
