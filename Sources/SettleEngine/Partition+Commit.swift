import Logging
import SettleCore
import SettleStorage

/// A write waiting for its reply.
typealias PendingWrite = (command: Command, tag: RequestTag?, reply: OneShot<WriteReply>)

extension Partition {
    /// Commits one group through the pipeline and answers every writer in it.
    func commit(_ group: [PendingWrite]) {
        let start = configuration.monotonicClock()
        let op = pipeline.nextOp
        let outcomes = pipeline.commit(group.map(\.command), tags: group.map(\.tag), wallClock: configuration.wallClock())
        var events = 0
        for (write, outcome) in zip(group, outcomes) {
            switch outcome {
            case .success(let reply):
                // A repeated exactly-once request is answered from its stored reply: not committed now.
                if reply.op == op { events += write.command.eventCount }
                write.reply.resume(returning: reply)
            case .failure(let error):
                write.reply.resume(throwing: error)
                noteFailure(error)
            }
        }
        if events > 0 { metrics.recordCommit(events: events, nanoseconds: configuration.monotonicClock() - start, syncNanoseconds: pipeline.lastSyncNanoseconds) }
    }

    /// A failed append costs only the group; a failed sync stops the partition (restart
    /// recovers it from what the disk really holds).
    func noteFailure(_ error: EngineError) {
        switch error.code {
        case .journalWriteFailed:
            metrics.recordJournalFailure()
            logger.error("journal append failed; nothing applied", metadata: ["error": "\(error)"])
        case .durabilityUnknown:
            logger.critical("partition stopped", metadata: ["error": "\(error)"])
            failure = error
            metrics.recordStop()
        default:
            break
        }
    }
}
