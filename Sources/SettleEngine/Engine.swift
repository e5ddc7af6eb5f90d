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
    let partitions: [any PartitionWorker]
    /// A read replica: follows storage another node writes, refuses writes with `.readOnly`.
    public let isReplica: Bool
    /// What recovery found and did, per partition.
    public let recovery: [RecoveryReport]

    /// Opens (creating if needed) the data directory, recovers every partition and starts
    /// the writer threads. Throws when the directory cannot be recovered: never a silent skip.
    ///
    /// `continuing`: the states a read replica of the same storage had applied when it
    /// stopped (`ReplicaHandover`). Each partition then replays only the journal after its
    /// state's op instead of loading the newest checkpoint first, so a follower that wins
    /// the leases writes within a replay of the tail; a partition whose journal no longer
    /// holds the records right after that op recovers from its checkpoint as usual.
    public static func open(_ configuration: EngineConfiguration, continuing handover: ReplicaHandover? = nil) throws(EngineError) -> Engine {
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
        let states = handover?.states.count == configuration.partitionCount ? handover?.states : nil
        for index in 0..<configuration.partitionCount {
            let pipeline = try CommitPipeline(
                partition: index, configuration: configuration, backgroundCheckpoints: true, continuing: states?[index])
            reports.append(pipeline.recovery)
            partitions.append(Partition(index: index, pipeline: pipeline, configuration: configuration))
        }
        let engine = Engine(configuration: configuration, partitions: partitions, recovery: reports, isReplica: false)
        for partition in partitions { partition.start() }
        return engine
    }

    /// Opens a read replica of `storage`, which another node writes: every partition loads the
    /// newest checkpoint and then applies the records committed after it, as they are
    /// committed. Reads see the state as of the newest applied op (`read(tenant:atLeast:_:)`
    /// waits for a given one); writes are refused with `.readOnly`. `observer` sees every
    /// command applied (the SQL projection).
    public static func openReplica(
        _ configuration: EngineConfiguration, storage: any ReplicaStorage, observer: (any ReplicaObserver)? = nil
    ) throws(EngineError) -> Engine {
        var configuration = configuration
        var partitions: [ReplicaPartition] = []
        var reports: [RecoveryReport] = []
        do {
            configuration.partitionCount = try storage.partitionCount()
            for index in 0..<configuration.partitionCount {
                let start = configuration.monotonicClock()
                let reader = try storage.openReader(partition: UInt32(index))
                do {
                    let (state, op) = try Recovery.loadCheckpoint(try reader.openNewestCheckpoint(), configuration: configuration)
                    let seconds = Double(configuration.monotonicClock() - start) / 1e9
                    reports.append(RecoveryReport(
                        partition: index, checkpointOp: op, replayedOps: 0, lastOp: op, tornBytesDropped: 0,
                        checkpointSeconds: seconds, seconds: seconds))
                    partitions.append(ReplicaPartition(
                        index: index, reader: reader, state: state, checkpointOp: op, observer: observer, configuration: configuration))
                } catch {
                    reader.close()
                    throw error
                }
            }
        } catch {
            for partition in partitions { partition.closeUnstarted() }
            if let error = error as? EngineError { throw error }
            throw EngineError(.recoveryFailed, "cannot follow \(storage.description): \(error)")
        }
        let engine = Engine(configuration: configuration, partitions: partitions, recovery: reports, isReplica: true)
        for partition in partitions { partition.start() }
        return engine
    }

    private init(configuration: EngineConfiguration, partitions: [any PartitionWorker], recovery: [RecoveryReport], isReplica: Bool) {
        self.configuration = configuration
        self.partitions = partitions
        self.recovery = recovery
        self.isReplica = isReplica
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

    /// Runs `body` against the tenant's partition on its thread, between commits, so it sees
    /// every acknowledged write and nothing that is not yet durable. `minOp`: a commit position
    /// of the tenant's partition (a write reply's `op`) the read must see; a replica waits until
    /// it has applied it, at most `readWaitNanoseconds`, then throws `.unavailable`.
    public func read<T: Sendable>(tenant: TenantID, atLeast minOp: UInt64 = 0, _ body: @escaping @Sendable (StateMachine) -> T) async throws -> T {
        try await readState(partitionIndex(for: tenant), minOp: minOp) { body($0.machine) }
    }

    /// The system records (partition 0) whose keys start with one of `prefixes` (nil: all),
    /// as of the newest durable write (a replica: as of `minOp` of partition 0, or newer).
    public func systemRecords(prefixes: [String]? = nil, atLeast minOp: UInt64 = 0) async throws -> [String: [UInt8]] {
        try await readState(partitionIndex(for: .system), minOp: minOp) { state in
            guard let prefixes else { return state.system.values }
            return state.system.values.filter { key, _ in prefixes.contains { key.hasPrefix($0) } }
        }
    }

    /// Writes a system record once it is durable; false when `.insert` found the key taken.
    public func putSystemRecord(_ write: SystemRecordWrite) async throws -> Bool {
        let reply = try await submit(.putSystemRecord(write))
        guard case .record(let written) = reply.results else { preconditionFailure("a record write answered \(reply.results)") }
        return written
    }

    private func readState<T: Sendable>(_ partition: Int, minOp: UInt64, _ body: @escaping @Sendable (PartitionState) -> T) async throws -> T {
        let reply = OneShot<T>()
        try await partitions[partition].queue.push(.read(PartitionRead(
            minOp: minOp, deadline: configuration.monotonicClock() + configuration.readWaitNanoseconds,
            run: { reply.resume(returning: body($0)) },
            fail: { reply.resume(throwing: $0) }
        )))
        return try await reply.value
    }

    /// Graceful stop: refuse new work, finish what is queued (journaled and synced), wait
    /// for background checkpoints, join the writer threads.
    public func shutdown() {
        for partition in partitions { partition.stop() }
    }

    /// A read replica's applied state, for `open(_:continuing:)`: stops the replica first.
    /// Nil for a writer, or when a partition had stopped on a failure.
    public func stopAndHandOver() -> ReplicaHandover? {
        shutdown()
        guard isReplica else { return nil }
        var states: [(state: PartitionState, op: UInt64)] = []
        for partition in partitions {
            guard let replica = partition as? ReplicaPartition, let stopped = replica.stoppedState() else { return nil }
            states.append(stopped)
        }
        return ReplicaHandover(states: states)
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
                                 queueDepth: partition.queue.depth,
                                 replica: isReplica ? ReplicaLag(snapshot: m, now: configuration.monotonicClock()) : nil)
        }
    }
}

