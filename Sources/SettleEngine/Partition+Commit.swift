import SettleCore
import SettleStorage

/// A write waiting for its reply; the engine's own expiry tick has no one waiting.
typealias PendingWrite = (command: Command, reply: OneShot<WriteReply>?)

extension Partition {
    /// Commits one group: timestamps, one journal record, apply, one `fdatasync`, replies.
    func commit(_ group: [PendingWrite]) {
        var admitted: [PendingWrite] = []
        var entries: [TimestampedCommand] = []
        var timestamp = machine.lastTimestamp
        let wall = configuration.wallClock()
        for write in group {
            let count = write.command.eventCount
            guard count <= StateMachine.batchEventsMax else {
                write.reply?.resume(throwing: EngineError(
                    .invalidBatch, "\(count) events in one batch; at most \(StateMachine.batchEventsMax) are allowed"))
                continue
            }
            // Strictly monotonic even when the wall clock steps back (DESIGN §3).
            timestamp = max(wall, timestamp + UInt64(max(count, 1)))
            entries.append(TimestampedCommand(command: write.command, timestamp: timestamp))
            admitted.append(write)
        }
        guard !entries.isEmpty else { return }
        let op = nextOp
        do {
            try journal.append(op: op, timestamp: timestamp, body: CommandCodec.encode(entries))
        } catch {
            let failure = EngineError(.journalWriteFailed, "journal append failed, nothing was applied: \(error)")
            for write in admitted { write.reply?.resume(throwing: failure) }
            metrics.recordJournalFailure()
            return
        }
        var results: [WriteReply.Results] = []
        results.reserveCapacity(entries.count)
        for entry in entries {
            do {
                results.append(try machine.apply(entry))
            } catch {
                // Timestamps were computed from the machine's own clock just above.
                preconditionFailure("a journaled batch was refused by the state machine: \(error)")
            }
        }
        nextOp = op + 1
        let syncStart = configuration.monotonicClock()
        do {
            try journal.sync()
        } catch {
            stopAfterSyncFailure(error, writes: admitted)
            return
        }
        metrics.recordCommit(events: entries.reduce(0) { $0 + $1.command.eventCount },
                             syncNanoseconds: configuration.monotonicClock() - syncStart)
        checkpoints.noteJournalBytes(entries.reduce(0) { $0 + $1.command.eventCount * 128 + 24 })
        for (write, (entry, result)) in zip(admitted, zip(entries, results)) {
            write.reply?.resume(returning: WriteReply(results: result, op: op, timestamp: entry.timestamp))
        }
    }

    /// After a failed `fdatasync` the kernel may have dropped dirty pages: memory is ahead of
    /// what is known to be durable. The only safe move is to stop and let recovery rebuild the
    /// state from what the disk really holds.
    private func stopAfterSyncFailure(_ error: any Error, writes: [PendingWrite]) {
        let failure = EngineError(.durabilityUnknown, "fdatasync failed (\(error)); partition \(index) stopped, restart to recover")
        for write in writes { write.reply?.resume(throwing: failure) }
        markFailed(failure)
    }
}
