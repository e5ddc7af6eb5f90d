import Foundation
import SettleCore
import SettleStorage

/// The embedded Settle engine: partitions of the ledger, each with its journal and writer
/// thread, recovered from the data directory on open.
///
/// Every tenant lives in exactly one partition (`tenant % partitionCount`), so all of a
/// tenant's writes are totally ordered and one tenant never waits on another's fsync queue.
public final class Engine: Sendable {
    public let configuration: EngineConfiguration
    let partitions: [Partition]
    /// What recovery found and did, per partition.
    public let recovery: [RecoveryReport]

    /// Opens (creating if needed) the data directory, recovers every partition and starts
    /// the writer threads. Throws when the directory cannot be recovered: never a silent skip.
    public static func open(_ configuration: EngineConfiguration) throws(EngineError) -> Engine {
        var configuration = configuration
        let storage = configuration.storageBackend
        do {
            configuration.partitionCount = try storage.prepare(partitions: configuration.partitionCount)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.recoveryFailed, "cannot prepare \(storage.description): \(error)")
        }
        var partitions: [Partition] = []
        var reports: [RecoveryReport] = []
        for index in 0..<configuration.partitionCount {
            let pipeline = try CommitPipeline(partition: index, configuration: configuration, backgroundCheckpoints: true)
            reports.append(pipeline.recovery)
            partitions.append(Partition(index: index, pipeline: pipeline, configuration: configuration))
        }
        let engine = Engine(configuration: configuration, partitions: partitions, recovery: reports)
        for partition in partitions { partition.start() }
        return engine
    }

    private init(configuration: EngineConfiguration, partitions: [Partition], recovery: [RecoveryReport]) {
        self.configuration = configuration
        self.partitions = partitions
        self.recovery = recovery
    }

    /// The partition that owns `tenant`.
    public func partitionIndex(for tenant: TenantID) -> Int {
        Int(tenant.rawValue % UInt64(partitions.count))
    }

    /// Journals and applies one batch; returns once it is durable. With a `tag` the write is
    /// exactly-once (DESIGN §4): retrying a client session's newest request, or a request with
    /// the same idempotency key and fingerprint, returns the stored reply and executes
    /// nothing, also across restarts.
    public func submit(_ command: Command, tag: RequestTag? = nil) async throws -> WriteReply {
        guard let tenant = command.tenant else {
            throw EngineError(.invalidBatch, "expiry ticks are issued by the engine itself")
        }
        let reply = OneShot<WriteReply>()
        try await partitions[partitionIndex(for: tenant)].queue.push(.write(command, tag, reply))
        return try await reply.value
    }

    /// Registers (idempotently) client session `session` of `tenant`; tagged writes may follow
    /// once this returns.
    public func registerSession(tenant: TenantID, session: UInt128) async throws {
        _ = try await submit(.registerSession(tenant, session))
    }

    /// Runs `body` against the tenant's partition on its writer thread, between commits, so it
    /// sees every acknowledged write and nothing that is not yet durable.
    public func read<T: Sendable>(tenant: TenantID, _ body: @escaping @Sendable (StateMachine) -> T) async throws -> T {
        try await readPipeline(partitionIndex(for: tenant)) { body($0.machine) }
    }

    /// Every system record (partition 0), as of the newest durable write.
    public func systemRecords() async throws -> [String: [UInt8]] {
        try await readPipeline(partitionIndex(for: .system)) { $0.systemRecords.values }
    }

    /// Writes a system record once it is durable; false when `.insert` found the key taken.
    public func putSystemRecord(_ write: SystemRecordWrite) async throws -> Bool {
        let reply = try await submit(.putSystemRecord(write))
        guard case .record(let written) = reply.results else { preconditionFailure("a record write answered \(reply.results)") }
        return written
    }

    private func readPipeline<T: Sendable>(_ partition: Int, _ body: @escaping @Sendable (CommitPipeline) -> T) async throws -> T {
        let reply = OneShot<T>()
        try await partitions[partition].queue.push(.read(
            run: { reply.resume(returning: body($0)) },
            fail: { reply.resume(throwing: $0) }
        ))
        return try await reply.value
    }

    /// Graceful stop: refuse new work, finish what is queued (journaled and synced), wait
    /// for background checkpoints, join the writer threads.
    public func shutdown() {
        for partition in partitions { partition.stop() }
    }

    /// Partitions stopped by a storage failure (a failed sync, a lost lease): they answer
    /// nothing until the engine is reopened, which recovers them from what storage holds.
    public var stoppedPartitions: [Int] {
        partitions.filter { $0.metrics.snapshot.stopped }.map(\.index)
    }

    /// Commit counters per partition.
    public var metrics: [EngineMetrics] {
        partitions.map { partition in
            let m = partition.metrics.snapshot
            return EngineMetrics(partition: partition.index, commits: m.commits, events: m.events,
                                 journalFailures: m.journalFailures, checkpoints: m.checkpoints,
                                 commitNanosecondsTotal: m.commitNanosecondsTotal, commitNanosecondsMax: m.commitNanosecondsMax,
                                 syncNanosecondsTotal: m.syncNanosecondsTotal, syncNanosecondsMax: m.syncNanosecondsMax,
                                 queueDepth: partition.queue.depth)
        }
    }
}

/// Counters of one partition, for `/metrics` and benchmarks.
public struct EngineMetrics: Sendable {
    public var partition: Int
    public var commits: Int
    public var events: Int
    public var journalFailures: Int
    public var checkpoints: Int
    public var commitNanosecondsTotal: UInt64
    public var commitNanosecondsMax: UInt64
    /// Time in `fdatasync` alone.
    public var syncNanosecondsTotal: UInt64
    public var syncNanosecondsMax: UInt64
    public var queueDepth: Int
}
