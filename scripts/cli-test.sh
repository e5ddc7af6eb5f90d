#!/usr/bin/env bash
# `settle payments` and `settle recon` against a live `settle serve`, as a script would use them:
# the replies on stdout, `error: <code>: <message>` on stderr and the exit status.
#
#   scripts/cli-test.sh <path of the settle binary>
#
# Starts the server on free loopback ports over a fresh temporary data directory with a
# generated SETTLE_OPERATOR_KEY, creates a tenant and an admin key with curl, then drives the
# CLI through an intent's life (chart, authorize, an idempotent capture, a refused refund, a
# dispute won, a cancel, get and list) and through reconciliation (a camt.053 imported twice, a
# Stripe CSV with its preset, an HTML report). Needs curl and python3 (for free ports). The
# server is killed on exit; its log is printed if a check failed.
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
SAMPLES="$PWD/Tests/SettleReconTests/Import/Samples"
START=$SECONDS

WORK=""
SERVER_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -n "$WORK" && -s "$WORK/server.log" ]]; then
        echo "---- server log ----" >&2
        tail -n 100 "$WORK/server.log" >&2
        echo "---- end of server log ----" >&2
    fi
    [[ -n "$WORK" ]] && rm -rf "$WORK"
    if [[ $status -ne 0 ]]; then echo "settle CLI test FAILED (exit $status)" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK="$(mktemp -d "${TMPDIR:-/tmp}/settle-cli-test.XXXXXX")"
OUT="$WORK/stdout"
ERR="$WORK/stderr"

# ---- checks ----------------------------------------------------------------------------------
fail() {
    echo "FAIL: $*" >&2
    echo "---- stdout ----" >&2; cat "$OUT" >&2
    echo "---- stderr ----" >&2; cat "$ERR" >&2
    exit 1
}

# settle ARGS...: runs the CLI, which must succeed.
settle() {
    echo "\$ settle $*"
    local status=0
    "$SETTLE" "$@" >"$OUT" 2>"$ERR" || status=$?
    [[ $status -eq 0 ]] || fail "settle $* exited $status"
}

# settle_refused STATUS ARGS...: runs the CLI, which must exit with STATUS.
settle_refused() {
    local expected=$1
    shift
    echo "\$ settle $*"
    local status=0
    "$SETTLE" "$@" >"$OUT" 2>"$ERR" || status=$?
    [[ $status -eq $expected ]] || fail "settle $* exited $status, expected $expected"
    echo "  ok: exit status $status"
}

# expect FILE PATTERN: FILE (stdout, stderr or a report) holds the fixed string PATTERN.
expect() {
    grep -qF -- "$2" "$1" || fail "no '$2' in $(basename "$1")"
    echo "  ok: $(basename "$1") has $2"
}

# expect_not FILE PATTERN
expect_not() {
    if grep -qF -- "$2" "$1"; then fail "'$2' in $(basename "$1")"; fi
    echo "  ok: $(basename "$1") lacks $2"
}

# ---- server ----------------------------------------------------------------------------------
read -r HTTP_PORT GRPC_PORT CLOSED_PORT < <(python3 - <<'EOF'
import socket
sockets = [socket.socket() for _ in range(3)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
EOF
)
OPERATOR_KEY="sk_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BASE="http://127.0.0.1:$HTTP_PORT"
echo "== starting settle serve (http $HTTP_PORT, grpc $GRPC_PORT)"
SETTLE_OPERATOR_KEY="$OPERATOR_KEY" "$SETTLE" serve --data "$WORK/data" \
    --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" --log-level warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready_start=$SECONDS
until curl -sf "$BASE/health/ready" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "error: the server exited before it was ready" >&2; exit 1; }
    (( SECONDS - ready_start <= 60 )) || { echo "error: the server was not ready within 60 s" >&2; exit 1; }
    sleep 0.2
done

echo "== tenant and admin key (curl, operator key)"
tenant_json=$(curl -sf -X POST "$BASE/v1/tenants" -H "Authorization: Bearer $OPERATOR_KEY" -d '{"name": "cli-test"}')
TENANT=$(sed -nE 's/.*"id" *: *"?([0-9]+)"?.*/\1/p' <<<"$tenant_json")
[[ -n "$TENANT" ]] || { echo "error: no tenant id in $tenant_json" >&2; exit 1; }
key_json=$(curl -sf -X POST "$BASE/v1/tenants/$TENANT/keys" -H "Authorization: Bearer $OPERATOR_KEY" -d '{"role": "admin"}')
KEY=$(sed -nE 's/.*"secret" *: *"(sk_[0-9a-f]+)".*/\1/p' <<<"$key_json")
[[ -n "$KEY" ]] || { echo "error: no key secret in the reply" >&2; exit 1; }
echo "  tenant $TENANT"
export SETTLE_URL="$BASE" SETTLE_API_KEY="$KEY"

