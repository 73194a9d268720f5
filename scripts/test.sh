#!/usr/bin/env bash
# Lint, type-check and test Backstep; extra arguments go to pytest (e.g. -m "not browser", -k health).
#   ./scripts/test.sh           everything, as CI runs it (linters, every test, the PostgreSQL leg)
#   ./scripts/test.sh --fast    the developer's loop: ruff (lint and format), then the tests
#                               not marked slow or browser on every core, stopping at the first
#                               failure (about 20 s on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Browser tests use Debian's Chromium where there is one; Playwright's own download elsewhere.
ensure_chromium() {
    if [[ -x /usr/bin/chromium ]]; then
        return
    fi
    if is_debian_root; then
        log "installing Debian's chromium with apt-get"
        apt_install chromium
    else
        log "installing Playwright's chromium"
        "$VENV/bin/python" -m playwright install chromium
    fi
}

fast=0
if [[ "${1:-}" == "--fast" ]]; then
    fast=1
    shift
fi

ensure_venv
install_requirements requirements.txt
install_requirements requirements-dev.txt
export PATH="$PWD/$VENV/bin:$PATH"

if [[ $fast -eq 1 ]]; then
    log "ruff check"
    ruff check .
    log "ruff format --check"
    ruff format --check .
    log "pytest (fast: not slow, not browser)"
    # Bytecode caches on (gitignored __pycache__), so pytest's assertion rewriting of ~440
    # modules is not redone every run: collection 6 s -> 2.6 s. Every test of the schemathesis
    # module is slow, but collecting it alone builds its fuzz cases (3 s per worker).
    unset PYTHONDONTWRITEBYTECODE
    exec pytest -q -x -n auto -m "not slow and not browser" -p no:cacheprovider \
        -p no:schemathesis --ignore=tests/app/api/test_schemathesis.py "$@"
fi

ensure_chromium
log "ruff check"
ruff check .
log "ruff format --check"
ruff format --check .
log "mypy"
mypy
log "bandit"
bandit -q -c pyproject.toml -r app engine
log "hadolint Dockerfile"
hadolint Dockerfile
log "pytest"
pytest "$@"

# The API tests again against a real PostgreSQL server (DATABASE_URL's other backend), on the
# full run only; where a server cannot be had here, the leg says why and is skipped.
if [[ $# -eq 0 ]]; then
    trap stop_test_postgres EXIT
    if pg_url="$(start_test_postgres)"; then
        log "pytest tests/app against PostgreSQL"
        TEST_DATABASE_URL="$pg_url" pytest tests/app -m "not browser and not sqlite_only" -p no:cacheprovider
    else
        log "PostgreSQL leg SKIPPED (the SQLite leg above ran): could not start a server"
    fi
fi
