import PostgresNIO
import SettleCore
import SettleStorage

/// Reads of the projection back as ledger types: for checks (the failover test) and tools.
extension PostgresProjectionStore {
    /// The projected transfers of `tenant` among `ids` (missing ones skipped).
    public func transfers(tenant: TenantID, ids: [UInt128]) throws(StorageError) -> [Transfer] {
        let result = try session.run(PostgresQuery(unsafeSQL: """
            SELECT id::text, debit_account_id::text, credit_account_id::text, amount::text, pending_id::text, ledger, code, flags, timestamp
            FROM settle_transfers WHERE tenant = $1 AND id = ANY($2::text[]::numeric[])
            """, binds: Self.binds(tenant, ids)), doing: "reading projected transfers")
        var transfers: [Transfer] = []
        for row in result.rows {
            guard let (id, debit, credit, amount, pending, ledger, code, flags, timestamp) =
                    try? row.decode((String, String, String, String, String, Int64, Int32, Int32, Int64).self),
                  let id = UInt128(id), let debit = UInt128(debit), let credit = UInt128(credit), let amount = UInt128(amount),
                  let pending = UInt128(pending)
            else { throw StorageError(.corruption, "a settle_transfers row does not decode") }
            transfers.append(Transfer(
                id: id, debitAccountID: debit, creditAccountID: credit, amount: amount, pendingID: pending,
                ledger: UInt32(ledger), code: UInt16(code), flags: TransferFlags(rawValue: UInt16(flags)), timestamp: UInt64(bitPattern: timestamp)))
        }
        return transfers
    }

    /// The projected accounts of `tenant` among `ids` (missing ones skipped).
    public func accounts(tenant: TenantID, ids: [UInt128]) throws(StorageError) -> [Account] {
        let result = try session.run(PostgresQuery(unsafeSQL: """
            SELECT id::text, debits_pending::text, debits_posted::text, credits_pending::text, credits_posted::text, ledger, code, timestamp
            FROM settle_accounts WHERE tenant = $1 AND id = ANY($2::text[]::numeric[])
            """, binds: Self.binds(tenant, ids)), doing: "reading projected accounts")
        var accounts: [Account] = []
        for row in result.rows {
            guard let (id, debitsPending, debitsPosted, creditsPending, creditsPosted, ledger, code, timestamp) =
                    try? row.decode((String, String, String, String, String, Int64, Int32, Int64).self),
                  let id = UInt128(id), let debitsPending = UInt128(debitsPending), let debitsPosted = UInt128(debitsPosted),
                  let creditsPending = UInt128(creditsPending), let creditsPosted = UInt128(creditsPosted)
            else { throw StorageError(.corruption, "a settle_accounts row does not decode") }
            accounts.append(Account(
                id: id, debitsPending: debitsPending, debitsPosted: debitsPosted, creditsPending: creditsPending, creditsPosted: creditsPosted,
                ledger: UInt32(ledger), code: UInt16(code), timestamp: UInt64(bitPattern: timestamp)))
        }
        return accounts
    }

    /// Ops the journal holds that this partition's projection does not include yet.
    public func lag() throws(StorageError) -> UInt64 {
        let result = try session.run("""
            SELECT greatest(coalesce((SELECT max(op) FROM settle_journal WHERE partition = \(Int32(partition))), 0)
                            - coalesce((SELECT op FROM settle_projection WHERE partition = \(Int32(partition))), 0), 0)
            """, doing: "reading the projection's lag")
        guard let lag = try? result.rows.first?.decode(Int64.self) else { throw StorageError(.ioFailure, "PostgreSQL returned no lag") }
        return UInt64(lag)
    }

    private static func binds(_ tenant: TenantID, _ ids: [UInt128]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: 2)
        binds.append(Int64(bitPattern: tenant.rawValue))
        binds.append(ids.map { String($0) })
        return binds
    }
}
