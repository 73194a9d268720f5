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

# Start a throwaway PostgreSQL cluster on loopback for the API tests' second leg; prints its
# SQLAlchemy URL. Needs Debian's postgresql package (installed when root on Debian). Stopped by
# stop_test_postgres. Returns non-zero, with the reason on stderr, where it cannot run.
PG_DIR=""
start_test_postgres() {
    if ! is_debian_root; then
        echo "not root on Debian" >&2
        return 1
    fi
    if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
        log "installing Debian's postgresql with apt-get"
        apt_install postgresql || return 1
    fi
    local bin port
    bin="$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)")"
    PG_DIR="$(mktemp -d /tmp/backstep-pg.XXXXXX)"
    chown postgres:postgres "$PG_DIR"
    port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2
        return 1
    }
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
        "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || {
        cat "$PG_DIR/server.log" >&2
        return 1
    }
    runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres backstep_test
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/backstep_test"
}

stop_test_postgres() {
    if [[ -n "$PG_DIR" && -d "$PG_DIR/data" ]]; then
        local bin
        bin="$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" | sort -V | tail -n 1)")"
        runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
