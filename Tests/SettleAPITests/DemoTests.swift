import Foundation
import SettleDemo
import SettleRecon
import Testing

/// Issue 7's day of a marketplace, as `settle demo` runs it, against a live server: the
/// reports of both settlement files hold exactly the planted breaks.
@Suite struct DemoTests {
    @Test(arguments: [UInt64(1), 7])
    func aMarketplaceDayReconcilesToExactlyThePlantedBreaks(seed: UInt64) async throws {
        try await LiveServer.with { server in
            let (_, key) = try await server.newTenant("marketplace")
            let out = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: out) }
            var options = MarketplaceDay.Options(outputDirectory: out)
            options.intents = 1_000
            options.seed = seed
            let outcome = try await MarketplaceDay(baseURL: "http://127.0.0.1:\(server.httpPort)", key: key, options: options).run()
            #expect(outcome.problems() == [], "seed \(seed)")
            #expect(outcome.reconciliations.map(\.format) == [.camt053, .csv])
            for reconciliation in outcome.reconciliations {
                let report = reconciliation.report
                #expect(report.duplicates.map(\.reference) == [outcome.planted.duplicatedCharge])
                #expect(report.amountMismatches.map(\.reference) == [outcome.planted.shortSettlement])
                #expect(report.unmatchedLines.map(\.reference) == [outcome.planted.unknownLine])
                #expect(report.unmatchedEntries.count == 1)
                // Every other line matched: lines = matched + the three planted line breaks.
                let matchedLines = report.summary.matched.count
                #expect(matchedLines + 3 == report.summary.lineCount, "seed \(seed) \(reconciliation.format)")
                for path in reconciliation.reportPaths { #expect(FileManager.default.fileExists(atPath: path)) }
                let html = try String(contentsOfFile: reconciliation.reportPaths[2], encoding: .utf8)
                #expect(html.contains(outcome.planted.duplicatedCharge))
            }
            // The disputes and refunds happened: the steps ran as planned.
            #expect(outcome.steps["open_dispute"] == 2 && outcome.steps["resolve_dispute"] == 2 && (outcome.steps["refund"] ?? 0) > 0)
        }
    }
}
