import SettleSeededRandom
import SettleCore
import SettleStorage

/// A seeded stream of write batches over several tenants that, over a few thousand events,
/// reaches every `CreateAccountResult`, every `CreateTransferResult` (minus any listed in
/// `unreachableTransferResults`, none today) and every flag, plus expiry ticks, a time jump
/// near 2^63 and whole-batch rejections.
///
/// The generator reads the reference model (never the implementation) to aim its events: which
/// accounts exist, which transfers are pending, which ids failed. It never writes to it.
/// Same seed and same model answers → the same batches, on every platform: all randomness
/// comes from `SplitMix64`, and no hash-order iteration reaches a decision.
public struct WorkloadGenerator {
    /// One write batch, with the engine timestamp it is submitted with.
    public enum Batch: Sendable {
        case createAccounts(tenant: TenantID, events: [Account], timestamp: UInt64)
        case createTransfers(tenant: TenantID, events: [Transfer], timestamp: UInt64)
        case expirePendingTransfers(timestamp: UInt64)

        public var eventCount: Int {
            switch self {
            case let .createAccounts(_, events, _): events.count
            case let .createTransfers(_, events, _): events.count
            case .expirePendingTransfers: 0
            }
        }

        public var timestamp: UInt64 {
            switch self {
            case let .createAccounts(_, _, timestamp): timestamp
            case let .createTransfers(_, _, timestamp): timestamp
            case let .expirePendingTransfers(timestamp): timestamp
            }
        }
    }

    /// Result codes docs/LEDGER.md makes unreachable (none: imports regress per kind).
    public static let unreachableTransferResults: Set<CreateTransferResult> = []

    /// Tenants of the workload. They share id ranges (every tenant counts its ids from 1), so
    /// a leak between tenants shows up as a wrong result.
    public static let tenants: [TenantID] = [TenantID(1), TenantID(2), TenantID(42), TenantID(.max)]

    /// Ledgers accounts live on; `whaleLedger` holds accounts that move amounts near
    /// `UInt128.max` to reach the overflow codes without poisoning the other ledgers.
    static let ledgers: [UInt32] = [1, 2]
    static let whaleLedger: UInt32 = 9

    /// After the time jump the clock sits here: timeouts above ~3.2e9 s overflow 2^63 - 1.
    static let jumpTimestamp: UInt64 = 6_000_000_000_000_000_000

    var rng: SplitMix64
    let eventBudget: Int
    /// Events handed out so far (rejected batches excluded).
    public private(set) var eventsGenerated = 0
    /// When the clock jumps to `jumpTimestamp` (an event count); nil once it has.
    var jumpAtEvent: Int?
    var plans: [TenantID: TenantPlan] = [:]
    var maxBatchDone = false

    /// What the generator remembers per tenant (its own submissions, not outcomes).
    struct TenantPlan {
        var nextAccountID: UInt128 = 1
        var nextTransferID: UInt128 = 1
        /// Every transfer id submitted, in order.
        var transferIDs: [UInt128] = []
        /// The most recent pending events submitted (bounded), successful or not.
        var recentPending: [Transfer] = []
        var batches = 0
    }

    public init(seed: UInt64, eventBudget: Int) {
        rng = SplitMix64(seed: seed)
        self.eventBudget = eventBudget
        for tenant in Self.tenants { plans[tenant] = TenantPlan() }
        let fraction = 40 + Int(rng.next() % 30)
        jumpAtEvent = eventBudget * fraction / 100
    }

    /// The next batch, aimed using the model's current state.
    public mutating func next(model: ReferenceModel) -> Batch {
        let tenant = Self.tenants[below(Self.tenants.count)]
        let plan = plans[tenant]!
        let batch: Batch
        if plan.batches < 2 {
            batch = accountsBatch(tenant: tenant, model: model, count: 12 + below(10), validOnly: true)
        } else if !maxBatchDone && eventBudget >= 40_000 && eventsGenerated >= eventBudget / 3 {
            // Once per long run: the largest batch the state machine accepts.
            maxBatchDone = true
            batch = transfersBatch(tenant: tenant, model: model, count: StateMachine.batchEventsMax)
        } else {
            batch = randomBatch(tenant: tenant, model: model)
        }
        plans[tenant]!.batches += 1
        if !Self.isRejected(batch, lastTimestamp: model.lastTimestamp) {
            eventsGenerated += batch.eventCount
            // The jump has happened once a batch at the jumped time is accepted.
            if batch.timestamp >= Self.jumpTimestamp { jumpAtEvent = nil }
        }
        return batch
    }

