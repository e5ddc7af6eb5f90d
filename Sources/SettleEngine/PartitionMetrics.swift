import Foundation

/// Counters a partition updates on its writer thread and anyone may read.
final class PartitionMetrics: @unchecked Sendable {
    struct Snapshot: Sendable {
        var commits = 0
        var events = 0
        var journalFailures = 0
        var syncNanosecondsTotal: UInt64 = 0
        var syncNanosecondsMax: UInt64 = 0
        var checkpoints = 0
    }

    private let lock = NSLock()
    private var values = Snapshot()

    func recordCommit(events: Int, syncNanoseconds: UInt64) {
        lock.withLock {
            values.commits += 1
            values.events += events
            values.syncNanosecondsTotal += syncNanoseconds
            values.syncNanosecondsMax = max(values.syncNanosecondsMax, syncNanoseconds)
        }
    }

    func recordJournalFailure() { lock.withLock { values.journalFailures += 1 } }
    func recordCheckpoint() { lock.withLock { values.checkpoints += 1 } }
    var snapshot: Snapshot { lock.withLock { values } }
}
