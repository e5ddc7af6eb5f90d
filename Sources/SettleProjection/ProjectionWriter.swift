import Foundation
import Logging
import SettleCore

/// The writing half of one partition's projection, on a thread of its own, so that a slow
/// database (or a down one) holds up neither the replica's applying nor its reads.
///
/// The partition's thread `offer`s rows as of an op; offers not yet taken merge into one
/// batch (a later state of a row replaces the earlier), so at most two batches exist: one
/// being written and one waiting. When the waiting batch holds `rowsMax` rows, `offer` waits:
/// the replica then slows to the projection's pace rather than buffer without bound.
final class ProjectionWriter: @unchecked Sendable {
    /// Rows as of `through`, covering every change of the ops after `floor`.
    struct Batch {
        var floor: UInt64
        var through: UInt64
        var accounts: [PartitionProjection.Key: Account] = [:]
        var transfers: [PartitionProjection.Key: (Transfer, PendingStatus?)] = [:]

        mutating func merge(_ later: Batch) {
            floor = min(floor, later.floor)
            through = max(through, later.through)
            accounts.merge(later.accounts) { _, new in new }
            transfers.merge(later.transfers) { _, new in new }
        }

        var rows: ProjectionRows {
            var rows = ProjectionRows()
            rows.accounts = accounts.map { ($0.key.tenant, $0.value) }
            rows.transfers = transfers.map { ($0.key.tenant, $0.value.0, $0.value.1) }
            return rows
        }

        var count: Int { accounts.count + transfers.count }
    }

    let partition: Int
    let rowsMax: Int
    private let makeStore: @Sendable (Int) throws -> any ProjectionStore
    private let logger: Logger
    private let condition = NSCondition()
    // Under `condition`:
    private var waiting: Batch?
    private var position: UInt64?
    private var positionRead = false
    /// The stored position went back below what a batch covered: the partition must send
    /// every row again.
    private var lostTrack = false
    private var stopped = false

    init(partition: Int, rowsMax: Int = 1 << 20, makeStore: @escaping @Sendable (Int) throws -> any ProjectionStore, logger: Logger) {
        self.partition = partition
        self.rowsMax = rowsMax
        self.makeStore = makeStore
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "settle-projection-\(partition)"
        thread.start()
    }

    /// The stored position, once the writer has read it; waits up to `seconds` for the first
    /// read (nil if it did not succeed by then).
    func storedPosition(waitingUpTo seconds: Double) -> UInt64? {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !positionRead && condition.wait(until: deadline) {}
        return position
    }

    /// The stored position as last read or written (nil before the first read).
    var knownPosition: UInt64? { condition.withLock { position } }

    /// True once, after the stored position was found below a batch's floor.
    func takeLostTrack() -> Bool {
        condition.withLock {
            defer { lostTrack = false }
            return lostTrack
        }
    }

    /// Queues `batch`, merged into the one waiting; waits while that one is full.
    func offer(_ batch: Batch) {
        condition.lock()
        defer { condition.unlock() }
        while let waiting, waiting.count >= rowsMax, !stopped { condition.wait() }
        if waiting == nil { waiting = batch } else { waiting!.merge(batch) }
        condition.broadcast()
    }

    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func run() {
        var store: (any ProjectionStore)?
        var batch: Batch?
        while true {
            condition.lock()
            while batch == nil && waiting == nil && positionRead && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                store?.close()
                return
            }
            if batch == nil, let next = waiting {
                batch = next
                waiting = nil
                condition.broadcast()  // room for the partition's next offer
            }
            condition.unlock()
            do {
                let open = try store ?? makeStore(partition)
                store = open
                if !positionRead { publish(try open.position()) }
                if let current = batch { batch = try write(current, to: open) }
            } catch {
                logger.warning("the projection cannot be written; retrying in a second", metadata: ["error": "\(error)"])
                store?.close()
                store = nil
                condition.withLock { _ = condition.wait(until: Date().addingTimeInterval(1)) }
            }
        }
    }

    /// Writes `batch` from the stored position; what is left to write (nil: nothing).
    private func write(_ batch: Batch, to store: any ProjectionStore) throws -> Batch? {
        guard let position = knownPosition, position < batch.through else { return nil }
        guard position >= batch.floor else {
            logger.notice("the stored position is behind what this projector covered; writing every row again",
                          metadata: ["position": "\(position)", "covered_from": "\(batch.floor)"])
            condition.withLock { lostTrack = true }
            return nil
        }
        if let found = try store.write(from: position, through: batch.through, batch.rows) {
            logger.notice("another projector moved the position", metadata: ["expected": "\(position)", "found": "\(found)"])
            publish(found)
            return batch  // written again from `found`, or dropped if that is past it
        }
        publish(batch.through)
        return nil
    }

    private func publish(_ op: UInt64) {
        condition.withLock {
            position = op
            positionRead = true
            condition.broadcast()
        }
    }
}
