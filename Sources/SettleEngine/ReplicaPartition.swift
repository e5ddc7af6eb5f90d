import Foundation
import Logging
import SettleCore
import SettleStorage

/// A partition of a read replica: the state of the newest checkpoint, kept current by applying
/// the records the writer commits to the shared storage, in op order, between reads. It never
/// writes: a write is refused with `.readOnly`.
///
/// The loop polls the storage every `replicaPollNanoseconds` while records keep coming, backing
/// off to `replicaIdlePollNanoseconds` while none do, and at once when a read names an op not
/// applied yet. It applies what it finds, at
/// most `catchUpNanosecondsMax` at a time so reads are not starved while it catches up. Reads
/// run against the state as of the newest applied op; one that names a newer op is parked
/// until it is applied (`ParkedReads`).
///
/// Failures: a storage read that fails (PostgreSQL unreachable) is retried at the next poll,
/// while the lag grows; records removed under a replica that fell behind a checkpoint make it
/// load the newest checkpoint again; a damaged or unreplayable record stops the partition.
final class ReplicaPartition: PartitionWorker, @unchecked Sendable {
    let index: Int
    let queue: RequestQueue
    let metrics = PartitionMetrics()
    let finished = DispatchSemaphore(value: 0)
    let configuration: EngineConfiguration
    let logger: Logger
    /// Owned by the partition's thread once started.
    private let reader: any PartitionReader
    private var state: PartitionState
    private(set) var appliedOp: UInt64
    private let observer: (any ReplicaObserver)?
    private var parked = ParkedReads()
    private var failure: EngineError?
    private var lastReadFailureLog: UInt64 = 0

    static let pageRows = 64
    static let catchUpNanosecondsMax: UInt64 = 50_000_000

    init(index: Int, reader: any PartitionReader, state: PartitionState, checkpointOp: UInt64,
         observer: (any ReplicaObserver)?, configuration: EngineConfiguration) {
        self.index = index
        self.reader = reader
        self.state = state
        self.observer = observer
        self.configuration = configuration
        appliedOp = checkpointOp
        queue = RequestQueue(capacity: configuration.queueCapacity)
        var logger = configuration.logger
        logger[metadataKey: "partition"] = "\(index)"
        self.logger = logger
        metrics.recordApplied(checkpointOp, newest: checkpointOp, caughtUpAt: configuration.monotonicClock())
    }

    /// Releases the reader of a partition that was never started (opening the replica failed).
    func closeUnstarted() {
        reader.close()
    }

    /// The state as of `appliedOp`, once the loop has returned, unless the partition stopped
    /// on a failure. Called after `stop()`, so no thread touches the state any more.
    func stoppedState() -> (state: PartitionState, op: UInt64)? {
        failure == nil ? (state, appliedOp) : nil
    }

    func run() {
        observer?.loaded(machine: state.machine, op: appliedOp, partition: index)
        var nextPoll: UInt64 = 0
        var schedule = PollSchedule(busy: configuration.replicaPollNanoseconds, idle: configuration.replicaIdlePollNanoseconds)
        while failure == nil {
            let wake = configuration.date(monotonic: min(nextPoll, parked.nextDeadline ?? .max))
            let requests = queue.takeAll(until: wake)
            if requests.isEmpty && queue.isClosed { break }
            var reads: [PartitionRead] = []
            for request in requests {
                switch request {
                case .write(_, _, let reply):
                    reply.resume(throwing: EngineError(.readOnly, "this node is a read replica; writes go to the writer"))
                case .read(let read):
                    reads.append(read)
                }
            }
            // A read waiting for an op not applied yet looks at storage at once.
            let polled = configuration.monotonicClock() >= nextPoll || reads.contains(where: { $0.minOp > appliedOp })
            let applied = polled && catchUp()
            if let failure {
                for read in reads { read.fail(failure) }
            } else {
                parked.run(reads, appliedOp: appliedOp, now: configuration.monotonicClock(), state: state)
            }
            if polled {
                nextPoll = configuration.monotonicClock() + schedule.next(applied: applied, readsWaiting: !parked.isEmpty)
            }
        }
        failQueued(failure, parked: &parked)
        reader.close()
    }

