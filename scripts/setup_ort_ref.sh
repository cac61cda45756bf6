#!/usr/bin/env bash
# Installs the official ONNX Runtime (npm onnxruntime-node, CPU) that liteq's ONNX tests
# and scripts/bench_onnx.sh compare against. Idempotent; a second run needs no network.
#
#   bash scripts/setup_ort_ref.sh
#   node tests/tools/ort_runner.cjs MODEL.onnx --in x.npy --out-dir out/
#
# Where: ${LITEQ_ORT_REF:-<repo>/.cache/ort_ref}   (.cache/ is git-ignored)
# onnxruntime-node's install script would fetch CUDA libraries from NuGet, which is not
# reachable and not needed on CPU: ONNXRUNTIME_NODE_INSTALL=skip turns it off. Only the
# npm registry is contacted.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="${LITEQ_ORT_REF:-$ROOT/.cache/ort_ref}"
PKG=onnxruntime-node
VER=1.30.0
die() { echo "setup_ort_ref.sh: error: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "node and npm are needed (bash scripts/install_deps.sh)"
installed="$(node -e "try{console.log(require('$REF/node_modules/$PKG/package.json').version)}catch(e){}" 2>/dev/null || true)"
if [ "$installed" = "$VER" ] && [ -d "$REF/node_modules/$PKG/bin" ]; then
  echo "setup_ort_ref.sh: $PKG@$VER already in $REF"
  exit 0
fi
mkdir -p "$REF"
cat > "$REF/package.json" <<JSON
{ "name": "liteq-ort-ref", "private": true, "version": "0.0.0",
  "description": "ONNX Runtime for liteq's tests (scripts/setup_ort_ref.sh)",
  "dependencies": { "$PKG": "$VER" } }
JSON
echo "setup_ort_ref.sh: npm install $PKG@$VER into $REF"
(cd "$REF" && ONNXRUNTIME_NODE_INSTALL=skip npm install --silent --no-audit --no-fund >/dev/null) ||
  die "'npm install $PKG@$VER' failed. Check access to the npm registry (npm config get registry) and re-run."
lib="$(find "$REF/node_modules/$PKG/bin" -name 'libonnxruntime.so*' | head -n1)"
[ -n "$lib" ] || die "$PKG@$VER has no libonnxruntime.so for this platform ($(uname -s)-$(uname -m))"
probe="$(node "$ROOT/tests/tools/ort_runner.cjs" 2>&1 || true)"
[[ "$probe" == *usage* ]] || die "tests/tools/ort_runner.cjs cannot load $PKG from $REF"
echo "setup_ort_ref.sh: installed $PKG@$VER ($lib)"
