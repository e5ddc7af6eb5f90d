import Foundation
import Logging
import SettleCore
import SettleStorage

/// One state machine with its journal and its single writer thread.
///
/// The writer loop takes every queued request, commits the writes as groups through the
/// `CommitPipeline` (one journal record and one `fdatasync` per group), replies, and then runs
/// the queued reads — between commits, so reads only ever see durable state.
final class Partition: @unchecked Sendable {
    let index: Int
    let queue: RequestQueue
    let configuration: EngineConfiguration
    /// Owned by the writer thread once `start()` has run.
    let pipeline: CommitPipeline
    let logger: Logger
    let metrics = PartitionMetrics()
    var failure: EngineError?
    private let finished = DispatchSemaphore(value: 0)

    init(index: Int, pipeline: CommitPipeline, configuration: EngineConfiguration) {
        self.index = index
        self.configuration = configuration
        self.pipeline = pipeline
        queue = RequestQueue(capacity: configuration.queueCapacity)
        var logger = configuration.logger
        logger[metadataKey: "partition"] = "\(index)"
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "settle-partition-\(index)"
        thread.start()
    }

    /// Stops accepting, lets the writer finish what is queued (graceful), and waits for it.
    /// Safe to call more than once.
    func stop() {
        _ = queue.close(EngineError(.unavailable, "the engine is shutting down"), drain: true)
        finished.wait()
        finished.signal()  // let a later (or concurrent) stop() return too
    }

    private func run() {
        while failure == nil {
            // Sleep until the next pending transfer is due, measured on the engine's own clock
            // (which tests may inject), so that expiry needs no write to happen.
            let deadline = pipeline.machine.nextExpiry().map { due in
                let wall = configuration.wallClock()
                return Date().addingTimeInterval(due > wall ? Double(due - wall) / 1e9 : 0)
            }
            let requests = queue.takeAll(until: deadline)
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
        if let failure {
            for request in queue.close(failure, drain: false) { fail(request, failure) }
        }
        pipeline.close()
    }

    private func process(_ requests: [PartitionRequest]) {
        var writes: [PendingWrite] = []
        var reads: [PartitionRequest] = []
        for request in requests {
            switch request {
            case .write(let command, let tag, let reply): writes.append((command, tag, reply))
            case .read: reads.append(request)
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
        for read in reads {
            guard case .read(let run, let fail) = read else { continue }
            if let failure { fail(failure) } else { run(pipeline) }
        }
    }

    private func fail(_ request: PartitionRequest, _ error: EngineError) {
        switch request {
        case .write(_, _, let reply): reply.resume(throwing: error)
        case .read(_, let fail): fail(error)
        }
    }
}
