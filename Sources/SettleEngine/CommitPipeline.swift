import SettleCore
import SettleStorage

/// The single-threaded heart of a partition: timestamp, journal, apply, sync.
///
/// The input is journaled *before* it is applied, so a failed append (disk full, I/O error)
/// leaves both the journal and the state exactly as they were and the partition serves on;
/// only after one `fdatasync` covers the group are its results handed back. A failed sync is
/// fatal for this pipeline: memory is ahead of what is known to be on disk, so the owner must
/// stop and recover from the disk. `Partition` runs one on its writer thread; the simulator
/// drives one directly against a simulated disk.
public final class CommitPipeline {
    let state: PartitionState
    /// The ledger (owned by whoever drives this pipeline).
    public var machine: StateMachine { state.machine }
    /// The client sessions, part of the replicated state.
    public var sessions: SessionTable { state.sessions }
    /// The idempotency keys, part of the replicated state.
    public var idempotency: IdempotencyTable { state.idempotency }
    /// The system records (partition 0), part of the replicated state.
    public var systemRecords: SystemRecords { state.system }
    /// The op the next committed group will get.
    public private(set) var nextOp: UInt64
    let journal: any Journal
    let storage: any PartitionStorage
    let checkpoints: CheckpointScheduler
    let configuration: EngineConfiguration
    public let recovery: RecoveryReport
    /// How long the newest group's `fdatasync` took, in monotonic nanoseconds.
    public private(set) var lastSyncNanoseconds: UInt64 = 0
    /// Set once a sync failed; every later commit is refused with it.
    public private(set) var fatalError: EngineError?

    /// Recovers partition `index` of the configured storage (newest checkpoint + journal).
    /// - Parameter backgroundCheckpoints: write checkpoints on a background thread (the
    ///   engine) or synchronously inside `commit` (deterministic, for the simulator).
    public convenience init(partition index: Int, configuration: EngineConfiguration, backgroundCheckpoints: Bool) throws(EngineError) {
        try self.init(partition: index, configuration: configuration, backgroundCheckpoints: backgroundCheckpoints, continuing: nil)
    }

    /// `continuing`: a replica's state of this partition and its op, replayed forward instead
    /// of the newest checkpoint when the journal still holds what follows it.
    init(partition index: Int, configuration: EngineConfiguration, backgroundCheckpoints: Bool,
         continuing: (state: PartitionState, op: UInt64)?) throws(EngineError) {
        let recovered = try Recovery.recover(partition: index, configuration: configuration, continuing: continuing)
        state = recovered.state
        journal = recovered.journal
        storage = recovered.storage
        nextOp = recovered.lastOp + 1
        recovery = recovered.report
        self.configuration = configuration
        checkpoints = CheckpointScheduler(store: recovered.storage, background: backgroundCheckpoints)
    }

    /// The outcome of one command of a committed group.
    public typealias Outcome = Result<WriteReply, EngineError>

    /// Commits `commands` as one group: one journal record and one `fdatasync`. Returns one
    /// outcome per command, in order; a command that fails its envelope check fails alone.
    /// `tags` (empty, or one per command) marks exactly-once requests: a repeat of a session's
    /// newest request, or of an idempotency key's request, gets its stored reply and is not
    /// journaled again.
    public func commit(_ commands: [Command], tags: [RequestTag?] = [], wallClock: UInt64) -> [Outcome] {
        precondition(tags.isEmpty || tags.count == commands.count, "one tag (or nil) per command")
        if let fatalError { return commands.map { _ in .failure(fatalError) } }
        var outcomes = [Outcome?](repeating: nil, count: commands.count)
        let admission = admit(commands, tags: tags, wallClock: wallClock, outcomes: &outcomes)
        if !admission.entries.isEmpty {
            journalAndApply(admission, outcomes: &outcomes)
        }
        for (index, original) in admission.repeats { outcomes[index] = outcomes[original] }
        return outcomes.map { $0! }
    }

    private struct Admission {
        var entries: [TimestampedCommand] = []
        var admitted: [Int] = []
        /// Per entry, the session request's fingerprint, computed once here for apply to store.
        var fingerprints: [UInt64?] = []
        /// A request repeated inside the group, and the index of its first occurrence.
        var repeats: [(index: Int, original: Int)] = []
    }

