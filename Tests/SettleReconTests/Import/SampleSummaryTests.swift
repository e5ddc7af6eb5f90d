import Foundation
import Testing
@testable import SettleRecon

/// What the samples' README states for each file: format, statements, entries, and the count and
/// sum of credits and debits in minor units.
struct SampleSummary: Sendable, CustomStringConvertible {
    var file: String
    var format: Statement.Format
    var statements: Int
    var totals: DirectionTotals
    var mapping: CSVMapping?
    var description: String { file }
}

@Suite("Every sample file parses to what its README says")
struct SampleSummaryTests {
    static let summaries: [SampleSummary] = [
        .init(file: "camt053_v02_fi-fffs_sample.xml", format: .camt053, statements: 1,
              totals: .init(credits: 6, creditSum: 2_307_500, debits: 4, debitSum: 943_017)),
        .init(file: "camt054_v02_fi-fffs_sample.xml", format: .camt054, statements: 1,
              totals: .init(credits: 4, creditSum: 560_000, debits: 2, debitSum: 523_005)),
        .init(file: "camt053_v02_de-dk_testbank.xml", format: .camt053, statements: 1,
              totals: .init(credits: 1, creditSum: 100, debits: 3, debitSum: 1_100)),
        .init(file: "camt053_v02_multi-statement.xml", format: .camt053, statements: 2,
              totals: .init(credits: 1, creditSum: 885, debits: 1, debitSum: 700)),
        .init(file: "camt053_v04_ch-postfinance_sample.xml", format: .camt053, statements: 1,
              totals: .init(credits: 5, creditSum: 181_056, debits: 8, debitSum: 127_295)),
        .init(file: "camt054_v04_ch-postfinance_sample.xml", format: .camt054, statements: 1,
              totals: .init(credits: 2, creditSum: 8_056, debits: 2, debitSum: 2_153)),
        // 563.25 CHF in, 20.97 EUR out: the sums here are per direction, the currencies differ.
        .init(file: "camt053_v08_ch-sps2_ubs.xml", format: .camt053, statements: 1,
              totals: .init(credits: 2, creditSum: 56_325, debits: 1, debitSum: 2_097)),
        // 4 detail records, all credits: 115 (4,500.00 and 5,000.00), 218 (200,000.00), 195 (100,000.00).
        .init(file: "bai2_bai-spec-appendix-d.txt", format: .bai2, statements: 5,
              totals: .init(credits: 4, creditSum: 30_950_000, debits: 0, debitSum: 0)),
        // The 88 summaries state 100 = 2,085.00 (3) and 400 = 2,085.00 (8) on the 16th,
        // 100 = 1,115.00 (2) and 400 = 1,115.00 (4) on the 17th.
        .init(file: "bai2_cad_two-days.txt", format: .bai2, statements: 2,
              totals: .init(credits: 5, creditSum: 320_000, debits: 12, debitSum: 320_000)),
        // Gross: EUR 100.00 + 45.50 + 25.00 + 25.00 and USD 120.00 in; EUR 20.00 + 59.90 out.
        .init(file: "adyen_settlement-details_synthetic.csv", format: .csv, statements: 1,
              totals: .init(credits: 5, creditSum: 31_550, debits: 2, debitSum: 7_990), mapping: .adyenSettlementDetails),
        // Gross 225.50 = 305.90 in − 80.40 out.
        .init(file: "stripe_payout-reconciliation_synthetic.csv", format: .csv, statements: 1,
              totals: .init(credits: 5, creditSum: 30_590, debits: 3, debitSum: 8_040), mapping: .stripePayoutReconciliation),
    ]

    @Test("statement count, format and totals", arguments: summaries)
    func summary(_ expected: SampleSummary) throws {
        let statements = try ImportSamples.parse(expected.file, csvMapping: expected.mapping)
        #expect(statements.count == expected.statements)
        #expect(statements.allSatisfy { $0.format == expected.format })
        #expect(DirectionTotals(statements.flatMap(\.lines)) == expected.totals)
        #expect(statements.flatMap(\.lines).allSatisfy { $0.amount > 0 })
    }

    @Test("every sample is covered by a summary")
    func everySampleCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: ImportSamples.samplesDirectory.path)
            .filter { $0 != "README.md" }.sorted()
        #expect(files == Self.summaries.map(\.file).sorted())
        #expect(files == ImportSamples.all.sorted())
    }

    @Test("the copies in Samples/ are the shared originals, byte for byte",
          .enabled(if: FileManager.default.fileExists(atPath: ImportSamples.sharedDirectory.path)))
    func copiesMatchShared() throws {
        for name in ImportSamples.all + ["README.md"] {
            let shared = try Data(contentsOf: ImportSamples.sharedDirectory.appendingPathComponent(name))
            let copy = try Data(contentsOf: ImportSamples.samplesDirectory.appendingPathComponent(name))
            #expect(shared == copy, "\(name)")
        }
    }

    @Test("XML sources count entries across the file, starting at 1", arguments: ImportSamples.all.filter { $0.hasSuffix(".xml") })
    func entryIndexes(_ file: String) throws {
        let lines = try ImportSamples.parse(file).flatMap(\.lines)
        #expect(lines.map(\.sourceLine) == Array(1...lines.count))
        let entries = try ImportSamples.text(file).components(separatedBy: "<Ntry>").count - 1
        #expect(lines.count == entries)
    }
}
