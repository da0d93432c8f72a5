#!/usr/bin/env bash
# Runs the whole test suite: unit oracles, AppTest for every page, and end-to-end tests in headless Chromium.
# Installs what it needs: the dev requirements into .venv and, when missing and run as root, Debian's chromium
# (browser tests) and Node.js with npm (the test that rebuilds the app's plotly.js bundle from its recipe).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_env.sh requirements-dev.txt
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
