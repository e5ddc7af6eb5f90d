import SettleMoney

extension CamtParser {
    /// The placeholder ISO 20022 puts in `EndToEndId` when the payer gave none: never a key.
    static let notProvided = "NOTPROVIDED"

    /// One `Ntry` as a `StatementLine`, with every `NtryDtls/TxDtls` as a transaction.
    static func line(_ entry: XMLElementNode, path: String, sourceLine: Int) throws(StatementError) -> StatementLine {
        let (amount, currency) = try self.amount(entry.child("Amt"), path: "\(path)/Amt", parent: entry)
        let direction = try self.direction(entry, path: path)
        let isReversal = try reversal(entry, path: path)
        try checkStatus(entry, path: path)
        var transactions: [EntryTransaction] = []
        var creditorReferences: [String] = []
        var batchCount: Int?
        for (detailsIndex, details) in entry.children("NtryDtls").enumerated() {
            let detailsPath = "\(path)/NtryDtls[\(detailsIndex + 1)]"
            if let count = try self.batchCount(details, path: detailsPath) { batchCount = (batchCount ?? 0) + count }
            for (index, tx) in details.children("TxDtls").enumerated() {
                let txPath = "\(detailsPath)/TxDtls[\(index + 1)]"
                transactions.append(try transaction(tx, path: txPath, lineCurrency: currency, lineDirection: direction))
                creditorReferences += tx.at("RmtInf")?.children("Strd").compactMap { $0.value("CdtrRefInf/Ref") } ?? []
            }
        }
        let entryReference = entry.value("AcctSvcrRef")
        let endToEnd = transactions.lazy.compactMap(\.endToEndID).first { $0 != notProvided }
        let remittances = transactions.compactMap(\.remittanceInformation)
        return StatementLine(
            sourceLine: sourceLine, amount: amount, currency: currency, direction: direction,
            bookingDate: try date(entry, "BookgDt", path: path), valueDate: try date(entry, "ValDt", path: path),
            reference: endToEnd ?? creditorReferences.first ?? entryReference ?? transactions.lazy.compactMap(\.accountServicerReference).first,
            accountServicerReference: entryReference, endToEndID: endToEnd,
            remittanceInformation: remittances.isEmpty ? nil : remittances.joined(separator: "; "),
            description: entry.value("AddtlNtryInf"), batchCount: batchCount,
            transactions: transactions, isReversal: isReversal)
    }

    /// One `TxDtls`. Its amount is the first of `Amt`, `AmtDtls/TxAmt/Amt` and
    /// `AmtDtls/CntrValAmt/Amt` that is in the entry's currency (the model keeps transaction
    /// amounts in the line's currency); nil when the bank lists none in that currency, as for a
    /// lump sum whose `TxDtls` only carries a purpose code. Its direction is its own
    /// `CdtDbtInd` (.04 and later) or else the entry's.
    static func transaction(_ tx: XMLElementNode, path: String, lineCurrency: String,
                            lineDirection: Direction) throws(StatementError) -> EntryTransaction {
        var amount: Int64?
        for candidate in ["Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/CntrValAmt/Amt"] {
            guard let node = tx.at(candidate) else { continue }
            let (units, currency) = try self.amount(node, path: "\(path)/\(candidate)", parent: tx)
            if amount == nil, currency == lineCurrency { amount = units }
        }
        var direction = lineDirection
        if let indicator = tx.child("CdtDbtInd") {
            direction = try self.direction(of: indicator, path: "\(path)/CdtDbtInd")
        }
        let unstructured = tx.at("RmtInf")?.children("Ustrd").map(\.text).filter { !$0.isEmpty } ?? []
        let structured = tx.at("RmtInf")?.children("Strd").compactMap { $0.value("CdtrRefInf/Ref") } ?? []
        let remittance = unstructured.isEmpty ? structured.first : unstructured.joined(separator: " ")
        return EntryTransaction(amount: amount, direction: direction, endToEndID: tx.value("Refs/EndToEndId"),
                                accountServicerReference: tx.value("Refs/AcctSvcrRef"), remittanceInformation: remittance)
    }

    /// `Btch/NbOfTxs`, when stated.
    static func batchCount(_ details: XMLElementNode, path: String) throws(StatementError) -> Int? {
        guard let node = details.at("Btch/NbOfTxs") else { return nil }
        guard let count = Int(node.text), count >= 0 else {
            throw StatementError(location: "\(path)/Btch/NbOfTxs (XML line \(node.line))",
                                 message: "\"\(node.text)\" is not a transaction count")
        }
        return count
    }

    /// `RvslInd`, an `xs:boolean`; absent means not a reversal.
    static func reversal(_ entry: XMLElementNode, path: String) throws(StatementError) -> Bool {
        guard let node = entry.child("RvslInd") else { return false }
        switch node.text {
        case "true", "1": return true
        case "false", "0": return false
        default:
            throw StatementError(location: "\(path)/RvslInd (XML line \(node.line))", message: "\"\(node.text)\" is not a boolean")
        }
    }

    /// `Sts` is text in .02 (`BOOK`) and a code choice in .08 (`Sts/Cd`). Every status is
    /// imported (an `INFO` or `PDNG` entry is still a line; the model has no status field), but
    /// an unreadable one means the file is not what we think it is.
    static func checkStatus(_ entry: XMLElementNode, path: String) throws(StatementError) {
        guard let node = entry.child("Sts") else { return }
        let code = node.children.isEmpty ? node.text : (node.value("Cd") ?? node.value("Prtry") ?? "")
        guard !code.isEmpty else {
            throw StatementError(location: "\(path)/Sts (XML line \(node.line))", message: "empty entry status")
        }
    }
}
