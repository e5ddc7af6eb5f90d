import SettleCore
import SettleEngine
import SettleStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one group came out of `CommitPipeline.commit`.
enum GroupOutcome: Equatable {
    /// Durable and applied; every event succeeded.
    case acknowledged
    /// `.journalWriteFailed`: nothing applied, the pipeline serves on.
    case refused
    /// `.durabilityUnknown` after the pipeline applied it in memory (the sync failed).
    case unknownApplied
    /// `.durabilityUnknown` and nothing applied (the pipeline had already stopped, or its
    /// journal refused the append).
    case unknownNotApplied
}

extension StorageFaultRun {
    /// A fresh group from the workload.
    func submitNew() throws(SimulationProblem) {
        let group = workload.nextGroup(shadow: oracle.shadow)
        if try submit(group) == .refused { retry = group }
    }

    /// Submits the refused group again. With the fault gone it must go through.
    func submitRetry(_ group: [Command]) throws(SimulationProblem) {
        let calm = diskFullSteps == 0 && !io.armed
        let outcome = try submit(group)
        if outcome == .refused && calm && live.fatalError == nil {
            throw SimulationProblem("the journal refused a group again after the fault was gone")
        }
        if outcome != .refused { retry = nil }
    }

    /// ENOSPC or EIO on the next journal write: the group is refused, changes nothing, and
    /// goes through when submitted again.
    /// With `thenRetry` false the group stays refused (`retry`) for the caller.
    func writeFault(_ group: [Command]? = nil, thenRetry: Bool = true) throws(SimulationProblem) {
        let errno = chance(50) ? ENOSPC : EIO
        disk.injectFault(errno, on: .write)
        summary.writeFaults += 1
        note("inject errno \(errno) on the next write")
        let group = group ?? workload.nextGroup(shadow: oracle.shadow)
        let outcome = try submit(group)
        guard outcome == .refused else {
            throw SimulationProblem("a failed journal write gave \(outcome), expected journalWriteFailed")
        }
        retry = group
        if thenRetry { try submitRetry(group) }
    }

    /// EIO on the next `fdatasync`: the pipeline stops (`fatalError`), refuses later groups,
    /// and must be recovered from the disk (`recoverIfDown`).
    ///
    /// Sometimes the sync that fails is the one of a segment roll inside an append: a refused
    /// small group leaves an unsynced cut in the segment, then a large group of new accounts
    /// (independent of the refused one) rolls. Nothing of it is written, the journal is
    /// poisoned, and that very group must find the pipeline stopped.
    func syncFault() throws(SimulationProblem) {
        let viaRoll = chance(40)
        var group = workload.nextGroup(shadow: oracle.shadow)
        if viaRoll {
            try writeFault(group, thenRetry: false)
            group = workload.accountsGroup(count: 70 + below(60))
        }
        disk.injectFault(EIO, on: .syncData)
        summary.syncFaults += 1
        note("inject EIO on the next fdatasync")
        switch try submit(group) {
        case .unknownApplied:
            if !viaRoll { retry = nil }
        case .unknownNotApplied where viaRoll:
            summary.syncFaultsInRoll += 1
            retry = retry ?? group
        case let outcome:
            throw SimulationProblem("a failed fdatasync gave \(outcome), expected durabilityUnknown")
        }
    }

    /// After a failed sync every later group is refused and changes nothing. (A fresh group
    /// is not kept for a retry: it may build on the unknown group, which recovery may drop.)
    func expectStopped() throws(SimulationProblem) {
        let group = retry ?? workload.nextGroup(shadow: oracle.shadow)
        guard try submit(group) == .unknownNotApplied else {
            throw SimulationProblem("a stopped pipeline accepted a group")
        }
    }

    /// Commits an expiry step when the shadow says a pending transfer is due.
    func tickExpiry() throws(SimulationProblem) {
        guard let due = oracle.shadow.nextExpiry(), due <= clock else { return }
        let before = live.nextOp
        guard let outcome = live.expireIfDue(wallClock: clock) else {
            throw SimulationProblem("a pending transfer was due at \(due) but the pipeline did not expire it at \(clock)")
        }
        _ = try settle([.expirePending], [outcome], opBefore: before)
    }

    /// Commits `group` and checks the outcome against the oracle.
    func submit(_ group: [Command]) throws(SimulationProblem) -> GroupOutcome {
        let before = live.nextOp
        let outcomes = live.commit(group, wallClock: clock)
        return try settle(group, outcomes, opBefore: before)
    }

