import Logging
import SettleCore
import SettleEngine
import Synchronization

/// The SQL projection: a `ReplicaObserver` that turns what a replica applies into rows of
/// accounts and transfers after every page of records, and has a thread per partition write
/// them, with the partition's position, to a `ProjectionStore`. A replica runs it with
/// `--project`.
///
/// Idempotent under replay: the position moves in the same transaction as the rows, and only
/// from the position this projector read; rows are upserts of the current state. A replica that
/// (re)loads a checkpoint newer than the position writes every account and transfer once
/// (it cannot know which changed in between); one older than the position skips the ops the
/// store already has. Several projecting replicas are safe: all but one find the position
/// moved and skip ahead.
///
/// A failed write (PostgreSQL down) keeps what changed and is retried a second later; the
/// replica goes on applying and serving reads meanwhile, until the rows waiting reach
/// `ProjectionWriter.rowsMax`: then it slows to the projection's pace.
public final class LedgerProjection: ReplicaObserver, Sendable {
    private let makeStore: @Sendable (Int) throws -> any ProjectionStore
    private let logger: Logger
    private let partitions = Mutex<[Int: PartitionProjection]>([:])

    /// - Parameter makeStore: opens the store of a partition (called again after a failure).
    public init(logger: Logger = Logger(label: "settle.projection"), makeStore: @escaping @Sendable (Int) throws -> any ProjectionStore) {
        self.makeStore = makeStore
        self.logger = logger
    }

    /// The op each partition's stored projection includes everything through, as last written
    /// or read by this projector.
    public var positions: [Int: UInt64] {
        partitions.withLock { $0.compactMapValues { $0.writer.knownPosition } }
    }

    deinit {
        for projection in partitions.withLock({ $0.values }) { projection.writer.stop() }
    }

    private func partition(_ index: Int) -> PartitionProjection {
        partitions.withLock { partitions in
            if let existing = partitions[index] { return existing }
            var logger = logger
            logger[metadataKey: "partition"] = "\(index)"
            let created = PartitionProjection(writer: ProjectionWriter(partition: index, makeStore: makeStore, logger: logger))
            partitions[index] = created
            return created
        }
    }

    public func loaded(machine: StateMachine, op: UInt64, partition index: Int) {
        partition(index).loaded(machine: machine, op: op)
    }

    public func applied(_ entry: TimestampedCommand, results: WriteReply.Results, op: UInt64, machine: StateMachine, partition index: Int) {
        partition(index).applied(entry, results: results, op: op, machine: machine)
    }

    public func pageApplied(machine: StateMachine, op: UInt64, partition index: Int) {
        partition(index).flush(machine: machine, through: op)
    }
}