    private mutating func randomBatch(tenant: TenantID, model: ReferenceModel) -> Batch {
        let roll = below(1000)
        switch roll {
        case ..<120: return accountsBatch(tenant: tenant, model: model, count: batchSize(), validOnly: false)
        case ..<160: return importedAccountsBatch(tenant: tenant, model: model, count: 1 + below(8))
        case ..<210: return importedTransfersBatch(tenant: tenant, model: model, count: 1 + below(12))
        case ..<260: return .expirePendingTransfers(timestamp: batchTimestamp(model: model, count: 0))
        case ..<285: return rejectedBatch(tenant: tenant, model: model)
        case ..<290:
            // An empty batch: valid, changes nothing but time (and brings the tenant into existence).
            return chance(500)
                ? .createTransfers(tenant: tenant, events: [], timestamp: batchTimestamp(model: model, count: 0))
                : .createAccounts(tenant: tenant, events: [], timestamp: batchTimestamp(model: model, count: 0))
        default: return transfersBatch(tenant: tenant, model: model, count: batchSize())
        }
    }

    /// Mostly small batches, sometimes a few hundred events.
    private mutating func batchSize() -> Int {
        chance(50) ? 100 + below(300) : 1 + below(30)
    }

    /// A valid timestamp for the next batch: time passes by nanoseconds, milliseconds, or the
    /// seconds that let pending transfers expire; once per run it jumps close to 2^63.
    mutating func batchTimestamp(model: ReferenceModel, count: Int, extraGap: UInt64 = 0) -> UInt64 {
        let roll = below(100)
        let gap: UInt64 = switch roll {
        case ..<10: 0
        case ..<55: UInt64(below(1_000))
        case ..<82: 1_000_000 + rng.next() % 1_000_000_000
        case ..<97: 1_000_000_000 + rng.next() % 6_000_000_000
        default: 10_000_000_000 + rng.next() % 30_000_000_000
        }
        var timestamp = model.lastTimestamp + UInt64(Swift.max(count, 1)) + gap + extraGap
        if let jumpAt = jumpAtEvent, eventsGenerated >= jumpAt {
            timestamp = Swift.max(timestamp, Self.jumpTimestamp + rng.next() % 1_000_000_000_000)
        }
        return timestamp
    }

    /// Whether docs/LEDGER.md's envelope rules refuse the batch whole after a batch at
    /// `lastTimestamp` (such events are not counted).
    static func isRejected(_ batch: Batch, lastTimestamp: UInt64) -> Bool {
        let (count, timestamp) = (batch.eventCount, batch.timestamp)
        let span = UInt64(Swift.max(count, 1) - 1)
        return count > StateMachine.batchEventsMax || timestamp < span || timestamp - span <= lastTimestamp
    }

    /// A batch the state machine must refuse whole: too many events, or a timestamp that does
    /// not move past the last one (including one that underflows `T - n + 1`).
    private mutating func rejectedBatch(tenant: TenantID, model: ReferenceModel) -> Batch {
        let last = model.lastTimestamp
        switch below(5) {
        case 0:
            let count = StateMachine.batchEventsMax + 1 + below(3)
            let events = (0..<count).map { Transfer(id: UInt128($0 + 1), debitAccountID: 1, creditAccountID: 2, amount: 1, ledger: 1, code: 1) }
            return .createTransfers(tenant: tenant, events: events, timestamp: batchTimestamp(model: model, count: count))
        case 1:
            let count = StateMachine.batchEventsMax + 1
            let events = (0..<count).map { Account(id: UInt128($0 + 1), ledger: 1, code: 1) }
            return .createAccounts(tenant: tenant, events: events, timestamp: batchTimestamp(model: model, count: count))
        case 2:
            // First event's timestamp equals (or precedes) the last batch's.
            let count = 1 + below(20)
            let back = UInt64(below(3))
            let timestamp = last + UInt64(count) - 1 >= back ? last + UInt64(count) - 1 - back : 0
            return transfersBatch(tenant: tenant, model: model, count: count, timestamp: timestamp)
        case 3:
            // T - n + 1 underflows.
            let count = 3 + below(20)
            return .createAccounts(tenant: tenant, events: [Account](repeating: Account(id: 7, ledger: 1, code: 1), count: count),
                                   timestamp: UInt64(below(count - 1)))
        default:
            return .expirePendingTransfers(timestamp: last >= 1 ? last - UInt64(below(2)) : 0)
        }
    }

    // MARK: - Randomness (integer only, so it is the same on every platform)

    /// A uniform integer in `0..<bound` (`bound > 0`).
    mutating func below(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }

    /// True with probability `permille / 1000`.
    mutating func chance(_ permille: Int) -> Bool { below(1000) < permille }

    mutating func pick<T>(_ array: [T]) -> T? { array.isEmpty ? nil : array[below(array.count)] }

    /// A small user-data value (often zero) so that query filters find matches.
    mutating func smallValue<T: FixedWidthInteger>() -> T { T(below(4)) }
}
