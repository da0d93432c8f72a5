#!/usr/bin/env bash
# Runs the whole test suite: unit oracles, AppTest for every page, and end-to-end tests in headless Chromium.
# Installs what it needs: the dev requirements into .venv and, when missing and run as root, Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_env.sh requirements-dev.txt
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
