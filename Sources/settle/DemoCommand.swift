import ArgumentParser
import Foundation
import Logging
import SettleAPI
import SettleDemo
import SettleEngine
import SettleRecon

/// `settle demo`: a day of a marketplace, end to end, on a server of its own.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a day of a marketplace on the ledger, then reconcile the processor's settlement file.",
        discussion: """
        Starts a server on free loopback ports over a fresh data directory, creates a tenant and \
        runs thousands of payment intents through the HTTP API (captures, partial captures, \
        refunds, cancellations, a won and a lost dispute). It then writes the processor's \
        settlement file as camt.053 and as CSV with planted breaks (a double charge, a missing \
        settlement, a short settlement, a line the ledger never saw), imports both, reconciles \
        them against the clearing account and writes the reports (JSON, CSV, HTML) to --out. \
        Exits non-zero unless each report holds exactly the planted breaks.
        """
    )

    @Option(help: "Payment intents to run.") var intents = 2_000
    @Option(help: "Seed of the day's plan.") var seed: UInt64 = 1
    @Option(help: "Directory for the settlement files and reports.") var out = "./settle-demo"
    @Option(help: "Data directory (default: a fresh temporary one, removed afterwards).") var data: String?

    func validate() throws {
        guard (100...200_000).contains(intents) else { throw ValidationError("--intents is 100 to 200000") }
    }

    func run() async throws {
        let directory = data ?? NSTemporaryDirectory() + "settle-demo-\(UUID().uuidString)"
        defer { if data == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var configuration = ServerConfiguration(engine: EngineConfiguration(directory: directory))
        configuration.httpPort = 0
        configuration.grpcPort = 0
        let operatorKey = "sk_demo_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        configuration.operatorKey = operatorKey
        configuration.logger.logLevel = .warning
        let server = SettleServer(configuration: configuration, shutdownSignals: [])
        let outcome = try await withThrowingTaskGroup(of: MarketplaceDay.Outcome?.self) { group in
            group.addTask { try await server.run(); return nil }
            do {
                let port = try await server.ports().http
                let base = "http://127.0.0.1:\(port)"
                let key = try await DemoTenant.create(baseURL: base, operatorKey: operatorKey)
                var options = MarketplaceDay.Options(outputDirectory: out)
                options.intents = intents
                options.seed = seed
                let outcome = try await MarketplaceDay(baseURL: base, key: key, options: options).run { print($0) }
                await server.shutdown()
                try await group.waitForAll()
                return outcome
            } catch {
                await server.shutdown()
                try? await group.waitForAll()
                throw error
            }
        }
        print("""

        Planted in the processor's file:
          double charge      \(outcome.planted.duplicatedCharge)
          missing settlement \(outcome.planted.missingSettlement)
          short settlement   \(outcome.planted.shortSettlement)
          unknown line       \(outcome.planted.unknownLine)
        """)
        for reconciliation in outcome.reconciliations {
            print("\(reconciliation.format.rawValue) statement \(reconciliation.statementPath)")
            for path in reconciliation.reportPaths { print("  report \(path)") }
        }
        let problems = outcome.problems()
        guard problems.isEmpty else {
            for problem in problems { print("MISMATCH: \(problem)") }
            throw ExitCode.failure
        }
        print("\nEach report holds exactly the planted breaks; everything else matched.")
    }
}
