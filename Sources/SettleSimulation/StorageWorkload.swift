import SettleSeededRandom
import SettleCore
import SettleStorage
import SettleEngine

/// Groups of commands in which every event is valid, for the storage fault simulator.
///
/// Unlike `WorkloadGenerator`, which aims at every result code, this workload only produces
/// events that succeed: accounts, single-phase and pending transfers (some with timeouts that
/// expire), posts and voids of pending transfers, and linked chains of them. So a group's
/// effect is all or nothing, and "half-applied" is visible in the state: either every id of the
/// group is there or none is.
///
/// It aims its events at the `StateMachine` it is handed (the simulator's shadow, which holds
/// exactly the groups the pipeline applied): accounts that exist, pending transfers that are
/// still pending. Ids are never reused, even those of a group a crash lost.
struct StorageWorkload {
    /// Tenants written to; ids overlap between them on purpose.
    static let tenants: [TenantID] = [TenantID(3), TenantID(11), TenantID(.max)]
    static let ledgers: [UInt32] = [1, 2]

    private var rng: SplitMix64
    private var nextAccountID: [UInt128]
    private var nextTransferID: [UInt128]
    /// Pending transfers without a timeout that may still be posted or voided, per tenant.
    private var openPending: [[UInt128]]

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        nextAccountID = Array(repeating: 1, count: Self.tenants.count)
        nextTransferID = Array(repeating: 1, count: Self.tenants.count)
        openPending = Array(repeating: [], count: Self.tenants.count)
    }

    /// The next group: one to three commands over random tenants, now and then a large one
    /// (so records outgrow small segments); always a large one with `large`.
    mutating func nextGroup(shadow: StateMachine, large: Bool = false) -> [Command] {
        for tenant in Self.tenants.indices { prunePending(tenant, shadow: shadow) }
        let commandCount = 1 + below(3)
        var group: [Command] = []
        var usedPending: Set<UInt128> = []
        var createdPending = Array(repeating: [UInt128](), count: Self.tenants.count)
        for _ in 0..<commandCount {
            let tenantIndex = below(Self.tenants.count)
            let tenant = Self.tenants[tenantIndex]
            let accounts = shadow.allAccounts(tenant: tenant)
            if accounts.count < 6 || (chance(12) && !large) {
                group.append(.createAccounts(tenant, newAccounts(tenantIndex, count: 1 + below(6))))
                continue
            }
            let count = chance(4) || large ? 40 + below(90) : 1 + below(12)
            let events = transfers(
                tenantIndex, accounts: accounts, count: count, shadow: shadow, used: &usedPending, created: &createdPending[tenantIndex])
            group.append(.createTransfers(tenant, events))
        }
        // Pending transfers of this group become targets only for later groups: the shadow
        // does not hold them yet.
        for tenant in Self.tenants.indices { openPending[tenant] += createdPending[tenant] }
        return group
    }

    /// A group of `count` new accounts for one tenant: depends on nothing, so it may go ahead
    /// of a refused group that waits for its retry.
    mutating func accountsGroup(count: Int) -> [Command] {
        let tenant = below(Self.tenants.count)
        return [.createAccounts(Self.tenants[tenant], newAccounts(tenant, count: count))]
    }

    /// The ids a group writes, per command (for presence checks after recovery).
    static func ids(of command: Command) -> (tenant: TenantID, accounts: [UInt128], transfers: [UInt128])? {
        switch command {
        case .createAccounts(let tenant, let events): return (tenant, events.map(\.id), [])
        case .createTransfers(let tenant, let events): return (tenant, [], events.map(\.id))
        case .expirePending, .registerSession, .putSystemRecord: return nil
        }
    }

    // MARK: Accounts

    private mutating func newAccounts(_ tenant: Int, count: Int) -> [Account] {
        var events: [Account] = []
        for _ in 0..<count {
            let id = nextAccountID[tenant]
            nextAccountID[tenant] += 1
            events.append(Account(
                id: id, userData64: rng.next() % 1000, ledger: Self.ledgers[below(Self.ledgers.count)], code: UInt16(1 + below(5)),
                flags: chance(20) ? .history : []))
        }
        linkRandomRun(&events, linked: AccountFlags.linked) { $0.flags.insert($1) }
        return events
    }

    // MARK: Transfers

    private mutating func transfers(
        _ tenant: Int, accounts: [Account], count: Int, shadow: StateMachine, used: inout Set<UInt128>,
        created: inout [UInt128]
    ) -> [Transfer] {
        var events: [Transfer] = []
        for _ in 0..<count {
            let roll = below(100)
            if roll >= 72, let post = postOrVoid(tenant, shadow: shadow, used: &used, post: roll < 87) {
                events.append(post)
                continue
            }
            var event = singlePhase(tenant, accounts: accounts)
            if roll >= 45 && roll < 72 {
                event.flags.insert(.pending)
                if roll >= 64 {
                    event.timeoutSeconds = UInt32(1 + below(3))  // expires; never posted or voided
                } else {
                    created.append(event.id)
                }
            }
            events.append(event)
        }
        linkRandomRun(&events, linked: TransferFlags.linked) { $0.flags.insert($1) }
        return events
    }

    private mutating func singlePhase(_ tenant: Int, accounts: [Account]) -> Transfer {
        var debit = accounts[below(accounts.count)]
        var sameLedger = accounts.filter { $0.ledger == debit.ledger && $0.id != debit.id }
        if sameLedger.isEmpty {
            // Every ledger with two accounts will do; `nextGroup` guarantees six accounts.
            let ledger = Self.ledgers.first { ledger in accounts.filter { $0.ledger == ledger }.count >= 2 }!
            let pool = accounts.filter { $0.ledger == ledger }
            debit = pool[0]
            sameLedger = Array(pool.dropFirst())
        }
        let credit = sameLedger[below(sameLedger.count)]
        return Transfer(
            id: newTransferID(tenant), debitAccountID: debit.id, creditAccountID: credit.id, amount: UInt128(1 + below(1_000)),
            userData64: rng.next() % 100, ledger: debit.ledger, code: UInt16(1 + below(9)))
    }

    /// A post or void of a still-pending transfer not yet used in this group; nil if none.
    private mutating func postOrVoid(_ tenant: Int, shadow: StateMachine, used: inout Set<UInt128>, post: Bool) -> Transfer? {
        let candidates = openPending[tenant].filter { !used.contains($0) }
        guard !candidates.isEmpty else { return nil }
        let pendingID = candidates[below(candidates.count)]
        used.insert(pendingID)
        let pending = shadow.lookupTransfers(tenant: Self.tenants[tenant], ids: [pendingID])[0]
        var event = Transfer(id: newTransferID(tenant), pendingID: pendingID, flags: post ? .postPendingTransfer : .voidPendingTransfer)
        switch (post, below(3)) {
        case (true, 0): event.amount = Transfer.amountMax
        case (true, _): event.amount = UInt128(below(Int(pending.amount) + 1))
        case (false, 0): event.amount = pending.amount
        case (false, _): event.amount = 0
        }
        return event
    }

    /// Drops pending ids that are no longer pending in `shadow` (posted, voided, or lost with
    /// a group a crash took).
    private mutating func prunePending(_ tenant: Int, shadow: StateMachine) {
        let tenantID = Self.tenants[tenant]
        openPending[tenant].removeAll { shadow.pendingStatus(tenant: tenantID, id: $0) != .pending }
    }

    private mutating func newTransferID(_ tenant: Int) -> UInt128 {
        defer { nextTransferID[tenant] += 1 }
        return nextTransferID[tenant]
    }

    // MARK: Randomness

    /// Now and then links a run of two to four consecutive events into a chain (all valid, so
    /// the chain commits whole).
    private mutating func linkRandomRun<Event, Flag>(_ events: inout [Event], linked: Flag, insert: (inout Event, Flag) -> Void) {
        guard events.count >= 2, chance(25) else { return }
        let length = min(events.count, 2 + below(3))
        let start = below(events.count - length + 1)
        for index in start..<(start + length - 1) { insert(&events[index], linked) }
    }

    private mutating func below(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
