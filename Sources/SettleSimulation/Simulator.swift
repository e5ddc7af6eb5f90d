import SettleSeededRandom
import SettleCore
import SettleStorage

/// The first disagreement a simulation found: enough to replay it (`seed`) and to see it.
public struct SimulationFailure: Error, Sendable, CustomStringConvertible {
    public var seed: UInt64
    /// 1-based number of the batch after which the mismatch showed.
    public var batch: Int
    /// The event of that batch, when the mismatch is about one event's result.
    public var eventIndex: Int?
    /// What was compared.
    public var check: String
    /// The reference model's side (what docs/LEDGER.md says should happen).
    public var expected: String
    /// The state machine's side.
    public var actual: String

    public var description: String {
        let event = eventIndex.map { " event=\($0)" } ?? ""
        return "seed=\(seed) batch=\(batch)\(event): \(check)\n  model (expected): \(expected)\n  state machine (actual): \(actual)"
    }
}

/// What a passing simulation did.
public struct SimulationSummary: Sendable {
    public var seed: UInt64
    public var events = 0
    public var batches = 0
    /// Batches refused whole (`BatchError`), which must leave the digest unchanged.
    public var rejectedBatches = 0
    public var expiryTicks = 0
    /// How often each code was returned, indexed by raw value.
    public var accountResults = [Int](repeating: 0, count: CreateAccountResult.allCases.count)
    public var transferResults = [Int](repeating: 0, count: CreateTransferResult.allCases.count)
    public var queriesCompared = 0
    /// The state machine's final `digest()`.
    public var digest: UInt64 = 0

    public var accountResultsSeen: Set<CreateAccountResult> {
        Set(CreateAccountResult.allCases.filter { accountResults[Int($0.rawValue)] > 0 })
    }

    public var transferResultsSeen: Set<CreateTransferResult> {
        Set(CreateTransferResult.allCases.filter { transferResults[Int($0.rawValue)] > 0 })
    }
}

/// Drives a real `StateMachine` and the `ReferenceModel` with identical batches and timestamps
/// and stops at the first disagreement: result codes and errors after every batch, every
/// account of every tenant, the ledger invariants, and (periodically) every query.
public final class Simulator {
    public let seed: UInt64
    public let eventCount: Int
    /// Random queries are compared every this many batches.
    public var queryEvery = 4
    /// Every transfer record and pending status is compared every this many batches (and at the end).
    public var fullAuditEvery = 64
    /// Test hook: may change the state machine's results before they are compared, to prove
    /// that a wrong result is reported. Arguments: the 1-based batch number and the results.
    public var tamperTransferResults: ((Int, inout [CreateTransferResult]) -> Void)?
    /// Sees every batch before it is applied (the shrinker records runs with it).
    public var onBatch: ((WorkloadGenerator.Batch) -> Void)?

    public let stateMachine = StateMachine()
    public let model: ReferenceModel
    var generator: WorkloadGenerator
    /// When set, these batches are applied instead of generated ones (see `Shrinker`).
    var replay: ArraySlice<WorkloadGenerator.Batch>?
    /// Randomness for query checks, apart from the workload's, so that checking more or less
    /// often does not change the batches.
    var queryRNG: SplitMix64
    var summary: SimulationSummary
    /// Tenants whose records the last batch may have changed (expiry touches every tenant).
    var touchedTenants: [TenantID] = []

    public init(seed: UInt64, eventCount: Int, model: ReferenceModel = ReferenceModel()) {
        self.seed = seed
        self.eventCount = eventCount
        self.model = model
        generator = WorkloadGenerator(seed: seed, eventBudget: eventCount)
        queryRNG = SplitMix64(seed: seed ^ 0x5EED_0F0E_11E5_C0DE)
        summary = SimulationSummary(seed: seed)
    }

    /// A simulator that applies exactly `batches` (with the checks of `seed`'s run).
    public convenience init(seed: UInt64, replaying batches: [WorkloadGenerator.Batch], model: ReferenceModel = ReferenceModel()) {
        self.init(seed: seed, eventCount: 0, model: model)
        replay = batches[...]
    }

    private func nextBatch() -> WorkloadGenerator.Batch? {
        if replay != nil { return replay!.popFirst() }
        return summary.events < eventCount ? generator.next(model: model) : nil
    }

