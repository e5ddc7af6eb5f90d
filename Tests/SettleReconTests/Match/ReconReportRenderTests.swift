import Foundation
import SettleMoney
import Testing
@testable import SettleRecon

@Suite struct ReconReportRenderTests {
    /// One item in every category, with text that needs quoting and escaping.
    static let report: ReconReport = {
        let lines = [
            line(1, 1000, ref: "a,\"b\"\nc"), line(2, 1000, day: 1, ref: "a,\"b\"\nc"), line(3, 500, ref: "<script>alert(1)</script>"),
            line(4, 999, .debit, ref: "m"), line(5, 77), line(6, 300, ref: "po"),
        ]
        let entries = [
            entry(UInt128.max, 1000, ref: "a,\"b\"\nc"), entry(2, 500, ref: "<script>alert(1)</script>"),
            entry(3, 500, ref: "<script>alert(1)</script>"), entry(4, 900, .debit, ref: "m"), entry(5, 12),
            entry(6, 100, ref: "po"), entry(7, 200, ref: "po"),
        ]
        return reconcile(lines, entries)
    }()

    @Test func fixtureHasEveryCategory() {
        let r = ReconReportRenderTests.report
        #expect(r.matched.count == 3 && r.unmatchedLines.count == 1 && r.unmatchedEntries.count == 1)
        #expect(r.duplicates.count == 2 && r.amountMismatches.count == 1)
    }

    @Test func csvParsesBackToTheSameCounts() throws {
        let rows = try parseCSV(ReconReportRenderTests.report.csv())
        #expect(rows.first == ReconReport.csvHeader)
        #expect(rows.dropFirst().allSatisfy { $0.count == ReconReport.csvHeader.count })
        let categories = Dictionary(grouping: rows.dropFirst(), by: { $0[0] }).mapValues(\.count)
        #expect(categories == ["matched": 3, "unmatched_line": 1, "unmatched_entry": 1, "duplicate": 2, "amount_mismatch": 1])
        let referenceColumn = ReconReport.csvHeader.firstIndex(of: "reference")!
        #expect(rows[1][referenceColumn] == "a,\"b\"\nc")
        #expect(rows.contains { $0.contains(String(UInt128.max)) })
    }

    @Test func csvQuotesOnlyWhenNeeded() {
        #expect(ReconReport.csvField("plain") == "plain")
        #expect(ReconReport.csvField("a,b") == "\"a,b\"")
        #expect(ReconReport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ReconReport.csvField("x\r\ny") == "\"x\r\ny\"")
    }

    @Test func htmlEscapesStatementText() {
        let page = ReconReportRenderTests.report.html(title: "Recon <EUR> & co", currencyExponent: 2)
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("<title>Recon &lt;EUR&gt; &amp; co</title>"))
        #expect(page.contains("a,&quot;b&quot;\nc"))
        #expect(page.contains(">10.00<") && page.contains(">9.00<") && page.contains(">0.99<"))  // MinorUnits.format
        #expect(!page.contains("src=") && !page.contains("href="))
        for heading in ["Summary", "Matched (3)", "Unmatched statement lines (1)", "Unmatched ledger transfers (1)",
                        "Duplicates (2)", "Amount mismatches (1)"] {
            #expect(page.contains(heading))
        }
    }

    @Test func htmlFormatsTotalsBeyond64Bits() {
        #expect(MinorUnits.format(Int128(Int64.max) * 10, exponent: 2) == "922337203685477580.70")
        #expect(MinorUnits.format(Int128(-5), exponent: 2) == "-0.05")
    }

    @Test func jsonUsesSnakeCaseAndDecimalStrings() throws {
        let data = try JSONEncoder().encode(ReconReportRenderTests.report)
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["summary", "matched", "unmatched_lines", "unmatched_entries", "duplicates", "amount_mismatches"])
        let matched = try #require(object["matched"] as? [[String: Any]])
        #expect(matched[0]["transfer_ids"] as? [String] == [String(UInt128.max)])
        #expect(matched[0]["amount"] as? String == "1000")
        #expect(matched[0]["source_line"] as? Int == 1)
        let summary = try #require(object["summary"] as? [String: Any])
        let options = try #require(summary["options"] as? [String: Any])
        #expect(options["amount_tolerance_minor"] as? String == "0")
        #expect(options["date_window_days"] as? Int == 3)
        let entries = try #require(object["unmatched_entries"] as? [[String: Any]])
        #expect(entries[0]["transfer_id"] as? String == "5")
    }

    @Test func jsonRoundTrips() throws {
        let data = try JSONEncoder().encode(ReconReportRenderTests.report)
        #expect(try JSONDecoder().decode(ReconReport.self, from: data) == ReconReportRenderTests.report)
    }

    @Test func optionsDecodeWithDefaultsAndRejectValuesOutsideTheLimits() throws {
        let options = try JSONDecoder().decode(MatchOptions.self, from: Data(#"{"amount_tolerance_minor":"25"}"#.utf8))
        #expect(options == MatchOptions(amountToleranceMinor: 25))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MatchOptions.self, from: Data(#"{"date_window_days":-1}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MatchOptions.self, from: Data(#"{"amount_tolerance_minor":"10001"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MatchOptions.self, from: Data(#"{"max_group_size":0}"#.utf8))
        }
    }
}

/// A strict RFC 4180 reader written for the test: CRLF records, quoted fields with doubled quotes.
func parseCSV(_ text: String) throws -> [[String]] {
    struct Malformed: Error {}
    var rows: [[String]] = [], row: [String] = [], field = ""
    var scalars = Array(text.unicodeScalars)[...]
    var quoted = false
    while let c = scalars.popFirst() {
        if quoted {
            if c == "\"" {
                if scalars.first == "\"" { scalars.removeFirst(); field.unicodeScalars.append("\"") } else { quoted = false }
            } else { field.unicodeScalars.append(c) }
        } else if c == "\"" {
            guard field.isEmpty else { throw Malformed() }
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\r" {
            guard scalars.popFirst() == "\n" else { throw Malformed() }
            row.append(field); rows.append(row); row = []; field = ""
        } else if c == "\n" {
            throw Malformed()
        } else { field.unicodeScalars.append(c) }
    }
    guard !quoted, row.isEmpty, field.isEmpty else { throw Malformed() }
    return rows
}
