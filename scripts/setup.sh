#!/usr/bin/env bash
# Sets up a fresh Debian machine for Sabaq; safe to run again (it adds what is missing and
# brings the Python packages of an existing .venv to the versions in constraints.txt).
#   bash scripts/setup.sh          Python environment with Sabaq, enough to build courses
#   bash scripts/setup.sh --test   also what the tests need: Chromium, Node packages, test tools
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

debian_packages=()
python3 -c 'import ensurepip, venv' 2>/dev/null || debian_packages+=(python3-venv)
# Noto Nastaliq Urdu and Noto Naskh Arabic, subset into every right-to-left package.
[ -f /usr/share/fonts/truetype/noto/NotoNastaliqUrdu-Regular.ttf ] || debian_packages+=(fonts-noto-core)
if $with_tests; then
  command -v msgfmt >/dev/null || debian_packages+=(gettext)
  [ -x /usr/bin/chromium ] || debian_packages+=(chromium)
  command -v npm >/dev/null || debian_packages+=(nodejs npm)
fi
if ((${#debian_packages[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing Debian packages: ${debian_packages[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${debian_packages[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# constraints.txt holds the exact versions CI runs, transitive ones included; pip moves
# any package of an existing .venv that differs (up or down) and leaves the rest alone.
target=.
$with_tests && target='.[test]'
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e "$target"
if $with_tests; then
  npm ci --silent --no-audit --no-fund
fi
