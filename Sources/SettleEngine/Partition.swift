import Foundation
import Logging
import SettleCore
import SettleStorage

/// One state machine with its journal and its single writer thread.
///
/// The writer loop is the commit pipeline of DESIGN §1: take every queued request, give each
/// write its engine timestamp, append the whole group to the journal as one record, apply it,
/// `fdatasync` once, then reply — so a reply always means durable. The input is journaled
/// *before* it is applied: a failed append (disk full) leaves both journal and state untouched.
/// Reads run between groups on the same thread, so they only ever see durable state.
final class Partition: @unchecked Sendable {
    let index: Int
    let queue: RequestQueue
    let configuration: EngineConfiguration
    // Owned by the writer thread once `start()` has run.
    let machine: StateMachine
    let journal: any Journal
    let checkpoints: CheckpointScheduler
    let logger: Logger
    var nextOp: UInt64
    private var failure: EngineError?
    private let finished = DispatchSemaphore(value: 0)
    let metrics: PartitionMetrics

    init(index: Int, recovered: RecoveredPartition, configuration: EngineConfiguration) {
        self.index = index
        self.configuration = configuration
        machine = recovered.machine
        journal = recovered.journal
        nextOp = recovered.lastOp + 1
        checkpoints = CheckpointScheduler(store: recovered.checkpoints, lastCheckpointOp: recovered.checkpointOp)
        queue = RequestQueue(capacity: configuration.queueCapacity)
        metrics = PartitionMetrics()
        var logger = configuration.logger
        logger[metadataKey: "partition"] = "\(index)"
        self.logger = logger
    }

    func log(_ message: String) {
        logger.warning("\(message)")
    }

    /// Stops the partition after a fatal storage error; queued and future requests fail.
    func markFailed(_ error: EngineError) {
        logger.critical("partition stopped", metadata: ["error": "\(error)"])
        failure = error
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
    func stop() {
        _ = queue.close(EngineError(.unavailable, "the engine is shutting down"), drain: true)
        finished.wait()
    }

    private func run() {
        while failure == nil {
            let deadline = machine.nextExpiry().map { Date(timeIntervalSince1970: Double($0) / 1e9) }
            let requests = queue.takeAll(until: deadline)
            if requests.isEmpty && queue.isClosed { break }
            process(requests)
            checkpoints.poll(partition: self)
        }
        checkpoints.waitForInFlight()
        if let failure {
            for request in queue.close(failure, drain: false) { fail(request, failure) }
        }
    }

    private func process(_ requests: [PartitionRequest]) {
        var writes: [PendingWrite] = []
        var reads: [PartitionRequest] = []
        for request in requests {
            switch request {
            case .write(let command, let reply): writes.append((command, reply))
            case .read: reads.append(request)
            }
        }
        var start = 0
        while start < writes.count {
            var end = start
            var events = 0
            while end < writes.count && (end == start || events + writes[end].0.eventCount <= configuration.groupEventsMax) {
                events += writes[end].0.eventCount
                end += 1
            }
            commit(Array(writes[start..<end]))
            start = end
        }
        if writes.isEmpty, let due = machine.nextExpiry(), due <= configuration.wallClock() {
            commit([(.expirePending, nil)])
        }
        for read in reads {
            guard case .read(let run, let fail) = read else { continue }
            if let failure { fail(failure) } else { run(machine) }
        }
    }

    private func fail(_ request: PartitionRequest, _ error: EngineError) {
        switch request {
        case .write(_, let reply): reply.resume(throwing: error)
        case .read(_, let fail): fail(error)
        }
    }
}
