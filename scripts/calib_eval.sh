#!/usr/bin/env bash
# Calibration methods x quantization modes on the MediaPipe models: output-0 SQNR of the
# quantized model against the float one on the held-out photos (calibrated on
# images/calib, measured on images/eval, never mixed).
#
#   scripts/calib_eval.sh [OUT.tsv] [MODEL...]
#   METHODS="minmax mse" MODES="int8" scripts/calib_eval.sh
#
# Each method is "NAME" (no bias correction), "NAME+bc" (bias correction) or "NAME+wmse"
# (MSE weight scales) or "NAME+gptq" (GPTQ weight rounding), combinable ("mse+bc+gptq");
# percentile uses PERCENTILE (default 99.99); "+hrK" sets --headroom K (else the mode's
# default), "+eq" --equalize depthwise, "+eqall" --equalize all (else off). Columns: model, mode, method, pooled SQNR
# (all eval photos together), worst SQNR over single photos (dB).
set -euo pipefail
cd "$(dirname "$0")/.."
LITEQ=${LITEQ:-build/bin/liteq}
ASSETS=${ASSETS:-.cache/assets}
OUT=${1:-calib_eval.tsv}
shift || true
MODELS=${*:-"face_detection_short_range face_detection_full_range face_detection_full_range_sparse hand_landmark_lite hand_landmark_full pose_landmark_lite pose_landmark_full pose_landmark_heavy selfie_segmentation selfie_segmentation_landscape"}
METHODS=${METHODS:-"minmax percentile mse"}
MODES=${MODES:-"int8 int16x8"}
PERCENTILE=${PERCENTILE:-99.99}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf "model\tmode\tmethod\tpooled_db\tworst_db\n" > "$OUT"
for model in $MODELS; do
  range=0,1
  [[ $model == face_detection* ]] && range=-1,1
  for mode in $MODES; do
    for method in $METHODS; do
      args=(--calibration "${method%%+*}")
      [[ ${method%%+*} == percentile ]] && args+=(--percentile "$PERCENTILE")
      if [[ $method == *+bc* ]]; then args+=(--bias-correction on); else args+=(--bias-correction off); fi
      [[ $method == *+wmse* ]] && args+=(--weight-calibration mse)
      [[ $method == *+gptq* ]] && args+=(--weight-calibration gptq)
      if [[ $method =~ \+hr([0-9.]+) ]]; then args+=(--headroom "${BASH_REMATCH[1]}"); fi
      if [[ $method == *+eqall* ]]; then args+=(--equalize all); elif [[ $method == *+eq* ]]; then args+=(--equalize depthwise)
      else args+=(--equalize off); fi
      [[ $mode == int16x8 ]] && args+=(--fallback)
      q="$TMP/$model.$mode.$method.tflite"
      "$LITEQ" quantize "$ASSETS/models/$model.tflite" -o "$q" --mode "$mode" --calib "$ASSETS/images/calib" \
        --range "$range" -q "${args[@]}"
      "$LITEQ" compare "$ASSETS/models/$model.tflite" "$q" --input "$ASSETS/images/eval" --range "$range" --json > "$TMP/c.json"
      row=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["outputs"][0]; f=lambda v: v if isinstance(v,str) else "%.1f"%v; print(f(o["sqnr_db"])+"\t"+f(o["worst_sample_sqnr_db"]))' "$TMP/c.json")
      printf "%s\t%s\t%s\t%s\n" "$model" "$mode" "$method" "$row" | tee -a "$OUT"
      rm -f "$q"
    done
  done
done
