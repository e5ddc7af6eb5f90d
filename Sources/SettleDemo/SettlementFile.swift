import SettleSeededRandom
import SettleMoney
import SettleRecon

/// The processor's settlement report for the day, derived from what the ledger holds on the
/// clearing account — with the breaks a real one has planted on purpose.
struct SettlementFile {
    var camt: Statement
    var csv: Statement
    var planted: MarketplaceDay.Planted

    struct Row {
        var transferID: String
        var intent: String
        var line: StatementLine
    }

    static func make(transfers: [DemoJSON.Transfers.Transfer], clearing: String, references: [String: String],
                     currency: Currency, random: inout SplitMix64) -> SettlementFile {
        var rows = transfers.map { transfer -> Row in
            let date = CalendarDate(ledgerTimestamp: UInt64(transfer.timestamp)!)
            let credit = transfer.debitAccountID == clearing  // a capture: the processor owes us
            let reference = references[transfer.userData128] ?? "unknown"
            return Row(transferID: transfer.id, intent: transfer.userData128,
                       line: StatementLine(sourceLine: 0, amount: Int64(transfer.amount)!, currency: currency.code,
                                           direction: credit ? .credit : .debit, bookingDate: date, valueDate: date, reference: reference,
                                           description: credit ? "Settled" : "Refund or chargeback"))
        }
        // Plants go on intents with exactly one clearing transfer, so no other line shares their key.
        var perIntent: [String: Int] = [:]
        for row in rows { perIntent[row.intent, default: 0] += 1 }
        var candidates = rows.indices.filter { perIntent[rows[$0].intent] == 1 && rows[$0].line.direction == .credit }
        func pick() -> Int { candidates.remove(at: random.below(candidates.count)) }
        let missing = pick(), duplicated = pick(), short = pick()
        let planted = MarketplaceDay.Planted(duplicatedCharge: rows[duplicated].line.reference!, missingSettlement: rows[missing].line.reference!,
                                             shortSettlement: rows[short].line.reference!, unknownLine: "ORD-UNKNOWN-1")
        rows[short].line.amount -= max(1, rows[short].line.amount / 100)
        var unknown = rows[duplicated].line
        unknown.reference = planted.unknownLine
        unknown.amount = 1_000_003  // no capture is this large, so no amount-and-date match either
        rows.append(unknown.rowCopy())
        rows.insert(rows[duplicated], at: duplicated + 1)
        let missingID = rows[missing].transferID
        rows.removeAll { $0.transferID == missingID }

        let lines = rows.enumerated().map { index, row in
            var line = row.line
            line.sourceLine = index + 1
            return line
        }
        let date = lines.first?.bookingDate ?? CalendarDate(dayNumber: 0)
        let id = "PSP-SETTLEMENT-\(date)"
        let csv = Statement(format: .csv, id: id, account: "SETTLE-DEMO-CLEARING", currency: currency.code, lines: lines)
        return SettlementFile(camt: Statement(format: .camt053, id: id, account: "SETTLE-DEMO-CLEARING", currency: currency.code,
                                              lines: batched(lines, avoiding: planted, random: &random)),
                              csv: csv, planted: planted)
    }

    /// The camt.053 version pays twenty plain captures out as one batched entry, as a bank
    /// books a processor's payout, with the captures as its transaction details.
    static func batched(_ lines: [StatementLine], avoiding planted: MarketplaceDay.Planted, random: inout SplitMix64) -> [StatementLine] {
        let plantedReferences = [planted.duplicatedCharge, planted.missingSettlement, planted.shortSettlement, planted.unknownLine]
        var references: [String: Int] = [:]
        for line in lines { references[line.reference ?? "", default: 0] += 1 }
        let eligible = lines.indices.filter {
            lines[$0].direction == .credit && references[lines[$0].reference ?? ""] == 1 && !plantedReferences.contains(lines[$0].reference ?? "")
        }
        guard eligible.count >= 20 else { return lines }
        let chosen = Set(eligible.prefix(20))
        let members = chosen.sorted().map { lines[$0] }
        var payout = StatementLine(sourceLine: 0, amount: members.reduce(0) { $0 + $1.amount }, currency: members[0].currency, direction: .credit,
                                   bookingDate: members[0].bookingDate, valueDate: members[0].valueDate, reference: "PAYOUT-BATCH-1",
                                   description: "Batched payout", batchCount: members.count)
        payout.transactions = members.map { EntryTransaction(amount: $0.amount, direction: .credit, endToEndID: $0.reference) }
        var result = lines.indices.filter { !chosen.contains($0) }.map { lines[$0] }
        result.insert(payout, at: min(result.count, chosen.min()!))
        return result.enumerated().map { index, line in
            var line = line
            line.sourceLine = index + 1
            return line
        }
    }
}

private extension StatementLine {
    func rowCopy() -> SettlementFile.Row { SettlementFile.Row(transferID: "", intent: "", line: self) }
}
