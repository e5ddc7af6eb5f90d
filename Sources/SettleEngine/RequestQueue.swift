import Foundation
import SettleCore

/// Work for a partition's writer thread.
enum PartitionRequest {
    case write(Command, RequestTag?, OneShot<WriteReply>)
    /// Runs on the partition's thread between groups, so it sees only durable state.
    case read(PartitionRead)
}

/// A read waiting for its partition: it runs once the partition has applied `minOp`, or fails
/// with `.unavailable` at `deadline` (monotonic ns); `fail` is also called when the partition
/// stops first.
struct PartitionRead {
    var minOp: UInt64
    var deadline: UInt64
    var run: @Sendable (PartitionState) -> Void
    var fail: @Sendable (EngineError) -> Void
}

/// A bounded multi-producer, single-consumer queue: producers suspend while it is full
/// (back-pressure instead of unbounded memory), the writer thread blocks while it is empty or
/// until a deadline (the next pending-transfer expiry).
final class RequestQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [PartitionRequest] = []
    private var waitingProducers: [CheckedContinuation<Void, Never>] = []
    private var closedReason: EngineError?
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Enqueues, suspending while the queue is full. Throws once the queue is closed.
    func push(_ request: PartitionRequest) async throws(EngineError) {
        while true {
            switch tryEnqueue(request) {
            case .enqueued: return
            case .closed(let reason): throw reason
            case .full: await withCheckedContinuation { parkUntilSpace($0) }
            }
        }
    }

    private enum EnqueueOutcome { case enqueued, full, closed(EngineError) }

    private func tryEnqueue(_ request: PartitionRequest) -> EnqueueOutcome {
        condition.lock()
        defer { condition.unlock() }
        if let reason = closedReason { return .closed(reason) }
        guard items.count < capacity else { return .full }
        items.append(request)
        condition.signal()
        return .enqueued
    }

    /// Registers a producer to be resumed when the writer drains, unless there is room (or
    /// the queue closed) by now — checked under the same lock, so no wake-up is lost.
    private func parkUntilSpace(_ producer: CheckedContinuation<Void, Never>) {
        condition.lock()
        if items.count < capacity || closedReason != nil {
            condition.unlock()
            producer.resume()
            return
        }
        waitingProducers.append(producer)
        condition.unlock()
    }

    /// Takes everything queued, waiting until something arrives or `deadline` (absolute
    /// `Date`) passes. Returns an empty array on timeout, or when closed and drained.
    func takeAll(until deadline: Date?) -> [PartitionRequest] {
        condition.lock()
        while items.isEmpty && closedReason == nil {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        let taken = items
        items.removeAll(keepingCapacity: true)
        let producers = waitingProducers
        waitingProducers.removeAll()
        condition.unlock()
        for producer in producers { producer.resume() }
        return taken
    }

    /// Refuses new work with `reason`. With `drain`, what is queued stays for the writer to
    /// finish (graceful shutdown); without, it is returned so the caller can fail it.
    func close(_ reason: EngineError, drain: Bool) -> [PartitionRequest] {
        condition.lock()
        closedReason = reason
        let left = drain ? [] : items
        if !drain { items.removeAll() }
        let producers = waitingProducers
        waitingProducers.removeAll()
        condition.broadcast()
        condition.unlock()
        for producer in producers { producer.resume() }
        return left
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closedReason != nil
    }

    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }
}