/// What a stopped read replica had applied, per partition, for the writer that takes over on
/// the same storage (`Engine.open(_:continuing:)`). Used once: the writer owns the states.
public struct ReplicaHandover: @unchecked Sendable {
    let states: [(state: PartitionState, op: UInt64)]
    /// The op each partition's state includes.
    public var ops: [UInt64] { states.map(\.op) }
}

/// How far a replica's partition is behind the writer.
public struct ReplicaLag: Sendable {
    /// The newest op applied.
    public var appliedOp: UInt64
    /// Committed ops not applied yet, as of the last look at storage.
    public var ops: UInt64
    /// Seconds since the partition last had applied everything committed (or since it started
    /// following); about 0 when it had at the last look; grows while storage cannot be read.
    public var seconds: Double
    /// Failed reads of the storage so far.
    public var readFailures: Int
    /// Times the partition looked at storage for new records.
    public var polls: Int

    init(snapshot: PartitionMetrics.Snapshot, now: UInt64) {
        appliedOp = snapshot.appliedOp
        ops = snapshot.newestOp - snapshot.appliedOp
        seconds = Double(now - min(now, snapshot.caughtUpAt)) / 1e9
        readFailures = snapshot.readFailures
        polls = snapshot.polls
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
    /// Replicas only.
    public var replica: ReplicaLag?
}
