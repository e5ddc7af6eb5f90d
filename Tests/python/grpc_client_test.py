"""A live Settle server driven by Python's grpcio, a client nobody on the team wrote.

Run by scripts/python-client-test.sh, which builds the stubs from Protos/settle/v1/settle.proto
(on PYTHONPATH) and starts `settle serve`. Environment:
  SETTLE_HTTP          base URL of the HTTP/JSON API, e.g. http://127.0.0.1:8080
  SETTLE_GRPC          host:port of the gRPC API
  SETTLE_OPERATOR_KEY  the operator key the server was started with

Plain Python: every check prints what it checks and fails with an AssertionError.
"""

import json
import os
import secrets
import sys
import urllib.error
import urllib.request

import grpc

from settle.v1 import settle_pb2 as pb
from settle.v1 import settle_pb2_grpc as pb_grpc

HTTP = os.environ["SETTLE_HTTP"].rstrip("/")
GRPC_TARGET = os.environ["SETTLE_GRPC"]
OPERATOR_KEY = os.environ["SETTLE_OPERATOR_KEY"]
TIMEOUT = 15  # seconds, for every call: a hang fails instead of stalling the script

MASK64 = (1 << 64) - 1
LEDGER = 700
CODE = 10

# Account flags (Sources/SettleCore/Model/Account.swift).
DEBITS_MUST_NOT_EXCEED_CREDITS = 1 << 1
# Account filter flags (settle.proto, AccountFilter.flags).
FILTER_DEBITS, FILTER_CREDITS, FILTER_REVERSED = 1, 2, 4

checks = 0


def check(description, condition, detail=""):
    global checks
    assert condition, f"FAILED: {description}" + (f" ({detail})" if detail else "")
    checks += 1
    print(f"  ok {checks:2d}  {description}", flush=True)


def step(title):
    print(f"\n== {title}", flush=True)


# ---------------------------------------------------------------------------------------------
# 128-bit values as lo/hi fixed64 pairs

def split(value):
    assert 0 <= value < 1 << 128
    return value & MASK64, value >> 64


def join(lo, hi):
    return lo | (hi << 64)


def u128(value):
    lo, hi = split(value)
    return pb.UInt128(lo=lo, hi=hi)


def account(id, flags=0):
    id_lo, id_hi = split(id)
    return pb.Account(id_lo=id_lo, id_hi=id_hi, ledger=LEDGER, code=CODE, flags=flags)


def transfer(id, debit, credit, amount, user_data_64=0):
    t = pb.Transfer(ledger=LEDGER, code=CODE, user_data_64=user_data_64)
    t.id_lo, t.id_hi = split(id)
    t.debit_account_id_lo, t.debit_account_id_hi = split(debit)
    t.credit_account_id_lo, t.credit_account_id_hi = split(credit)
    t.amount_lo, t.amount_hi = split(amount)
    return t


def account_id(a):
    return join(a.id_lo, a.id_hi)


def transfer_id(t):
    return join(t.id_lo, t.id_hi)


def balances(a):
    return {
        "debits_pending": join(a.debits_pending_lo, a.debits_pending_hi),
        "debits_posted": join(a.debits_posted_lo, a.debits_posted_hi),
        "credits_pending": join(a.credits_pending_lo, a.credits_pending_hi),
        "credits_posted": join(a.credits_posted_lo, a.credits_posted_hi),
    }


def transfer_names(results):
    return [pb.CreateTransferResult.Name(r).removeprefix("CREATE_TRANSFER_RESULT_") for r in results]


def account_names(results):
    return [pb.CreateAccountResult.Name(r).removeprefix("CREATE_ACCOUNT_RESULT_") for r in results]


# ---------------------------------------------------------------------------------------------
# HTTP admin API (urllib)

