#!/usr/bin/env bash
# Installs the official TensorFlow Lite runtime used as a reference for liteq, and builds
# our runner tests/tools/tflite_c_runner.cc against it. Idempotent; a second run needs no
# network and rebuilds only if the runner's source changed.
#
#   bash scripts/setup_tflite_ref.sh
#   $LITEQ_TFLITE_REF/bin/tflite_c_runner MODEL.tflite --in x.npy --out-dir out/
#
# Where: ${LITEQ_TFLITE_REF:-<repo>/.cache/tflite_ref}   (.cache/ is git-ignored)
#
# The runtime: the npm package tfjs-tflite-node@0.0.2 ships Google's prebuilt TFLite 2.9 C
# library (cc_deps/<platform>/libtensorflowlite_c.so) and its C headers (cc_deps/include).
# It is installed with `npm install --ignore-scripts` (its install script would try to build
# a Node addon, which we do not need). Only the npm registry is contacted. Needs node + npm
# and g++ (bash scripts/install_deps.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="${LITEQ_TFLITE_REF:-$ROOT/.cache/tflite_ref}"
PKG=tfjs-tflite-node
VER=0.0.2
SRC="$ROOT/tests/tools/tflite_c_runner.cc"
BIN="$REF/bin/tflite_c_runner"

die() { echo "setup_tflite_ref.sh: error: $*" >&2; exit 1; }
info() { echo "setup_tflite_ref.sh: $*"; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLAT=linux_amd64 ;;
  Linux-aarch64) PLAT=linux_arm64 ;;
  *) die "unsupported platform $(uname -s)-$(uname -m): $PKG@$VER ships libtensorflowlite_c.so for linux x86_64 and aarch64 only." ;;
esac

[ -f "$SRC" ] || die "runner source $SRC not found (is the repo complete?)"
command -v g++ >/dev/null 2>&1 || die "g++ not found. Run: sudo bash $ROOT/scripts/install_deps.sh"

CC_DEPS="$REF/node_modules/$PKG/cc_deps"
LIBDIR="$CC_DEPS/$PLAT"
LIB="$LIBDIR/libtensorflowlite_c.so"
INC="$CC_DEPS/include"
PKG_JSON="{
  \"name\": \"liteq-tflite-ref\",
  \"private\": true,
  \"version\": \"0.0.0\",
  \"description\": \"Reference TFLite runtime for liteq tests (see scripts/setup_tflite_ref.sh)\",
  \"dependencies\": { \"$PKG\": \"$VER\" }
}"

installed_version() {
  local pj="$REF/node_modules/$PKG/package.json"
  [ -f "$pj" ] || return 0
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pj" | head -n1
}

mkdir -p "$REF/bin" || die "cannot create $REF/bin"

# ---- 1. npm package
if [ -s "$LIB" ] && [ -f "$INC/tensorflow/lite/c/c_api.h" ] && [ "$(installed_version)" = "$VER" ] &&
   [ -f "$REF/package.json" ] && [ "$(cat "$REF/package.json")" = "$PKG_JSON" ]; then
  info "$PKG@$VER already installed in $REF"
else
  command -v npm >/dev/null 2>&1 || die "npm not found. Run: sudo bash $ROOT/scripts/install_deps.sh"
  info "npm install $PKG@$VER into $REF"
  printf '%s\n' "$PKG_JSON" > "$REF/package.json"
  # --legacy-peer-deps: do not pull @tensorflow/tfjs-core etc. (peer deps of tfjs-tflite);
  # only the prebuilt C library is used.
  (cd "$REF" && npm install --ignore-scripts --no-audit --no-fund --legacy-peer-deps --loglevel=error) ||
    die "'npm install $PKG@$VER' in $REF failed. Check access to the npm registry (npm config get registry) and re-run."
  [ "$(installed_version)" = "$VER" ] || die "npm installed $PKG version '$(installed_version)', expected $VER"
  [ -s "$LIB" ] || die "$LIB is missing after npm install: the package layout changed? (expected cc_deps/$PLAT/libtensorflowlite_c.so)"
  [ -f "$INC/tensorflow/lite/c/c_api.h" ] || die "$INC/tensorflow/lite/c/c_api.h is missing after npm install"
fi

# ---- 2. build the runner (only if missing or older than its source / the library)
if [ -x "$BIN" ] && [ "$BIN" -nt "$SRC" ] && [ "$BIN" -nt "$LIB" ] && [ "$BIN" -nt "${BASH_SOURCE[0]}" ]; then
  info "runner up to date: $BIN"
else
  info "building $BIN"
  g++ -O2 -std=c++17 -Wall -Wextra -I"$INC" "$SRC" -o "$BIN.tmp" \
      -L"$LIBDIR" -ltensorflowlite_c -Wl,-rpath,"$LIBDIR" ||
    die "compiling $SRC failed (see the compiler messages above)."
  mv -f "$BIN.tmp" "$BIN"
fi

# ---- 3. smoke check: the binary loads the library
ver="$("$BIN" --version 2>&1)" || die "$BIN does not run: $ver
  (delete $REF and re-run this script)"
info "ok: $ver -> $BIN"
