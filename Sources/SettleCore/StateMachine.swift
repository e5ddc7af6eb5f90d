/// One partition's ledger: a deterministic state machine over tenants, accounts and transfers.
///
/// Given the same starting state and the same batches with the same timestamps it produces
/// bit-identical state (`digest()`) and results on any machine: no clocks, no randomness, no
/// I/O, and no hash-order iteration reaching an output. The rules are in docs/LEDGER.md.
///
/// Not thread-safe by design: a partition has exactly one writer, which owns this object.
public final class StateMachine {
    /// The most events one write batch may carry.
    public static let batchEventsMax = 8_189

    /// The timestamp of the newest committed batch (0 before the first).
    public internal(set) var lastTimestamp: UInt64 = 0

    var ledgers: [TenantID: Ledger] = [:]
    var expiry = ExpiryQueue()
    let memory: any RecordMemory

    /// - Parameter memory: where record chunks come from (the engine passes huge pages).
    public init(memory: any RecordMemory = StandardRecordMemory()) {
        self.memory = memory
    }

    /// A valid timestamp for the next batch of `eventCount` events: the wall clock, unless that
    /// does not move past `lastTimestamp`, in which case time is advanced just far enough.
    /// The result is what the engine journals with the batch.
    public func nextTimestamp(wallClock: UInt64, eventCount: Int) -> UInt64 {
        let needed = lastTimestamp + UInt64(max(eventCount, 1))
        return max(wallClock, needed)
    }

    /// Creates accounts for `tenant`; one result per event, in order.
    public func createAccounts(
        _ accounts: [Account], tenant: TenantID, timestamp: UInt64
    ) throws(BatchError) -> [CreateAccountResult] {
        try admit(eventCount: accounts.count, timestamp: timestamp)
        let ledger = ledger(for: tenant)
        return ledger.createAccounts(accounts, batchTimestamp: timestamp)
    }

    /// Creates transfers for `tenant`; one result per event, in order.
    public func createTransfers(
        _ transfers: [Transfer], tenant: TenantID, timestamp: UInt64
    ) throws(BatchError) -> [CreateTransferResult] {
        try admit(eventCount: transfers.count, timestamp: timestamp)
        let ledger = ledger(for: tenant)
        return ledger.createTransfers(transfers, batchTimestamp: timestamp, expiry: &expiry)
    }

    /// Advances time to `timestamp` with no events, expiring every pending transfer due by then.
    public func expirePendingTransfers(timestamp: UInt64) throws(BatchError) {
        try admit(eventCount: 0, timestamp: timestamp)
    }

    /// The earliest deadline of a still-pending transfer, if any: when the engine should tick.
    public func nextExpiry() -> UInt64? { expiry.peekDeadline(ledgers: ledgers) }

    /// Checks the batch envelope, commits its timestamp and runs expiry up to it.
    private func admit(eventCount: Int, timestamp: UInt64) throws(BatchError) {
        guard eventCount <= Self.batchEventsMax else {
            throw .tooManyEvents(count: eventCount, max: Self.batchEventsMax)
        }
        let (first, underflow) = timestamp.subtractingReportingOverflow(UInt64(max(eventCount, 1) - 1))
        guard !underflow, first > lastTimestamp else {
            throw .timestampNotMonotonic(timestamp: timestamp, lastTimestamp: lastTimestamp, eventCount: eventCount)
        }
        lastTimestamp = timestamp
        expiry.expire(through: timestamp, ledgers: ledgers)
    }

    private func ledger(for tenant: TenantID) -> Ledger {
        if let ledger = ledgers[tenant] { return ledger }
        let ledger = Ledger(tenant: tenant, memory: memory)
        ledgers[tenant] = ledger
        return ledger
    }

    /// Tenants that have written anything, in ascending order.
    public var tenants: [TenantID] { ledgers.keys.sorted() }
}

// MARK: - Reads

extension StateMachine {
    /// The accounts found, in the order asked; unknown ids are skipped.
    public func lookupAccounts(tenant: TenantID, ids: [UInt128]) -> [Account] {
        ledgers[tenant]?.lookupAccounts(ids) ?? []
    }

    /// The transfers found, in the order asked; unknown ids are skipped.
    public func lookupTransfers(tenant: TenantID, ids: [UInt128]) -> [Transfer] {
        ledgers[tenant]?.lookupTransfers(ids) ?? []
    }

    /// Transfers touching one account. O(log n + results) over that account's transfers.
    public func accountTransfers(tenant: TenantID, filter: AccountFilter) -> [Transfer] {
        ledgers[tenant]?.accountTransfers(filter) ?? []
    }

    /// Balance snapshots of a `history` account, one per matching transfer.
    public func accountBalances(tenant: TenantID, filter: AccountFilter) -> [AccountBalance] {
        ledgers[tenant]?.accountBalances(filter) ?? []
    }

    /// Accounts matching every non-zero field of `filter`. Scans the tenant's accounts in
    /// timestamp order from the range start.
    public func queryAccounts(tenant: TenantID, filter: QueryFilter) -> [Account] {
        ledgers[tenant]?.queryAccounts(filter) ?? []
    }

    /// Transfers matching every non-zero field of `filter`. Scans the tenant's transfers in
    /// timestamp order from the range start.
    public func queryTransfers(tenant: TenantID, filter: QueryFilter) -> [Transfer] {
        ledgers[tenant]?.queryTransfers(filter) ?? []
    }

    /// The state of a pending transfer, or nil when `id` is not a pending transfer.
    public func pendingStatus(tenant: TenantID, id: UInt128) -> PendingStatus? {
        ledgers[tenant]?.pendingStatus(id)
    }

    /// Every account of the tenant in creation order (for audits and the simulator).
    public func allAccounts(tenant: TenantID) -> [Account] {
        ledgers[tenant]?.allAccounts() ?? []
    }

    /// How many accounts and transfers the tenant has.
    public func counts(tenant: TenantID) -> (accounts: Int, transfers: Int) {
        guard let ledger = ledgers[tenant] else { return (0, 0) }
        return (ledger.accounts.count, ledger.transfers.count)
    }
}