    /// Applies what storage committed after `appliedOp`, page by page, for at most
    /// `catchUpNanosecondsMax`; true when it applied anything.
    private func catchUp() -> Bool {
        metrics.recordPoll()
        let start = configuration.monotonicClock()
        let before = appliedOp
        polling: while failure == nil {
            let asked = configuration.monotonicClock()
            let page: JournalPage
            do {
                page = try reader.read(after: appliedOp, limit: Self.pageRows)
            } catch {
                guard readFailed(error) else { break polling }
                continue
            }
            for record in page.records {
                guard apply(record) else { break polling }
            }
            let caughtUp = page.records.count < Self.pageRows
            metrics.recordApplied(appliedOp, newest: page.newestOp, caughtUpAt: caughtUp ? asked : nil)
            observer?.pageApplied(machine: state.machine, op: appliedOp, partition: index)
            if caughtUp || configuration.monotonicClock() - start > Self.catchUpNanosecondsMax { break polling }
        }
        return appliedOp != before
    }

    private func apply(_ record: JournalRecord) -> Bool {
        do {
            for entry in try CommandCodec.decode(record.body) {
                let results = try state.apply(entry, op: record.op)
                observer?.applied(entry, results: results, op: record.op, machine: state.machine, partition: index)
            }
            appliedOp = record.op
            return true
        } catch {
            stop(EngineError(.recoveryFailed, "op \(record.op) of partition \(index) does not replay on this replica: \(error)"))
            return false
        }
    }

    /// Handles a failed read of storage; true when reading again at once may succeed.
    private func readFailed(_ error: StorageError) -> Bool {
        metrics.recordReadFailure()
        switch error.code {
        case .missingSegment:
            logger.notice("the records after op \(appliedOp) were removed under a checkpoint; loading the newest checkpoint")
            return reload()
        case .ioFailure, .closed:
            // Retried at the next poll; the lag metric shows how long it has been.
            let now = configuration.monotonicClock()
            if now - lastReadFailureLog > 5_000_000_000 {
                lastReadFailureLog = now
                logger.warning("cannot read the journal; retrying", metadata: ["error": "\(error)"])
            }
            return false
        default:
            stop(EngineError(.recoveryFailed, "partition \(index)'s journal cannot be followed: \(error)"))
            return false
        }
    }

    /// Replaces the state with the newest checkpoint's, unless that is older than what is
    /// applied (then the rows after it are missing for another reason: stop).
    private func reload() -> Bool {
        do {
            let (loaded, op) = try Recovery.loadCheckpoint(try reader.openNewestCheckpoint(), configuration: configuration)
            guard op > appliedOp else {
                stop(EngineError(.recoveryFailed, "partition \(index)'s journal misses the rows after op \(appliedOp), and no newer checkpoint covers them"))
                return false
            }
            state = loaded
            appliedOp = op
            metrics.recordApplied(op, newest: op, caughtUpAt: nil)
            observer?.loaded(machine: state.machine, op: op, partition: index)
            return true
        } catch {
            stop(EngineError(.recoveryFailed, "partition \(index)'s newest checkpoint cannot be loaded: \(error)"))
            return false
        }
    }

    private func stop(_ error: EngineError) {
        logger.critical("replica partition stopped", metadata: ["error": "\(error)"])
        failure = error
        metrics.recordStop()
    }
}

/// How long a replica waits before its next poll: `busy` while records keep coming or a read
/// waits for one, doubling up to `idle` while polls find nothing.
struct PollSchedule {
    let busy: UInt64
    let idle: UInt64
    private(set) var interval: UInt64

    init(busy: UInt64, idle: UInt64) {
        self.busy = max(busy, 1)
        self.idle = max(idle, self.busy)
        interval = self.busy
    }

    /// The wait after a poll that `applied` records or not, with reads parked or not.
    mutating func next(applied: Bool, readsWaiting: Bool) -> UInt64 {
        interval = applied || readsWaiting ? busy : min(interval * 2, idle)
        return interval
    }
}

/// Sees every command a replica applies, on the partition's thread: the SQL projection.
public protocol ReplicaObserver: AnyObject, Sendable {
    /// The partition's state was (re)loaded from a checkpoint of `op`; nothing before it will
    /// be applied.
    func loaded(machine: StateMachine, op: UInt64, partition: Int)
    /// One command of record `op` was applied with `results`.
    func applied(_ entry: TimestampedCommand, results: WriteReply.Results, op: UInt64, machine: StateMachine, partition: Int)
    /// A page of records (through `op`, maybe none) was applied: a moment to flush. Called at
    /// every poll, so a flush that failed is retried.
    func pageApplied(machine: StateMachine, op: UInt64, partition: Int)
}
