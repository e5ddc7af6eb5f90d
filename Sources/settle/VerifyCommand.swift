import ArgumentParser
import Logging
import SettleCore
import SettleEngine
import SettlePostgres

/// `settle verify DIR` or `settle verify --postgres URL`: checks an installation offline.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data directory or a PostgreSQL installation: checksums, full replay and every ledger invariant.",
        discussion: """
        Exits 0 only when everything holds. Never modifies a data directory. With --postgres it \
        takes every partition's lease for the time it reads (so no node writes meanwhile; it \
        fails if one does) and releases them; nothing else is changed.
        """
    )

    @Argument(help: "The data directory.")
    var directory: String?
    @Option(help: "Check the installation in PostgreSQL at this URL instead.")
    var postgres: String?

    func validate() throws {
        guard (directory == nil) != (postgres == nil) else { throw ValidationError("give a data directory or --postgres URL") }
    }

    func run() throws {
        let report: VerifyReport
        do {
            if let postgres {
                report = try verifyPostgres(postgres)
            } else {
                report = try Verifier.verify(directory: directory!)
            }
        } catch {
            print("verify FAILED: \(error)")
            throw ExitCode(2)
        }
        print(report.summary)
        if !report.isSound { throw ExitCode(1) }
    }

    private func verifyPostgres(_ url: String) throws -> VerifyReport {
        guard let settings = PostgresSettings(url: url) else { throw ValidationError("--postgres is not a postgres:// URL") }
        let logger = Logger(label: "settle.verify")
        guard let partitions = try PostgresCluster.existingPartitionCount(settings, logger: logger) else {
            throw ValidationError("no Settle installation has started at \(settings)")
        }
        let cluster = try PostgresCluster(
            settings: settings, node: "verify-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))", leaseMilliseconds: 600_000, logger: logger)
        defer { cluster.close() }
        guard let leases = try cluster.acquireAll(partitions: partitions) else {
            throw ValidationError("a node holds the installation's leases: stop the nodes (or wait for their leases to expire) first")
        }
        defer { cluster.releaseAll(leases) }
        return try Verifier.open(storage: PostgresStorage(settings: settings, leases: leases, logger: logger), partitions: partitions).report
    }
}
