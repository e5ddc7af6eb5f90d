import ArgumentParser
import Foundation
import SettleClient
import SettleCore
import SettleSeededRandom

/// `settle failover-test`: several `settle serve --postgres` nodes on one PostgreSQL; a seeded
/// workload writes through `SettleClient` while the writing node is killed with SIGKILL again
/// and again (and, with `--pause-postgres`, while PostgreSQL itself is stopped and started).
/// Afterwards each node in turn leads alone and proves, through its own API, that every
/// acknowledged batch is present exactly once, nothing unacknowledged is half-applied, and
/// every balance is the sum of the transfers present.
struct FailoverTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover-test", abstract: "Kill the writing node of a PostgreSQL-backed cluster repeatedly and check what survived."
    )

    @Option(help: "PostgreSQL URL; the test works in a fresh schema of its own there.") var postgres: String
    @Option(help: "Scratch directory for node logs (created).") var directory: String
    @Option var nodes = 3
    @Option(help: "SIGKILLs of the writing node.") var kills = 3
    @Option var seed: UInt64 = 1
    @Option(help: "Concurrent writers, one client session each.") var writers = 2
    @Option var batchSize = 100
    @Option var accounts = 64
    @Option var leaseMs = 1_500
    @Option(help: "A shell command that stops PostgreSQL, waits, and starts it again, run once mid-workload.")
    var pausePostgres: String?

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SplitMix64(seed: seed)
        // A schema per run (not per seed): a replay must not find the last run's tables.
        let schema = "failover_\(seed)_\(getpid())_\(time(nil))"
        let url = postgres + (postgres.contains("?") ? "&" : "?") + "schema=\(schema)"
        let operatorKey = "sk_failover_" + String(random.next(), radix: 16) + String(random.next(), radix: 16)
        let cluster = try ClusterNodes(count: nodes, postgresURL: url, directory: directory, operatorKey: operatorKey, leaseMilliseconds: leaseMs)
        defer { cluster.stopAll() }
        for index in 0..<nodes { try cluster.start(index) }
        let first = try await cluster.awaitWriter()
        let key = try await setUpTenant(httpPort: cluster.nodes[first].httpPort, operatorKey: operatorKey)
        let workload = FailoverWorkload(accounts: accounts, batchSize: batchSize, seed: seed)
        try await SettleClient.withClient(clientConfiguration(cluster, key: key, preferring: first)) { client in
            let created = try await client.createAccounts((1...accounts).map { Account(id: UInt128($0), ledger: 1, code: 1) })
            guard created.results.allSatisfy({ $0 == .ok }) else { throw failure("creating accounts answered \(created.results)") }
        }
        say("cluster of \(nodes) nodes on \(schema); node \(first) writes; seed \(seed)")

        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let configuration = clientConfiguration(cluster, key: key, preferring: first)
                group.addTask {
                    try await SettleClient.withClient(configuration) { client in await workload.runWriter(writer, client: client) }
                }
            }
            do {
                try await disturb(cluster, workload: workload, random: &random)
            } catch {
                workload.stop()
                group.cancelAll()
                throw error
            }
            workload.stop()
            try await group.waitForAll()
        }
        say("workload done: \(workload.acknowledgedCount) batches acknowledged; \(workload.givenUpSummary)")

        cluster.stopAll()
        for index in 0..<nodes {
            try cluster.start(index)
            let writer = try await cluster.awaitWriter()
            guard writer == index else { throw failure("node \(writer) leads while only node \(index) runs") }
            var configuration = SettleClient.Configuration(port: cluster.nodes[index].grpcPort, apiKey: key)
            configuration.attempts = 20
            let (violations, summary) = try await SettleClient.withClient(configuration) { try await workload.verify(through: $0) }
            guard violations.isEmpty else { throw failure("through node \(index):\n" + violations.prefix(20).joined(separator: "\n")) }
            say("node \(index) alone: \(summary)")
            cluster.stop(index)
        }
        try verifyOffline(url)
        say("failover-test passed: seed \(seed), \(kills) kills\(pausePostgres == nil ? "" : ", PostgreSQL stopped and started once")")
    }

    /// `settle verify --postgres`: checksums of every journal row and checkpoint, full replay,
    /// every ledger invariant, with every node stopped.
    private func verifyOffline(_ url: String) throws {
        let status = system("'\(CommandLine.arguments[0])' verify --postgres '\(url)' > '\(directory)/verify.log' 2>&1")
        let report = (try? String(contentsOfFile: "\(directory)/verify.log", encoding: .utf8)) ?? ""
        guard status == 0 else { throw failure("settle verify --postgres failed (wait status \(status)):\n\(report)") }
        say(report.split(separator: "\n").first.map(String.init) ?? "settle verify: no output")
    }

    /// Kills the writer `kills` times at seeded moments, restarting each victim as a follower,
    /// then pauses PostgreSQL if asked. Each step checks that writes go on afterwards.
    private func disturb(_ cluster: ClusterNodes, workload: FailoverWorkload, random: inout SplitMix64) async throws {
        for kill in 1...max(kills, 1) where kills > 0 {
            try await Task.sleep(for: .milliseconds(800 + random.below(1_700)))
            let victim = try await cluster.awaitWriter()
            let before = workload.acknowledgedCount
            cluster.kill(victim)
            try cluster.start(victim)
            let next = try await cluster.awaitWriter()
            try await awaitProgress(workload, beyond: before, what: "after kill \(kill)")
            say("kill \(kill)/\(kills): node \(victim) SIGKILLed, node \(next) took over; \(workload.acknowledgedCount) batches acknowledged")
        }
        if let pausePostgres {
            try await Task.sleep(for: .seconds(1))
            let before = workload.acknowledgedCount
            // system(3), not Process: Foundation's Process did not notice this child's exit
            // here once the killed nodes had been reaped.
            let status = await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: system(pausePostgres)) }
            }
            guard status == 0 else { throw failure("`\(pausePostgres)` failed (wait status \(status))") }
            say("PostgreSQL is back; waiting for a writer")
            let writer = try await cluster.awaitWriter()
            try await awaitProgress(workload, beyond: before, what: "after PostgreSQL came back")
            say("PostgreSQL stopped and started: node \(writer) writes; \(workload.acknowledgedCount) batches acknowledged, \(workload.givenUpSummary)")
        }
        try await Task.sleep(for: .seconds(1))
    }

    private func awaitProgress(_ workload: FailoverWorkload, beyond count: Int, what: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while workload.acknowledgedCount <= count + writers {
            guard ContinuousClock.now < deadline else {
                throw failure("no write was acknowledged for 60 s \(what); \(workload.givenUpSummary)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Sessions survive failover (they are journaled), so retries keep their request numbers.
    private func clientConfiguration(_ cluster: ClusterNodes, key: String, preferring first: Int) -> SettleClient.Configuration {
        var configuration = SettleClient.Configuration(port: cluster.nodes[first].grpcPort, apiKey: key)
        configuration.otherNodes = cluster.nodes.filter { $0.index != first }.map { .init(host: "127.0.0.1", port: $0.grpcPort) }
        configuration.sessions = 1
        configuration.attempts = 60
        configuration.backoffMax = .milliseconds(500)
        configuration.timeout = .seconds(5)
        return configuration
    }

    private func setUpTenant(httpPort: Int, operatorKey: String) async throws -> String {
        let tenant = try await NetworkBench.post("127.0.0.1:\(httpPort)", "/v1/tenants", key: operatorKey, body: #"{"name": "failover", "rate_limit_per_second": 0}"#)
        guard let id = tenant["id"] as? Int else { throw failure("creating the tenant answered \(tenant)") }
        let created = try await NetworkBench.post("127.0.0.1:\(httpPort)", "/v1/tenants/\(id)/keys", key: operatorKey, body: #"{"role": "write"}"#)
        guard let secret = created["secret"] as? String else { throw failure("creating a key answered \(created)") }
        return secret
    }

    private func failure(_ message: String) -> ValidationError {
        ValidationError("failover-test FAILED (seed \(seed)): \(message)\nlogs: \(directory)\n"
                        + "replay: settle failover-test --postgres URL --directory DIR --nodes \(nodes) --kills \(kills) --seed \(seed)"
                        + (pausePostgres == nil ? "" : " --pause-postgres '...'"))
    }
}

/// Writes a line at once (stdout to a file or pipe is buffered, and a stuck run must still
/// show how far it got).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