def http(method, path, key, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(HTTP + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


def create_tenant(name):
    status, tenant = http("POST", "/v1/tenants", OPERATOR_KEY, {"name": name})
    check(f"POST /v1/tenants {name!r} -> 201 with an id", status == 201 and isinstance(tenant, dict) and tenant.get("id", 0) > 0,
          f"{status} {tenant}")
    check(f"tenant {name!r} has its name", tenant["name"] == name, tenant)
    return tenant["id"]


def create_key(tenant, role):
    status, body = http("POST", f"/v1/tenants/{tenant}/keys", OPERATOR_KEY, {"role": role, "label": "python client test"})
    check(f"POST /v1/tenants/{tenant}/keys role {role} -> 201 with a secret",
          status == 201 and isinstance(body, dict) and body.get("secret", "").startswith("sk_"), f"{status} {body}")
    check(f"the key belongs to tenant {tenant} with role {role}",
          body["key"]["tenant"] == tenant and body["key"]["role"] == role, body["key"])
    return body["secret"]


# ---------------------------------------------------------------------------------------------
# gRPC

def auth(secret):
    return (("authorization", f"Bearer {secret}"),)


def rpc_error(call, *args, **kwargs):
    """Runs a call that must fail; returns (status code, settle-error trailer, details)."""
    try:
        reply = call(*args, timeout=TIMEOUT, **kwargs)
    except grpc.RpcError as error:
        trailer = dict(error.trailing_metadata() or ()).get("settle-error")
        return error.code(), trailer, error.details()
    raise AssertionError(f"FAILED: the call succeeded but must fail: {reply}")


def main():
    print(f"grpcio {grpc.__version__}; HTTP {HTTP}; gRPC {GRPC_TARGET}")

    step("tenants and keys over HTTP")
    tenant_a = create_tenant("python-client-a")
    tenant_b = create_tenant("python-client-b")
    check("the two tenants have different ids", tenant_a != tenant_b)
    key_a = create_key(tenant_a, "write")
    key_b = create_key(tenant_b, "read")
    status, _ = http("POST", "/v1/tenants", key_a, {"name": "not allowed"})
    check("a tenant's write key cannot create tenants (403)", status == 403, status)

    channel = grpc.insecure_channel(GRPC_TARGET)
    grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
    ledger = pb_grpc.LedgerStub(channel)
    md_a, md_b = auth(key_a), auth(key_b)

    step("session")
    session = 0
    while session == 0 or session >> 64 == 0:  # random, with both halves in use
        session = secrets.randbits(128)
    s_lo, s_hi = split(session)
    reply = ledger.RegisterSession(pb.RegisterSessionRequest(session_id_lo=s_lo, session_id_hi=s_hi), metadata=md_a, timeout=TIMEOUT)
    check("RegisterSession echoes the 128-bit session id", join(reply.session_id_lo, reply.session_id_hi) == session, reply)
    check("RegisterSession reports batch_events_max 8189", reply.batch_events_max == 8189, reply.batch_events_max)
    reply = ledger.RegisterSession(pb.RegisterSessionRequest(session_id_lo=s_lo, session_id_hi=s_hi), metadata=md_a, timeout=TIMEOUT)
    check("registering the same session again is harmless", join(reply.session_id_lo, reply.session_id_hi) == session)
    code, trailer, _ = rpc_error(ledger.RegisterSession, pb.RegisterSessionRequest(), metadata=md_a)
    check("session id 0 -> INVALID_ARGUMENT", code == grpc.StatusCode.INVALID_ARGUMENT, f"{code} {trailer}")

    def tagged_transfers(request_number, transfers, session_lo=s_lo, session_hi=s_hi):
        return pb.CreateTransfersRequest(session_id_lo=session_lo, session_id_hi=session_hi,
                                         request_number=request_number, transfers=transfers)

    other = split(session ^ 1)
    code, trailer, _ = rpc_error(ledger.CreateTransfers, tagged_transfers(1, [transfer(99, 1, 2, 1)], *other), metadata=md_a)
    check("a write on an unregistered session -> NOT_FOUND (session_not_found)",
          code == grpc.StatusCode.NOT_FOUND and trailer == "session_not_found", f"{code} {trailer}")

    step("accounts")
    # C's id has bits above 2^64 set, so both halves of the id travel.
    A, B, C = 1001, 1002, (7 << 64) | 1003
    reply = ledger.CreateAccounts(pb.CreateAccountsRequest(
        session_id_lo=s_lo, session_id_hi=s_hi, request_number=1,
        accounts=[account(A, DEBITS_MUST_NOT_EXCEED_CREDITS), account(B), account(C)]), metadata=md_a, timeout=TIMEOUT)
    check("CreateAccounts A (debits_must_not_exceed_credits), B, C -> [OK, OK, OK]",
          account_names(reply.results) == ["OK", "OK", "OK"], account_names(reply.results))
    check("the CreateAccounts reply has an op and a timestamp", reply.op > 0 and reply.timestamp > 0, reply)

    step("transfers")
    T1, T2, T3, T4, T5, T6 = 5001, 5002, 5003, 0, 5005, (9 << 64) | 5006
    BIG = (1 << 64) + 5  # an amount with both halves in use
    batch1 = [
        transfer(T1, B, A, 1000),                   # A credited 1000
        transfer(T2, A, C, 300, user_data_64=42),   # A debited 300 (<= 1000 credits)
        transfer(T3, A, C, 800),                    # 300 + 800 > 1000: refused
        transfer(T4, A, C, 1),                      # id 0
        transfer(T5, A, B, 700),                    # 300 + 700 = 1000: exactly allowed
    ]
    reply1 = ledger.CreateTransfers(tagged_transfers(2, batch1), metadata=md_a, timeout=TIMEOUT)
    check("CreateTransfers -> [OK, OK, EXCEEDS_CREDITS, ID_MUST_NOT_BE_ZERO, OK]",
          transfer_names(reply1.results) == ["OK", "OK", "EXCEEDS_CREDITS", "ID_MUST_NOT_BE_ZERO", "OK"],
          transfer_names(reply1.results))

    batch2 = [
        transfer(T1, B, A, 1000),                   # the same transfer again
        transfer(T6, B, C, BIG, user_data_64=42),
    ]
    reply2 = ledger.CreateTransfers(tagged_transfers(3, batch2), metadata=md_a, timeout=TIMEOUT)
    check("CreateTransfers [duplicate of T1, T6 of 2^64+5] -> [EXISTS, OK]",
          transfer_names(reply2.results) == ["EXISTS", "OK"], transfer_names(reply2.results))
    check("the second batch has a later op and timestamp", reply2.op > reply1.op and reply2.timestamp > reply1.timestamp,
          f"{reply1.op}/{reply1.timestamp} then {reply2.op}/{reply2.timestamp}")

    found = ledger.LookupTransfers(pb.LookupTransfersRequest(ids=[u128(i) for i in (T1, T2, T3, T5, T6)]),
                                   metadata=md_a, timeout=TIMEOUT).transfers
    check("LookupTransfers finds T1, T2, T5, T6 and not the refused T3",
          [transfer_id(t) for t in found] == [T1, T2, T5, T6], [transfer_id(t) for t in found])
    by_id = {transfer_id(t): t for t in found}
    n = len(batch1)
    check("event i of n of a batch has timestamp reply.timestamp - n + 1 + i (T1, T2, T5)",
          [by_id[T1].timestamp, by_id[T2].timestamp, by_id[T5].timestamp] ==
          [reply1.timestamp - n + 1 + i for i in (0, 1, 4)],
          f"{[by_id[x].timestamp for x in (T1, T2, T5)]} vs batch timestamp {reply1.timestamp}")
    check("T6 carries its 128-bit ids and amount exactly",
          join(by_id[T6].amount_lo, by_id[T6].amount_hi) == BIG and
          join(by_id[T6].credit_account_id_lo, by_id[T6].credit_account_id_hi) == C and
          join(by_id[T6].debit_account_id_lo, by_id[T6].debit_account_id_hi) == B, by_id[T6])
    check("T1 (its duplicate answered EXISTS) keeps its original timestamp from the first batch",
          by_id[T1].timestamp == reply1.timestamp - n + 1, by_id[T1].timestamp)

    step("balances")
    expected = {
        A: {"debits_pending": 0, "debits_posted": 300 + 700, "credits_pending": 0, "credits_posted": 1000},
        B: {"debits_pending": 0, "debits_posted": 1000 + BIG, "credits_pending": 0, "credits_posted": 700},
        C: {"debits_pending": 0, "debits_posted": 0, "credits_pending": 0, "credits_posted": 300 + BIG},
    }

    def lookup_all():
        return ledger.LookupAccounts(pb.LookupAccountsRequest(ids=[u128(A), u128(B), u128(C)]),
                                     metadata=md_a, timeout=TIMEOUT).accounts

    accounts = lookup_all()
    check("LookupAccounts returns A, B, C in the order asked", [account_id(a) for a in accounts] == [A, B, C],
          [account_id(a) for a in accounts])
    for name, a in zip("ABC", accounts):
        got = balances(a)
        check(f"account {name}: debits_posted {got['debits_posted']}, credits_posted {got['credits_posted']}, nothing pending",
              got == expected[account_id(a)], f"got {got}, expected {expected[account_id(a)]}")
    check("account A keeps its flag, ledger and code",
          accounts[0].flags == DEBITS_MUST_NOT_EXCEED_CREDITS and accounts[0].ledger == LEDGER and accounts[0].code == CODE,
          accounts[0])

    step("exactly-once: retry of the newest request")
    retry = ledger.CreateTransfers(tagged_transfers(3, batch2), metadata=md_a, timeout=TIMEOUT)
    check("the retry (same session, same request_number) returns the same results",
          list(retry.results) == list(reply2.results), transfer_names(retry.results))
    check("the retry returns the same op and timestamp", (retry.op, retry.timestamp) == (reply2.op, reply2.timestamp),
          f"{retry.op}/{retry.timestamp} vs {reply2.op}/{reply2.timestamp}")
    check("the retry's reply is byte-identical", retry.SerializeToString() == reply2.SerializeToString())
    check("balances did not change (T6 was not applied twice)", list(lookup_all()) == list(accounts))

    code, trailer, details = rpc_error(ledger.CreateTransfers, tagged_transfers(3, [transfer(5009, B, C, 1)]), metadata=md_a)
    check("the newest request number with a different request -> FAILED_PRECONDITION (request_number_reused)",
          code == grpc.StatusCode.FAILED_PRECONDITION and trailer == "request_number_reused", f"{code} {trailer} {details}")

    code, trailer, details = rpc_error(ledger.CreateTransfers, tagged_transfers(2, [transfer(5007, B, C, 1)]), metadata=md_a)
    check("a request with an older request number -> FAILED_PRECONDITION (request_too_old)",
          code == grpc.StatusCode.FAILED_PRECONDITION and trailer == "request_too_old", f"{code} {trailer} {details}")
    missing = ledger.LookupTransfers(pb.LookupTransfersRequest(ids=[u128(5007)]), metadata=md_a, timeout=TIMEOUT).transfers
    check("... and its transfer was not created", len(missing) == 0, missing)

    reply4 = ledger.CreateTransfers(tagged_transfers(10, [transfer(T3, A, C, 800)]), metadata=md_a, timeout=TIMEOUT)
    check("a later request number (gap allowed) executes; T3 again -> ID_ALREADY_FAILED (its failure burnt the id)",
          transfer_names(reply4.results) == ["ID_ALREADY_FAILED"], transfer_names(reply4.results))
    check("balances still unchanged", list(lookup_all()) == list(accounts))

    step("authentication and tenancy")
    code, trailer, _ = rpc_error(ledger.LookupAccounts, pb.LookupAccountsRequest(ids=[u128(A)]))
    check("LookupAccounts without authorization metadata -> UNAUTHENTICATED",
          code == grpc.StatusCode.UNAUTHENTICATED and trailer == "unauthenticated", f"{code} {trailer}")
    code, _, _ = rpc_error(ledger.CreateTransfers, tagged_transfers(11, [transfer(5008, B, C, 1)]))
    check("CreateTransfers without authorization metadata -> UNAUTHENTICATED", code == grpc.StatusCode.UNAUTHENTICATED, code)
    code, _, _ = rpc_error(ledger.LookupAccounts, pb.LookupAccountsRequest(ids=[u128(A)]), metadata=auth("sk_" + "0" * 64))
    check("an unknown key -> UNAUTHENTICATED", code == grpc.StatusCode.UNAUTHENTICATED, code)
    code, _, _ = rpc_error(ledger.LookupAccounts, pb.LookupAccountsRequest(ids=[u128(A)]), metadata=auth(OPERATOR_KEY))
    check("the operator key has no ledger -> PERMISSION_DENIED", code == grpc.StatusCode.PERMISSION_DENIED, code)

    seen = ledger.LookupAccounts(pb.LookupAccountsRequest(ids=[u128(A), u128(B), u128(C)]), metadata=md_b, timeout=TIMEOUT).accounts
    check("tenant B's key: LookupAccounts of A, B, C returns nothing", len(seen) == 0, seen)
    seen = ledger.LookupTransfers(pb.LookupTransfersRequest(ids=[u128(T1), u128(T6)]), metadata=md_b, timeout=TIMEOUT).transfers
    check("tenant B's key: LookupTransfers of T1, T6 returns nothing", len(seen) == 0, seen)
    seen = ledger.QueryTransfers(pb.QueryTransfersRequest(filter=pb.QueryFilter(ledger=LEDGER, limit=100)),
                                 metadata=md_b, timeout=TIMEOUT).transfers
    check("tenant B's key: QueryTransfers of the ledger returns nothing", len(seen) == 0, seen)
    a_lo, a_hi = split(A)
    seen = ledger.GetAccountTransfers(pb.GetAccountTransfersRequest(filter=pb.AccountFilter(
        account_id_lo=a_lo, account_id_hi=a_hi, limit=100, flags=FILTER_DEBITS | FILTER_CREDITS)), metadata=md_b, timeout=TIMEOUT).transfers
    check("tenant B's key: GetAccountTransfers of A returns nothing", len(seen) == 0, seen)
    code, _, _ = rpc_error(ledger.RegisterSession, pb.RegisterSessionRequest(session_id_lo=1), metadata=md_b)
    check("tenant B's read key cannot write -> PERMISSION_DENIED", code == grpc.StatusCode.PERMISSION_DENIED, code)

    step("GetAccountTransfers and QueryTransfers")

    def account_transfers(id, flags, **filter_fields):
        lo, hi = split(id)
        f = pb.AccountFilter(account_id_lo=lo, account_id_hi=hi, limit=100, flags=flags, **filter_fields)
        got = ledger.GetAccountTransfers(pb.GetAccountTransfersRequest(filter=f), metadata=md_a, timeout=TIMEOUT).transfers
        return [transfer_id(t) for t in got]

    both = FILTER_DEBITS | FILTER_CREDITS
    for name, id, flags, want in [
        ("A, debits and credits", A, both, [T1, T2, T5]),
        ("A, debits", A, FILTER_DEBITS, [T2, T5]),
        ("A, credits", A, FILTER_CREDITS, [T1]),
        ("A, reversed", A, both | FILTER_REVERSED, [T5, T2, T1]),
        ("B, debits and credits", B, both, [T1, T5, T6]),
        ("C (128-bit id), debits and credits", C, both, [T2, T6]),
        ("C, debits", C, FILTER_DEBITS, []),
        ("A, neither debits nor credits", A, 0, []),
    ]:
        got = account_transfers(id, flags)
        check(f"GetAccountTransfers {name} -> {[hex(x) if x >> 64 else x for x in want]}", got == want, got)
    got = account_transfers(B, both, user_data_64=42)
    check("GetAccountTransfers B with user_data_64 42 -> [T6]", got == [T6], got)
    got = account_transfers(A, both, timestamp_min=by_id[T2].timestamp, timestamp_max=by_id[T2].timestamp)
    check("GetAccountTransfers A with timestamp_min = timestamp_max = T2's -> [T2]", got == [T2], got)

    def query_transfers(**filter_fields):
        got = ledger.QueryTransfers(pb.QueryTransfersRequest(filter=pb.QueryFilter(**filter_fields)),
                                    metadata=md_a, timeout=TIMEOUT).transfers
        return [transfer_id(t) for t in got]

    for name, fields, want in [
        ("ledger 700", dict(ledger=LEDGER, limit=100), [T1, T2, T5, T6]),
        ("ledger 700, reversed", dict(ledger=LEDGER, limit=100, reversed=True), [T6, T5, T2, T1]),
        ("ledger 700, limit 2", dict(ledger=LEDGER, limit=2), [T1, T2]),
        ("user_data_64 42", dict(user_data_64=42, limit=100), [T2, T6]),
        ("code 10, user_data_64 42, reversed", dict(code=CODE, user_data_64=42, limit=100, reversed=True), [T6, T2]),
        ("ledger 701", dict(ledger=LEDGER + 1, limit=100), []),
    ]:
        got = query_transfers(**fields)
        check(f"QueryTransfers {name} -> {len(want)} transfers in order", got == want, got)
    check("QueryTransfers with limit 0 returns nothing, as settle.proto says", query_transfers(ledger=LEDGER) == [])

    channel.close()
    print(f"\nall {checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"\n{error}", file=sys.stderr)
        sys.exit(1)
