import SettleCore

/// A deliberately simple model of docs/LEDGER.md, written from the spec alone (never from the
/// implementation in `SettleCore/Ledger`), so that the simulator can catch the implementation's
/// mistakes. Plain dictionaries and arrays, whole-state copies for linked-chain rollback,
/// linear scans for queries: clarity over speed.
///
/// It takes the same inputs as `StateMachine` and produces the same outputs.
///
/// Interpretations where docs/LEDGER.md is silent or ambiguous (each is repeated where it
/// matters in the code):
/// - A linked chain fails when an event returns a code other than `ok` or `exists` (docs/LEDGER.md
///   says `exists` does not break a chain, unlike TigerBeetle). When a chain does fail, an
///   earlier `exists` event of it answers `linkedEventFailed`, like every other event of it.
/// - A transient failure inside a chain burns its id even though the chain is rolled back.
/// - Events of an open chain (the batch ends inside it) are not evaluated at all, so they
///   neither fail with their own code nor burn their ids (docs/LEDGER.md says "nothing of that
///   chain is applied"; TigerBeetle would evaluate them).
/// - When a batch is both too large and not monotonic, `tooManyEvents` is reported.
/// - A tenant comes into existence when a create batch for it passes the batch checks, even if
///   every event fails or the batch is empty.
/// - `lookupAccounts` / `lookupTransfers` return a record once per time its id is asked.
/// - The tenant's last account / transfer timestamps (for `importedEventTimestampMustNotRegress`)
///   move only when an object of that kind is committed, and a rolled-back chain restores them.
/// - Expired pending transfers stay pending-flagged records; their status becomes `.expired`.
public final class ReferenceModel {
    /// One tenant's records. A value type, so a linked chain can be rolled back by restoring a
    /// copy taken before it started.
    struct TenantState {
        var accounts: [UInt128: Account] = [:]
        /// Account ids in commit order (which is timestamp order).
        var accountOrder: [UInt128] = []
        /// Transfers in commit order (which is timestamp order). Records never change.
        var transfers: [Transfer] = []
        /// Transfer id → its position in `transfers`.
        var transferSlots: [UInt128: Int] = [:]
        /// The status of every transfer with the `pending` flag.
        var pendingStatus: [UInt128: PendingStatus] = [:]
        /// Pending transfers with a timeout that were still pending when last looked at.
        var timedPending: [UInt128] = []
        /// History snapshots: account id → transfer timestamp → balances after that transfer.
        var history: [UInt128: [UInt64: AccountBalance]] = [:]
        /// Ids that failed with a transient code.
        var failedIDs: Set<UInt128> = []
        /// The newest committed account's and transfer's timestamps (imports must not regress
        /// behind the newest of their own kind).
        var lastAccountTimestamp: UInt64 = 0
        var lastTransferTimestamp: UInt64 = 0

        func transfer(_ id: UInt128) -> Transfer? { transferSlots[id].map { transfers[$0] } }
    }

    /// A deliberate mistake the model can be told to make, so tests can prove that the
    /// simulator notices when the two sides disagree. `nil` in every real run.
    public enum InjectedFault: Sendable {
        /// Pending transfers never expire.
        case skipExpiry
        /// Balancing transfers are not clamped.
        case ignoreBalancingClamp
    }

    /// The largest imported timestamp (and the latest a pending transfer may expire).
    static let timestampMax: UInt64 = (1 << 63) - 1
    static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    /// The newest accepted batch's timestamp (0 before the first).
    public private(set) var lastTimestamp: UInt64 = 0
    var tenantStates: [TenantID: TenantState] = [:]
    public var injectedFault: InjectedFault?

    public init(injectedFault: InjectedFault? = nil) {
        self.injectedFault = injectedFault
    }

    /// Tenants that have written anything, ascending.
    public var tenants: [TenantID] { tenantStates.keys.sorted() }

    // MARK: - Writes

