import Foundation
import Logging
import SettleCore
import SettleStorage

/// What recovery found and did for one partition.
public struct RecoveryReport: Sendable {
    public var partition: Int
    /// The op of the checkpoint loaded (0 when the partition started from an empty state),
    /// or of the replica's state it continued from.
    public var checkpointOp: UInt64
    /// Journal records applied after the checkpoint.
    public var replayedOps: Int
    /// The op of the newest record in the journal.
    public var lastOp: UInt64
    /// Bytes of a torn final record (an unacknowledged write cut by a crash) removed.
    public var tornBytesDropped: UInt64
    public var tornTailLocation: String?
    /// Time spent loading the checkpoint, and in total.
    public var checkpointSeconds: Double
    public var seconds: Double
    /// Started from a stopped replica's state (`Engine.open(_:continuing:)`), not a checkpoint.
    public var continuedFromReplica = false
}

/// A partition rebuilt from its newest checkpoint and the journal after it.
struct RecoveredPartition {
    var state: PartitionState
    var machine: StateMachine { state.machine }
    var journal: any Journal
    var storage: any PartitionStorage
    var report: RecoveryReport
    var lastOp: UInt64 { report.lastOp }
}

enum Recovery {
    /// Rebuilds partition `index`: from `continuing` (a replica's state and op) and the
    /// journal after it when the journal still holds every record after that op; otherwise
    /// (or when that fails) from the newest checkpoint and the journal after it.
    static func recover(
        partition index: Int, configuration: EngineConfiguration, continuing: (state: PartitionState, op: UInt64)? = nil
    ) throws(EngineError) -> RecoveredPartition {
        if let continuing {
            do {
                return try recover(partition: index, configuration: configuration, from: continuing)
            } catch {
                // The state may be half replayed: it is dropped, and recovery starts afresh.
                configuration.logger.notice("cannot continue from the replica's state; recovering from the checkpoint", metadata: [
                    "partition": "\(index)", "replica_op": "\(continuing.op)", "error": "\(error)"])
            }
        }
        return try recover(partition: index, configuration: configuration, from: nil)
    }

    private static func recover(
        partition index: Int, configuration: EngineConfiguration, from continuing: (state: PartitionState, op: UInt64)?
    ) throws(EngineError) -> RecoveredPartition {
        let start = configuration.monotonicClock()
        let backend = configuration.storageBackend
        let partition = UInt32(index)
        // Closed again when recovery fails (a database backend holds connections).
        var opened: (any PartitionStorage)?
        do {
            let storage = try backend.open(partition: partition)
            opened = storage
            let (state, checkpointOp) = try continuing.map { ($0.state, $0.op) }
                ?? loadCheckpoint(try storage.openNewestCheckpoint(), configuration: configuration)
            let loaded = configuration.monotonicClock()
            var replayError: (any Error)?
            var replayed = 0
            let (journal, repair) = try storage.openJournal(replayAfter: checkpointOp) { record in
                guard replayError == nil else { return }
                do {
                    try replay(record, into: state)
                    replayed += 1
                } catch {
                    replayError = error
                }
            }
            if let replayError {
                journal.close()
                throw replayError
            }
            let report = RecoveryReport(
                partition: index, checkpointOp: checkpointOp, replayedOps: replayed, lastOp: max(journal.lastOp, checkpointOp),
                tornBytesDropped: repair.tornBytesDropped, tornTailLocation: repair.tornTailLocation,
                checkpointSeconds: Double(loaded - start) / 1e9,
                seconds: Double(configuration.monotonicClock() - start) / 1e9,
                continuedFromReplica: continuing != nil
            )
            return RecoveredPartition(state: state, journal: journal, storage: storage, report: report)
        } catch let error as EngineError {
            opened?.close()
            throw error
        } catch {
            opened?.close()
            throw EngineError(.recoveryFailed, "partition \(index) of \(backend.description) cannot be recovered: \(error)")
        }
    }

    /// The state a checkpoint holds (an empty one without a checkpoint), and its op.
    static func loadCheckpoint(_ checkpoint: (any CheckpointInput)?, configuration: EngineConfiguration) throws -> (PartitionState, UInt64) {
        // No prefill: a partition no tenant writes to would hold its whole pool resident
        // for nothing (64 MiB each, by default). A checkpoint prefaults what it will load,
        // and the first allocation starts the refill thread.
        let memory = HugePageMemory(poolChunks: configuration.memoryPoolChunks)
        var machine = StateMachine(memory: memory)
        var sessions = SessionTable(capacity: configuration.sessionCapacity)
        var idempotency = IdempotencyTable(
            capacity: configuration.idempotencyCapacity, retentionNanoseconds: configuration.idempotencyRetentionNanoseconds)
        var system = SystemRecords()
        var checkpointOp: UInt64 = 0
        if let reader = checkpoint {
            memory.prefault(chunks: Int(reader.length) / HugePageMemory.hugePageBytes)
            var source = CheckpointSource(file: reader)
            let loaded: StateMachine
            do {
                loaded = try StateMachine.readSnapshot(from: &source, memory: memory)
                sessions = try SessionTable.decode(from: &source, capacity: configuration.sessionCapacity)
                idempotency = try IdempotencyTable.decode(
                    from: &source, capacity: configuration.idempotencyCapacity,
                    retentionNanoseconds: configuration.idempotencyRetentionNanoseconds)
                system = try SystemRecords.decode(from: &source)
            } catch {
                throw checkpointFailure(error, reader: &source.file)
            }
            try source.file.finish()  // the checksum: nothing loaded counts before it passes
            machine = loaded
            checkpointOp = reader.op
        }
        return (PartitionState(machine: machine, sessions: sessions, idempotency: idempotency, system: system), checkpointOp)
    }

    /// The snapshot streams in before its checksum can be checked, so damage usually shows up
    /// first as a format error that names no file. Check the whole file: a checksum failure
    /// names the file and offset; a file that passes it and still does not load is named too.
    static func checkpointFailure(_ error: any Error, reader: inout any CheckpointInput) -> any Error {
        do {
            try reader.verifyRest()  // streams the rest: never the whole file in memory
        } catch {
            return error
        }
        if error is StorageError { return error }
        return EngineError(
            .recoveryFailed, "checkpoint \(reader.path) passes its checksum but its snapshot (offset 48 on) does not load: \(error)")
    }

    /// Applies one journal record. A record the state machine refuses means the journal and
    /// this build disagree: recovery stops rather than serve a state that differs from the one
    /// that was acknowledged.
    static func replay(_ record: JournalRecord, into state: PartitionState) throws {
        for entry in try CommandCodec.decode(record.body) {
            do {
                _ = try state.apply(entry, op: record.op)
            } catch {
                throw EngineError(.recoveryFailed, "op \(record.op) of partition \(record.partition) does not replay: \(error)")
            }
        }
    }
}

/// Streams a snapshot out of a checkpoint.
struct CheckpointSource: SnapshotSource {
    var file: any CheckpointInput
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws { try file.read(into: buffer) }
}

/// Streams a snapshot into a checkpoint.
struct CheckpointSink: SnapshotSink {
    var file: any CheckpointOutput
    mutating func write(_ buffer: UnsafeRawBufferPointer) throws { try file.write(buffer) }
}