    /// Runs batches until `eventCount` events were applied (or the replayed batches are done).
    /// `progress` gets the summary so far every `progressEvery` batches.
    public func run(
        progressEvery: Int = 500, progress: (SimulationSummary) -> Void = { _ in }
    ) throws(SimulationFailure) -> SimulationSummary {
        while let batch = nextBatch() {
            onBatch?(batch)
            summary.batches += 1
            try step(batch)
            try checkAfterBatch()
            if summary.batches % queryEvery == 0 { try compareRandomQueries() }
            if summary.batches % fullAuditEvery == 0 { try compareAllRecords(everyHistory: false) }
            if summary.batches % progressEvery == 0 { progress(summary) }
        }
        try compareAllRecords(everyHistory: true)
        summary.digest = stateMachine.digest()
        return summary
    }

    /// Applies one batch to both sides and compares what they answered.
    private func step(_ batch: WorkloadGenerator.Batch) throws(SimulationFailure) {
        // A digest costs a pass over the whole state: take it only before the batches the
        // envelope rules refuse (whether both sides refuse them is compared below).
        let digestBefore = WorkloadGenerator.isRejected(batch, lastTimestamp: model.lastTimestamp) ? stateMachine.digest() : nil
        var rejected = false
        switch batch {
        case let .createAccounts(tenant, events, timestamp):
            let expected = Result { () throws(BatchError) in try model.createAccounts(events, tenant: tenant, timestamp: timestamp) }
            let actual = Result { () throws(BatchError) in try stateMachine.createAccounts(events, tenant: tenant, timestamp: timestamp) }
            rejected = try compare(expected, actual, events: events) { summary.accountResults[Int($0.rawValue)] += 1 }
        case let .createTransfers(tenant, events, timestamp):
            let expected = Result { () throws(BatchError) in try model.createTransfers(events, tenant: tenant, timestamp: timestamp) }
            var actual = Result { () throws(BatchError) in try stateMachine.createTransfers(events, tenant: tenant, timestamp: timestamp) }
            if let tamper = tamperTransferResults, case var .success(results) = actual {
                tamper(summary.batches, &results)
                actual = .success(results)
            }
            rejected = try compare(expected, actual, events: events) { summary.transferResults[Int($0.rawValue)] += 1 }
        case let .expirePendingTransfers(timestamp):
            let expected = Result { () throws(BatchError) in try model.expirePendingTransfers(timestamp: timestamp) }
            let actual = Result { () throws(BatchError) in try stateMachine.expirePendingTransfers(timestamp: timestamp) }
            switch (expected, actual) {
            case (.success, .success): summary.expiryTicks += 1
            case let (.failure(expectedError), .failure(actualError)) where expectedError == actualError: rejected = true
            default: throw failure("expirePendingTransfers(timestamp: \(timestamp))", expected, actual)
            }
        }
        if rejected {
            summary.rejectedBatches += 1
            let digestAfter = stateMachine.digest()
            if digestAfter != digestBefore {
                throw failure("a refused batch changed the state (digest)", digestBefore as Any, digestAfter)
            }
            touchedTenants = []
        } else {
            summary.events += batch.eventCount
            switch batch {
            case let .createAccounts(tenant, _, _), let .createTransfers(tenant, _, _): touchedTenants = [tenant]
            case .expirePendingTransfers: touchedTenants = WorkloadGenerator.tenants
            }
        }
    }

    /// Compares per-event results (or the batch error); returns whether the batch was refused.
    private func compare<Event, Code: Equatable>(
        _ expected: Result<[Code], BatchError>, _ actual: Result<[Code], BatchError>, events: [Event],
        count: (Code) -> Void
    ) throws(SimulationFailure) -> Bool {
        switch (expected, actual) {
        case let (.failure(expectedError), .failure(actualError)):
            if expectedError != actualError { throw failure("batch error", expectedError, actualError) }
            return true
        case let (.success(expectedCodes), .success(actualCodes)):
            guard expectedCodes.count == actualCodes.count else {
                throw failure("number of results", expectedCodes.count, actualCodes.count)
            }
            let differing = events.indices.filter { expectedCodes[$0] != actualCodes[$0] }
            if let index = differing.first {
                let others = differing.dropFirst().prefix(8).map { "\($0): \(expectedCodes[$0]) vs \(actualCodes[$0])" }
                let also = others.isEmpty ? "" : " (also differing: \(others.joined(separator: ", ")))"
                throw failure("result of \(events[index])\(also)", expectedCodes[index], actualCodes[index], event: index)
            }
            expectedCodes.forEach(count)
            return false
        default:
            throw failure("batch outcome", expected, actual)
        }
    }

    func failure(_ check: String, _ expected: Any, _ actual: Any, event: Int? = nil) -> SimulationFailure {
        SimulationFailure(
            seed: seed, batch: summary.batches, eventIndex: event, check: check,
            expected: "\(expected)", actual: "\(actual)"
        )
    }
}
