import Foundation
import Testing
@testable import SettleRecon

@Suite("BAI2 samples")
struct BAI2ImportTests {
    @Test("BAI2 appendix D: five accounts, continuations, funds types, four credit details")
    func appendixD() throws {
        let statements = try ImportSamples.parse("bai2_bai-spec-appendix-d.txt")
        #expect(statements.map(\.account) == ["0123456789", "9876543210", "4589761203", "0975312468", "7890654321"])
        #expect(statements.allSatisfy { $0.currency == "USD" && $0.format == .bai2 })
        // 010 (opening ledger), with its sign.
        #expect(statements.map(\.openingBalance) == [4_350_000, -500_000, 10_000_000, 500_000, 800_000])
        let details = statements.flatMap(\.lines)
        #expect(details.map(\.sourceLine) == [5, 10, 16, 18])
        #expect(details.map(\.amount) == [450_000, 500_000, 20_000_000, 10_000_000])
        #expect(details.allSatisfy { $0.direction == .credit && $0.bookingDate == CalendarDate(year: 2004, month: 6, day: 20) })
        #expect(details[1].description == "LOCK BOX NO.68751")
        let letterOfCredit = details[2]
        #expect(letterOfCredit.accountServicerReference == "SP4738")
        #expect(letterOfCredit.reference == "YRC065321")
        #expect(letterOfCredit.valueDate == CalendarDate(year: 2004, month: 6, day: 22))
        #expect(letterOfCredit.description == "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO")
        #expect(Set(statements.map(\.id)).count == 5)
    }

    @Test("BAI2 CAD: one account reported twice, 17 details, zero-padded amounts, padded text")
    func canadianTwoDays() throws {
        let statements = try ImportSamples.parse("bai2_cad_two-days.txt")
        #expect(statements.count == 2)
        #expect(statements.allSatisfy { $0.account == "10200123456" && $0.currency == "CAD" })
        #expect(statements[0].id != statements[1].id)
        #expect(statements[0].id.hasSuffix("/10200123456/1") && statements[1].id.hasSuffix("/10200123456/2"))
        #expect(statements.map(\.lines.count) == [11, 6])
        // Each day against its own 88 summary: 100 (credits) and 400 (debits) with item counts.
        #expect(DirectionTotals(statements[0].lines) == .init(credits: 3, creditSum: 208_500, debits: 8, debitSum: 208_500))
        #expect(DirectionTotals(statements[1].lines) == .init(credits: 2, creditSum: 111_500, debits: 4, debitSum: 111_500))
        #expect(statements[0].lines.allSatisfy { $0.valueDate == CalendarDate(year: 2006, month: 3, day: 16) })
        #expect(statements[1].lines.allSatisfy { $0.valueDate == CalendarDate(year: 2006, month: 3, day: 17) })
        #expect(statements[0].lines[0].description == "RETURNED CHEQUE")
        #expect(statements[0].lines[0].amount == 2_500)
        #expect(statements[0].lines[0].reference == nil)
    }

    @Test("a line ending and a trailing newline do not change the result")
    func lineEndings() throws {
        let text = try ImportSamples.text("bai2_cad_two-days.txt")
        let lf = try ImportSamples.parse("bai2_cad_two-days.txt")
        for variant in [text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n", text.replacingOccurrences(of: "\n", with: "\r"), text + "\n"] {
            #expect(try StatementImporter.parse(Array(variant.utf8)) == lf)
        }
    }

    @Test("a 16 record's text keeps its commas; an 88 continues it")
    func textWithCommas() throws {
        let file = """
        01,SENDER,RECEIVER,260701,0900,7,,,2/
        02,RECEIVER,SENDER,1,260630,,EUR,/
        03,123,,010,1000,,/
        16,475,250,,BANKREF,CUSTREF,PAID, WITH THANKS
        88,SECOND LINE
        16,175,100,V,260629,,B2,,/
        49,1350,5/
        98,1350,1,7/
        99,1350,1,9/
        """
        let statement = try #require(try StatementImporter.parse(Array(file.utf8)).first)
        #expect(statement.currency == "EUR")
        #expect(statement.lines[0].description == "PAID, WITH THANKS SECOND LINE")
        #expect(statement.lines[0].direction == .debit && statement.lines[0].reference == "CUSTREF")
        #expect(statement.lines[1].direction == .credit && statement.lines[1].reference == "B2")
        #expect(statement.lines[1].valueDate == CalendarDate(year: 2026, month: 6, day: 29))
        #expect(statement.id == "SENDER:260701:7/123/1")
    }
}
