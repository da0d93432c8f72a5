#!/usr/bin/env bash
# Starts the Error Surface Lab on http://localhost:8501 (installs what it needs into .venv first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_env.sh requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
