import SettleSeededRandom
import Foundation
import NIOHTTP1
import SettleMoney
import SettleRecon

/// A day of a marketplace, end to end, over the HTTP API: thousands of payment intents with
/// captures, refunds, cancellations and a lost dispute; then the processor's settlement file
/// for the day, written as camt.053 and as CSV with deliberate breaks planted in it; then both
/// files imported and reconciled against the processor clearing account.
///
/// The report must hold exactly the planted breaks — a double charge, a missing settlement, a
/// short settlement and a line the ledger never saw — and everything else matched, including
/// a batched payout that settles many captures in one camt.053 entry.
public struct MarketplaceDay: Sendable {
    public struct Options: Sendable {
        public var intents = 2_000
        public var seed: UInt64 = 1
        public var currency = Currency(code: "EUR")!
        /// Where the settlement files and reports are written.
        public var outputDirectory: String
        public init(outputDirectory: String) { self.outputDirectory = outputDirectory }
    }

    /// What was planted in the processor's file, by reference.
    public struct Planted: Sendable, Equatable {
        public var duplicatedCharge: String
        public var missingSettlement: String
        public var shortSettlement: String
        public var unknownLine: String
    }

    /// One reconciliation of one settlement file.
    public struct Reconciliation: Sendable {
        public var format: Statement.Format
        public var statementPath: String
        public var report: ReconReport
        public var reportPaths: [String]
    }

    public struct Outcome: Sendable {
        public var planted: Planted
        public var steps: [String: Int]
        public var reconciliations: [Reconciliation]
    }

    let http: DemoHTTP
    let options: Options

    /// - Parameters:
    ///   - baseURL: the server's HTTP address, such as `http://127.0.0.1:7700`.
    ///   - key: an API key with write access to a tenant with no payment intents yet.
    public init(baseURL: String, key: String, options: Options) {
        http = DemoHTTP(baseURL: baseURL, key: key)
        self.options = options
    }

    public func run(log: @Sendable (String) -> Void = { _ in }) async throws -> Outcome {
        var random = SplitMix64(seed: options.seed)
        let chart = try await http.call(.POST, "/v1/payments/chart", body: #"{"currencies": ["\#(options.currency.code)"]}"#, as: DemoJSON.Chart.self)
        guard let clearing = chart.ledgers.first?.accounts["processor_clearing"] else { throw DemoHTTP.Failure(description: "no clearing account") }
        let plan = DayPlan.make(intents: options.intents, random: &random)
        log("running \(plan.steps.count) payment steps for \(options.intents) intents")
        let counts = try await runSteps(plan)
        log("steps: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))

        let transfers = try await clearingTransfers(clearing)
        let settlement = SettlementFile.make(transfers: transfers, clearing: clearing, references: plan.references,
                                             currency: options.currency, random: &random)
        log("clearing account: \(transfers.count) transfers; processor file: \(settlement.csv.lines.count) lines")
        try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        var reconciliations: [Reconciliation] = []
        for (format, statement) in [(Statement.Format.camt053, settlement.camt), (.csv, settlement.csv)] {
            reconciliations.append(try await reconcile(format, statement))
            log("\(format.rawValue): " + Self.summary(reconciliations.last!.report))
        }
        return Outcome(planted: settlement.planted, steps: counts, reconciliations: reconciliations)
    }

    /// The steps in order, in batches through `POST /v1/payments/steps`.
    private func runSteps(_ plan: DayPlan) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for phase in plan.phases {
            for start in stride(from: 0, to: phase.count, by: 1_000) {
                let batch = phase[start..<min(start + 1_000, phase.count)]
                let reply = try await http.call(.POST, "/v1/payments/steps", body: #"{"steps": [\#(batch.map(\.json).joined(separator: ","))]}"#,
                                                as: DemoJSON.Steps.self)
                for (step, item) in zip(batch, reply.results) {
                    if let error = item.error { throw DemoHTTP.Failure(description: "\(step.type) of intent \(item.intent): \(error.code) \(error.message)") }
                    counts[step.type, default: 0] += 1
                }
            }
        }
        return counts
    }

    private func clearingTransfers(_ clearing: String) async throws -> [DemoJSON.Transfers.Transfer] {
        var all: [DemoJSON.Transfers.Transfer] = []
        var cursor: UInt64 = 0
        while true {
            let page = try await http.call(.GET, "/v1/accounts/\(clearing)/transfers?timestamp_min=\(cursor)&limit=8189", as: DemoJSON.Transfers.self)
            all += page.transfers
            guard page.transfers.count == 8189, let last = page.transfers.last, let timestamp = UInt64(last.timestamp) else { return all }
            cursor = timestamp + 1
        }
    }

    private func reconcile(_ format: Statement.Format, _ statement: Statement) async throws -> Reconciliation {
        let directory = options.outputDirectory
        let name = format == .csv ? "settlement.csv" : "settlement.camt053.xml"
        let text = format == .csv
            ? StatementWriter.csv(statement, mapping: StatementWriter.settlementCSVMapping)
            : StatementWriter.camt053([statement], messageID: "SETTLE-DEMO-\(options.seed)", createdAt: "\(statement.lines.first?.bookingDate?.description ?? "2026-01-01")T23:00:00Z")
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var headers: [(String, String)] = []
        if format == .csv {
            headers.append(("Settle-CSV-Mapping", String(decoding: try JSONEncoder().encode(StatementWriter.settlementCSVMapping), as: UTF8.self)))
        }
        let imported = try await http.send(.POST, "/v1/recon/statements?format=\(format.rawValue)&source=\(name)", body: text, headers: headers)
        guard imported.status == 201 || imported.status == 200 else {
            throw DemoHTTP.Failure(description: "import of \(name): \(imported.status) \(String(decoding: imported.body, as: UTF8.self))")
        }
        let digest = StatementImporter.digest(of: [try StatementImporter.parse(Array(text.utf8), format: format,
                                                                                csvMapping: StatementWriter.settlementCSVMapping)[0]])
        let run = #"{"currency": "\#(options.currency.code)", "statements": ["\#(digest)"], "date_window_days": 2}"#
        let report = try await http.call(.POST, "/v1/recon/runs", body: run, as: ReconReport.self)
        var paths: [String] = []
        for kind in ["json", "csv", "html"] {
            let (status, body) = try await http.send(.POST, "/v1/recon/runs?format=\(kind)", body: run)
            guard status == 200 else { throw DemoHTTP.Failure(description: "report \(kind): \(status)") }
            let reportPath = "\(directory)/report-\(format.rawValue).\(kind)"
            try body.write(to: URL(fileURLWithPath: reportPath))
            paths.append(reportPath)
        }
        return Reconciliation(format: format, statementPath: path, report: report, reportPaths: paths)
    }

    static func summary(_ report: ReconReport) -> String {
        let s = report.summary
        return "\(s.matched.count) matched (\(s.matchedByReference) by reference, \(s.matchedByAmountDate) by amount and date, "
            + "\(s.matchedOneToMany) one-to-many), \(s.duplicates.count) duplicate, \(s.amountMismatches.count) amount mismatch, "
            + "\(s.unmatchedLines.count) unmatched statement line, \(s.unmatchedEntries.count) unmatched ledger transfer"
    }
}
