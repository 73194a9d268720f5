#!/usr/bin/env bash
# Start Backstep at http://127.0.0.1:8000 (HOST and PORT override), with its SQLite file in ./data/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv
install_requirements requirements.txt
mkdir -p data
log "serving on http://${HOST:-127.0.0.1}:${PORT:-8000}"
exec "$VENV/bin/uvicorn" app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
