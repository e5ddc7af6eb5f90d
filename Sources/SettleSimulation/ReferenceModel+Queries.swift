import SettleCore

/// Reads (docs/LEDGER.md "Queries"): linear scans and sorts over the tenant's records.
extension ReferenceModel {
    public func lookupAccounts(tenant: TenantID, ids: [UInt128]) -> [Account] {
        guard let state = tenantStates[tenant] else { return [] }
        return ids.compactMap { state.accounts[$0] }
    }

    public func lookupTransfers(tenant: TenantID, ids: [UInt128]) -> [Transfer] {
        guard let state = tenantStates[tenant] else { return [] }
        return ids.compactMap { state.transfer($0) }
    }

    public func accountTransfers(tenant: TenantID, filter: AccountFilter) -> [Transfer] {
        guard let state = tenantStates[tenant], filter.limit > 0 else { return [] }
        let debits = filter.flags.contains(.debits)
        let credits = filter.flags.contains(.credits)
        let matching = allTransfers(state).filter { transfer in
            let side = (debits && transfer.debitAccountID == filter.accountID)
                || (credits && transfer.creditAccountID == filter.accountID)
            return side
                && Self.matches(filter.userData128, transfer.userData128)
                && Self.matches(filter.userData64, transfer.userData64)
                && Self.matches(filter.userData32, transfer.userData32)
                && Self.matches(filter.code, transfer.code)
                && Self.inRange(transfer.timestamp, filter.timestampMin, filter.timestampMax)
        }
        return Self.ordered(matching, reversed: filter.flags.contains(.reversed), limit: filter.limit)
    }

    /// The snapshots of the transfers `accountTransfers` returns; empty without `history`.
    public func accountBalances(tenant: TenantID, filter: AccountFilter) -> [AccountBalance] {
        guard let state = tenantStates[tenant], let account = state.accounts[filter.accountID],
              account.flags.contains(.history) else { return [] }
        let snapshots = state.history[filter.accountID] ?? [:]
        return accountTransfers(tenant: tenant, filter: filter).map { snapshots[$0.timestamp]! }
    }

    public func queryAccounts(tenant: TenantID, filter: QueryFilter) -> [Account] {
        guard filter.limit > 0 else { return [] }
        let matching = allAccounts(tenant: tenant).filter { account in
            Self.matches(filter.userData128, account.userData128)
                && Self.matches(filter.userData64, account.userData64)
                && Self.matches(filter.userData32, account.userData32)
                && Self.matches(filter.ledger, account.ledger)
                && Self.matches(filter.code, account.code)
                && Self.inRange(account.timestamp, filter.timestampMin, filter.timestampMax)
        }
        return Self.ordered(matching, reversed: filter.reversed, limit: filter.limit)
    }

    public func queryTransfers(tenant: TenantID, filter: QueryFilter) -> [Transfer] {
        guard let state = tenantStates[tenant], filter.limit > 0 else { return [] }
        let matching = allTransfers(state).filter { transfer in
            Self.matches(filter.userData128, transfer.userData128)
                && Self.matches(filter.userData64, transfer.userData64)
                && Self.matches(filter.userData32, transfer.userData32)
                && Self.matches(filter.ledger, transfer.ledger)
                && Self.matches(filter.code, transfer.code)
                && Self.inRange(transfer.timestamp, filter.timestampMin, filter.timestampMax)
        }
        return Self.ordered(matching, reversed: filter.reversed, limit: filter.limit)
    }

    /// The status of a transfer with the `pending` flag; nil for any other id.
    public func pendingStatus(tenant: TenantID, id: UInt128) -> PendingStatus? {
        tenantStates[tenant]?.pendingStatus[id]
    }

    /// Every account of the tenant in creation order.
    public func allAccounts(tenant: TenantID) -> [Account] {
        guard let state = tenantStates[tenant] else { return [] }
        return state.accountOrder.map { state.accounts[$0]! }
    }

    /// Every transfer of the tenant in commit order.
    public func allTransfers(tenant: TenantID) -> [Transfer] {
        guard let state = tenantStates[tenant] else { return [] }
        return allTransfers(state)
    }

    public func counts(tenant: TenantID) -> (accounts: Int, transfers: Int) {
        guard let state = tenantStates[tenant] else { return (0, 0) }
        return (state.accounts.count, state.transfers.count)
    }

    /// Ids that failed with a transient code (they answer `idAlreadyFailed`).
    public func failedTransferIDs(tenant: TenantID) -> [UInt128] {
        guard let state = tenantStates[tenant] else { return [] }
        return state.failedIDs.sorted()
    }

    /// The newest committed account's timestamp in the tenant.
    public func lastAccountTimestamp(tenant: TenantID) -> UInt64 { tenantStates[tenant]?.lastAccountTimestamp ?? 0 }

    /// The newest committed transfer's timestamp in the tenant.
    public func lastTransferTimestamp(tenant: TenantID) -> UInt64 { tenantStates[tenant]?.lastTransferTimestamp ?? 0 }

    public func account(tenant: TenantID, id: UInt128) -> Account? { tenantStates[tenant]?.accounts[id] }

    public func transfer(tenant: TenantID, id: UInt128) -> Transfer? { tenantStates[tenant]?.transfer(id) }

    private func allTransfers(_ state: TenantState) -> [Transfer] {
        state.transfers
    }

    /// A zero filter field matches anything.
    private static func matches<T: BinaryInteger>(_ wanted: T, _ actual: T) -> Bool { wanted == 0 || wanted == actual }

    /// Inclusive bounds, 0 meaning unbounded.
    private static func inRange(_ timestamp: UInt64, _ min: UInt64, _ max: UInt64) -> Bool {
        (min == 0 || timestamp >= min) && (max == 0 || timestamp <= max)
    }

    /// Ascending timestamp order (descending when reversed), at most `limit`.
    private static func ordered<Record>(_ records: [Record], reversed: Bool, limit: UInt32) -> [Record]
    where Record: TimestampedRecord {
        let sorted = records.sorted { reversed ? $0.timestamp > $1.timestamp : $0.timestamp < $1.timestamp }
        return Array(sorted.prefix(Int(limit)))
    }
}

/// Accounts and transfers both carry a timestamp that orders them in queries.
protocol TimestampedRecord { var timestamp: UInt64 { get } }
extension Account: TimestampedRecord {}
extension Transfer: TimestampedRecord {}
