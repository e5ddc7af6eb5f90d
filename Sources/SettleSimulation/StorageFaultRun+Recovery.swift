import SettleCore
import SettleEngine
import SettleStorage

extension StorageFaultRun {
    /// Drops the pipeline, fails the power (or not), recovers a new pipeline from the same
    /// disk and checks it against the oracle.
    func recover(_ kind: RecoveryKind) throws(SimulationProblem) {
        if let pipeline { summary.checkpoints += pipeline.checkpointCount }
        pipeline = nil
        switch kind {
        case .powerCut: summary.powerCuts += 1
        case .crash(let mode):
            disk.crash(mode)
            summary.crashes += 1
        case .restart: summary.restarts += 1
        }
        io.reset()
        disk.capacityBytes = nil
        diskFullSteps = 0
        let recovered: CommitPipeline
        do {
            recovered = try CommitPipeline(partition: 0, configuration: configuration, backgroundCheckpoints: false)
        } catch {
            throw SimulationProblem("recovery after \(kind) failed: \(error)")
        }
        summary.recoveries += 1
        if recovered.recovery.tornBytesDropped > 0 { summary.tornTails += 1 }
        try check(recovered, after: kind)
        pipeline = recovered
    }

    /// The recovered state is the shadow's for a prefix of the applied groups that holds every
    /// durable one; nothing of a later group (nor of a refused one) is there; the audit is clean.
    private func check(_ recovered: CommitPipeline, after kind: RecoveryKind) throws(SimulationProblem) {
        let kept = Int(recovered.nextOp - 1)
        let durable = oracle.durableCount
        let applied = oracle.groups.count
        guard kept >= durable else {
            throw SimulationProblem("after \(kind), recovery holds ops 1...\(kept), but op \(durable) was acknowledged")
        }
        let expected: UInt64
        if kept == applied {
            expected = oracle.shadow.digest()
        } else if kept == applied - 1, let before = oracle.digestBeforeLast {
            expected = before
        } else {
            throw SimulationProblem("after \(kind), recovery holds ops 1...\(kept); \(applied) were applied, \(durable) durable")
        }
        let digest = recovered.machine.digest()
        guard digest == expected else {
            throw SimulationProblem("after \(kind), the recovered state of ops 1...\(kept) has digest \(digest), the shadow \(expected)")
        }
        for (index, group) in oracle.groups.enumerated() {
            let present = Self.presentIDs(of: group.commands, in: recovered.machine).count
            let total = group.commands.reduce(0) { $0 + StorageOracle.eventCount($1) }
            guard present == (index < kept ? total : 0) else {
                throw SimulationProblem("after \(kind), op \(index + 1) has \(present) of its \(total) ids (kept ops 1...\(kept))")
            }
        }
        if let retry, let present = Self.presentIDs(of: retry, in: recovered.machine).first {
            throw SimulationProblem("after \(kind), a group the journal refused left \(present)")
        }
        let violations = recovered.machine.audit().violations
        guard violations.isEmpty else {
            throw SimulationProblem("after \(kind), audit: \(violations.prefix(5).joined(separator: "; "))")
        }
        if kept < applied { summary.unknownLost += 1 } else if durable < applied { summary.unknownKept += 1 }
        try oracle.keep(kept)
        guard oracle.shadow.digest() == expected else { throw SimulationProblem("the rebuilt shadow disagrees with itself") }
        note("recovered after \(kind): ops 1...\(kept) (checkpoint op \(recovered.recovery.checkpointOp), "
             + "\(recovered.recovery.replayedOps) replayed, torn bytes \(recovered.recovery.tornBytesDropped))")
    }

    // MARK: Damage

    private enum Damage: CustomStringConvertible {
        case journalBit(path: String, offset: UInt64)
        case checkpointBit(path: String, offset: UInt64)
        case missingSegment(path: String, next: String)