    /// Exactly-once requests already admitted to the group being built.
    private struct GroupTags {
        var sessions: [SessionTable.Key: (request: UInt64, fingerprint: UInt64, index: Int)] = [:]
        var keys: [IdempotencyTable.Key: (fingerprint: UInt128, index: Int)] = [:]
    }

    /// Envelope checks, exactly-once decisions and timestamps, before anything is journaled.
    private func admit(_ commands: [Command], tags: [RequestTag?], wallClock: UInt64, outcomes: inout [Outcome?]) -> Admission {
        var admission = Admission()
        var inGroup = GroupTags()
        var timestamp = machine.lastTimestamp
        for (index, command) in commands.enumerated() {
            if let refusal = envelopeRefusal(command) {
                outcomes[index] = .failure(refusal)
                continue
            }
            let count = command.eventCount
            let tag = tags.isEmpty ? nil : tags[index]
            var fingerprint: UInt64?
            if let tag, let tenant = command.tenant {
                switch admitTag(tag, command: command, tenant: tenant, index: index, now: max(wallClock, timestamp), inGroup: &inGroup) {
                case .execute(let sessionFingerprint): fingerprint = sessionFingerprint
                case .repeatOf(let original):
                    admission.repeats.append((index, original))
                    continue
                case .answered(let outcome):
                    outcomes[index] = outcome
                    continue
                }
            }
            // Strictly monotonic even when the wall clock steps back (DESIGN §3).
            timestamp = max(wallClock, timestamp + UInt64(max(count, 1)))
            admission.entries.append(TimestampedCommand(command: command, timestamp: timestamp, tag: tag))
            admission.admitted.append(index)
            admission.fingerprints.append(fingerprint)
        }
        return admission
    }

    private func envelopeRefusal(_ command: Command) -> EngineError? {
        let count = command.eventCount
        guard count <= StateMachine.batchEventsMax else {
            return EngineError(.invalidBatch, "\(count) events in one batch; at most \(StateMachine.batchEventsMax) are allowed")
        }
        if case .putSystemRecord(let write) = command,
           write.key.utf8.count > SystemRecordWrite.keyBytesMax || write.value.count > SystemRecordWrite.valueBytesMax {
            return EngineError(.invalidRecord, "a system record key holds at most \(SystemRecordWrite.keyBytesMax) bytes and its value \(SystemRecordWrite.valueBytesMax)")
        }
        return nil
    }

    private enum TagAdmission {
        /// With the fingerprint of a session request.
        case execute(UInt64?)
        /// The same request earlier in this group: answered with its outcome.
        case repeatOf(Int)
        case answered(Outcome)
    }

    private func admitTag(
        _ tag: RequestTag, command: Command, tenant: TenantID, index: Int, now: UInt64, inGroup: inout GroupTags
    ) -> TagAdmission {
        switch tag {
        case .session(let tag):
            let key = SessionTable.Key(tenant: tenant, session: tag.session)
            let fingerprint = command.fingerprint
            if let earlier = inGroup.sessions[key], earlier.request == tag.request {
                return earlier.fingerprint == fingerprint ? .repeatOf(earlier.index) : .answered(.failure(mismatch(tag)))
            }
            if let refusal = sessionRefusal(tenant: tenant, tag: tag, fingerprint: fingerprint) { return .answered(refusal) }
            inGroup.sessions[key] = (tag.request, fingerprint, index)
            return .execute(fingerprint)
        case .idempotencyKey(let tag):
            guard tag.key.utf8.count <= IdempotencyTag.keyBytesMax, !tag.key.isEmpty else {
                return .answered(.failure(EngineError(.invalidBatch, "an idempotency key holds 1 to \(IdempotencyTag.keyBytesMax) bytes")))
            }
            let key = IdempotencyTable.Key(tenant: tenant, key: tag.key)
            if let earlier = inGroup.keys[key] {
                return earlier.fingerprint == tag.fingerprint ? .repeatOf(earlier.index) : .answered(.failure(reused(tag)))
            }
            switch idempotency.decide(tenant: tenant, tag: tag, now: now, admitting: inGroup.keys.count) {
            case .execute: inGroup.keys[key] = (tag.fingerprint, index)
            case .replay(let reply): return .answered(.success(reply))
            case .mismatch: return .answered(.failure(reused(tag)))
            case .full:
                return .answered(.failure(EngineError(
                    .idempotencyKeysExhausted, "\(idempotency.capacity) idempotency keys are held in this partition; retry later")))
            }
        }
        return .execute(nil)
    }

