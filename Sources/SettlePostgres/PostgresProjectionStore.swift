import Logging
import PostgresNIO
import SettleCore
import SettleProjection
import SettleStorage

/// The SQL projection of one partition in `settle_accounts` and `settle_transfers`, with its
/// position in `settle_projection` (docs/POSTGRES.md, "SQL projection"). Every write is one
/// transaction that moves the position only from the one the writer expects, so a replay or a
/// second projector never applies anything twice; rows are upserts of the current state.
///
/// Blocking calls on a connection of its own, one thread at a time (see `PostgresSession`).
public final class PostgresProjectionStore: ProjectionStore {
    public let partition: Int
    let session: PostgresSession
    /// Rows per statement: unnest of this many array elements per column.
    static let rowsPerStatement = 4_096

    public init(settings: PostgresSettings, partition: Int, logger: Logger = Logger(label: "settle.projection")) throws(StorageError) {
        self.partition = partition
        session = try PostgresSchema.connect(settings, purpose: "projection of partition \(partition)", logger: logger)
    }

    public func position() throws -> UInt64 {
        let result = try session.run(
            """
            WITH created AS (
                INSERT INTO settle_projection (partition, op) VALUES (\(Int32(partition)), 0) ON CONFLICT (partition) DO NOTHING RETURNING op)
            SELECT op FROM created UNION ALL SELECT op FROM settle_projection WHERE partition = \(Int32(partition))
            """, doing: "reading partition \(partition)'s projection position")
        guard let op = try? result.rows.first?.decode(Int64.self) else {
            throw StorageError(.ioFailure, "PostgreSQL returned no projection position for partition \(partition)")
        }
        return UInt64(op)
    }

    public func write(from: UInt64, through: UInt64, _ rows: ProjectionRows) throws -> UInt64? {
        _ = try session.run("BEGIN", doing: "starting a projection transaction")
        do {
            let moved = try session.run(
                """
                UPDATE settle_projection SET op = \(Int64(through)), updated_at = now()
                WHERE partition = \(Int32(partition)) AND op = \(Int64(from))
                """, doing: "moving partition \(partition)'s projection position")
            guard moved.metadata.rows == 1 else {
                _ = try session.run("ROLLBACK", doing: "rolling back a projection transaction")
                return try position()
            }
            for start in stride(from: 0, to: rows.accounts.count, by: Self.rowsPerStatement) {
                try upsert(accounts: rows.accounts[start..<min(rows.accounts.count, start + Self.rowsPerStatement)])
            }
            for start in stride(from: 0, to: rows.transfers.count, by: Self.rowsPerStatement) {
                try upsert(transfers: rows.transfers[start..<min(rows.transfers.count, start + Self.rowsPerStatement)])
            }
            _ = try session.run("COMMIT", doing: "committing partition \(partition)'s projection through op \(through)")
            return nil
        } catch {
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    public func close() {
        session.close()
    }

    private func upsert(accounts: ArraySlice<(tenant: TenantID, account: Account)>) throws(StorageError) {
        var binds = PostgresBindings(capacity: 13)
        binds.append(accounts.map { Int64(bitPattern: $0.tenant.rawValue) })
        binds.append(accounts.map { String($0.account.id) })
        binds.append(accounts.map { Int64($0.account.ledger) })
        binds.append(accounts.map { Int32($0.account.code) })
        binds.append(accounts.map { Int32($0.account.flags.rawValue) })
        binds.append(accounts.map { String($0.account.debitsPending) })
        binds.append(accounts.map { String($0.account.debitsPosted) })
        binds.append(accounts.map { String($0.account.creditsPending) })
        binds.append(accounts.map { String($0.account.creditsPosted) })
        binds.append(accounts.map { String($0.account.userData128) })
        binds.append(accounts.map { String($0.account.userData64) })
        binds.append(accounts.map { Int64($0.account.userData32) })
        binds.append(accounts.map { Int64(bitPattern: $0.account.timestamp) })
        _ = try session.run(PostgresQuery(unsafeSQL: """
            INSERT INTO settle_accounts (tenant, id, ledger, code, flags, debits_pending, debits_posted, credits_pending, credits_posted,
                                         user_data_128, user_data_64, user_data_32, timestamp)
            SELECT t, i::numeric, l, c, f, dp::numeric, dpo::numeric, cp::numeric, cpo::numeric, u128::numeric, u64::numeric, u32, ts
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::text[], $12::bigint[], $13::bigint[]) AS r(t, i, l, c, f, dp, dpo, cp, cpo, u128, u64, u32, ts)
            ON CONFLICT (tenant, id) DO UPDATE SET
                flags = excluded.flags, debits_pending = excluded.debits_pending, debits_posted = excluded.debits_posted,
                credits_pending = excluded.credits_pending, credits_posted = excluded.credits_posted
            """, binds: binds), doing: "writing \(accounts.count) projected accounts of partition \(partition)")
    }

    private func upsert(transfers: ArraySlice<(tenant: TenantID, transfer: Transfer, pendingStatus: PendingStatus?)>) throws(StorageError) {
        var binds = PostgresBindings(capacity: 15)
        binds.append(transfers.map { Int64(bitPattern: $0.tenant.rawValue) })
        binds.append(transfers.map { String($0.transfer.id) })
        binds.append(transfers.map { String($0.transfer.debitAccountID) })
        binds.append(transfers.map { String($0.transfer.creditAccountID) })
        binds.append(transfers.map { String($0.transfer.amount) })
        binds.append(transfers.map { String($0.transfer.pendingID) })
        binds.append(transfers.map { String($0.transfer.userData128) })
        binds.append(transfers.map { String($0.transfer.userData64) })
        binds.append(transfers.map { Int64($0.transfer.userData32) })
        binds.append(transfers.map { Int64($0.transfer.timeoutSeconds) })
        binds.append(transfers.map { Int64($0.transfer.ledger) })
        binds.append(transfers.map { Int32($0.transfer.code) })
        binds.append(transfers.map { Int32($0.transfer.flags.rawValue) })
        binds.append(transfers.map { $0.pendingStatus.map(Self.name) ?? "" })
        binds.append(transfers.map { Int64(bitPattern: $0.transfer.timestamp) })
        _ = try session.run(PostgresQuery(unsafeSQL: """
            INSERT INTO settle_transfers (tenant, id, debit_account_id, credit_account_id, amount, pending_id, user_data_128, user_data_64,
                                          user_data_32, timeout, ledger, code, flags, pending_status, timestamp)
            SELECT t, i::numeric, d::numeric, c::numeric, a::numeric, p::numeric, u128::numeric, u64::numeric, u32, tm, l, cd, f,
                   nullif(s, ''), ts
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
                        $10::bigint[], $11::bigint[], $12::int[], $13::int[], $14::text[], $15::bigint[])
                AS r(t, i, d, c, a, p, u128, u64, u32, tm, l, cd, f, s, ts)
            ON CONFLICT (tenant, id) DO UPDATE SET pending_status = excluded.pending_status
            """, binds: binds), doing: "writing \(transfers.count) projected transfers of partition \(partition)")
    }

    static func name(_ status: PendingStatus) -> String {
        switch status {
        case .pending: "pending"
        case .posted: "posted"
        case .voided: "voided"
        case .expired: "expired"
        }
    }
}
