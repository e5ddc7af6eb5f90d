import Foundation
import SettleCore
import SettleStorage

/// Decides when a partition takes a checkpoint and writes it, on a background thread (the
/// engine) or inline (the simulator).
///
/// The writer only captures the state (`StateMachine.captureSnapshot()`, cheap) and later,
/// once the checkpoint is durable, removes the journal segments it covers. Contract with
/// storage: a checkpoint of op N is written only after the journal's sync covered N.
final class CheckpointScheduler: @unchecked Sendable {
    private let store: any PartitionStorage
    private let background: Bool
    private let lock = NSLock()
    private var inFlight: DispatchSemaphore?
    private var completedOp: UInt64?
    private var failed: (any Error)?
    private var journalBytesSinceCheckpoint = 0
    /// The size of the last checkpoint: the next one waits for at least as much new journal,
    /// so checkpoint writing stays a constant fraction of commit work as the state grows.
    private var lastCheckpointBytes = 0
    private(set) var completed = 0

    init(store: any PartitionStorage, background: Bool) {
        self.store = store
        self.background = background
    }

    func noteJournalBytes(_ bytes: Int) { journalBytesSinceCheckpoint += bytes }

    /// Called by the writer between groups; returns problems worth logging.
    func poll(pipeline: CommitPipeline) -> [String] {
        var problems = finishCompleted(pipeline)
        let threshold = max(pipeline.configuration.checkpointJournalBytes, lastCheckpointBytes)
        let idle = lock.withLock { inFlight == nil }
        guard idle, journalBytesSinceCheckpoint >= threshold, pipeline.fatalError == nil else { return problems }
        let capture = CheckpointCapture(ledger: pipeline.machine.captureSnapshot(), tables: pipeline.state.encodedTables())
        lastCheckpointBytes = capture.byteCount
        journalBytesSinceCheckpoint = 0
        let op = pipeline.nextOp - 1
        if background {
            startInBackground(op: op, capture: capture)
        } else {
            write(op: op, capture: capture)
            problems += finishCompleted(pipeline)
        }
        return problems
    }

    private func finishCompleted(_ pipeline: CommitPipeline) -> [String] {
        let (done, error) = lock.withLock { () -> (UInt64?, (any Error)?) in
            defer { completedOp = nil; failed = nil }
            return (completedOp, failed)
        }
        var problems: [String] = []
        if let error {
            // The journal still holds everything: a failed checkpoint costs only replay time.
            problems.append("checkpoint failed, journal kept: \(error)")
        }
        if let op = done {
            completed += 1
            do {
                try pipeline.journal.removeSegments(before: op + 1)
            } catch {
                problems.append("removing journal segments before op \(op + 1) failed: \(error)")
            }
        }
        return problems
    }

    private func write(op: UInt64, capture: CheckpointCapture) {
        do {
            try store.writeCheckpoint(op: op, timestamp: capture.ledger.timestamp, snapshotLength: UInt64(capture.byteCount)) { file in
                var sink = CheckpointSink(file: file)
                try capture.ledger.write(to: &sink)
                try capture.tables.withUnsafeBytes { try sink.write($0) }
                file = sink.file
            }
            lock.withLock { completedOp = op; inFlight = nil }
        } catch {
            lock.withLock { failed = error; inFlight = nil }
        }
    }

    private func startInBackground(op: UInt64, capture: CheckpointCapture) {
        let finished = DispatchSemaphore(value: 0)
        lock.withLock { inFlight = finished }
        let thread = Thread { [self] in
            write(op: op, capture: capture)
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

/// What a checkpoint holds: the ledger's snapshot, then the engine's tables (sessions,
/// idempotency keys, system records).
struct CheckpointCapture: Sendable {
    let ledger: SnapshotCapture
    let tables: [UInt8]
    var byteCount: Int { ledger.byteCount + tables.count }
}
