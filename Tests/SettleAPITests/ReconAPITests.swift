import Foundation
import NIOHTTP1
import SettleRecon
import Testing

/// Statement import and reconciliation over HTTP on a live server.
@Suite struct ReconAPITests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SettleReconTests/Import/Samples")

    func sample(_ name: String) throws -> String {
        try String(contentsOf: Self.samples.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func theSameStatementImportsOnce() async throws {
        try await LiveServer.with { server in
            let (_, key) = try await server.newTenant("bank")
            let file = try sample("camt053_v02_fi-fffs_sample.xml")
            let first = try await server.request(.POST, "/v1/recon/statements?source=fi.xml", key: key, body: file)
            #expect(first.status == 201, "\(first.body)")
            #expect(first.json["imported_lines"] as? Int == 10)
            let second = try await server.request(.POST, "/v1/recon/statements", key: key, body: file)
            #expect(second.status == 200 && second.json["imported_lines"] as? Int == 0)
            #expect(((second.json["statements"] as? [[String: Any]])?.first?["new"] as? Bool) == false)
            let list = try await server.request(.GET, "/v1/recon/statements", key: key)
            #expect((list.json["statements"] as? [[String: Any]])?.map { $0["line_count"] as? Int } == [10])
            // Another tenant neither sees the statement nor reconciles against it.
            let (_, other) = try await server.newTenant("other")
            let theirs = try await server.request(.GET, "/v1/recon/statements", key: other)
            #expect((theirs.json["statements"] as? [Any])?.isEmpty == true)
            let digest = (list.json["statements"] as? [[String: Any]])?.first?["digest"] as? String ?? ""
            let run = try await server.request(.POST, "/v1/recon/runs", key: other, body: #"{"currency": "EUR", "statements": ["\#(digest)"]}"#)
            #expect(run.status == 404 && run.errorCode == "statement_not_found")
        }
    }

    @Test func aMalformedStatementImportsNothingAndSaysWhere() async throws {
        try await LiveServer.with { server in
            let (_, key) = try await server.newTenant("bank")
            let file = try sample("camt053_v04_ch-postfinance_sample.xml")
            // The third entry's amount is no longer a decimal.
            var broken = file
            var searchFrom = broken.startIndex
            for _ in 0..<3 {
                let entry = try #require(broken.range(of: "<Ntry>", range: searchFrom..<broken.endIndex))
                searchFrom = entry.upperBound
            }
            let amount = try #require(broken.range(of: "</Amt>", range: searchFrom..<broken.endIndex))
            broken.replaceSubrange(amount.lowerBound..<amount.lowerBound, with: "x")
            let reply = try await server.request(.POST, "/v1/recon/statements", key: key, body: broken)
            #expect(reply.status == 422 && reply.errorCode == "statement_invalid", "\(reply.body)")
            #expect(reply.errorMessage.contains("Ntry[3]"), "\(reply.errorMessage)")
            let list = try await server.request(.GET, "/v1/recon/statements", key: key)
            #expect((list.json["statements"] as? [Any])?.isEmpty == true)
            let empty = try await server.request(.POST, "/v1/recon/statements", key: key, body: "")
            #expect(empty.status == 422 && empty.errorMessage.contains("empty"), "\(empty.body)")
            let csv = try await server.request(.POST, "/v1/recon/statements?format=csv", key: key, body: "a,b\n1,2\n")
            #expect(csv.status == 422, "a CSV without a mapping is refused: \(csv.body)")
        }
    }

    @Test func aProcessorStatementReconcilesAgainstTheClearingAccount() async throws {
        try await LiveServer.with { server in
            let (_, key) = try await server.newTenant("shop")
            _ = try await server.request(.POST, "/v1/payments/chart", key: key, body: #"{"currencies": ["EUR"]}"#)
            for (id, amount) in [(1, 1250), (2, 4000), (3, 990)] {
                let created = try await server.request(.POST, "/v1/payment_intents", key: key,
                                                       body: #"{"id": "\#(id)", "currency": "EUR", "amount": "\#(amount)", "reference": "ord-\#(id)"}"#)
                #expect(created.status == 201, "\(created.body)")
                let captured = try await server.request(.POST, "/v1/payment_intents/\(id)/capture", key: key, body: #"{"sequence": 1}"#)
                #expect(captured.status == 200, "\(captured.body)")
            }
            let today = CalendarDate(ledgerTimestamp: UInt64(Date().timeIntervalSince1970 * 1e9)).description
            // ord-1 settles, ord-1 is charged twice, ord-2 settles short, ord-9 is unknown,
            // and ord-3 never settles.
            let csv = """
                Date,Amount,Currency,Reference\r
                \(today),12.50,EUR,ord-1\r
                \(today),12.50,EUR,ord-1\r
                \(today),39.00,EUR,ord-2\r
                \(today),5.00,EUR,ord-9\r

                """
            let mapping = CSVMapping(date: "Date", amount: .signed(column: "Amount"), currency: .column(name: "Currency"), reference: "Reference")
            let header = String(decoding: try JSONEncoder().encode(mapping), as: UTF8.self)
            let imported = try await server.request(.POST, "/v1/recon/statements?format=csv", key: key, body: csv, headers: [("Settle-CSV-Mapping", header)])
            #expect(imported.status == 201, "\(imported.body)")

            let run = #"{"currency": "EUR", "date_window_days": 1}"#
            let report = try await server.request(.POST, "/v1/recon/runs", key: key, body: run)
            #expect(report.status == 200, "\(report.body)")
            func count(_ name: String) -> Int? { (report.json[name] as? [Any])?.count }
            #expect(count("matched") == 1 && count("duplicates") == 1 && count("amount_mismatches") == 1, "\(report.body)")
            #expect(count("unmatched_lines") == 1 && count("unmatched_entries") == 1, "\(report.body)")

            let asCSV = try await server.request(.POST, "/v1/recon/runs?format=csv", key: key, body: run)
            #expect(asCSV.header("content-type")?.hasPrefix("text/csv") == true && asCSV.body.contains("ord-9"))
            let asHTML = try await server.request(.POST, "/v1/recon/runs?format=html", key: key, body: run)
            #expect(asHTML.header("content-type")?.hasPrefix("text/html") == true && asHTML.body.contains("ord-9"))
            for bad in [#"{"currency": "EUR", "date_window_days": 5000}"#, #"{"currency": "EUR", "amount_tolerance": 4000000000}"#,
                        #"{"currency": "EUR", "from": "2026-13-01"}"#] {
                let refused = try await server.request(.POST, "/v1/recon/runs", key: key, body: bad)
                #expect(refused.status == 400 && refused.errorCode == "invalid_field", "\(bad): \(refused.body)")
            }
            let unknown = try await server.request(.POST, "/v1/recon/runs", key: key, body: #"{"currency": "EUR", "statements": ["nope"]}"#)
            #expect(unknown.status == 404 && unknown.errorCode == "statement_not_found")
        }
    }
}
