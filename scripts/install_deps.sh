#!/usr/bin/env bash
# Installs the Debian packages liteq needs to build and test. Idempotent.
#
#   sudo bash scripts/install_deps.sh
#
# Every package is first checked with `dpkg -s`; when all are installed the script
# exits at once without touching the network. Only when something is missing does it
# run `apt-get update` and `apt-get install -y --no-install-recommends` for the
# missing ones. Needs root (or sudo) in that case.
#
# Node.js: `node`/`npm` may already come from elsewhere (e.g. a nodesource `nodejs`
# package that bundles npm). If `node` is on PATH, Debian's nodejs is not requested;
# Debian's npm is requested only if `npm` is not on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

die() { echo "install_deps.sh: error: $*" >&2; exit 1; }

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "dpkg/apt-get not found: this script supports Debian/Ubuntu only. Install the packages listed in $0 by other means."
fi

PKGS=(
  build-essential cmake ninja-build ccache pkg-config
  flatbuffers-compiler libflatbuffers-dev
  libcli11-dev nlohmann-json3-dev libstb-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpthreadpool-dev
  libonnx-dev libprotobuf-dev libonnx-testdata
)

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep '^Status: install ok installed$' >/dev/null
}

missing=()
for p in "${PKGS[@]}"; do
  is_installed "$p" || missing+=("$p")
done

# Node.js + npm (used by scripts/fetch_assets.sh and scripts/setup_tflite_ref.sh).
if ! command -v node >/dev/null 2>&1 && ! is_installed nodejs; then
  missing+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  if is_installed nodejs && dpkg -s nodejs 2>/dev/null | grep '^Version: .*nodesource' >/dev/null; then
    die "node comes from the nodesource 'nodejs' package but 'npm' is not on PATH;" \
        "Debian's npm would conflict with it. Reinstall nodesource's nodejs (it bundles npm) or put its npm on PATH."
  fi
  missing+=(npm)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install_deps.sh: all ${#PKGS[@]} packages (+ node $(node --version 2>/dev/null || echo '?'), npm $(npm --version 2>/dev/null || echo '?')) already installed."
  exit 0
fi

echo "install_deps.sh: missing: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 ||
    die "not root and sudo not found. Re-run as root: bash $ROOT/scripts/install_deps.sh"
  SUDO=(sudo -E)
fi

"${SUDO[@]}" apt-get update -q ||
  die "'apt-get update' failed. Check the network access to the Debian mirrors and /etc/apt/sources.list*, then re-run."
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
  die "'apt-get install ${missing[*]}' failed (see apt's messages above). Fix the cause and re-run."

# Final check.
still=()
for p in "${PKGS[@]}"; do is_installed "$p" || still+=("$p"); done
command -v node >/dev/null 2>&1 || still+=("node (command)")
command -v npm >/dev/null 2>&1 || still+=("npm (command)")
[ "${#still[@]}" -eq 0 ] || die "still missing after apt-get install: ${still[*]}"
echo "install_deps.sh: done (installed: ${missing[*]})."
