import ArgumentParser
import Foundation
import SettleRecon
import Histogram
import SettleCore
import SettleEngine
import SettleStorage

/// `settle bench`: TigerBeetle's benchmark workload — accounts first, then transfers in full
/// batches from concurrent clients, fsync on — against the engine in this process, or over
/// the network against a running `settle serve` (gRPC or HTTP/JSON).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark durable commits, embedded or over the network (a benchmark, not a test).",
        discussion: """
        Workloads: ledger (default), payments, recon. Ledger: embedded with --data DIR (must \
        not exist), or over the network with --target HOST:PORT of a running server and \
        --protocol grpc|http; the benchmark creates a fresh tenant through the HTTP admin API \
        (--admin HOST:PORT, operator key from SETTLE_OPERATOR_KEY) and reads the server's peak \
        RSS from its /metrics. Payments: --target is the server's HTTP address; --intents are \
        authorized, captured with a fee and half refunded in batches of --batch-size steps. \
        Recon: --lines statement lines against as many ledger transfers, in process.
        """
    )

    @Option(help: "ledger, payments or recon.") var workload = "ledger"
    @Option(help: "Payments: intents (each authorized and captured; half refunded).") var intents = 200_000
    @Option(help: "Recon: statement lines, reconciled against as many ledger transfers.") var lines = 1_000_000
    @Option(help: "Embedded mode: data directory; must not exist yet (the benchmark starts empty).")
    var data: String?
    @Option(help: "Network mode: the server's gRPC or HTTP address, HOST:PORT.") var target: String?
    @Option(help: "Network mode: grpc or http.") var `protocol` = "grpc"
    @Option(help: "Network mode: the server's HTTP address for tenant setup and /metrics.") var admin = "127.0.0.1:7700"
    @Option(help: "Accounts to create.") var accounts = 10_000
    @Option(help: "Transfers to create.") var transfers = 10_000_000
    @Option(help: "Events per batch.") var batchSize = StateMachine.batchEventsMax
    @Option(help: "Concurrent clients submitting batches.") var clients = 4
    @Option(help: "Embedded mode: partitions (the workload uses one tenant, so one of them).") var partitions = 1
    @Option(help: "Random seed for the workload.") var seed: UInt64 = 42
    @Flag(help: "Embedded mode: after the run, reopen the data directory and time recovery.") var measureRestart = false

    func validate() throws {
        guard ["ledger", "payments", "recon"].contains(workload) else { throw ValidationError("--workload is ledger, payments or recon") }
        if workload == "recon" {
            guard lines >= 1 else { throw ValidationError("--lines must be at least 1") }
            return
        }
        if workload == "payments" {
            guard target != nil, data == nil, intents >= 2, (1...4096).contains(batchSize) || batchSize == StateMachine.batchEventsMax else {
                throw ValidationError("payments needs --target HOST:PORT (HTTP), at least 2 --intents and a --batch-size of 1 to \(4096)")
            }
            return
        }
        guard (data == nil) != (target == nil) else { throw ValidationError("give either --data (embedded) or --target (network)") }
        guard ["grpc", "http"].contains(`protocol`) else { throw ValidationError("--protocol is grpc or http") }
        guard accounts >= 2, transfers >= 1, (1...StateMachine.batchEventsMax).contains(batchSize), clients >= 1 else {
            throw ValidationError("need at least 2 accounts, 1 transfer, 1 client, and a batch of 1 to \(StateMachine.batchEventsMax)")
        }
    }

    func run() async throws {
        switch self.workload {
        case "recon": return runRecon()
        case "payments": return try await runPayments()
        default: break
        }
        let workload = BenchWorkload(accounts: accounts, transfers: transfers, batchSize: batchSize, seed: seed)
        if let data {
            guard !FileManager.default.fileExists(atPath: data) else {
                throw ValidationError("\(data) exists; the benchmark needs a fresh data directory")
            }
            var configuration = EngineConfiguration(directory: data, partitionCount: partitions)
            configuration.queueCapacity = max(64, clients * 2)
            let engine = try Engine.open(configuration)
            let target = EmbeddedTarget(engine: engine, tenant: TenantID(1))
            let result = try await workload.run(clients: clients) { body in try await body(target) }
            engine.shutdown()
            print(result.report(mode: "embedded", clients: clients))
            print("peak RSS: \(ProcessStats.peakResidentBytes() / (1 << 20)) MiB")
            if measureRestart { try measureRecovery(data) }
        } else if let target {
            let network = try await NetworkBench(target: target, admin: admin, protocol: `protocol`)
            let result = try await network.run(workload, clients: clients)
            print(result.report(mode: "\(`protocol`) \(target)", clients: clients))
            print("server peak RSS: \(try await network.serverPeakRSS() / (1 << 20)) MiB")
        }
    }

    private func runRecon() {
        let (summary, seconds) = ReconBenchmark.run(count: lines, seed: seed)
        print("mode: recon in process, \(lines) statement lines against \(summary.entryCount) ledger transfers")
        print(String(format: "reconcile seconds: %.3f", seconds))
        print("matched \(summary.matched.count) (reference \(summary.matchedByReference), amount and date \(summary.matchedByAmountDate), "
            + "one-to-many \(summary.matchedOneToMany)); duplicates \(summary.duplicates.count); mismatches \(summary.amountMismatches.count); "
            + "unmatched lines \(summary.unmatchedLines.count); unmatched transfers \(summary.unmatchedEntries.count)")
        print("peak RSS: \(ProcessStats.peakResidentBytes() / (1 << 20)) MiB")
    }

    private func runPayments() async throws {
        let network = try await NetworkBench(target: target!, admin: admin, protocol: "http")
        let batch = batchSize == StateMachine.batchEventsMax ? 1_000 : batchSize
        let bench = PaymentsBench(base: "http://\(network.host):\(network.port)", key: network.key, intents: intents, batch: batch, clients: clients)
        let (phases, latency) = try await bench.run()
        print(PaymentsBench.report(phases, latency, clients: clients, batch: batch))
        print("server peak RSS: \(try await network.serverPeakRSS() / (1 << 20)) MiB")
    }

    private func measureRecovery(_ data: String) throws {
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

enum ProcessStats {
    /// Peak resident set size of this process (getrusage reports KiB on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
