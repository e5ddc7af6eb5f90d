-- The row-locking PostgreSQL ledger baseline for scripts/bench-postgres.sh, modelled on pgledger
-- (github.com/pgr0ss/pgledger, pgledger.sql): balances and a version on the account rows; per
-- transfer one pgledger_transfers row and two pgledger_entries rows (the debit and the credit,
-- each with the account's balance before and after), with pgledger's foreign keys and indexes.
-- Differences, all in the baseline's favour: bigint ids and amounts instead of ULID text ids and
-- MONEY; no metadata JSONB; the per-transfer steps (scripts/pgledger-transfer.pgbench) are sent
-- as statements rather than through pgledger's plpgsql function, and skip its balance-limit and
-- currency checks (no-ops for accounts that allow any balance in one currency).
--
-- Drops and recreates the tables, then seeds :accounts accounts with ids 1..:accounts:
--   psql -X -v ON_ERROR_STOP=1 -v accounts=10000 -f scripts/pgledger-baseline.sql "$URL"
\if :{?accounts}
\else
\set accounts 10000
\endif
SET client_min_messages = warning;

DROP TABLE IF EXISTS pgledger_entries, pgledger_transfers, pgledger_accounts;

CREATE TABLE pgledger_accounts (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    currency text NOT NULL,
    balance bigint NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    allow_negative_balance boolean NOT NULL DEFAULT true,
    allow_positive_balance boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pgledger_transfers (
    id bigserial PRIMARY KEY,
    debit_account_id bigint NOT NULL REFERENCES pgledger_accounts (id),
    credit_account_id bigint NOT NULL REFERENCES pgledger_accounts (id),
    amount bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    event_at timestamptz NOT NULL DEFAULT now(),
    CHECK (amount > 0 AND debit_account_id <> credit_account_id)
);
CREATE INDEX ON pgledger_transfers (debit_account_id);
CREATE INDEX ON pgledger_transfers (credit_account_id);
CREATE INDEX ON pgledger_transfers (event_at);

CREATE TABLE pgledger_entries (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES pgledger_accounts (id),
    transfer_id bigint NOT NULL REFERENCES pgledger_transfers (id),
    amount bigint NOT NULL,
    account_previous_balance bigint NOT NULL,
    account_current_balance bigint NOT NULL,
    account_version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON pgledger_entries (account_id);
CREATE INDEX ON pgledger_entries (transfer_id);

INSERT INTO pgledger_accounts (id, name, currency)
SELECT g, 'account ' || g, 'USD' FROM generate_series(1, :accounts) AS g;

VACUUM ANALYZE pgledger_accounts, pgledger_transfers, pgledger_entries;
