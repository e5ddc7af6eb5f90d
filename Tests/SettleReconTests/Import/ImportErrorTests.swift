import Foundation
import Testing
@testable import SettleRecon

/// Each error kind, made by mutating a sample: the error names the element or line at fault and
/// nothing is returned (the importer throws; there is no partial result to look at).
@Suite("Malformed statements import nothing and say where")
struct ImportErrorTests {
    /// `text` with the first occurrence of `target` (after `after`, when given) replaced.
    static func replacing(_ target: String, with replacement: String, in text: String, after anchor: String? = nil) throws -> String {
        let start = try anchor.map { try #require(text.range(of: $0)).upperBound } ?? text.startIndex
        let range = try #require(text.range(of: target, range: start..<text.endIndex))
        return text.replacingCharacters(in: range, with: replacement)
    }

    /// The 1-based line `needle` starts on, counting LF, CRLF and lone CR as line ends.
    static func lineNumber(of needle: String, in text: String, after anchor: String? = nil) throws -> Int {
        let start = try anchor.map { try #require(text.range(of: $0)).upperBound } ?? text.startIndex
        let range = try #require(text.range(of: needle, range: start..<text.endIndex))
        let prefix = text[..<range.lowerBound].replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return prefix.filter { $0 == "\n" }.count + 1
    }

    // MARK: camt

    @Test("truncated XML is malformed")
    func truncated() throws {
        let text = try ImportSamples.text("camt053_v02_multi-statement.xml")
        let error = try #require(ImportSamples.error(String(text.prefix(text.count / 2))))
        #expect(error.message.hasPrefix("malformed XML"))
        #expect(error.location.hasPrefix("Document/BkToCstmrStmt/Stmt"))
        #expect(error.location.contains("(XML line "))
    }

    @Test("a bad amount names the entry's Amt and its line")
    func badAmount() throws {
        let text = try ImportSamples.text("camt053_v08_ch-sps2_ubs.xml")
        let mutated = try Self.replacing(">474.4<", with: ">47x.4<", in: text)
        let line = try Self.lineNumber(of: ">47x.4<", in: mutated)
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location == "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt (XML line \(line))")
        #expect(error.message == "\"47x.4\" is not a decimal amount")
    }

    @Test("a missing Amt names where it should be")
    func missingAmount() throws {
        let text = try ImportSamples.text("camt053_v02_fi-fffs_sample.xml")
        let mutated = try Self.replacing("<Amt Ccy=\"EUR\">4230.05</Amt>", with: "", in: text)
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location.hasPrefix("Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt (XML line "))
        #expect(error.message == "missing amount")
    }

