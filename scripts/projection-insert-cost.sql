-- What one PostgreSQL backend spends writing projected transfer rows, by part: the SQL
-- projection's statement shape (text cast to numeric(39,0), upsert on (tenant, id)) over
-- 200,000 generated rows, against the same without secondary indexes, the casts alone, a
-- replay where every row conflicts, and a plain insert. Runs in a scratch schema `exp`,
-- dropped at the end. Not a test; see docs/POSTGRES.md, "Not done yet".
--
--   psql -X -q -f scripts/projection-insert-cost.sql     # with PGHOST/PGPORT/... of a scratch database
\timing on
DROP SCHEMA IF EXISTS exp CASCADE; CREATE SCHEMA exp; SET search_path = exp;
CREATE TABLE t_num (tenant bigint NOT NULL, id numeric(39,0) NOT NULL, debit_account_id numeric(39,0) NOT NULL, credit_account_id numeric(39,0) NOT NULL, amount numeric(39,0) NOT NULL, pending_id numeric(39,0) NOT NULL, user_data_128 numeric(39,0) NOT NULL, user_data_64 numeric(20,0) NOT NULL, user_data_32 bigint NOT NULL, timeout bigint NOT NULL, ledger bigint NOT NULL, code int NOT NULL, flags int NOT NULL, pending_status text, timestamp bigint NOT NULL, created_at timestamptz GENERATED ALWAYS AS (to_timestamp(timestamp / 1e9::double precision)) STORED, PRIMARY KEY (tenant, id));
CREATE INDEX ON t_num (tenant, debit_account_id); CREATE INDEX ON t_num (tenant, credit_account_id);
CREATE TABLE t_noidx (LIKE t_num INCLUDING DEFAULTS INCLUDING GENERATED); ALTER TABLE t_noidx ADD PRIMARY KEY (tenant, id);
-- source data as text arrays
CREATE TEMP TABLE src AS SELECT 7::bigint t, (1000000000000 + g)::text i, (1 + g % 10000)::text d, (1 + (g+1) % 10000)::text c, (g % 1000 + 1)::text a, '0'::text p, '0'::text u128, '0'::text u64, 0::bigint u32, 0::bigint tm, 1::bigint l, 1 cd, 0 f, ''::text s, (1700000000000000000 + g)::bigint ts FROM generate_series(1, 200000) g;
\echo (a) upsert, primary key and both account indexes
-- (a) INSERT ... SELECT with casts + ON CONFLICT, all indexes
INSERT INTO t_num (tenant, id, debit_account_id, credit_account_id, amount, pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, pending_status, timestamp) SELECT t, i::numeric, d::numeric, c::numeric, a::numeric, p::numeric, u128::numeric, u64::numeric, u32, tm, l, cd, f, nullif(s,''), ts FROM src ON CONFLICT (tenant, id) DO UPDATE SET pending_status = excluded.pending_status;
\echo (b) upsert, primary key only
-- (b) same, PK only
INSERT INTO t_noidx (tenant, id, debit_account_id, credit_account_id, amount, pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, pending_status, timestamp) SELECT t, i::numeric, d::numeric, c::numeric, a::numeric, p::numeric, u128::numeric, u64::numeric, u32, tm, l, cd, f, nullif(s,''), ts FROM src ON CONFLICT (tenant, id) DO UPDATE SET pending_status = excluded.pending_status;
\echo (c) the casts alone
-- (c) the casts alone
SELECT count(*) FROM (SELECT t, i::numeric, d::numeric, c::numeric, a::numeric, p::numeric, u128::numeric, u64::numeric FROM src) x;
\echo (d) the same rows again: every one conflicts
-- (d) replay: all conflicts
INSERT INTO t_num (tenant, id, debit_account_id, credit_account_id, amount, pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, pending_status, timestamp) SELECT t, i::numeric, d::numeric, c::numeric, a::numeric, p::numeric, u128::numeric, u64::numeric, u32, tm, l, cd, f, nullif(s,''), ts FROM src ON CONFLICT (tenant, id) DO UPDATE SET pending_status = excluded.pending_status;
\echo (e) plain insert into an empty table, all indexes
-- (e) plain insert, no ON CONFLICT, all indexes, fresh table
TRUNCATE t_num;
INSERT INTO t_num (tenant, id, debit_account_id, credit_account_id, amount, pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, pending_status, timestamp) SELECT t, i::numeric, d::numeric, c::numeric, a::numeric, p::numeric, u128::numeric, u64::numeric, u32, tm, l, cd, f, nullif(s,''), ts FROM src;
DROP SCHEMA exp CASCADE;
