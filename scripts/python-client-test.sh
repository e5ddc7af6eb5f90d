#!/usr/bin/env bash
# A client nobody on the team wrote: Python's grpcio, with stubs generated from the committed
# Protos/settle/v1/settle.proto, against a live `settle serve` (Tests/python/grpc_client_test.py).
#
#   scripts/python-client-test.sh <path of the settle binary>
#
# Needs python3 with pip and PyPI; nothing else. The venv lives in .build-python/venv and is
# reused while Tests/python/requirements.txt and the Python version are unchanged. Stubs,
# data directory and server log go to a temporary directory, removed on exit. The server gets
# a fresh random SETTLE_OPERATOR_KEY and free ports, must become ready (GET /health/ready 200),
# and after the test must exit 0 within 30 s of SIGTERM. Exits non-zero on any failure,
# printing the server log.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 <path of the settle binary>" >&2
    exit 2
fi
if [[ ! -x "$1" ]]; then
    echo "error: $1 is not an executable file" >&2
    exit 2
fi
SETTLE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/.."
ROOT="$PWD"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.build-python/venv"
REQUIREMENTS="$ROOT/Tests/python/requirements.txt"
START=$SECONDS

WORK=""
SERVER_PID=""
SHOW_LOG=1

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && $SHOW_LOG -eq 1 && -n "$WORK" && -s "$WORK/server.log" ]]; then
        echo "---- server log ($WORK/server.log) ----" >&2
        cat "$WORK/server.log" >&2
        echo "---- end of server log ----" >&2
    fi
    [[ -n "$WORK" ]] && rm -rf "$WORK"
    if [[ $status -ne 0 ]]; then
        echo "python client test FAILED (exit $status)" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1  # no root warning, no version check
WORK="$(mktemp -d "${TMPDIR:-/tmp}/settle-python-client.XXXXXX")"

# ---- venv ------------------------------------------------------------------------------------
# The stamp says which requirements and Python the venv was built for; a mismatch (or a broken
# venv) rebuilds it from scratch.
stamp="$(cat "$REQUIREMENTS"; "$PYTHON" -c 'import sys; print(sys.version)')"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import grpc, grpc_tools' 2>/dev/null \
        || [[ "$(cat "$VENV/.settle-stamp" 2>/dev/null)" != "$stamp" ]]; then
    echo "== creating $VENV"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    if ! "$PYTHON" -m venv "$VENV" 2>"$WORK/venv.err"; then
        # Some distributions ship python3 without ensurepip (Debian's python3-venv): fall
        # back to virtualenv, installed from PyPI with pip into a private directory (--target
        # also works where PEP 668 forbids installing into the system Python).
        cat "$WORK/venv.err" >&2
        echo "== python3 -m venv failed; using virtualenv from PyPI instead"
        rm -rf "$VENV"
        "$PYTHON" -m pip install --quiet --target "$WORK/virtualenv" virtualenv
        PYTHONPATH="$WORK/virtualenv" "$PYTHON" -m virtualenv --quiet "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS"
    printf '%s' "$stamp" >"$VENV/.settle-stamp"
fi
PY="$VENV/bin/python"
echo "== $("$PY" --version), $("$PY" -m pip list 2>/dev/null | grep -Ei '^(grpcio|grpcio-tools|protobuf) ' | tr -s ' ' | paste -sd, - | sed "s/,/, /g")"

# ---- stubs -----------------------------------------------------------------------------------
echo "== generating Python stubs from Protos/settle/v1/settle.proto"
mkdir -p "$WORK/gen"
"$PY" -m grpc_tools.protoc -I "$ROOT/Protos" --python_out="$WORK/gen" --grpc_python_out="$WORK/gen" \
    "$ROOT/Protos/settle/v1/settle.proto"

# ---- server ----------------------------------------------------------------------------------
read -r HTTP_PORT GRPC_PORT < <("$PY" - <<'EOF'
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
EOF
)
OPERATOR_KEY="sk_$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
echo "== starting settle serve (http $HTTP_PORT, grpc $GRPC_PORT)"
SETTLE_OPERATOR_KEY="$OPERATOR_KEY" "$SETTLE" serve --data "$WORK/data" \
    --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready_start=$SECONDS
until "$PY" -c 'import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)' "http://127.0.0.1:$HTTP_PORT/health/ready"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "error: the server exited before it was ready" >&2
        exit 1
    fi
    if (( SECONDS - ready_start > 60 )); then
        echo "error: the server was not ready within 60 s" >&2
        exit 1
    fi
    sleep 0.2
done
echo "== ready after $((SECONDS - ready_start)) s"

# ---- the test --------------------------------------------------------------------------------
echo "== Tests/python/grpc_client_test.py"
PYTHONPATH="$WORK/gen" SETTLE_HTTP="http://127.0.0.1:$HTTP_PORT" SETTLE_GRPC="127.0.0.1:$GRPC_PORT" \
    SETTLE_OPERATOR_KEY="$OPERATOR_KEY" "$PY" -u "$ROOT/Tests/python/grpc_client_test.py"

# ---- graceful shutdown -----------------------------------------------------------------------
echo "== SIGTERM: the server must exit 0 within 30 s"
kill -TERM "$SERVER_PID"
stop_start=$SECONDS
while kill -0 "$SERVER_PID" 2>/dev/null; do
    if (( SECONDS - stop_start >= 30 )); then
        echo "error: the server did not exit within 30 s of SIGTERM" >&2
        exit 1
    fi
    sleep 0.1
done
server_status=0
wait "$SERVER_PID" || server_status=$?
SERVER_PID=""
if [[ $server_status -ne 0 ]]; then
    echo "error: the server exited with status $server_status after SIGTERM (expected 0)" >&2
    exit 1
fi
if ! grep -q "engine stopped" "$WORK/server.log"; then
    echo "error: the server log does not say the engine stopped (drained and synced)" >&2
    exit 1
fi
echo "== the server exited 0 after $((SECONDS - stop_start)) s"
SHOW_LOG=0
echo "python client test passed in $((SECONDS - START)) s"
