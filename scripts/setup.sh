#!/usr/bin/env bash
# Everything a fresh Debian machine needs before liteq builds and its tests run:
# Debian packages, the real models and photographs, the official TFLite runtime (for
# reference outputs), then the Release build in build/. Idempotent and fast when done.
#
#   bash scripts/setup.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/install_deps.sh
bash scripts/fetch_assets.sh
bash scripts/setup_tflite_ref.sh
bash scripts/setup_ort_ref.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
echo "setup.sh: built $ROOT/build/bin/liteq"
