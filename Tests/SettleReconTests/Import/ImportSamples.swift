import Foundation
import SettleMoney
@testable import SettleRecon

/// The sample statements the tests read. They are copied into `Samples/` next to this file so a
/// clean clone can run the tests; `sharedDirectory` is the original they were copied from, when
/// the checkout sits beside it.
enum ImportSamples {
    static let importTestsDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
    static let samplesDirectory = importTestsDirectory.appendingPathComponent("Samples")
    /// `<repo>/../shared/data/statements`: #filePath is `<repo>/Tests/SettleReconTests/Import/…`.
    static let sharedDirectory = importTestsDirectory
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/statements")

    static let all = [
        "camt053_v02_fi-fffs_sample.xml", "camt054_v02_fi-fffs_sample.xml", "camt053_v02_de-dk_testbank.xml",
        "camt053_v02_multi-statement.xml", "camt053_v04_ch-postfinance_sample.xml",
        "camt054_v04_ch-postfinance_sample.xml", "camt053_v08_ch-sps2_ubs.xml", "bai2_bai-spec-appendix-d.txt",
        "bai2_cad_two-days.txt", "adyen_settlement-details_synthetic.csv", "stripe_payout-reconciliation_synthetic.csv",
    ]

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: samplesDirectory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }

    static func parse(_ name: String, csvMapping: CSVMapping? = nil) throws -> [Statement] {
        try StatementImporter.parse(bytes(name), csvMapping: csvMapping)
    }

    /// Parses a mutated copy of a sample and returns the error, or nil if it parsed.
    static func error(_ text: String, format: Statement.Format? = nil, csvMapping: CSVMapping? = nil) -> StatementError? {
        do {
            _ = try StatementImporter.parse(Array(text.utf8), format: format, csvMapping: csvMapping)
            return nil
        } catch {
            return error
        }
    }
}

/// Counts and sums by direction, in minor units.
struct DirectionTotals: Equatable, CustomStringConvertible {
    var credits = 0
    var creditSum: Int64 = 0
    var debits = 0
    var debitSum: Int64 = 0

    init(credits: Int, creditSum: Int64, debits: Int, debitSum: Int64) {
        self.credits = credits
        self.creditSum = creditSum
        self.debits = debits
        self.debitSum = debitSum
    }

    init(_ lines: some Sequence<StatementLine>) {
        for line in lines {
            if line.direction == .credit {
                credits += 1
                creditSum += line.amount
            } else {
                debits += 1
                debitSum += line.amount
            }
        }
    }

    var description: String { "\(credits) CRDT \(creditSum), \(debits) DBIT \(debitSum)" }
}

extension Statement {
    /// Opening balance plus every line, signed.
    var computedClosing: Int64? { openingBalance.map { $0 + lines.reduce(0) { $0 + $1.signedAmount } } }
}

extension StatementLine {
    /// The sum of the transactions' amounts, nil if any has none.
    var transactionSum: Int64? {
        var sum: Int64 = 0
        for tx in transactions {
            guard let amount = tx.amount else { return nil }
            sum += amount
        }
        return sum
    }
}
