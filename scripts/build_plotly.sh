#!/usr/bin/env bash
# Rebuilds static/plotly-<version>-lab.min.js from components/plotly_bundle (needs Node.js and npm):
# installs the pinned packages from its package-lock.json, then bundles entry.js with esbuild.
set -euo pipefail
cd "$(dirname "$0")/../components/plotly_bundle"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs
