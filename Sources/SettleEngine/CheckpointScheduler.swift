import Foundation
import SettleCore
import SettleStorage

/// Decides when a partition takes a checkpoint and writes it on a background thread.
///
/// The writer thread only captures the state (`StateMachine.captureSnapshot()`, cheap) and
/// later, once the checkpoint is durable, removes the journal segments it covers. Contract
/// with storage: a checkpoint of op N is written only after the journal's sync covered N.
final class CheckpointScheduler: @unchecked Sendable {
    private let store: CheckpointStore
    private let lock = NSLock()
    private var inFlight: DispatchSemaphore?
    private var completedOp: UInt64?
    private var failed: (any Error)?
    private var journalBytesSinceCheckpoint = 0
    /// The size of the last checkpoint: the next one waits for at least as much new journal,
    /// so checkpoint writing stays a constant fraction of commit work as the state grows.
    private var lastCheckpointBytes = 0
    private(set) var lastCheckpointOp: UInt64

    init(store: CheckpointStore, lastCheckpointOp: UInt64) {
        self.store = store
        self.lastCheckpointOp = lastCheckpointOp
    }

    func noteJournalBytes(_ bytes: Int) { journalBytesSinceCheckpoint += bytes }

    /// Called by the writer thread between groups.
    func poll(partition: Partition) {
        let (done, error) = lock.withLock { () -> (UInt64?, (any Error)?) in
            defer { completedOp = nil; failed = nil }
            return (completedOp, failed)
        }
        if let error {
            // The journal still holds everything: a failed checkpoint costs only replay time.
            partition.log("checkpoint failed, journal kept: \(error)")
        }
        if let op = done {
            lastCheckpointOp = op
            partition.metrics.recordCheckpoint()
            do {
                try partition.journal.removeSegments(before: op + 1)
            } catch {
                partition.log("removing journal segments before op \(op + 1) failed: \(error)")
            }
        }
        let idle = lock.withLock { inFlight == nil }
        let threshold = max(partition.configuration.checkpointJournalBytes, lastCheckpointBytes)
        guard idle, journalBytesSinceCheckpoint >= threshold else { return }
        let capture = partition.machine.captureSnapshot()
        lastCheckpointBytes = capture.byteCount
        start(op: partition.nextOp - 1, capture: capture)
    }

    private func start(op: UInt64, capture: SnapshotCapture) {
        journalBytesSinceCheckpoint = 0
        let finished = DispatchSemaphore(value: 0)
        lock.withLock { inFlight = finished }
        let store = self.store
        let thread = Thread { [self] in
            do {
                try store.write(op: op, timestamp: capture.timestamp, snapshotLength: UInt64(capture.byteCount)) { file in
                    var sink = CheckpointSink(file: file)
                    try capture.write(to: &sink)
                    file = sink.file
                }
                lock.withLock { completedOp = op; inFlight = nil }
            } catch {
                lock.withLock { failed = error; inFlight = nil }
            }
            finished.signal()
        }
        thread.name = "settle-checkpoint"
        thread.start()
    }

    /// Blocks until a background checkpoint (if any) has finished.
    func waitForInFlight() {
        lock.withLock { inFlight }?.wait()
    }
}