    /// Classifies a group's outcomes and checks each kind's promise.
    func settle(_ group: [Command], _ outcomes: [CommitPipeline.Outcome], opBefore: UInt64) throws(SimulationProblem) -> GroupOutcome {
        let applied = live.nextOp != opBefore
        var replies: [WriteReply] = []
        var codes: [EngineError.Code] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let reply): replies.append(reply)
            case .failure(let error): codes.append(error.code)
            }
        }
        let events = group.reduce(0) { $0 + StorageOracle.eventCount($1) }
        if replies.count == group.count {
            guard applied, live.nextOp == opBefore + 1 else { throw SimulationProblem("an acknowledged group took ops \(opBefore)..<\(live.nextOp)") }
            let timestamps = try oracle.apply(group, wallClock: clock, durable: true)
            try checkReplies(replies, timestamps: timestamps, op: opBefore)
            summary.acknowledged += 1
            summary.events += events
            note("group of \(group.count) commands, \(events) events: acknowledged as op \(opBefore)")
            if oracle.groups.count % 16 == 0 { try expectLockStep("after op \(opBefore)") }
            return .acknowledged
        }
        guard codes.count == group.count, let code = codes.first, codes.allSatisfy({ $0 == code }) else {
            throw SimulationProblem("a group of valid commands came out split: \(outcomes)")
        }
        switch code {
        case .journalWriteFailed where !applied:
            try expectUnchanged(group, "a refused group")
            summary.refused += 1
            note("group refused: \(outcomes[0])")
            return .refused
        case .durabilityUnknown where live.fatalError != nil:
            if applied {
                _ = try oracle.apply(group, wallClock: clock, durable: false)
                try expectLockStep("after a failed sync")
                note("group outcome unknown (applied in memory as op \(opBefore)): \(outcomes[0])")
                return .unknownApplied
            }
            try expectUnchanged(group, "a group refused by a stopped pipeline")
            note("group refused by a stopped pipeline")
            return .unknownNotApplied
        default:
            throw SimulationProblem("unexpected outcome (applied in memory: \(applied)): \(outcomes)")
        }
    }

    private func checkReplies(_ replies: [WriteReply], timestamps: [UInt64], op: UInt64) throws(SimulationProblem) {
        guard Int(op) == oracle.groups.count else {
            throw SimulationProblem("group \(oracle.groups.count) was journaled as op \(op)")
        }
        for (reply, timestamp) in zip(replies, timestamps) {
            guard reply.op == op, reply.timestamp == timestamp else {
                throw SimulationProblem("reply at op \(reply.op), timestamp \(reply.timestamp); expected op \(op), timestamp \(timestamp)")
            }
            let allOK: Bool
            switch reply.results {
            case .accounts(let results): allOK = results.allSatisfy { $0 == .ok }
            case .transfers(let results): allOK = results.allSatisfy { $0 == .ok }
            case .none, .record: allOK = true
            }
            guard allOK else { throw SimulationProblem("an acknowledged event did not succeed: \(reply.results)") }
        }
    }

    /// The pipeline's state equals the shadow's.
    func expectLockStep(_ when: String) throws(SimulationProblem) {
        let (live, shadow) = (self.live.machine.digest(), oracle.shadow.digest())
        guard live == shadow else {
            throw SimulationProblem("pipeline state (digest \(live)) differs from the shadow (\(shadow)) \(when)")
        }
    }

    /// Nothing of `group` reached the pipeline's state, and nothing else changed either.
    private func expectUnchanged(_ group: [Command], _ what: String) throws(SimulationProblem) {
        try expectLockStep("after \(what)")
        if let present = Self.presentIDs(of: group, in: live.machine).first {
            throw SimulationProblem("\(what) left \(present) in the state")
        }
    }

    /// Descriptions of the ids of `group` that `machine` holds.
    static func presentIDs(of group: [Command], in machine: StateMachine) -> [String] {
        var present: [String] = []
        for command in group {
            guard let ids = StorageWorkload.ids(of: command) else { continue }
            present += machine.lookupAccounts(tenant: ids.tenant, ids: ids.accounts).map { "account \($0.id) of \(ids.tenant)" }
            present += machine.lookupTransfers(tenant: ids.tenant, ids: ids.transfers).map { "transfer \($0.id) of \(ids.tenant)" }
        }
        return present
    }
}
