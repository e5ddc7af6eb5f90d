import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SettleClient
import SettleCore
import SettlePostgres
import SettleSeededRandom

/// `settle failover-test`: several `settle serve --postgres` nodes on one PostgreSQL; a seeded
/// workload writes through `SettleClient` while the writing node is killed with SIGKILL again
/// and again (and, with `--pause-postgres`, while PostgreSQL itself is stopped and started).
/// A read replica keeping the SQL projection runs beside them (and is SIGKILLed once too).
/// Afterwards the replica, the projection, and each node in turn leading alone prove that every
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
        try cluster.startReplica()
        let (tenant, key) = try await setUpTenant(httpPort: cluster.nodes[first].httpPort, operatorKey: operatorKey)
        let workload = FailoverWorkload(accounts: accounts, batchSize: batchSize, seed: seed)
        try await SettleClient.withClient(clientConfiguration(cluster, key: key, preferring: first)) { client in
            let created = try await client.createAccounts((1...accounts).map { Account(id: UInt128($0), ledger: 1, code: 1) })
            guard created.results.allSatisfy({ $0 == .ok }) else { throw failure("creating accounts answered \(created.results)") }
        }
        say("cluster of \(nodes) nodes and a projecting replica on \(schema); node \(first) writes; seed \(seed)")
        try await checkRedirects(cluster, key: key)

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
        try await checkReads(cluster, key: key, workload: workload)

        cluster.stopAll()
        try await checkProjection(url, tenant: tenant, workload: workload)
        cluster.stopReplica()
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
            if kill == min(2, kills) {
                // The replica too: it reloads a checkpoint and replays, and the projection
                // must come out the same (idempotent under replay).
                cluster.killReplica()
                try cluster.startReplica()
                say("the replica was SIGKILLed and restarted")
            }
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

    /// The nodes that serve reads without writing: the replica and every node but `writer`.
    private func readers(_ cluster: ClusterNodes, writer: Int) -> [(ClusterNodes.Node, String)] {
        [(cluster.replica, "the replica")] + cluster.nodes.filter { $0.index != writer }.map { ($0, "node \($0.index) (following)") }
    }

    /// A write sent to the replica, or to a node that does not write, is redirected to the
    /// writer.
    private func checkRedirects(_ cluster: ClusterNodes, key: String) async throws {
        let writer = try await cluster.awaitWriter()
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        defer { _ = http.shutdown() }
        for (node, name) in readers(cluster, writer: writer) {
            try await checkRedirect(from: node, name: name, to: cluster.nodes[writer], key: key, http: http)
        }
        say("the replica and the other nodes redirect writes to node \(writer)")
    }

    private func checkRedirect(from node: ClusterNodes.Node, name: String, to writer: ClusterNodes.Node, key: String, http: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.httpPort)/v1/transfers")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            request.body = .bytes(ByteBuffer(string: #"{"transfers": [{"id": "1", "debit_account_id": "1", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 1}]}"#))
            let response = try? await http.execute(request, timeout: .seconds(5))
            _ = try? await response?.body.collect(upTo: 1 << 20)
            let expected = "http://127.0.0.1:\(writer.httpPort)/v1/transfers"
            if let response, response.status == .temporaryRedirect, response.headers["Location"] == [expected] { return }
            // 503 while it opens or has not yet learned where the writer is.
            guard ContinuousClock.now < deadline else {
                throw failure("\(name) answered a write with \(response.map { "\($0.status) \($0.headers["Location"])" } ?? "no answer"), not 307 to \(expected)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Through the replica alone, and through each node that does not write (they serve reads
    /// as replicas), reading at the newest acknowledged commit position: the same checks as on
    /// the writer. And the replica lag is in their /metrics.
    private func checkReads(_ cluster: ClusterNodes, key: String, workload: FailoverWorkload) async throws {
        let writer = try await cluster.awaitWriter()
        for (node, name) in readers(cluster, writer: writer) {
            var configuration = SettleClient.Configuration(port: node.grpcPort, apiKey: key)
            configuration.attempts = 20
            let (violations, summary) = try await SettleClient.withClient(configuration) { client in
                client.readAtLeast(workload.highestAcknowledgedOp)
                return try await workload.verify(through: client)
            }
            guard violations.isEmpty else { throw failure("through \(name):\n" + violations.prefix(20).joined(separator: "\n")) }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.httpPort)/metrics")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let metrics = String(buffer: try await response.body.collect(upTo: 8 << 20))
            let lag = metrics.split(separator: "\n").filter { $0.hasPrefix("settle_replica_lag_ops") }
            guard !lag.isEmpty else { throw failure("\(name)'s /metrics has no settle_replica_lag_ops") }
            say("\(name) at op \(workload.highestAcknowledgedOp): \(summary); \(lag.joined(separator: ", "))")
        }
    }

    /// The SQL projection, once it has caught up with the journal: the same checks again,
    /// on the rows of settle_transfers and settle_accounts.
    private func checkProjection(_ url: String, tenant: TenantID, workload: FailoverWorkload) async throws {
        guard let settings = PostgresSettings(url: url) else { throw failure("not a postgres:// URL: \(url)") }
        let stores = try (0..<2).map { try PostgresProjectionStore(settings: settings, partition: $0) }
        defer { for store in stores { store.close() } }
        let deadline = ContinuousClock.now + .seconds(60)
        while try stores.contains(where: { try $0.lag() > 0 }) {
            guard ContinuousClock.now < deadline else {
                throw failure("the projection is still \(try stores.map { try $0.lag() }) ops behind the journal after 60 s")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let store = stores[0]
        let (violations, summary) = try await workload.verify(
            lookupTransfers: { try store.transfers(tenant: tenant, ids: $0) }, lookupAccounts: { try store.accounts(tenant: tenant, ids: $0) })
        guard violations.isEmpty else { throw failure("in the SQL projection:\n" + violations.prefix(20).joined(separator: "\n")) }
        say("SQL projection: \(summary)")
    }

    private func setUpTenant(httpPort: Int, operatorKey: String) async throws -> (TenantID, String) {
        let tenant = try await NetworkBench.post("127.0.0.1:\(httpPort)", "/v1/tenants", key: operatorKey, body: #"{"name": "failover", "rate_limit_per_second": 0}"#)
        guard let id = tenant["id"] as? Int else { throw failure("creating the tenant answered \(tenant)") }
        let created = try await NetworkBench.post("127.0.0.1:\(httpPort)", "/v1/tenants/\(id)/keys", key: operatorKey, body: #"{"role": "write"}"#)
        guard let secret = created["secret"] as? String else { throw failure("creating a key answered \(created)") }
        return (TenantID(UInt64(id)), secret)
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