        var description: String {
            switch self {
            case .journalBit(let path, let offset): "bit flip in \(path) at byte \(offset)"
            case .checkpointBit(let path, let offset): "bit flip in \(path) at byte \(offset)"
            case .missingSegment(let path, _): "missing segment \(path)"
            }
        }
    }

    /// Ends a round: restarts cleanly (so all is durable), damages durable data, and expects
    /// recovery to refuse, naming the file and the offset. Repairs nothing.
    func damageAndExpectRefusal() throws(SimulationProblem) {
        try recover(.restart)
        if let pipeline { summary.checkpoints += pipeline.checkpointCount }
        pipeline = nil
        guard let damage = chooseDamage() else {
            note("nothing durable enough to damage")
            return
        }
        note("damage: \(damage)")
        let named: String
        switch damage {
        case .journalBit(let path, let offset), .checkpointBit(let path, let offset):
            disk.corrupt(path, offset: offset, bit: UInt8(below(8)))
            named = path
        case .missingSegment(let path, let next):
            do { try disk.removeFile(path) } catch { throw SimulationProblem("removing \(path): \(error)") }
            named = next
        }
        do {
            _ = try CommitPipeline(partition: 0, configuration: configuration, backgroundCheckpoints: false)
        } catch {
            guard error.code == .recoveryFailed, error.message.contains(named), error.message.contains("offset") else {
                throw SimulationProblem("\(damage): recovery refused, but without naming \(named) and an offset: \(error)")
            }
            note("recovery refused: \(error)")
            switch damage {
            case .journalBit: summary.corruptJournal += 1
            case .checkpointBit: summary.corruptCheckpoint += 1
            case .missingSegment: summary.missingSegment += 1
            }
            return
        }
        throw SimulationProblem("recovery accepted a disk with a \(damage)")
    }

    private func chooseDamage() -> Damage? {
        let segments = ((try? disk.listDirectory(Self.journalDirectory)) ?? [])
            .filter { $0.hasSuffix(".wal") }.map { Self.journalDirectory + "/" + $0 }
        let checkpoints = ((try? disk.listDirectory(Self.checkpointDirectory)) ?? [])
            .filter { $0.hasSuffix(".checkpoint") }.map { Self.checkpointDirectory + "/" + $0 }
        var choices: [Damage] = []
        if let offset = journalDamageOffset(segments) { choices.append(.journalBit(path: offset.path, offset: offset.offset)) }
        if let newest = checkpoints.last, let size = disk.contents(of: newest)?.count, size > 0 {
            choices.append(.checkpointBit(path: newest, offset: UInt64(below(size))))
        }
        if segments.count >= 3 {
            let index = 1 + below(segments.count - 2)
            choices.append(.missingSegment(path: segments[index], next: segments[index + 1]))
        }
        return choices.isEmpty ? nil : choices[below(choices.count)]
    }

    /// A byte before the tail: anywhere in a segment that is not the last, or in the last one
    /// before the start of its final record (so a valid record follows the damage).
    private func journalDamageOffset(_ segments: [String]) -> (path: String, offset: UInt64)? {
        var candidates: [(path: String, limit: Int)] = []
        for (index, path) in segments.enumerated() {
            guard let bytes = disk.contents(of: path), !bytes.isEmpty else { continue }
            if index < segments.count - 1 {
                candidates.append((path, bytes.count))
            } else if let lastRecord = Self.lastRecordOffset(bytes), lastRecord > 0 {
                candidates.append((path, lastRecord))
            }
        }
        guard !candidates.isEmpty else { return nil }
        let chosen = candidates[below(candidates.count)]
        return (chosen.path, UInt64(below(chosen.limit)))
    }

    /// Where the last whole record of a segment starts.
    static func lastRecordOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            var last: Int?
            while offset < raw.count, case .record(let header) = JournalRecordFormat.decode(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
                last = offset
                offset += header.recordSize
            }
            return last
        }
    }
}