    @Test("a bad CdtDbtInd in the second statement")
    func badIndicator() throws {
        let text = try ImportSamples.text("camt053_v02_multi-statement.xml")
        let mutated = try Self.replacing("<CdtDbtInd>DBIT</CdtDbtInd>", with: "<CdtDbtInd>DEBIT</CdtDbtInd>", in: text)
        let line = try Self.lineNumber(of: "DEBIT", in: mutated)
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location == "Document/BkToCstmrStmt/Stmt[2]/Ntry[1]/CdtDbtInd (XML line \(line))")
    }

    @Test("an impossible booking date")
    func badDate() throws {
        let text = try ImportSamples.text("camt053_v04_ch-postfinance_sample.xml")
        let mutated = try Self.replacing("<Dt>2016-04-30</Dt>", with: "<Dt>2016-04-31</Dt>", in: text, after: "<BookgDt>")
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location.hasPrefix("Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/Dt (XML line "))
        #expect(error.message.contains("2016-04-31"))
    }

    @Test("an unknown currency in a notification")
    func unknownCurrency() throws {
        let text = try ImportSamples.text("camt054_v04_ch-postfinance_sample.xml")
        let mutated = try Self.replacing("<Amt Ccy=\"CHF\">56.56</Amt>", with: "<Amt Ccy=\"XYZ\">56.56</Amt>", in: text)
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location.hasPrefix("Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]/Amt (XML line "))
        #expect(error.message == "unknown currency \"XYZ\"")
    }

    @Test("a bad transaction amount inside a batch, in the CR-only file, with the right line")
    func badTransactionAmountCROnly() throws {
        let text = try ImportSamples.text("camt054_v02_fi-fffs_sample.xml")
        let mutated = try Self.replacing(">1000.01<", with: ">1000.0.1<", in: text)
        #expect(!mutated.contains("\n"))
        let line = try Self.lineNumber(of: ">1000.0.1<", in: mutated)
        #expect(line > 600)
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location == "Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[4]/NtryDtls[1]/TxDtls[2]/AmtDtls/TxAmt/Amt (XML line \(line))")
    }

    @Test("other documents are refused", arguments: [
        ("camt.052.001.02", "unsupported ISO 20022 message camt.052.001.02"),
        ("pain.001.001.03", "unsupported ISO 20022 message pain.001.001.03"),
        ("camt.053.001", "unsupported ISO 20022 message camt.053.001"),
    ])
    func otherNamespaces(_ namespace: String, _ message: String) throws {
        let text = try ImportSamples.text("camt053_v02_multi-statement.xml")
        let mutated = try Self.replacing("camt.053.001.02", with: namespace, in: text)
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.message.hasPrefix(message))
        #expect(ImportSamples.error("<html><body/></html>")?.message.hasPrefix("not an ISO 20022 document") == true)
    }

    @Test("a message without statements is refused")
    func noStatements() throws {
        let document = """
        <?xml version="1.0"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
          <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn>
        </Document>
        """
        let error = try #require(ImportSamples.error(document))
        #expect(error.description == "Document/BkToCstmrDbtCdtNtfctn/Ntfctn (XML line 3): no Ntfctn in the message")
    }

    @Test("a camt.053 read as camt.054 is refused")
    func formatMismatch() throws {
        let error = try #require(ImportSamples.error(try ImportSamples.text("camt053_v08_ch-sps2_ubs.xml"), format: .camt054))
        #expect(error.message == "expected a camt054 document, found camt053")
    }

    // MARK: BAI2

    @Test("BAI2 control totals and counts that do not agree name the trailer's line", arguments: [
        ("49,9150000,4/", "49,9150001,4/", 6), ("49,9150000,4/", "49,9150000,5/", 6),
        ("98,13150000,2,11/", "98,13150000,3,11/", 12), ("98,180000000,1,8/", "98,180000001,1,8/", 20),
        ("99,345450000,4,31/", "99,345450000,4,30/", 31), ("99,345450000,4,31/", "99,345450000,5,31/", 31),
    ])
    func bai2Totals(_ original: String, _ wrong: String, _ line: Int) throws {
        let mutated = try Self.replacing(original, with: wrong, in: try ImportSamples.text("bai2_bai-spec-appendix-d.txt"))
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location == "line \(line)")
    }

    @Test("BAI2 structural errors", arguments: [
        ("16,115,450000,S,", "16,115,45O000,S,", "line 5", "amount \"45O000\" is not a BAI2 amount"),
        ("16,195,10000000,1,", "16,890,10000000,1,", "line 18", "type code 890 is not a credit (100–399) or debit (400–699) detail"),
        ("02,031001234,122099999,1,040620,2359,,2/", "02,031001234,122099999,1,040620,2359,XXX,2/", "line 2", "unknown currency \"XXX\""),
        ("16,218,20000000,V,040622,", "16,218,20000000,V,040632,", "line 16", "\"040632\" is not a YYMMDD date"),
        ("\n99,345450000,4,31/", "", "line 31", "the file ends without a 99 file trailer"),
        ("65,,2/", "65,,1/", "line 1", "BAI file version \"1\" is not 2; only BAI2 is read"),
        ("49,4000000,5/", "49,4000000,5/\n16,115,1,,,,", "line 12", "expected an 03 account or the 98 group trailer, found 16"),
    ])
    func bai2Structure(_ original: String, _ wrong: String, _ location: String, _ message: String) throws {
        let mutated = try Self.replacing(original, with: wrong, in: try ImportSamples.text("bai2_bai-spec-appendix-d.txt"))
        let error = try #require(ImportSamples.error(mutated))
        #expect(error.location == location)
        #expect(error.message == message)
    }

    // MARK: CSV

    @Test("a bad amount names the line and column")
    func csvBadAmount() throws {
        let text = try ImportSamples.text("adyen_settlement-details_synthetic.csv")
        let mutated = try Self.replacing(",45.50,", with: ",\"12,3x\",", in: text)
        let error = try #require(ImportSamples.error(mutated, csvMapping: .adyenSettlementDetails))
        #expect(error.description == "line 3, column \"Gross Credit (GC)\": \"12,3x\" is not a decimal amount")
    }

    @Test("CSV errors", arguments: [
        ("txn_1Sample00000003,", "txn_1Sample00000003,extra,", "line 4", "19 fields where the header has 18"),
        ("2026-07-06 16:05:12", "2026-07-06T16:05:12", "line 5, column \"created_utc\"", "\"2026-07-06T16:05:12\" is not a yyyy-MM-dd HH:mm:ss date"),
        (",eur,-59.90,", ",xyz,-59.90,", "line 8, column \"currency\"", "\"xyz\" is not a known currency"),
        (",gross,", ",grosse,", "line 1", "no column \"gross\" in the header"),
        ("Order 1042", "\"Order 1042", "line 3", "a quoted field is never closed"),
        (",25.00,0.63,", ",,0.63,", "line 5, column \"gross\"", "missing amount"),
    ])
    func csvErrors(_ original: String, _ wrong: String, _ location: String, _ message: String) throws {
        let mutated = try Self.replacing(original, with: wrong, in: try ImportSamples.text("stripe_payout-reconciliation_synthetic.csv"))
        let error = try #require(ImportSamples.error(mutated, csvMapping: .stripePayoutReconciliation))
        #expect(error.location == location)
        #expect(error.message == message)
    }

    @Test("Adyen rows with both or neither of debit and credit")
    func csvDebitAndCredit() throws {
        let text = try ImportSamples.text("adyen_settlement-details_synthetic.csv")
        let both = try Self.replacing("EUR,,45.50,", with: "EUR,1.00,45.50,", in: text)
        #expect(ImportSamples.error(both, csvMapping: .adyenSettlementDetails)?.location == "line 3, column \"Gross Credit (GC)\"")
        let neither = try Self.replacing("EUR,,45.50,", with: "EUR,,,", in: text)
        #expect(ImportSamples.error(neither, csvMapping: .adyenSettlementDetails)?.message.hasPrefix("neither") == true)
    }

    @Test("CSV needs a mapping")
    func csvWithoutMapping() throws {
        let error = try #require(ImportSamples.error(try ImportSamples.text("stripe_payout-reconciliation_synthetic.csv")))
        #expect(error.message.contains("CSVMapping"))
    }
}
