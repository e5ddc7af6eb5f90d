import SettleCore

/// The replicated state of one partition: the ledger, the client sessions, the idempotency
/// keys and (in partition 0) the system records. It changes only by applying journaled
/// commands in journal order, through `apply` — on the live path and in replay alike, so a
/// replayed journal cannot take a different branch than the commit did.
final class PartitionState {
    let machine: StateMachine
    private(set) var sessions: SessionTable
    private(set) var idempotency: IdempotencyTable
    private(set) var system: SystemRecords

    init(machine: StateMachine, sessions: SessionTable, idempotency: IdempotencyTable, system: SystemRecords) {
        self.machine = machine
        self.sessions = sessions
        self.idempotency = idempotency
        self.system = system
    }

    /// Applies one journaled command of op `op`. `fingerprint`: the session request's
    /// `Command.fingerprint` if the caller already has it (the live path); replay computes it.
    func apply(_ entry: TimestampedCommand, op: UInt64, fingerprint: UInt64? = nil) throws(BatchError) -> WriteReply.Results {
        var results = try machine.apply(entry)
        switch entry.command {
        case .registerSession(let tenant, let session): sessions.register(tenant: tenant, session: session, op: op)
        case .putSystemRecord(let write): results = .record(written: system.apply(write))
        case .createAccounts, .createTransfers, .expirePending: break
        }
        guard let tag = entry.tag, let tenant = entry.command.tenant else { return results }
        let reply = WriteReply(results: results, op: op, timestamp: entry.timestamp)
        switch tag {
        case .session(let tag): sessions.record(tenant: tenant, tag: tag, reply: reply, fingerprint: fingerprint ?? entry.command.fingerprint)
        case .idempotencyKey(let tag): idempotency.record(tenant: tenant, tag: tag, reply: reply)
        }
        return results
    }

    /// The checkpoint form of everything but the ledger, in the order `Recovery` reads it.
    func encodedTables() -> [UInt8] {
        sessions.encoded() + idempotency.encoded() + system.encoded()
    }
}
