import SettleCore

/// The replicated state of one partition: the ledger and the client sessions. It changes only
/// by applying journaled commands in journal order, through `apply` — on the live path and in
/// replay alike, so a replayed journal cannot take a different branch than the commit did.
final class PartitionState {
    let machine: StateMachine
    private(set) var sessions: SessionTable

    init(machine: StateMachine, sessions: SessionTable) {
        self.machine = machine
        self.sessions = sessions
    }

    /// Applies one journaled command of op `op`.
    func apply(_ entry: TimestampedCommand, op: UInt64) throws(BatchError) -> WriteReply.Results {
        let results = try machine.apply(entry)
        if case .registerSession(let tenant, let session) = entry.command {
            sessions.register(tenant: tenant, session: session, op: op)
        }
        if let tag = entry.tag, let tenant = entry.command.tenant {
            sessions.record(tenant: tenant, tag: tag, reply: WriteReply(results: results, op: op, timestamp: entry.timestamp))
        }
        return results
    }
}
