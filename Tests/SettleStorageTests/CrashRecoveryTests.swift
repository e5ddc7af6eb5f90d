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
}
