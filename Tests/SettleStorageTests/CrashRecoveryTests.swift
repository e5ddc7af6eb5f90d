import SettleSeededRandom
import Testing
@testable import SettleStorage

/// The journal's promise under power failure, checked over many seeded crashes: every op that
/// `sync()` acknowledged survives, byte for byte; what survives beyond it is a prefix of what
/// was appended; and the journal always reopens and keeps going.
@Suite("Journal crash recovery")
struct CrashRecoveryTests {
    /// What the crashes did, so the test can check it exercised every recovery path.
    struct Coverage {
        var tornTails = 0
        var unsyncedLost = 0
        var unsyncedKept = 0
        var segmentsRolled = 0
    }

    @Test func acknowledgedOpsSurviveEveryCrash() throws {
        var coverage = Coverage()
        for seed in UInt64(0)..<150 {
            try crashRepeatedly(seed: seed, coverage: &coverage)
        }
        #expect(coverage.tornTails > 20 && coverage.unsyncedLost > 20 && coverage.unsyncedKept > 20)
        #expect(coverage.segmentsRolled > 100)
    }

    /// Six rounds of: reopen (checking what survived), append and sometimes sync, crash.
    private func crashRepeatedly(seed: UInt64, coverage: inout Coverage) throws {
        var random = SeededGenerator(seed: seed)
        let io = SimulatedFileIO(seed: seed)
        var written: [JournalRecord] = []
        var acknowledged = 0
        for round in 0..<6 {
            let (journal, replayed) = try openJournal(io, segmentSizeBytes: 300)
            let context: Comment = "seed \(seed) round \(round)"
            #expect(replayed.count >= acknowledged, "acknowledged ops lost: \(context)")
            #expect(replayed == Array(written.prefix(replayed.count)), "not a prefix of what was written: \(context)")
            if journal.recovery.tornBytesTruncated > 0 { coverage.tornTails += 1 }
            if replayed.count < written.count { coverage.unsyncedLost += 1 }
            if replayed.count > acknowledged { coverage.unsyncedKept += 1 }
            written = replayed
            acknowledged = replayed.count
            let segments = journal.segmentPaths.count
            try appendBatches(journal, &written, &acknowledged, &random)
            coverage.segmentsRolled += journal.segmentPaths.count - segments
            io.crash(.random)
        }
    }

    private func appendBatches(
        _ journal: FileJournal, _ written: inout [JournalRecord], _ acknowledged: inout Int,
        _ random: inout SeededGenerator
    ) throws {
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let op = UInt64(written.count + 1)
                let body = sampleBody(op: op, length: Int.random(in: 0...80, using: &random))
                try journal.append(op: op, timestamp: op, body: body)
                written.append(JournalRecord(partition: 1, op: op, timestamp: op, body: body))
            }
            if Bool.random(using: &random) {
                try journal.sync()
                acknowledged = written.count
            }
        }
    }

    /// Checkpoints and segment removal under crashes, the way the engine will drive them: the
    /// "state" is a CRC chain over all bodies; after every crash, newest checkpoint + journal
    /// replay must rebuild the chain of a prefix of what was written that covers every
    /// acknowledged op.
    @Test func checkpointPlusReplayRebuildsTheAcknowledgedState() throws {
        for seed in UInt64(0)..<60 {
            var random = SeededGenerator(seed: seed)
            let io = SimulatedFileIO(seed: seed)
            var chains: [UInt32] = [0]  // chains[n]: the state after op n
            var acknowledged: UInt64 = 0
            for round in 0..<5 {
                let store = try CheckpointStore(dataDirectory: "/data", partition: 1, io: io)
                let (journal, state) = try recoverState(io, store)
                let context: Comment = "seed \(seed) round \(round)"
                #expect(journal.lastOp >= acknowledged, "acknowledged ops lost: \(context)")
                #expect(state == chains[Int(journal.lastOp)], "state differs: \(context)")
                chains.removeLast(chains.count - Int(journal.lastOp) - 1)
                acknowledged = journal.lastOp
                try drive(journal, store, &chains, &acknowledged, &random)
                io.crash(.random)
            }
        }
    }

    /// Loads the newest checkpoint and replays the journal after it.
    private func recoverState(_ io: SimulatedFileIO, _ store: CheckpointStore) throws -> (FileJournal, UInt32) {
        let checkpoint = try store.loadNewest()
        var state: UInt32 = checkpoint.map { cp in cp.snapshot.withUnsafeBytes { $0.loadLE(at: 0) } } ?? 0
        let (journal, replayed) = try openJournal(io, segmentSizeBytes: 200, replayAfter: checkpoint?.op ?? 0)
        for record in replayed { state = record.body.withUnsafeBytes { CRC32C.update(state, $0) } }
        return (journal, state)
    }

    private func drive(
        _ journal: FileJournal, _ store: CheckpointStore, _ chains: inout [UInt32],
        _ acknowledged: inout UInt64, _ random: inout SeededGenerator
    ) throws {
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            let op = journal.lastOp + 1
            let body = sampleBody(op: op, length: Int.random(in: 0...60, using: &random))
            try journal.append(op: op, timestamp: op, body: body)
            chains.append(body.withUnsafeBytes { CRC32C.update(chains[chains.count - 1], $0) })
            guard Int.random(in: 0..<3, using: &random) == 0 else { continue }
            try journal.sync()
            acknowledged = journal.lastOp
            guard Bool.random(using: &random) else { continue }
            let snapshot = withUnsafeBytes(of: chains[Int(op)].littleEndian) { Array($0) }
            try store.write(op: op, timestamp: op, snapshot: snapshot)
            let older = try store.ops().first ?? op
            try journal.removeSegments(before: older + 1)
        }
    }
}
