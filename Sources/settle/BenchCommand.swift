import ArgumentParser
import Foundation
import Histogram
import SettleCore
import SettleEngine
import SettleStorage

/// `settle bench`: TigerBeetle's benchmark workload against the engine in this process,
/// durable (fsync on): accounts first, then transfers in full batches from concurrent clients.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark durable commits on the embedded storage (a benchmark, not a test)."
    )

    @Option(help: "Data directory; must not exist yet (the benchmark starts empty).")
    var data: String
    @Option(help: "Accounts to create.") var accounts = 10_000
    @Option(help: "Transfers to create.") var transfers = 10_000_000
    @Option(help: "Events per batch.") var batchSize = StateMachine.batchEventsMax
    @Option(help: "Concurrent clients submitting batches.") var clients = 4
    @Option(help: "Partitions (the workload uses one tenant, so one of them).") var partitions = 1
    @Option(help: "Random seed for the workload.") var seed: UInt64 = 42
    @Flag(help: "After the run, reopen the data directory and time recovery.") var measureRestart = false

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: data) else {
            throw ValidationError("\(data) exists; the benchmark needs a fresh data directory")
        }
        var configuration = EngineConfiguration(directory: data, partitionCount: partitions)
        configuration.queueCapacity = max(64, clients * 2)
        let engine = try Engine.open(configuration)
        let tenant = TenantID(1)
        try await createAccounts(engine, tenant: tenant)

        let batchCount = (transfers + batchSize - 1) / batchSize
        let next = Counter()
        let start = Clocks.monotonicNanoseconds()
        let histograms = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for client in 0..<clients {
                group.addTask {
                    try await runClient(engine, tenant: tenant, client: client, next: next, batchCount: batchCount)
                }
            }
            var merged = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            for try await histogram in group { merged.add(histogram) }
            return merged
        }
        let seconds = Double(Clocks.monotonicNanoseconds() - start) / 1e9
        engine.shutdown()
        let rate = Double(transfers) / seconds
        print("transfers: \(transfers) in \(batchCount) batches of \(batchSize), \(clients) clients")
        print(String(format: "seconds: %.3f", seconds))
        print("transfers/s: \(Int(rate))")
        for (label, percentile) in [("p50", 50.0), ("p99", 99.0), ("p100", 100.0)] {
            print(String(format: "batch latency \(label): %.2f ms", Double(histograms.valueAtPercentile(percentile)) / 1e6))
        }
        print("peak RSS: \(ProcessStats.peakResidentBytes() / (1 << 20)) MiB")
        if measureRestart { try measureRecovery() }
    }

    private func createAccounts(_ engine: Engine, tenant: TenantID) async throws {
        var id = 1
        while id <= accounts {
            let batch = (id..<min(id + batchSize, accounts + 1)).map { Account(id: UInt128($0), ledger: 1, code: 1) }
            let reply = try await engine.submit(.createAccounts(tenant, batch))
            guard case .accounts(let results) = reply.results, results.allSatisfy({ $0 == .ok || $0 == .exists }) else {
                throw ValidationError("creating accounts failed: \(reply.results)")
            }
            id += batch.count
        }
    }

    private func runClient(
        _ engine: Engine, tenant: TenantID, client: Int, next: Counter, batchCount: Int
    ) async throws -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var rng = SplitMix64(seed: seed &+ UInt64(client))
        while true {
            let batchIndex = next.increment()
            guard batchIndex < batchCount else { break }
            let first = batchIndex * batchSize
            let size = min(batchSize, transfers - first)
            var batch: [Transfer] = []
            batch.reserveCapacity(size)
            for offset in 0..<size {
                let debit = rng.next() % UInt64(accounts) + 1
                var credit = rng.next() % UInt64(accounts - 1) + 1
                if credit >= debit { credit += 1 }
                batch.append(Transfer(id: UInt128(first + offset + 1), debitAccountID: UInt128(debit),
                                      creditAccountID: UInt128(credit), amount: UInt128(rng.next() % 1_000 + 1),
                                      ledger: 1, code: 1))
            }
            let sent = Clocks.monotonicNanoseconds()
            let reply = try await engine.submit(.createTransfers(tenant, batch))
            _ = histogram.record(Clocks.monotonicNanoseconds() - sent)
            guard case .transfers(let results) = reply.results, results.allSatisfy({ $0 == .ok }) else {
                throw ValidationError("a benchmark batch was not accepted in full")
            }
        }
        return histogram
    }

    private func measureRecovery() throws {
        let start = Clocks.monotonicNanoseconds()
        let engine = try Engine.open(EngineConfiguration(directory: data, partitionCount: partitions))
        let seconds = Double(Clocks.monotonicNanoseconds() - start) / 1e9
        engine.shutdown()
        let replayed = engine.recovery.reduce(0) { $0 + $1.replayedOps }
        let loading = engine.recovery.map(\.checkpointSeconds).max() ?? 0
        print(String(format: "restart: ready in %.3f s (checkpoint loaded in %.3f s, %d journal ops replayed)",
                     seconds, loading, replayed))
    }
}

/// A shared ticket counter for the benchmark's clients.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { increment(by: 1) }
    /// Returns the value before adding `amount`.
    func increment(by amount: Int) -> Int { lock.withLock { defer { value += amount }; return value } }
}

enum ProcessStats {
    /// Peak resident set size of this process (getrusage reports KiB on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
