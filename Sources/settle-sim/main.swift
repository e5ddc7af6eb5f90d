import ArgumentParser
import Glibc
import SettleCore
import SettleSimulation

/// `settle-sim`: the seeded simulator (state machine against the reference model) and the
/// core benchmark. Top-level code rather than `@main`, so that a test target can link it.
struct SettleSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle-sim",
        abstract: "Runs seeded workloads against StateMachine and the reference model, or the core benchmark.",
        discussion: """
            Every batch is applied to both sides and compared; the first disagreement stops the \
            run with FAILED seed=S and the command that replays it (exit status 1).
            """
    )

    @Option(name: .long, help: "A seed to run (repeatable). Without --seed or --seeds a random seed is used.")
    var seed: [UInt64] = []

    @Option(name: .long, help: "An inclusive range of seeds, FIRST..LAST.")
    var seeds: SeedRange?

    @Option(name: .long, help: "Events to apply per seed.")
    var events: Int = 10_000

    @Flag(name: .long, help: "Print only 'digest: <n>' per seed (for determinism checks).")
    var digest = false

    @Flag(name: .long, help: "On a failure, cut the run down to the fewest batches and events that still disagree, and print them.")
    var shrink = false

    @Flag(name: .long, help: "Run the core benchmark instead of the simulator.")
    var bench = false

    @Option(name: .long, help: "Transfers for the benchmark (implies --bench).")
    var benchTransfers: Int?

    @Flag(name: .long, help: "After the benchmark, run the same workload through plain Dictionaries (the baseline).")
    var baseline = false

    @Flag(name: .long, help: "Run the storage fault simulator instead: a CommitPipeline on a simulated disk that tears, fills up, fails syncs and loses power; --events acknowledged events per seed.")
    var storageFaults = false

    func validate() throws {
        if events < 1 { throw ValidationError("--events must be at least 1") }
        if let benchTransfers, benchTransfers < 1 { throw ValidationError("--bench-transfers must be at least 1") }
    }

    func run() throws {
        if bench || benchTransfers != nil {
            runBenchmark()
            return
        }
        var allSeeds = seed + (seeds.map { Array($0.first...$0.last) } ?? [])
        if allSeeds.isEmpty { allSeeds = [UInt64.random(in: 0...UInt64.max)] }
        if storageFaults {
            guard StorageFaultSimulator.runCommand(seeds: allSeeds, events: events) else { throw ExitCode(1) }
            return
        }
        for seed in allSeeds {
            try simulate(seed: seed)
        }
        if !digest && allSeeds.count > 1 { print("all \(allSeeds.count) seeds passed") }
    }

    private func simulate(seed: UInt64) throws {
        if !digest { print("seed=\(seed) events=\(events)") }
        let start = monotonicNanoseconds()
        let simulator = Simulator(seed: seed, eventCount: events)
        do {
            let summary = try simulator.run { progress in
                guard !digest else { return }
                print("  progress: \(progress.events)/\(events) events, \(progress.batches) batches")
            }
            if digest {
                print("digest: \(summary.digest)")
            } else {
                printSummary(summary, seconds: Double(monotonicNanoseconds() - start) / 1e9)
            }
        } catch {
            print("FAILED seed=\(seed)")
            print(error)
            print("replay: swift run -c release settle-sim --seed \(seed) --events \(events)")
            if shrink { printShrunk(seed: seed) }
            throw ExitCode(1)
        }
    }

    private func printShrunk(seed: UInt64) {
        guard let batches = Shrinker.failingBatches(seed: seed, eventCount: events) else { return }
        print("shrinking \(batches.count) batches...")
        let small = Shrinker.shrink(seed: seed, batches)
        print("a shortest failing input found (\(small.count) batches, applied to a fresh StateMachine):")
        for batch in small { print("  \(batch)") }
        if let failure = Shrinker.failure(seed: seed, small) { print(failure) }
    }

    private func printSummary(_ summary: SimulationSummary, seconds: Double) {
        print("  events: \(summary.events)")
        print("  batches: \(summary.batches) (refused whole: \(summary.rejectedBatches), expiry ticks: \(summary.expiryTicks))")
        print("  queries compared: \(summary.queriesCompared)")
        printHistogram("createAccounts results", CreateAccountResult.allCases, summary.accountResults)
        printHistogram("createTransfers results", CreateTransferResult.allCases, summary.transferResults)
        let tenths = Int(seconds * 10)
        print("  seconds: \(tenths / 10).\(tenths % 10)")
        print("  digest: \(summary.digest)")
    }

    private func printHistogram<Code: RawRepresentable<UInt16>>(_ title: String, _ cases: [Code], _ counts: [Int]) {
        print("  \(title):")
        for code in cases where counts[Int(code.rawValue)] > 0 {
            let name = "\(code)"
            print("    \(name)\(String(repeating: " ", count: Swift.max(1, 48 - name.count)))\(counts[Int(code.rawValue)])")
        }
        let unseen = cases.filter { counts[Int($0.rawValue)] == 0 }.map { "\($0)" }
        if !unseen.isEmpty { print("    never returned: \(unseen.joined(separator: ", "))") }
    }

    private func runBenchmark() {
        var benchmark = CoreBenchmark()
        if let benchTransfers { benchmark.transferCount = benchTransfers }
        let report = benchmark.run(clock: monotonicNanoseconds, residentBytes: residentBytes)
        print("transfers: \(report.transfers)")
        print("seconds: \(report.seconds)")
        print("transfers/s: \(Int(report.transfersPerSecond))")
        print("resident bytes per stored transfer: \(report.bytesPerTransfer)")
        print("digest: \(report.digest)")
        print("slowest batch: \(Double(report.batchNanosecondsMax / 10_000) / 100) ms")
        if baseline {
            let rate = benchmark.runDictionaryBaseline(clock: monotonicNanoseconds)
            print("baseline (plain Dictionary loop) transfers/s: \(Int(rate))")
            print("ratio to baseline: \(Double(Int(report.transfersPerSecond / rate * 100)) / 100)")
        }
    }
}

/// `FIRST..LAST`, inclusive.
struct SeedRange: ExpressibleByArgument {
    var first: UInt64
    var last: UInt64

    init?(argument: String) {
        let parts = argument.split(separator: ".", omittingEmptySubsequences: true)
        guard argument.contains(".."), parts.count == 2,
              let first = UInt64(parts[0]), let last = UInt64(parts[1]), first <= last else { return nil }
        self.first = first
        self.last = last
    }
}

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Resident set size from /proc/self/statm (second field, in pages).
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
    } }) == 2 else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

SettleSim.main()