    public func createAccounts(
        _ accounts: [Account], tenant: TenantID, timestamp: UInt64
    ) throws(BatchError) -> [CreateAccountResult] {
        try admit(eventCount: accounts.count, timestamp: timestamp)
        var state = tenantStates.removeValue(forKey: tenant) ?? TenantState()
        defer { tenantStates[tenant] = state }
        let batchImported = accounts.first?.flags.contains(.imported) ?? false
        return runChains(
            count: accounts.count, isLinked: { accounts[$0].flags.contains(.linked) }, state: &state,
            codes: (ok: .ok, failed: .linkedEventFailed, open: .linkedEventChainOpen, exists: .exists),
            isTransient: { _ in false }, idOf: { accounts[$0].id }
        ) { index, state in
            createAccount(
                accounts[index], eventTimestamp: eventTimestamp(index, count: accounts.count, batch: timestamp),
                batchTimestamp: timestamp, batchImported: batchImported, state: &state
            )
        }
    }

    public func createTransfers(
        _ transfers: [Transfer], tenant: TenantID, timestamp: UInt64
    ) throws(BatchError) -> [CreateTransferResult] {
        try admit(eventCount: transfers.count, timestamp: timestamp)
        var state = tenantStates.removeValue(forKey: tenant) ?? TenantState()
        defer { tenantStates[tenant] = state }
        let batchImported = transfers.first?.flags.contains(.imported) ?? false
        return runChains(
            count: transfers.count, isLinked: { transfers[$0].flags.contains(.linked) }, state: &state,
            codes: (ok: .ok, failed: .linkedEventFailed, open: .linkedEventChainOpen, exists: .exists),
            isTransient: { $0.isTransient }, idOf: { transfers[$0].id }
        ) { index, state in
            createTransfer(
                transfers[index], eventTimestamp: eventTimestamp(index, count: transfers.count, batch: timestamp),
                batchTimestamp: timestamp, batchImported: batchImported, state: &state
            )
        }
    }

    /// A batch of zero events: time passes, pending transfers expire.
    public func expirePendingTransfers(timestamp: UInt64) throws(BatchError) {
        try admit(eventCount: 0, timestamp: timestamp)
    }

    /// Event `index` of a batch of `count` gets `T - count + 1 + index`.
    private func eventTimestamp(_ index: Int, count: Int, batch: UInt64) -> UInt64 {
        batch - UInt64(count) + 1 + UInt64(index)
    }

    /// The batch envelope rules of docs/LEDGER.md "State and time", then expiry up to `timestamp`.
    /// Interpretation: `tooManyEvents` is checked before monotonicity.
    private func admit(eventCount: Int, timestamp: UInt64) throws(BatchError) {
        if eventCount > StateMachine.batchEventsMax {
            throw .tooManyEvents(count: eventCount, max: StateMachine.batchEventsMax)
        }
        // T - n + 1 > lastTimestamp (n = 0 counts as 1), computed without wrapping.
        let span = UInt64(Swift.max(eventCount, 1) - 1)
        if timestamp < span || timestamp - span <= lastTimestamp {
            throw .timestampNotMonotonic(timestamp: timestamp, lastTimestamp: lastTimestamp, eventCount: eventCount)
        }
        lastTimestamp = timestamp
        expire(through: timestamp)
    }

    /// Splits the batch into linked chains and runs each atomically (docs/LEDGER.md "Linked
    /// chains"). `apply` validates one event and, on `ok`, applies it to the state it is given.
    private func runChains<Code: Equatable>(
        count: Int, isLinked: (Int) -> Bool, state: inout TenantState,
        codes: (ok: Code, failed: Code, open: Code, exists: Code), isTransient: (Code) -> Bool, idOf: (Int) -> UInt128,
        apply: (Int, inout TenantState) -> Code
    ) -> [Code] {
        var results = [Code](repeating: codes.ok, count: count)
        var start = 0
        while start < count {
            var end = start
            while isLinked(end) && end + 1 < count { end += 1 }
            if isLinked(end) {
                // The batch ended inside the chain: nothing of it is evaluated or applied.
                for index in start..<end { results[index] = codes.failed }
                results[end] = codes.open
                break
            }
            let saved = end > start ? state : nil
            for index in start...end {
                let code = apply(index, &state)
                results[index] = code
                // `exists` does not break a chain (Settle): the event's effect is already in the ledger.
                if code == codes.ok || code == codes.exists { continue }
                if let saved { state = saved }
                for other in start...end where other != index { results[other] = codes.failed }
                results[index] = code
                if isTransient(code) { state.failedIDs.insert(idOf(index)) }
                break
            }
            start = end + 1
        }
        return results
    }
}
