import Foundation

/// Counters a partition updates on its writer thread and anyone may read.
final class PartitionMetrics: @unchecked Sendable {
    struct Snapshot: Sendable {
        var commits = 0
        var events = 0
        var journalFailures = 0
        /// Time from taking a group to having answered it (journal, apply, fdatasync).
        var commitNanosecondsTotal: UInt64 = 0
        var commitNanosecondsMax: UInt64 = 0
        var syncNanosecondsTotal: UInt64 = 0
        var syncNanosecondsMax: UInt64 = 0
        var checkpoints = 0
        /// The partition stopped after a storage failure and serves nothing until recovered.
        var stopped = false
        /// Replicas: the newest op applied, the newest committed op last seen in storage, and
        /// when (monotonic ns) the replica last had applied everything committed.
        var appliedOp: UInt64 = 0
        var newestOp: UInt64 = 0
        var caughtUpAt: UInt64 = 0
        var readFailures = 0
        var polls = 0
    }

    private let lock = NSLock()
    private var values = Snapshot()

    func recordCommit(events: Int, nanoseconds: UInt64, syncNanoseconds: UInt64) {
        lock.withLock {
            values.syncNanosecondsTotal += syncNanoseconds
            values.syncNanosecondsMax = max(values.syncNanosecondsMax, syncNanoseconds)
            values.commits += 1
            values.events += events
            values.commitNanosecondsTotal += nanoseconds
            values.commitNanosecondsMax = max(values.commitNanosecondsMax, nanoseconds)
        }
    }

    func recordJournalFailure() { lock.withLock { values.journalFailures += 1 } }
    func recordStop() { lock.withLock { values.stopped = true } }
    func recordCheckpoints(_ total: Int) { lock.withLock { values.checkpoints = total } }
    func recordApplied(_ op: UInt64, newest: UInt64, caughtUpAt: UInt64?) {
        lock.withLock {
            values.appliedOp = op
            values.newestOp = max(values.newestOp, newest, op)
            if let caughtUpAt { values.caughtUpAt = caughtUpAt }
        }
    }
    func recordReadFailure() { lock.withLock { values.readFailures += 1 } }
    func recordPoll() { lock.withLock { values.polls += 1 } }
    var snapshot: Snapshot { lock.withLock { values } }
}
