import SettleMoney
import Testing
@testable import SettleRecon

@Suite("StatementWriter.csv")
struct CSVExportTests {
    /// The layouts the round trip runs over: the demo's, two processor presets, and two made-up
    /// bank layouts that use every other setting.
    static let mappings: [(String, CSVMapping)] = [
        ("settlement", StatementWriter.settlementCSVMapping),
        ("stripe", .stripePayoutReconciliation),
        ("adyen", .adyenSettlementDetails),
        ("semicolon-comma-dmy-debit-positive-fixed-KWD", CSVMapping(
            date: "Buchungstag", valueDate: "Valuta", amount: .signed(column: "Betrag"), currency: .fixed(code: "kwd"),
            reference: "Referenz", endToEndID: "EREF", description: "Text",
            typeFilter: .exclude(column: "Art", values: ["", "Gebühr"]), dateFormat: .dayMonthYear,
            decimalSeparator: ",", delimiter: ";", signConvention: .positiveIsDebit)),
        // A debit/credit layout with the opposite sign convention: the columns decide.
        ("tab-mdy-debit-credit", CSVMapping(
            date: "Date", amount: .debitCredit(debit: "Withdrawals", credit: "Deposits"), currency: .column(name: "Ccy"),
            reference: "Ref", accountServicerReference: "Bank Ref", description: "Memo",
            typeFilter: .include(column: "Kind", values: ["Payment", "Other"]), dateFormat: .monthDayYear, delimiter: "\t",
            signConvention: .positiveIsDebit)),
    ]
    static let seeds: [UInt64] = [1, 2, 3, 42, 1_234_567, 0xDEAD_BEEF]

    static func cases() -> [(String, UInt64)] { mappings.flatMap { mapping in seeds.map { (mapping.0, $0) } } }

    static func mapping(_ name: String) -> CSVMapping { mappings.first { $0.0 == name }!.1 }

    /// A random statement the CSV layout can hold at all: every line booked, in the fixed
    /// currency when there is one, with the descriptions a type filter on that column keeps.
    static func statement(seed: UInt64, mapping: CSVMapping) -> Statement {
        var generator = StatementGenerator(seed: seed)
        var statement = generator.statement(format: .csv, lineCount: Int.random(in: 0...15, using: &generator.rng))
        for index in statement.lines.indices {
            statement.lines[index].bookingDate = statement.lines[index].bookingDate ?? generator.date()
            if case .fixed(let code) = mapping.currency { statement.lines[index].currency = code.uppercased() }
            if case .include(let column, let values)? = mapping.typeFilter, column == mapping.description {
                statement.lines[index].description = generator.pick(values)
            }
        }
        return statement
    }

    /// The physical line each data row starts on: rows follow the header, and a field's line
    /// breaks (CRLF, LF or CR) push the next row down.
    static func physicalLines(_ statement: Statement, _ mapping: CSVMapping) -> [Int] {
        var line = 2
        return StatementWriter.csvColumns(mapping).isEmpty ? [] : statement.lines.map { row in
            let start = line
            for column in StatementWriter.csvColumns(mapping) {
                let scalars = Array(column.value(row).unicodeScalars)
                for (i, scalar) in scalars.enumerated() where scalar == "\n" || (scalar == "\r" && (i + 1 == scalars.count || scalars[i + 1] != "\n")) {
                    line += 1
                }
            }
            line += 1
            return start
        }
    }

