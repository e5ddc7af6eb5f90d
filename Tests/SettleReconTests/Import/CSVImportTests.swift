import Foundation
import Testing
@testable import SettleRecon

@Suite("CSV with a column mapping")
struct CSVImportTests {
    @Test("Adyen at gross: payment rows in the payment's currency; fees and the payout skipped")
    func adyenGross() throws {
        let statement = try #require(try ImportSamples.parse("adyen_settlement-details_synthetic.csv",
                                                             csvMapping: .adyenSettlementDetails).first)
        #expect(statement.account == "" && statement.currency == nil)  // EUR and USD rows
        #expect(statement.lines.map(\.sourceLine) == [2, 3, 4, 5, 6, 7, 8])
        let euro = statement.lines.filter { $0.currency == "EUR" }
        #expect(DirectionTotals(euro) == .init(credits: 4, creditSum: 19_550, debits: 2, debitSum: 7_990))
        let dollar = try #require(statement.lines.first { $0.currency == "USD" })
        #expect(dollar.amount == 12_000 && dollar.endToEndID == "ORDER-1043")
        // ORDER-1044 settled twice under two PSP references.
        let doubled = statement.lines.filter { $0.endToEndID == "ORDER-1044" }
        #expect(doubled.count == 2 && Set(doubled.compactMap(\.reference)).count == 2)
        let refund = statement.lines[5]
        #expect(refund.description == "Refunded" && refund.direction == .debit && refund.amount == 2_000)
        #expect(refund.reference == "8826190311000101" && refund.accountServicerReference == "8826190512000103")
        #expect(refund.bookingDate == CalendarDate(year: 2026, month: 7, day: 7))
    }

    @Test("Adyen at net: 300.35 in − 88.70 out = the 211.65 payout")
    func adyenNet() throws {
        let statement = try #require(try ImportSamples.parse("adyen_settlement-details_synthetic.csv",
                                                             csvMapping: .adyenSettlementDetailsNet).first)
        #expect(statement.currency == "EUR")
        #expect(DirectionTotals(statement.lines) == .init(credits: 5, creditSum: 30_035, debits: 3, debitSum: 8_870))
        let payout = try Self.adyenPayoutNetDebit()
        #expect(statement.lines.reduce(Int64(0)) { $0 + $1.signedAmount } == payout)
        #expect(payout == 21_165)
    }

    /// The MerchantPayout row's net debit, read with a mapping that keeps only that row; its
    /// Modification Reference holds a quoted comma.
    static func adyenPayoutNetDebit() throws -> Int64 {
        var mapping = CSVMapping.adyenSettlementDetailsNet
        mapping.typeFilter = .include(column: "Type", values: ["MerchantPayout"])
        let line = try #require(try ImportSamples.parse("adyen_settlement-details_synthetic.csv", csvMapping: mapping).first?.lines.first)
        #expect(line.accountServicerReference == "TX4567890123XT batch 118, TestMerchantEUR")
        #expect(line.sourceLine == 10 && line.direction == .debit)
        return line.amount
    }

    @Test("Stripe: gross 225.50, net 201.34, fees 24.16")
    func stripe() throws {
        let file = "stripe_payout-reconciliation_synthetic.csv"
        let gross = try #require(try ImportSamples.parse(file, csvMapping: .stripePayoutReconciliation).first)
        let net = try #require(try ImportSamples.parse(file, csvMapping: .stripePayoutReconciliationNet).first)
        func sum(_ s: Statement) -> Int64 { s.lines.reduce(0) { $0 + $1.signedAmount } }
        #expect(sum(gross) == 22_550)
        #expect(sum(net) == 20_134)
        #expect(sum(gross) - sum(net) == 2_416)
        #expect(gross.currency == "EUR" && gross.lines.count == 8)
        let usdCharge = gross.lines[2]
        #expect(usdCharge.amount == 11_040 && usdCharge.reference == "ch_3Sample00000003")
        #expect(usdCharge.valueDate == CalendarDate(year: 2026, month: 7, day: 8))
        let fee = gross.lines[7]
        #expect(fee.direction == .debit && fee.amount == 50 && fee.reference == nil)
        #expect(gross.lines.filter { $0.description == "Order 1044" }.count == 2)
    }

    static let minimal = CSVMapping(date: "Date", amount: .signed(column: "Amount"), currency: .fixed(code: "EUR"),
                                    reference: "Ref", description: "Text")

    @Test("RFC 4180: quoted delimiters, doubled quotes, CRLF, line breaks inside quotes, BOM")
    func rfc4180() throws {
        let file = "\u{FEFF}Date,Amount,Ref,Text\r\n2026-07-01,10.00,A1,\"one, two\"\r\n"
            + "2026-07-02,-2.5,\"A\"\"2\",\"multi\r\nline\"\r\n\r\n2026-07-03,0.10,A3,plain"
        let statement = try #require(try StatementImporter.parse(Array(file.utf8), csvMapping: Self.minimal).first)
        #expect(statement.lines.map(\.sourceLine) == [2, 3, 6])
        #expect(statement.lines.map(\.description) == ["one, two", "multi\r\nline", "plain"])
        #expect(statement.lines[1].reference == "A\"2")
        #expect(statement.lines.map(\.signedAmount) == [1_000, -250, 10])
    }

    @Test("semicolons, decimal commas, dd.MM.yyyy, debit-positive signs, column currency")
    func europeanLayout() throws {
        let mapping = CSVMapping(date: "Buchung", valueDate: "Valuta", amount: .signed(column: "Betrag"), currency: .column(name: "Whg"),
                                 dateFormat: .dayMonthYear, decimalSeparator: ",", delimiter: ";", signConvention: .positiveIsDebit)
        let file = "Buchung;Valuta;Betrag;Whg\n31.12.2025;02.01.2026;1234,56;eur\n01.01.2026;;-7;JPY\n"
        let lines = try #require(try StatementImporter.parse(Array(file.utf8), format: .csv, csvMapping: mapping).first).lines
        #expect(lines[0].direction == .debit && lines[0].amount == 123_456 && lines[0].currency == "EUR")
        #expect(lines[0].bookingDate == CalendarDate(year: 2025, month: 12, day: 31))
        #expect(lines[0].valueDate == CalendarDate(year: 2026, month: 1, day: 2))
        #expect(lines[1].direction == .credit && lines[1].amount == 7 && lines[1].currency == "JPY" && lines[1].valueDate == nil)
    }

    @Test("MM/dd/yyyy and every date format's pattern", arguments: CSVMapping.DateFormat.allCases)
    func dateFormats(_ format: CSVMapping.DateFormat) {
        let samples: [CSVMapping.DateFormat: String] = [
            .isoDate: "2024-02-29", .isoDateTime: "2024-02-29 23:59:59", .dayMonthYear: "29.02.2024", .monthDayYear: "02/29/2024",
        ]
        #expect(CSVStatementParser.parseDate(samples[format]!, format: format) == CalendarDate(year: 2024, month: 2, day: 29))
        #expect(CSVStatementParser.parseDate(samples[format]!.replacingOccurrences(of: "29", with: "30"), format: format) == nil)
        #expect(CSVStatementParser.parseDate("2024-2-29", format: format) == nil)
    }

    @Test("mappings are Codable, presets included")
    func mappingCodable() throws {
        for mapping in [CSVMapping.adyenSettlementDetails, .adyenSettlementDetailsNet, .stripePayoutReconciliation, Self.minimal] {
            let data = try JSONEncoder().encode(mapping)
            #expect(try JSONDecoder().decode(CSVMapping.self, from: data) == mapping)
        }
        let json = #"{"date":"D","amount":{"signed":{"column":"A"}},"currency":{"fixed":{"code":"CHF"}},"delimiter":";"}"#
        let decoded = try JSONDecoder().decode(CSVMapping.self, from: Data(json.utf8))
        #expect(decoded.delimiter == ";" && decoded.decimalSeparator == "." && decoded.dateFormat == .isoDate)
    }
}