# ---- payments --------------------------------------------------------------------------------
echo "== settle payments"
settle_refused 69 payments get --id 1001 --url "http://127.0.0.1:$CLOSED_PORT"
expect "$ERR" "error: unreachable:"
settle_refused 1 payments get --id 1001 --key "sk_$(printf '0%.0s' {1..64})"
expect "$ERR" "error: unauthenticated:"

settle payments chart --currency EUR --currency USD
expect "$OUT" '"currency" : "EUR"'
expect "$OUT" '"currency" : "USD"'

# The Stripe sample's first charge: reconciliation can find it by its reference.
settle payments authorize --id 1001 --currency EUR --amount 10000 --reference ch_3Sample00000001
expect "$OUT" '"applied" : true'
expect "$OUT" '"status" : "authorized"'
settle payments authorize --id 1001 --currency EUR --amount 10000 --reference ch_3Sample00000001
expect "$OUT" '"applied" : false'
settle_refused 1 payments authorize --id 1001 --currency EUR --amount 9999 --reference ch_3Sample00000001
expect "$ERR" "error: intent_exists:"

settle_refused 64 payments capture --id 1001 --amount 10000
expect "$ERR" "--sequence or --idempotency-key is required"

settle payments capture --id 1001 --idempotency-key order-1001-capture --amount 10000 --fee 175
expect "$OUT" '"applied" : true'
expect "$OUT" '"status" : "captured"'
settle payments capture --id 1001 --idempotency-key order-1001-capture --amount 10000 --fee 175
expect "$OUT" '"applied" : false'

settle_refused 1 payments refund --id 1001 --sequence 1 --amount 10001
expect "$ERR" "error: refund_exceeds_captured:"

settle payments dispute --id 1001 --amount 3000
expect "$OUT" '"applied" : true'
expect "$OUT" '"status" : "disputed"'
settle payments resolve --id 1001 --sequence 1 --outcome won
expect "$OUT" '"applied" : true'

settle payments get --id 1001
expect "$OUT" '"status" : "dispute_won"'
expect "$OUT" '"state" : "won"'

settle payments authorize --id 1002 --currency USD --amount 4200 --expires-in 3600
settle payments cancel --id 1002
expect "$OUT" '"status" : "canceled"'
settle payments authorize --id 1003 --currency EUR --amount 990

settle payments list --status dispute_won
expect "$OUT" '"id" : "1001"'
expect_not "$OUT" '"id" : "1003"'
settle payments list --status authorized --limit 10
expect "$OUT" '"id" : "1003"'
expect_not "$OUT" '"id" : "1001"'
settle payments list --limit 2
expect "$OUT" '"next" : "'

# A won dispute returned the funds to the merchant: they may be refunded now.
settle payments refund --id 1001 --sequence 2 --amount 2500
expect "$OUT" '"applied" : true'
expect "$OUT" '"status" : "partially_refunded"'

# ---- reconciliation --------------------------------------------------------------------------
echo "== settle recon"
settle recon import "$SAMPLES/camt053_v02_fi-fffs_sample.xml"
expect "$OUT" '"new" : true'
expect_not "$OUT" '"imported_lines" : 0'
settle recon import "$SAMPLES/camt053_v02_fi-fffs_sample.xml"
expect "$OUT" '"new" : false'
expect "$OUT" '"imported_lines" : 0'

settle_refused 1 recon import "$SAMPLES/stripe_payout-reconciliation_synthetic.csv"
expect "$ERR" "error: statement_invalid:"
settle recon import "$SAMPLES/stripe_payout-reconciliation_synthetic.csv" --mapping stripe_payout_reconciliation
expect "$OUT" '"format" : "csv"'
expect_not "$OUT" '"imported_lines" : 0'

# A layout without a preset: the mapping as a JSON file, sent as one header line.
cat >"$WORK/adyen-mapping.json" <<'EOF'
{
  "date": "Creation Date",
  "amount": {"debitCredit": {"debit": "Gross Debit (GC)", "credit": "Gross Credit (GC)"}},
  "currency": {"column": {"name": "Gross Currency"}},
  "reference": "Psp Reference",
  "typeFilter": {"include": {"column": "Type", "values": ["Settled", "Refunded"]}},
  "dateFormat": "yyyy-MM-dd HH:mm:ss"
}
EOF
settle recon import "$SAMPLES/adyen_settlement-details_synthetic.csv" --mapping-file "$WORK/adyen-mapping.json" --source adyen-july
expect "$OUT" '"source" : "adyen-july"'
expect_not "$OUT" '"imported_lines" : 0'

settle recon statements
[[ $(grep -c '"digest" : ' "$OUT") -eq 3 ]] || fail "expected 3 statements"
echo "  ok: 3 statements"

settle recon run --currency EUR --output html --out "$WORK/report.html"
expect "$WORK/report.html" "<html"
settle recon run --currency EUR --date-window-days 5
expect "$OUT" '"rule" : "reference"'
expect "$OUT" '"reference" : "ch_3Sample00000001"'

echo "settle CLI test passed in $((SECONDS - START)) s"
