import SettleCore
import SettleEngine
import SettleStorage

/// The storage fault simulator: a real `CommitPipeline` on a `SimulatedFileIO`, driven by a
/// seeded workload of valid groups while the disk fails under it.
///
/// Each round starts on a fresh disk with tiny segments and checkpoint thresholds (segments
/// roll and checkpoints come every few dozen groups) and runs a few hundred groups. At seeded
/// points it injects ENOSPC/EIO on a journal write or on `fdatasync`, fills the disk up to a
/// limit for a while, cuts the power at a random upcoming disk call (`PowerCutFileIO`: mid
/// append, roll, checkpoint or segment removal), or cuts it between groups (`crash(.random)`,
/// sometimes `.loseUnsynced`) or restarts the process. After every failure it checks what the
/// storage contract promises (docs/STORAGE.md):
/// - a refused group (`.journalWriteFailed`) changed nothing, and goes through once the fault
///   is gone;
/// - after a failed sync the pipeline is stopped (`fatalError`) and refuses later groups;
/// - recovery on the same disk holds every acknowledged group, whole, and of the groups whose
///   outcome was unknown either all or nothing; its digest equals the shadow's (see
///   `StorageOracle`) for exactly that prefix; no id of a lost group is present; `audit()` finds
///   no violation.
/// Each round ends by damaging durable data — a bit flip before the tail of the journal, a
/// bit flip in the newest checkpoint, or a segment missing between two others — and expects
/// recovery to refuse with an `EngineError` naming the file and offset. Nothing is repaired:
/// the next round takes a new disk.
///
/// Same seed, same run: all randomness comes from the seed, and the pipeline writes its
/// checkpoints inline (`backgroundCheckpoints: false`).
public struct StorageFaultSimulator: Sendable {
    public let seed: UInt64
    /// Events acknowledged before the run stops (rounds continue until this many).
    public let eventCount: Int

    public init(seed: UInt64, eventCount: Int) {
        self.seed = seed
        self.eventCount = eventCount
    }

    /// Runs every round; throws the first broken expectation.
    public func run(progress: (StorageFaultSummary) -> Void = { _ in }) throws(StorageFaultFailure) -> StorageFaultSummary {
        let run = StorageFaultRun(seed: seed, eventBudget: eventCount)
        do {
            while run.summary.events < eventCount {
                try run.runRound()
                progress(run.summary)
            }
        } catch {
            throw StorageFaultFailure(
                seed: seed, eventCount: eventCount, round: run.summary.rounds, step: run.stepInRound,
                message: error.description, recent: run.recent)
        }
        return run.summary
    }

    /// The command-line driver behind `settle-sim --storage-faults`: runs each seed, prints a
    /// summary line per seed, or on failure the seed, the problem and the command that replays
    /// it. Returns whether every seed passed.
    public static func runCommand(seeds: [UInt64], events: Int, print: (String) -> Void = { Swift.print($0) }) -> Bool {
        for seed in seeds {
            print("storage-faults seed=\(seed) events=\(events)")
            do {
                let summary = try StorageFaultSimulator(seed: seed, eventCount: events).run()
                print("  " + summary.description)
            } catch {
                print("FAILED seed=\(seed)")
                print(error.description)
                print("replay: \(error.replayCommand)")
                return false
            }
        }
        if seeds.count > 1 { print("all \(seeds.count) seeds passed") }
        return true
    }
}

/// What one run did, for the summary line and for determinism checks (`digest`).
public struct StorageFaultSummary: Sendable, CustomStringConvertible {
    public var rounds = 0
    public var events = 0
    public var acknowledged = 0
    public var refused = 0
    /// Groups whose outcome was unknown (failed sync, power cut) that recovery kept / lost.
    public var unknownKept = 0
    public var unknownLost = 0
    public var writeFaults = 0
    public var syncFaults = 0
    /// Sync faults that hit the sync of a segment roll inside an append (poisoning the journal).
    public var syncFaultsInRoll = 0
    public var diskFullPhases = 0
    public var powerCuts = 0
    public var crashes = 0
    public var restarts = 0
    public var recoveries = 0
    public var tornTails = 0
    public var checkpoints = 0
    /// Damage each round ends with, detected by recovery as it must be.
    public var corruptJournal = 0
    public var corruptCheckpoint = 0
    public var missingSegment = 0
    /// Combines every round's final state digest.
    public var digest: UInt64 = 0

    public var description: String {
        "rounds \(rounds), events \(events), groups acknowledged \(acknowledged), refused \(refused), "
            + "unknown kept/lost \(unknownKept)/\(unknownLost); faults: write \(writeFaults), sync \(syncFaults) (in a roll \(syncFaultsInRoll)), "
            + "disk full \(diskFullPhases), power cuts \(powerCuts), crashes \(crashes), restarts \(restarts); "
            + "recoveries \(recoveries) (torn tails \(tornTails)), checkpoints \(checkpoints); "
            + "damage refused: journal \(corruptJournal), checkpoint \(corruptCheckpoint), missing segment \(missingSegment); "
            + "digest \(digest)"
    }
}

/// The first broken expectation of a run, with what led up to it and how to replay it.
public struct StorageFaultFailure: Error, CustomStringConvertible {
    public var seed: UInt64
    public var eventCount: Int
    public var round: Int
    public var step: Int
    public var message: String
    /// The last actions of the run, oldest first.
    public var recent: [String]

    public var replayCommand: String {
        "swift run -c release settle-sim --storage-faults --seed \(seed) --events \(eventCount)"
    }

    public var description: String {
        (["storage fault simulation failed: seed \(seed), round \(round), step \(step): \(message)", "last actions:"]
            + recent.map { "  " + $0 }).joined(separator: "\n")
    }
}
