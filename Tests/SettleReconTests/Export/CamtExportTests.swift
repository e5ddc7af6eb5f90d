import Foundation
import SettleMoney
import Testing
@testable import SettleRecon

@Suite("StatementWriter.camt053")
struct CamtExportTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 1_234_567, 0xDEAD_BEEF, 20_260_706, 99]

    static func write(_ statements: [Statement]) -> String {
        StatementWriter.camt053(statements, messageID: "MSG-1 & <2>", createdAt: "2026-07-06T18:00:00+02:00")
    }

    static func reparse(_ statements: [Statement]) throws -> [Statement] {
        try StatementImporter.parse(Array(write(statements).utf8), format: .camt053)
    }

    /// Expected after a round trip: everything the format carries, with the importer's
    /// numbering of entries across statements.
    static func carried(_ statements: [Statement]) -> [Statement] {
        var number = 0
        return statements.map { statement in
            var copy = statement
            copy.format = .camt053
            copy.lines = statement.lines.map { line in
                number += 1
                var carried = camtCarried(line)
                carried.sourceLine = number
                return carried
            }
            return copy
        }
    }

    @Test("random statements come back as what camt.053 carries, with the same digest", arguments: seeds)
    func randomRoundTrip(seed: UInt64) throws {
        var generator = StatementGenerator(seed: seed)
        let statements = (0..<Int.random(in: 1...3, using: &generator.rng)).map { _ in generator.statement(format: .camt053) }
        let expected = Self.carried(statements)
        let parsed = try Self.reparse(statements)
        #expect(parsed.count == expected.count, "seed \(seed)")
        for (got, want) in zip(parsed, expected) {
            #expect(got.id == want.id && got.account == want.account && got.currency == want.currency, "seed \(seed)")
            #expect(got.openingBalance == want.openingBalance && got.closingBalance == want.closingBalance, "seed \(seed)")
            #expect(got.lines.count == want.lines.count, "seed \(seed)")
            for (index, (line, wanted)) in zip(got.lines, want.lines).enumerated() where line != wanted {
                Issue.record("seed \(seed), statement \(want.id), line \(index + 1): \(firstDifference(line, wanted))")
            }
        }
        #expect(StatementImporter.digest(of: parsed) == StatementImporter.digest(of: expected), "seed \(seed)")
        // What camt.053 carries is a fixed point: writing it again gives the same document.
        #expect(Self.write(parsed) == Self.write(expected), "seed \(seed)")
        #expect(try Self.reparse(expected) == expected, "seed \(seed)")
    }

    @Test("a statement already in camt.053's own terms keeps its digest")
    func digestOfCarriedStatementIsKept() throws {
        for seed in Self.seeds {
            var generator = StatementGenerator(seed: seed &+ 1000)
            let canonical = Self.carried([generator.statement(format: .camt053, lineCount: 8)])
            let parsed = try Self.reparse(canonical)
            #expect(StatementImporter.digest(of: parsed) == StatementImporter.digest(of: canonical), "seed \(seed &+ 1000)")
        }
    }

    @Test("the document is camt.053.001.08 by its namespace and the importer accepts it")
    func version08() throws {
        var generator = StatementGenerator(seed: 7)
        let text = Self.write([generator.statement(format: .camt053, lineCount: 3)])
        let root = try XMLTreeReader.read(Array(text.utf8))
        #expect(root.name == "Document")
        #expect(root.namespaceURI == "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08")
        #expect(StatementWriter.camt053Namespace == root.namespaceURI)
        #expect(try CamtParser.detectFormat(root) == .camt053)
        #expect(root.value("BkToCstmrStmt/GrpHdr/MsgId") == "MSG-1 & <2>")
        #expect(root.value("BkToCstmrStmt/GrpHdr/CreDtTm") == "2026-07-06T18:00:00+02:00")
        #expect(try StatementImporter.parse(Array(text.utf8), format: .camt053).count == 1)
    }

    @Test("amounts have exactly the currency's exponent digits",
          arguments: [("JPY", Int64(1500), "1500"), ("EUR", 1, "0.01"), ("EUR", 1250, "12.50"), ("KWD", 1250, "1.250"),
                      ("BHD", 5, "0.005"), ("USD", .max, "92233720368547758.07")])
    func amountText(currency: String, units: Int64, text: String) throws {
        let line = StatementLine(sourceLine: 1, amount: units, currency: currency, direction: .debit)
        let document = Self.write([Statement(format: .camt053, id: "S", account: "ACC", lines: [line])])
        let entry = try #require(try XMLTreeReader.read(Array(document.utf8)).at("BkToCstmrStmt/Stmt/Ntry"))
        #expect(entry.value("Amt") == text)
        #expect(entry.child("Amt")?.attributes["Ccy"] == currency)
        #expect(entry.value("CdtDbtInd") == "DBIT")
    }

    @Test("XML specials in text are escaped and come back unchanged")
    func escaping() throws {
        let nasty = "A&B <c> \"d\" 'e' ]]> &amp; Zürich 東京 🎉 cr\r\nlf"
        let line = StatementLine(sourceLine: 1, amount: 100, currency: "EUR", direction: .credit,
                                 reference: nasty, accountServicerReference: nasty, description: nasty)
        let statement = Statement(format: .camt053, id: nasty, account: nasty, currency: "EUR", lines: [line])
        let document = Self.write([statement])
        #expect(!document.contains("A&B") && document.contains("A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos; ]]&gt; &amp;amp;"))
        #expect(document.contains("cr&#13;\nlf"))
        let parsed = try #require(try Self.reparse([statement]).first)
        #expect(parsed.id == nasty && parsed.account == nasty)
        #expect(parsed.lines.first?.description == nasty)
        #expect(parsed.lines.first?.reference == nasty)
        #expect(parsed.lines.first?.accountServicerReference == nasty)
    }

    @Test("characters XML cannot hold become U+FFFD and the document stays well-formed")
    func controlCharacters() throws {
        let line = StatementLine(sourceLine: 1, amount: 100, currency: "EUR", direction: .credit, description: "a\u{0}b\u{1B}c\u{FFFF}d")
        let parsed = try Self.reparse([Statement(format: .camt053, id: "S", account: "ACC", lines: [line])])
        #expect(parsed.first?.lines.first?.description == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d")
    }

    @Test("an IBAN goes in Acct/Id/IBAN, anything else in Othr/Id", arguments: [
        ("CH9300762011623852957", true), ("DE89370400440532013000", true), ("acct_1NzL9b", false), ("CH93 0076", false),
    ])
    func accountIdentification(account: String, isIBAN: Bool) throws {
        let document = Self.write([Statement(format: .camt053, id: "S", account: account, lines: [])])
        let stmt = try #require(try XMLTreeReader.read(Array(document.utf8)).at("BkToCstmrStmt/Stmt"))
        #expect(stmt.value("Acct/Id/IBAN") == (isIBAN ? account : nil))
        #expect(stmt.value("Acct/Id/Othr/Id") == (isIBAN ? nil : account))
    }

    @Test("a reference with no EndToEndId to carry it travels as the creditor reference")
    func referenceOnlyLine() throws {
        let line = StatementLine(sourceLine: 1, amount: 4200, currency: "EUR", direction: .credit,
                                 reference: "pi_0042", accountServicerReference: "STL-1", description: "Capture")
        let parsed = try #require(try Self.reparse([Statement(format: .camt053, id: "S", account: "ACC", lines: [line])]).first?.lines.first)
        #expect(parsed.reference == "pi_0042")
        #expect(parsed.accountServicerReference == "STL-1")
        #expect(parsed.endToEndID == nil)
        #expect(parsed.transactions == [EntryTransaction(amount: 4200, direction: .credit, remittanceInformation: "pi_0042")])
    }

    @Test("entries carry status, reversal, bank transaction code and batch count in schema order")
    func entryShape() throws {
        let line = StatementLine(sourceLine: 1, amount: 500, currency: "EUR", direction: .debit,
                                 bookingDate: CalendarDate(year: 2026, month: 7, day: 6),
                                 valueDate: CalendarDate(year: 2026, month: 7, day: 8), accountServicerReference: "R1",
                                 description: "payout", batchCount: 2,
                                 transactions: [EntryTransaction(amount: 200, endToEndID: "E1"), EntryTransaction(amount: 300, endToEndID: "E2")],
                                 isReversal: true)
        let document = Self.write([Statement(format: .camt053, id: "S", account: "ACC", currency: "EUR",
                                             openingBalance: -100, closingBalance: 400, lines: [line])])
        let stmt = try #require(try XMLTreeReader.read(Array(document.utf8)).at("BkToCstmrStmt/Stmt"))
        #expect(stmt.children.map(\.name) == ["Id", "CreDtTm", "Acct", "Bal", "Bal", "Ntry"])
        #expect(stmt.children("Bal").map { $0.value("Tp/CdOrPrtry/Cd") } == ["OPBD", "CLBD"])
        #expect(stmt.children("Bal").map { $0.value("CdtDbtInd") } == ["DBIT", "CRDT"])
        #expect(stmt.children("Bal").map { $0.value("Dt/Dt") } == ["2026-07-06", "2026-07-06"])
        let entry = try #require(stmt.child("Ntry"))
        #expect(entry.children.map(\.name) == ["Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef",
                                               "BkTxCd", "NtryDtls", "AddtlNtryInf"])
        #expect(entry.value("Sts/Cd") == "BOOK")
        #expect(entry.value("RvslInd") == "true")
        #expect(entry.value("BkTxCd/Domn/Cd") == "PMNT" && entry.value("BkTxCd/Domn/Fmly/Cd") == "ICDT")
        #expect(entry.value("NtryDtls/Btch/NbOfTxs") == "2")
        #expect(entry.at("NtryDtls")?.children("TxDtls").map { $0.value("Refs/EndToEndId") } == ["E1", "E2"])
        #expect(entry.at("NtryDtls")?.children("TxDtls").map { $0.value("CdtDbtInd") } == ["DBIT", "DBIT"])
    }

    static let samples = ImportSamples.all.filter { $0.hasPrefix("camt053_") }

    @Test("every camt.053 sample written back reads as the same statements", arguments: samples)
    func samplesRoundTrip(name: String) throws {
        let original = try ImportSamples.parse(name)
        let parsed = try Self.reparse(original)
        #expect(parsed.count == original.count)
        for (got, want) in zip(parsed, original) {
            #expect(got.id == want.id && got.account == want.account && got.currency == want.currency)
            #expect(got.openingBalance == want.openingBalance && got.closingBalance == want.closingBalance)
            #expect(got.lines.count == want.lines.count)
            for (line, wanted) in zip(got.lines, want.lines) where line != wanted {
                Issue.record("\(name) entry \(wanted.sourceLine): \(firstDifference(line, wanted))")
            }
        }
        #expect(StatementImporter.digest(of: parsed) == StatementImporter.digest(of: original))
    }

    @Test("the sample list is every camt.053 file in Samples")
    func sampleListIsComplete() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: ImportSamples.samplesDirectory.path)
        #expect(Set(files.filter { $0.hasPrefix("camt053_") && $0.hasSuffix(".xml") }) == Set(Self.samples))
        #expect(Self.samples.count >= 5)
    }
}
