#!/usr/bin/env bash
# Builds static/plotly-<version>-lab.min.js (or into the folder given as $1) from components/plotly_bundle:
# installs the pinned packages from its package-lock.json, then bundles entry.js with esbuild. Needs Node.js and npm.
#
# It builds in one fixed folder: the CSS plugin names its style element by a hash of the absolute path of the
# CSS it inlines, and the minifier's short names follow the characters of the whole output, so the same
# recipe built elsewhere differs in a few names. Built here, it gives the same bytes every time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$root/static}" && cd "${1:-$root/static}" && pwd)"
work=/tmp/error-surface-lab-plotly-build
rm -rf "$work"
mkdir -p "$work"
cp "$root"/components/plotly_bundle/{package.json,package-lock.json,entry.js,build.mjs} "$work"/
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs "$out"