    private func mismatch(_ tag: ClientTag) -> EngineError {
        EngineError(.requestMismatch, "request \(tag.request) of session \(tag.session) was a different request; use a new number for a new request")
    }

    private func reused(_ tag: IdempotencyTag) -> EngineError {
        EngineError(.idempotencyKeyReused, "idempotency key \"\(tag.key)\" was used with a different request")
    }

    /// The outcome of a tagged write that must not execute: a stored reply or a refusal.
    private func sessionRefusal(tenant: TenantID, tag: ClientTag, fingerprint: UInt64) -> Outcome? {
        switch sessions.decide(tenant: tenant, tag: tag, fingerprint: fingerprint) {
        case .execute:
            return nil
        case .replay(let reply):
            return .success(reply)
        case .sessionNotFound:
            return .failure(EngineError(.sessionNotFound, "session \(tag.session) is not registered (or was evicted); register it again"))
        case .requestMismatch:
            return .failure(mismatch(tag))
        case .requestTooOld(let newest):
            return .failure(EngineError(.requestTooOld, "request \(tag.request) of session \(tag.session) is older than its newest, \(newest)"))
        }
    }

    /// One journal record, apply, one `fdatasync`: the commit proper.
    private func journalAndApply(_ admission: Admission, outcomes: inout [Outcome?]) {
        let (entries, admitted) = (admission.entries, admission.admitted)
        let op = nextOp
        let body = CommandCodec.encode(entries)
        do {
            try journal.append(op: op, timestamp: entries[entries.count - 1].timestamp, body: body)
        } catch {
            // A plain failed write was cut back: nothing happened, serve on. But if the append
            // poisoned the journal (its segment roll's sync failed, or the cut-back did), it
            // takes nothing more until reopened: stop now, as after a failed sync.
            let failure = journal.isPoisoned
                ? EngineError(.durabilityUnknown, "journal poisoned, nothing was applied; the partition must recover from disk: \(error)")
                : EngineError(.journalWriteFailed, "journal append failed, nothing was applied: \(error)")
            if journal.isPoisoned { fatalError = failure }
            for index in admitted { outcomes[index] = .failure(failure) }
            return
        }
        var results: [WriteReply.Results] = []
        results.reserveCapacity(entries.count)
        for entry in entries {
            do {
                results.append(try state.apply(entry, op: op, fingerprint: admission.fingerprints[results.count]))
            } catch {
                // Timestamps were computed from the machine's own clock just above.
                preconditionFailure("a journaled batch was refused by the state machine: \(error)")
            }
        }
        nextOp = op + 1
        let syncStart = configuration.monotonicClock()
        defer { lastSyncNanoseconds = configuration.monotonicClock() &- syncStart }
        do {
            try journal.sync()
        } catch {
            let failure = EngineError(.durabilityUnknown, "fdatasync failed (\(error)); the partition must recover from disk")
            fatalError = failure
            for index in admitted { outcomes[index] = .failure(failure) }
            return
        }
        checkpoints.noteJournalBytes(body.count)
        for (position, index) in admitted.enumerated() {
            outcomes[index] = .success(WriteReply(results: results[position], op: op, timestamp: entries[position].timestamp))
        }
    }

    /// Commits an expiry step when a pending transfer's deadline has passed; nil otherwise.
    public func expireIfDue(wallClock: UInt64) -> Outcome? {
        guard let due = machine.nextExpiry(), due <= wallClock else { return nil }
        return commit([.expirePending], wallClock: wallClock).first
    }

    /// Takes a checkpoint when enough journal has accumulated, and frees covered segments once
    /// one is durable. Call between commits.
    public func maintain() -> [String] {
        checkpoints.poll(pipeline: self)
    }

    /// Waits for a background checkpoint to finish; closes nothing.
    public func waitForCheckpoint() {
        checkpoints.waitForInFlight()
    }

    /// Waits for a background checkpoint, then closes the journal and the storage. Call once,
    /// when nothing more will be committed.
    public func close() {
        checkpoints.waitForInFlight()
        journal.close()
        storage.close()
    }

    /// Checkpoints written since this pipeline was recovered.
    public var checkpointCount: Int { checkpoints.completed }
}
