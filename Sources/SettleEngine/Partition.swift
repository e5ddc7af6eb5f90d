import Foundation
import Logging
import SettleCore
import SettleStorage

/// One state machine with its journal and its single writer thread.
///
/// The writer loop takes every queued request, commits the writes as groups through the
/// `CommitPipeline` (one journal record and one `fdatasync` per group), replies, and then runs
/// the queued reads — between commits, so reads only ever see durable state.
final class Partition: PartitionWorker, @unchecked Sendable {
    let index: Int
    let queue: RequestQueue
    let configuration: EngineConfiguration
    /// Owned by the writer thread once `start()` has run.
    let pipeline: CommitPipeline
    let logger: Logger
    let metrics = PartitionMetrics()
    var failure: EngineError?
    /// Reads waiting for a commit position (writer thread only).
    private var parked = ParkedReads()
    let finished = DispatchSemaphore(value: 0)

    init(index: Int, pipeline: CommitPipeline, configuration: EngineConfiguration) {
        self.index = index
        self.configuration = configuration
        self.pipeline = pipeline
        queue = RequestQueue(capacity: configuration.queueCapacity)
        var logger = configuration.logger
        logger[metadataKey: "partition"] = "\(index)"
        self.logger = logger
    }

    func run() {
        while failure == nil {
            // Sleep until the next pending transfer is due, measured on the engine's own clock
            // (which tests may inject), so that expiry needs no write to happen.
            let expiry = pipeline.machine.nextExpiry().map { due in
                let wall = configuration.wallClock()
                return Date().addingTimeInterval(due > wall ? Double(due - wall) / 1e9 : 0)
            }
            let requests = queue.takeAll(until: earliest(expiry, parked.nextDeadline.map(configuration.date(monotonic:))))
            if requests.isEmpty && queue.isClosed { break }
            process(requests)
            for problem in pipeline.maintain() { logger.warning("\(problem)") }
            metrics.recordCheckpoints(pipeline.checkpointCount)
        }
        pipeline.waitForCheckpoint()
        if failure == nil {
            // Account for a checkpoint that finished during shutdown (and free its segments).
            for problem in pipeline.maintain() { logger.warning("\(problem)") }
            metrics.recordCheckpoints(pipeline.checkpointCount)
        }
        failQueued(failure, parked: &parked)
        pipeline.close()
    }

    private func process(_ requests: [PartitionRequest]) {
        var writes: [PendingWrite] = []
        var reads: [PartitionRead] = []
        for request in requests {
            switch request {
            case .write(let command, let tag, let reply): writes.append((command, tag, reply))
            case .read(let read): reads.append(read)
            }
        }
        var start = 0
        while start < writes.count {
            var end = start
            var events = 0
            while end < writes.count && (end == start || events + writes[end].command.eventCount <= configuration.groupEventsMax) {
                events += writes[end].command.eventCount
                end += 1
            }
            commit(Array(writes[start..<end]))
            start = end
        }
        if writes.isEmpty, let outcome = pipeline.expireIfDue(wallClock: configuration.wallClock()) {
            if case .failure(let error) = outcome { noteFailure(error) }
        }
        if let failure {
            for read in reads { read.fail(failure) }
        } else {
            parked.run(reads, appliedOp: pipeline.nextOp - 1, now: configuration.monotonicClock(), state: pipeline.state)
        }
    }
}

/// The thread and queue every partition kind shares: the writer's `Partition` and the
/// replica's `ReplicaPartition`.
protocol PartitionWorker: AnyObject, Sendable {
    var index: Int { get }
    var queue: RequestQueue { get }
    var metrics: PartitionMetrics { get }
    /// Signalled when `run` returned.
    var finished: DispatchSemaphore { get }
    /// The partition's loop, on its own thread, until the queue is closed and drained or the
    /// partition fails.
    func run()
}

extension PartitionWorker {
    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "settle-partition-\(index)"
        thread.start()
    }

    /// Stops accepting, lets the loop finish what is queued (graceful), and waits for it.
    /// Safe to call more than once.
    func stop() {
        _ = queue.close(EngineError(.unavailable, "the engine is shutting down"), drain: true)
        finished.wait()
        finished.signal()  // let a later (or concurrent) stop() return too
    }

    /// At the end of `run`: fails what is still queued or parked, with `failure` (or as a
    /// shutdown).
    func failQueued(_ failure: EngineError?, parked: inout ParkedReads) {
        let error = failure ?? EngineError(.unavailable, "the engine is shutting down")
        for request in queue.close(error, drain: false) {
            switch request {
            case .write(_, _, let reply): reply.resume(throwing: error)
            case .read(let read): read.fail(error)
            }
        }
        parked.failAll(error)
    }
}

/// The earlier of two optional deadlines.
func earliest(_ a: Date?, _ b: Date?) -> Date? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}
