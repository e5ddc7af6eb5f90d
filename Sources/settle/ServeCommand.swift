import ArgumentParser
import Foundation
import Logging
import SettleAPI
import SettleEngine
import SettlePostgres
import SettleProjection

/// `settle serve`: the ledger over gRPC and HTTP on loopback, on the embedded storage or, with
/// `--postgres`, as one node of an installation whose journal is in PostgreSQL.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over gRPC and HTTP/JSON.",
        discussion: """
        On first start with an empty data directory an operator API key is created and printed \
        once, unless SETTLE_OPERATOR_KEY gives one. SIGTERM or SIGINT stop it gracefully: stop \
        accepting, finish requests, drain and fsync, exit 0.

        With --postgres URL the journal and checkpoints live in PostgreSQL and several nodes \
        may share them: one node at a time holds every partition's lease and writes; the others \
        answer with a redirect to it (HTTP 307, gRPC UNAVAILABLE with a settle-writer trailer) \
        and take over when its leases expire. With --replica the node never writes: it follows \
        the journal in PostgreSQL and serves reads (a read passing min_op waits until it has \
        applied that op), and redirects writes to the writer; with --project it also keeps the \
        SQL projection (settle_accounts, settle_transfers) current.
        """
    )

    @Option(help: "Data directory (created if missing).") var data = "./settle-data"
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "HTTP/JSON port.") var httpPort = ServerConfiguration.defaultHTTPPort
    @Option(help: "gRPC port.") var grpcPort = ServerConfiguration.defaultGRPCPort
    @Option(help: "Partitions of a new data directory (default: one per core).") var partitions: Int?
    @Option(help: "Default rate limit of new tenants, requests per second (0: none).") var rateLimit = TenantDefaults().rateLimitPerSecond
    @Option(help: "Default burst of new tenants, requests.") var rateLimitBurst = TenantDefaults().rateLimitBurst
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Keep the journal in PostgreSQL: postgres://user[:password]@host[:port]/database[?schema=name].")
    var postgres: String?
    @Option(help: "With --postgres: this node's name (a per-run suffix is added).") var node = "node"
    @Option(help: "With --postgres: the host other nodes' clients are sent to (default: --host).") var advertiseHost: String?
    @Option(help: "With --postgres: lease length in milliseconds; renewed every third of it.") var leaseMs: Int64 = 3_000
    @Flag(help: "With --postgres: a read replica; never writes, follows the journal, serves reads.") var replica = false
    @Option(help: "With --postgres, on a replica or a node that does not write: how long a read passing min_op waits for it, in milliseconds.")
    var readWaitMs: UInt64 = 2_000
    @Option(help: "With --postgres, on a replica or a node that does not write: the longest wait between polls of the journal while nothing new comes, in milliseconds (5 while records come).")
    var idlePollMs: UInt64 = 100
    @Flag(help: "With --replica: keep the SQL projection (settle_accounts, settle_transfers) current.") var project = false

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        guard readWaitMs <= 3_600_000, idlePollMs <= 3_600_000 else {
            throw ValidationError("--read-wait-ms and --idle-poll-ms take at most 3600000 (an hour)")
        }
        var logger = Logger(label: "settle")
        logger.logLevel = level
        var engine = EngineConfiguration(directory: data)
        if let partitions { engine.partitionCount = partitions }
        engine.readWaitNanoseconds = readWaitMs * 1_000_000
        engine.replicaIdlePollNanoseconds = idlePollMs * 1_000_000
        engine.logger = logger
        var configuration = ServerConfiguration(engine: engine)
        configuration.host = host
        configuration.httpPort = httpPort
        configuration.grpcPort = grpcPort
        configuration.operatorKey = ProcessInfo.processInfo.environment["SETTLE_OPERATOR_KEY"]
        configuration.announceOperatorKey = { key in
            // Unbuffered, so a supervisor reading the pipe sees it at once.
            FileHandle.standardOutput.write(Data("Operator API key (shown once; store it now, only its hash is kept):\n\(key)\n".utf8))
        }
        configuration.tenantDefaults = TenantDefaults(rateLimitPerSecond: rateLimit, rateLimitBurst: rateLimitBurst)
        configuration.logger = logger
        if let postgres {
            guard let settings = PostgresSettings(url: postgres) else { throw ValidationError("--postgres is not a postgres:// URL") }
            guard leaseMs >= 300 else { throw ValidationError("--lease-ms must be at least 300") }
            let advertised = advertiseHost ?? host
            let run = UInt64.random(in: 0..<(1 << 32))
            let address = NodeAddress(
                name: "\(node)-\(String(run, radix: 16))", httpAddress: "\(advertised):\(httpPort)", grpcAddress: "\(advertised):\(grpcPort)")
            guard replica || !project else { throw ValidationError("--project runs on a read replica: add --replica") }
            let projectionLogger = logger
            let projection = project ? LedgerProjection(logger: logger) { partition in
                try PostgresProjectionStore(settings: settings, partition: partition, logger: projectionLogger)
            } : nil
            let membership = PostgresMembership(
                settings: settings, address: address, partitions: engine.partitionCount, leaseMilliseconds: leaseMs,
                observer: projection, logger: logger)
            // Every node follows the installation as a replica while it does not write, so
            // followers serve reads too; only a replica never tries to write.
            configuration.replica = membership
            if !replica { configuration.cluster = membership }
            logger.notice("listening", metadata: [
                "http": "\(host):\(httpPort)", "grpc": "\(host):\(grpcPort)", "postgres": "\(settings)", "node": "\(address.name)",
                "role": "\(replica ? (project ? "replica, projecting" : "replica") : "writer candidate")"])
        } else {
            guard !replica else { throw ValidationError("--replica follows a PostgreSQL installation: give --postgres") }
            logger.notice("listening", metadata: ["http": "\(host):\(httpPort)", "grpc": "\(host):\(grpcPort)", "data": "\(data)"])
        }
        try await SettleServer(configuration: configuration).run()
    }
}
