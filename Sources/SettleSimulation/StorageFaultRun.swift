import SettleSeededRandom
import SettleCore
import SettleEngine
import SettleStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mutable state of one storage fault simulation (see `StorageFaultSimulator`).
final class StorageFaultRun {
    static let directory = "/data"
    static let journalDirectory = "/data/journal/0000000000"
    static let checkpointDirectory = "/data/checkpoints/0000000000"

    let eventBudget: Int
    var rng: SplitMix64
    var summary = StorageFaultSummary()
    var stepInRound = 0
    /// The last actions, for the failure report.
    private(set) var recent: [String] = []

    /// The simulated wall clock (nanoseconds); mostly forward, now and then a step back.
    var clock: UInt64 = 1_700_000_000_000_000_000
    var disk = SimulatedFileIO()
    var io: PowerCutFileIO
    var pipeline: CommitPipeline?
    var oracle = StorageOracle()
    var workload = StorageWorkload(seed: 0)
    /// A group the journal refused, submitted again (unchanged) until it lands.
    var retry: [Command]?
    /// Steps left with a limited disk capacity.
    var diskFullSteps = 0

    init(seed: UInt64, eventBudget: Int) {
        rng = SplitMix64(seed: seed)
        self.eventBudget = eventBudget
        io = PowerCutFileIO(disk: disk)
    }

    var configuration: EngineConfiguration {
        var configuration = EngineConfiguration(directory: Self.directory, partitionCount: 1)
        configuration.io = io
        configuration.segmentBytes = 8 << 10
        configuration.checkpointJournalBytes = 16 << 10
        configuration.memoryPoolChunks = 0  // no background page-faulting thread per recovery
        return configuration
    }

    /// The live pipeline (there always is one between steps).
    var live: CommitPipeline { pipeline! }

    func note(_ action: String) {
        recent.append("[\(summary.rounds).\(stepInRound)] \(action)")
        if recent.count > 40 { recent.removeFirst(recent.count - 40) }
    }

    // MARK: Rounds

    /// One disk's life: a few hundred groups with faults, then damage that recovery must refuse.
    func runRound() throws(SimulationProblem) {
        summary.rounds += 1
        stepInRound = 0
        disk = SimulatedFileIO(seed: rng.next())
        io = PowerCutFileIO(disk: disk)
        oracle = StorageOracle()
        workload = StorageWorkload(seed: rng.next())
        retry = nil
        diskFullSteps = 0
        note("new disk")
        do {
            pipeline = try CommitPipeline(partition: 0, configuration: configuration, backgroundCheckpoints: false)
        } catch {
            throw SimulationProblem("opening an empty disk failed: \(error)")
        }
        let steps = 150 + below(250)
        while stepInRound < steps && summary.events < eventBudget {
            stepInRound += 1
            try step()
        }
        try damageAndExpectRefusal()
        summary.digest = (summary.digest ^ oracle.shadow.digest()) &* 0x9E37_79B9_7F4A_7C15
    }

    // MARK: Steps

    private func step() throws(SimulationProblem) {
        advanceClock()
        if diskFullSteps > 0 {
            diskFullSteps -= 1
            if diskFullSteps == 0 {
                disk.capacityBytes = nil
                note("disk space returns")
            }
        }
        if let group = retry {
            try submitRetry(group)
        } else {
            try tickExpiry()
            if !isDown { try chooseAndRun() }
        }
        if !isDown {
            for problem in live.maintain() { note("maintain: \(problem)") }
        }
        try recoverIfDown()
    }

    /// The power is off or the pipeline stopped: nothing more until `recoverIfDown`.
    private var isDown: Bool { pipeline == nil || io.fired || live.fatalError != nil }

    private func chooseAndRun() throws(SimulationProblem) {
        let calm = diskFullSteps == 0 && !io.armed
        let roll = below(1000)
        switch roll {
        case 0..<25 where calm: try writeFault()
        case 25..<40 where calm: try syncFault()
        case 40..<50 where calm: startDiskFull()
        case 50..<65 where calm:
            let mode: SimulatedFileIO.CrashMode = chance(80) ? .random : .loseUnsynced
            let calls = 1 + below(30)
            io.arm(afterCalls: calls, mode: mode, tearSeed: rng.next())
            note("power cut armed: disk call \(calls) from now, crash(\(mode))")
            try submitNew()
        case 65..<73:
            let mode: SimulatedFileIO.CrashMode = chance(75) ? .random : .loseUnsynced
            note("power failure between groups, crash(\(mode))")
            try recover(.crash(mode))
        case 73..<78:
            note("process restart")
            try recover(.restart)
        default:
            try submitNew()
        }
    }

    private func advanceClock() {
        if chance(2) {
            clock -= UInt64(below(1_000_000_000))  // a wall clock stepping back
        } else {
            clock += UInt64(1_000_000 + below(300_000_000))
        }
    }

    /// The pipeline stopped (failed sync) or the power went off: recover on the same disk.
    private func recoverIfDown() throws(SimulationProblem) {
        guard let pipeline else { return }
        if io.fired {
            note("power cut happened")
            try recover(.powerCut)
        } else if pipeline.fatalError != nil {
            try expectStopped()
            let kind: RecoveryKind
            switch below(3) {
            case 0: kind = .restart
            case 1: kind = .crash(.random)
            default: kind = .crash(.loseUnsynced)
            }
            note("recovering a stopped pipeline by \(kind)")
            try recover(kind)
        }
    }

    // MARK: Disk

    /// Bytes of every file on the disk now.
    func usedBytes(_ path: String = "/") -> Int {
        guard let names = try? disk.listDirectory(path) else { return disk.contents(of: path)?.count ?? 0 }
        return names.reduce(0) { $0 + usedBytes(path == "/" ? "/" + $1 : path + "/" + $1) }
    }

    private func startDiskFull() {
        let spare = below(6_000)
        disk.capacityBytes = usedBytes() + spare
        diskFullSteps = 3 + below(15)
        summary.diskFullPhases += 1
        note("disk full: \(spare) bytes left for \(diskFullSteps) steps")
    }

    // MARK: Randomness

    func below(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }
    func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// How the simulator brings a pipeline back.
enum RecoveryKind: CustomStringConvertible {
    /// The power cut `PowerCutFileIO` was armed for has happened (the disk already crashed).
    case powerCut
    /// Power failure now.
    case crash(SimulatedFileIO.CrashMode)
    /// The process stops and starts; the disk keeps everything, synced or not.
    case restart

    var description: String {
        switch self {
        case .powerCut: "power cut"
        case .crash(let mode): "crash(\(mode))"
        case .restart: "restart"
        }
    }
}
