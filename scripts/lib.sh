# shellcheck shell=bash
# Shared by scripts/run.sh and scripts/test.sh (sourced, not run). Expects the repo root as cwd.

PYTHON="${PYTHON:-python3}"
VENV=".venv"

log() { printf '==> %s\n' "$*" >&2; }

is_debian_root() {
    [[ "$(id -u)" -eq 0 && -f /etc/debian_version ]] && command -v apt-get >/dev/null
}

# apt-get install, quiet and non-interactive; prints apt's output only if it fails.
apt_install() {
    local out
    out="$(mktemp)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        return 1
    fi
    rm -f "$out"
}

# Create .venv with $PYTHON (>= 3.11), installing Debian's python3-venv first if it is missing.
ensure_venv() {
    if "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        return
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "error: Backstep needs Python >= 3.11 as '$PYTHON' (set PYTHON=...)" >&2
        exit 1
    fi
    rm -rf "$VENV"  # a half-made one (no pip) from an earlier failure
    log "creating $VENV with $("$PYTHON" --version)"
    if "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        return
    fi
    rm -rf "$VENV"
    if ! is_debian_root; then
        echo "error: '$PYTHON -m venv' failed; install your distribution's python3-venv" >&2
        exit 1
    fi
    local minor
    minor="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    log "installing python3-venv with apt-get (ensurepip is missing)"
    apt_install python3-venv || apt_install "python$minor-venv"
    "$PYTHON" -m venv "$VENV"
}

# pip install -r FILE into .venv, skipped while a stamp shows the same requirements and Python.
install_requirements() {
    local file="$1" stamp="$VENV/.stamp-$1" want
    want="$(cat requirements.txt "$file" "$VENV/pyvenv.cfg" | sha256sum | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return
    fi
    log "installing $file into $VENV"
    rm -f "$stamp"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$file"
    echo "$want" >"$stamp"
}
