import Testing
@testable import SettleRecon

@Suite("camt.053 and camt.054 samples")
struct CamtImportTests {
    @Test("FFFS camt.053 v02: balances chain, batches and their transactions")
    func finnishStatement() throws {
        let statements = try ImportSamples.parse("camt053_v02_fi-fffs_sample.xml")
        let statement = try #require(statements.first)
        #expect(statement.id == "BANKSTMTID0972009")
        #expect(statement.account == "FI7433010001222090")
        #expect(statement.currency == "EUR")
        #expect(statement.openingBalance == 1_000_000)  // OPBD chosen over the PRCD of the day before
        #expect(statement.closingBalance == 2_364_483)
        #expect(statement.computedClosing == statement.closingBalance)
        let lines = statement.lines
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0.accountServicerReference != nil })
        #expect(lines.filter { $0.batchCount != nil }.count == 6)
        // Two lump sums with no amounts underneath.
        #expect(lines[0].batchCount == 4 && lines[0].transactions.count == 1 && lines[0].transactions[0].amount == nil)
        #expect(lines[1].batchCount == 3 && lines[1].transactions.isEmpty)
        // The debit batch of 3 TxDtls adding up to 4,230.05.
        #expect(lines[2].direction == .debit && lines[2].amount == 423_005)
        #expect(lines[2].transactions.map(\.amount) == [200_002, 100_001, 123_002])
        #expect(lines[2].transactionSum == 423_005)
        #expect(lines[2].transactions.allSatisfy { $0.direction == .debit })
        // Three batches reported by a single TxDtls for the whole sum.
        for line in lines[3...5] {
            #expect(line.batchCount == 2 && line.transactions.count == 1 && line.transactionSum == line.amount)
        }
        // The USD payment: the EUR transaction amount is kept, not the instructed USD 3,200.00.
        #expect(lines[6].amount == 212_000 && lines[6].transactions.first?.amount == 212_000)
        // The charges entry of 2 TxDtls.
        #expect(lines[9].transactions.count == 2 && lines[9].transactionSum == 20_000)
        // References: the SCOR creditor reference, then the EndToEndId, then AcctSvcrRef.
        #expect(lines[2].reference == "3900")
        #expect(lines[8].reference == "EndToEndIdSCT01" && lines[8].endToEndID == "EndToEndIdSCT01")
        #expect(lines[0].reference == "091029ACCTSTMTARCH01")
    }

    @Test("FFFS camt.054 v02 (CR line endings): batches, the reversed INFO entry, and the statement it details")
    func finnishNotification() throws {
        let notification = try #require(try ImportSamples.parse("camt054_v02_fi-fffs_sample.xml").first)
        #expect(notification.format == .camt054)
        #expect(notification.id == "BANKFILEID00001NTR00001")
        #expect(notification.account == "FI7433010001222090")
        #expect(notification.openingBalance == nil && notification.closingBalance == nil)
        let lines = notification.lines
        #expect(lines.count == 6)
        #expect(lines.allSatisfy { (2...3).contains($0.transactions.count) })
        #expect(lines.filter { $0.batchCount != nil }.count == 5)  // the INFO entry's TxDtls carry no Btch
        let reversed = lines.filter(\.isReversal)
        #expect(reversed.count == 1 && reversed.first?.amount == 10_000 && reversed.first?.direction == .credit)
        // TtlNetNtryAmt 169.95 CRDT holds only if the reversed credit counts as a debit.
        let net = lines.reduce(Int64(0)) { $0 + ($1.isReversal ? -$1.amount : $1.signedAmount) }
        #expect(net == 16_995)
        #expect(lines[0].transactionSum == 200_000 && lines[2].transactionSum == 300_000)
        // A structured reference written with a trailing space is trimmed.
        #expect(lines[2].transactions[0].remittanceInformation == "RF7812345")

        // Entries 3–6 of the statement, by AcctSvcrRef, carry the same amounts and directions.
        let statementLines = try #require(try ImportSamples.parse("camt053_v02_fi-fffs_sample.xml").first).lines
        let shared = lines.compactMap { line in
            statementLines.first { $0.accountServicerReference == line.accountServicerReference }.map { (line, $0) }
        }
        #expect(shared.count == 4)
        #expect(Set(shared.map { $0.1.sourceLine }) == [3, 4, 5, 6])
        for (detail, booked) in shared {
            #expect(detail.amount == booked.amount && detail.direction == booked.direction)
        }
    }

    @Test("German DK test bank: PRCD opening, the collective transfer, NOTPROVIDED")
    func germanTestBank() throws {
        let statement = try #require(try ImportSamples.parse("camt053_v02_de-dk_testbank.xml").first)
        #expect(statement.account == "DE14740618130000033626")
        #expect(statement.openingBalance == 3_306 && statement.closingBalance == 2_306)
        #expect(statement.computedClosing == statement.closingBalance)
        let batch = try #require(statement.lines.first { $0.batchCount != nil })
        #expect(batch.batchCount == 2 && batch.transactions.count == 2 && batch.transactionSum == 600 && batch.amount == 600)
        let notProvided = statement.lines[1]
        #expect(notProvided.transactions.first?.endToEndID == "NOTPROVIDED")
        #expect(notProvided.endToEndID == nil)
        #expect(notProvided.reference == notProvided.accountServicerReference)
        // The direction is the CdtDbtInd, whatever the free text says ("Gutschrift").
        #expect(statement.lines[0].direction == .debit)
        #expect(statement.lines[0].description?.hasPrefix("Überweisungs-Gutschrift") == true)
    }

    @Test("two statements in one message chain into each other")
    func multiStatement() throws {
        let statements = try ImportSamples.parse("camt053_v02_multi-statement.xml")
        #expect(statements.map(\.id) == ["253EURNL26VAYB8060476890", "254EURNL26VAYB8060476890"])
        #expect(statements.allSatisfy { $0.account == "NL26VAYB8060476890" && $0.lines.count == 1 })
        #expect(statements[0].lines[0].direction == .credit && statements[0].lines[0].amount == 885)
        #expect(statements[1].lines[0].direction == .debit && statements[1].lines[0].amount == 700)
        #expect(statements[0].closingBalance == 2_700 && statements[1].openingBalance == 2_700)
        #expect(statements.allSatisfy { $0.computedClosing == $0.closingBalance })
        #expect(statements[0].lines[0].bookingDate == statements[1].lines[0].bookingDate)
        #expect(statements[0].lines[0].reference == "000000001")
        #expect(statements[0].lines[0].remittanceInformation == "Transaction Description 1")
    }

    @Test("PostFinance camt.053 v04: CHF without Acct/Ccy, batches of 10, 8, 3 and 2, reversals")
    func postFinanceStatement() throws {
        let statement = try #require(try ImportSamples.parse("camt053_v04_ch-postfinance_sample.xml").first)
        #expect(statement.currency == "CHF")
        #expect(statement.openingBalance == 32_215_216 && statement.closingBalance == 32_268_977)
        #expect(statement.computedClosing == statement.closingBalance)
        #expect(statement.lines.filter { $0.batchCount != nil }.count == 7)
        let bigBatches = statement.lines.filter { $0.transactions.count > 1 }
        #expect(bigBatches.map(\.transactions.count) == [10, 8, 3, 2])
        for line in bigBatches {
            #expect(line.transactionSum == line.amount)
            #expect(line.batchCount == line.transactions.count)
        }
        let reversals = statement.lines.filter(\.isReversal)
        #expect(reversals.count == 2 && reversals.allSatisfy { $0.direction == .debit })
        #expect(reversals.allSatisfy { $0.description?.contains("MD06") == true })
    }

    @Test("PostFinance camt.054 v04 details entries 10–13 of the statement")
    func postFinanceNotification() throws {
        let notification = try #require(try ImportSamples.parse("camt054_v04_ch-postfinance_sample.xml").first)
        let statement = try #require(try ImportSamples.parse("camt053_v04_ch-postfinance_sample.xml").first)
        #expect(notification.account == statement.account)
        #expect(notification.lines.allSatisfy { $0.batchCount != nil })
        #expect(notification.lines.filter { $0.transactions.count == 2 }.count == 1)
        #expect(notification.lines.filter(\.isReversal).map(\.amount) == [600, 1_553])
        let detailed = Array(statement.lines[9...12])
        #expect(notification.lines.map(\.accountServicerReference) == detailed.map(\.accountServicerReference))
        #expect(notification.lines.map(\.endToEndID) == detailed.map(\.endToEndID))
        #expect(notification.lines.map(\.signedAmount) == detailed.map(\.signedAmount))
    }

    @Test("UBS camt.053 v08: Sts/Cd, 474.4, the EUR entry on a CHF account, balances that do not chain")
    func ubsVersion8() throws {
        let statement = try #require(try ImportSamples.parse("camt053_v08_ch-sps2_ubs.xml").first)
        #expect(statement.currency == "CHF" && statement.account == "CH1111111111111111111")
        #expect(statement.lines[0].amount == 47_440 && statement.lines[0].transactions.first?.amount == 47_440)
        let euro = statement.lines[2]
        #expect(euro.currency == "EUR" && euro.amount == 2_097 && euro.direction == .debit)
        #expect(euro.transactions.first?.amount == 2_097)  // the EUR TxAmt, not the CHF 19.69 instructed
        #expect(euro.reference == "1208481")
        #expect(euro.remittanceInformation == "000000270148751802165444888")  // QRR
        #expect(statement.lines[1].transactions.first?.remittanceInformation == "RF38000000000000000000552")
        #expect(statement.lines[1].batchCount == 1)
        // OPBD plus the CHF entries is not CLBD (a quirk of the sample, kept).
        let chf = statement.lines.filter { $0.currency == "CHF" }.reduce(Int64(0)) { $0 + $1.signedAmount }
        #expect(statement.openingBalance == 8_272_195 && statement.closingBalance == 8_451_525)
        #expect(statement.openingBalance! + chf != statement.closingBalance!)
        #expect(statement.computedClosing != statement.closingBalance)
    }
}