    @Test("random statements come back as the mapped fields, with the importer's digest", arguments: cases())
    func randomRoundTrip(mappingName: String, seed: UInt64) throws {
        let mapping = Self.mapping(mappingName)
        let statement = Self.statement(seed: seed, mapping: mapping)
        let text = StatementWriter.csv(statement, mapping: mapping)
        let parsed = try #require(try StatementImporter.parse(Array(text.utf8), format: .csv, csvMapping: mapping).first,
                                  "\(mappingName) seed \(seed)")
        let expectedLines = statement.lines.map { csvCarried($0, mapping) }
        #expect(parsed.lines.count == expectedLines.count, "\(mappingName) seed \(seed)")
        for (index, (line, wanted)) in zip(parsed.lines, expectedLines).enumerated() where line.positionless != wanted.positionless {
            Issue.record("\(mappingName) seed \(seed), row \(index + 1): \(firstDifference(line, wanted))")
        }
        #expect(parsed.lines.map(\.sourceLine) == Self.physicalLines(statement, mapping), "\(mappingName) seed \(seed)")
        var fixed: String?
        if case .fixed(let code) = mapping.currency { fixed = code.uppercased() }
        let currencies = Set(expectedLines.map(\.currency))
        var expected = Statement(format: .csv, id: "", account: "",
                                 currency: currencies.count == 1 ? currencies.first : (expectedLines.isEmpty ? fixed : nil),
                                 lines: expectedLines)
        expected.id = StatementImporter.digest(of: [expected])
        #expect(parsed.id == expected.id, "\(mappingName) seed \(seed)")
        #expect(StatementImporter.digest(of: [parsed]) == StatementImporter.digest(of: [expected]), "\(mappingName) seed \(seed)")
        // Writing what came back gives the same file.
        #expect(StatementWriter.csv(parsed, mapping: mapping) == text, "\(mappingName) seed \(seed)")
    }

    @Test("the settlement layout, byte for byte")
    func settlementLayout() {
        let lines = [
            StatementLine(sourceLine: 1, amount: 12_050, currency: "EUR", direction: .credit,
                          bookingDate: CalendarDate(year: 2026, month: 7, day: 6), valueDate: CalendarDate(year: 2026, month: 7, day: 8),
                          reference: "pi_1", accountServicerReference: "STL-1", endToEndID: "ORDER-1043", description: "Capture"),
            StatementLine(sourceLine: 2, amount: 1500, currency: "JPY", direction: .debit,
                          bookingDate: CalendarDate(year: 2026, month: 7, day: 6), reference: "re_2",
                          description: "Refund, \"partial\""),
            StatementLine(sourceLine: 3, amount: 1, currency: "KWD", direction: .debit,
                          bookingDate: CalendarDate(year: 2026, month: 12, day: 31), description: "Fee\nline two"),
        ]
        let text = StatementWriter.csv(Statement(format: .csv, id: "", account: "", lines: lines),
                                       mapping: StatementWriter.settlementCSVMapping)
        #expect(text == "Booking Date,Value Date,Amount,Currency,Reference,Processor Reference,Merchant Reference,Description\r\n"
                + "2026-07-06,2026-07-08,120.50,EUR,pi_1,STL-1,ORDER-1043,Capture\r\n"
                + "2026-07-06,,-1500,JPY,re_2,,,\"Refund, \"\"partial\"\"\"\r\n"
                + "2026-12-31,,-0.001,KWD,,,,\"Fee\nline two\"\r\n")
    }

    @Test("dates in every format, amounts in both separators and sign conventions", arguments: [
        (CSVMapping.DateFormat.isoDate, "2026-07-06"), (.isoDateTime, "2026-07-06 00:00:00"),
        (.dayMonthYear, "06.07.2026"), (.monthDayYear, "07/06/2026"),
    ])
    func dateFormats(format: CSVMapping.DateFormat, text: String) {
        let line = StatementLine(sourceLine: 1, amount: 123_456, currency: "EUR", direction: .credit,
                                 bookingDate: CalendarDate(year: 2026, month: 7, day: 6))
        let mapping = CSVMapping(date: "D", amount: .signed(column: "A"), currency: .fixed(code: "EUR"), dateFormat: format,
                                 decimalSeparator: ",", delimiter: ";", signConvention: .positiveIsDebit)
        #expect(StatementWriter.csv(Statement(format: .csv, id: "", account: "", lines: [line]), mapping: mapping)
                == "D;A\r\n\(text);-1234,56\r\n")
    }

    @Test("a dedicated type column holds a value the filter keeps", arguments: [
        (CSVMapping.TypeFilter.include(column: "T", values: ["Settled", "Refunded"]), "Settled"),
        (.exclude(column: "T", values: ["Fee"]), ""),
        (.exclude(column: "T", values: ["", "Payment 1"]), "Payment 2"),
    ])
    func typeColumn(filter: CSVMapping.TypeFilter, value: String) throws {
        let line = StatementLine(sourceLine: 1, amount: 5, currency: "EUR", direction: .credit, bookingDate: CalendarDate(dayNumber: 0))
        let mapping = CSVMapping(date: "D", amount: .signed(column: "A"), currency: .fixed(code: "EUR"), typeFilter: filter)
        let text = StatementWriter.csv(Statement(format: .csv, id: "", account: "", lines: [line]), mapping: mapping)
        #expect(text == "D,A,T\r\n1970-01-01,0.05,\(value)\r\n")
        #expect(try StatementImporter.parse(Array(text.utf8), csvMapping: mapping).first?.lines.count == 1)
    }

    /// `CSVMapping.signConvention` is for a single signed column only: an amount in the credit
    /// column is a credit whatever the convention (the importer once applied it here too).
    @Test("debit/credit columns ignore the sign convention")
    func debitCreditColumnsIgnoreTheSignConvention() throws {
        let mapping = CSVMapping(date: "D", amount: .debitCredit(debit: "Out", credit: "In"), currency: .fixed(code: "EUR"),
                                 signConvention: .positiveIsDebit)
        let line = StatementLine(sourceLine: 2, amount: 700, currency: "EUR", direction: .credit, bookingDate: CalendarDate(dayNumber: 0))
        let text = StatementWriter.csv(Statement(format: .csv, id: "", account: "", lines: [line]), mapping: mapping)
        #expect(text == "D,Out,In\r\n1970-01-01,,7.00\r\n")
        let parsed = try StatementImporter.parse(Array(text.utf8), csvMapping: mapping).first?.lines.first
        #expect(parsed?.direction == .credit)
    }

    @Test("a column mapped to two fields is written once, with the first field's value")
    func sharedColumn() throws {
        let mapping = CSVMapping(date: "D", amount: .signed(column: "A"), currency: .column(name: "C"),
                                 reference: "Ref", endToEndID: "Ref")
        let line = StatementLine(sourceLine: 1, amount: 100, currency: "USD", direction: .debit, bookingDate: CalendarDate(dayNumber: 1),
                                 reference: "R", endToEndID: "E")
        let text = StatementWriter.csv(Statement(format: .csv, id: "", account: "", lines: [line]), mapping: mapping)
        #expect(text == "D,A,C,Ref\r\n1970-01-02,-1.00,USD,R\r\n")
    }
}
