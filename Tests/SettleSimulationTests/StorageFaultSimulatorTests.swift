import SettleSimulation
import Testing

/// Short runs of the storage fault simulator (`settle-sim --storage-faults`; the long ones are
/// in scripts/simulate.sh).
@Suite("Storage fault simulator")
struct StorageFaultSimulatorTests {
    static let eventCount = 4_000

    @Test("fixed seeds keep every acknowledged group through storage faults", arguments: [1, 2] as [UInt64])
    func fixedSeedPasses(seed: UInt64) {
        do {
            let summary = try StorageFaultSimulator(seed: seed, eventCount: Self.eventCount).run()
            #expect(summary.events >= Self.eventCount)
            #expect(summary.recoveries > 0)
            #expect(summary.refused > 0)
            #expect(summary.checkpoints > 0)
            #expect(summary.corruptJournal + summary.corruptCheckpoint + summary.missingSegment == summary.rounds)
        } catch {
            Issue.record("\(error)\nreplay: \(error.replayCommand)")
        }
    }

    @Test("a seed replays exactly")
    func sameSeedSameRun() throws {
        let first = try StorageFaultSimulator(seed: 7, eventCount: 1_500).run()
        let second = try StorageFaultSimulator(seed: 7, eventCount: 1_500).run()
        #expect(first.description == second.description)
    }
}
