import SettleMoney

extension StatementWriter {
    /// The placeholder `EndToEndId` the importer never takes as a key.

    /// One `Ntry`, elements in the order of ReportEntry10 in camt.053.001.08.
    static func writeEntry(_ line: StatementLine, into xml: inout XMLTextWriter) {
        precondition(line.amount >= 0, "StatementWriter.camt053: amounts are positive, the direction carries the sign")
        let currency = knownCurrency(line.currency)
        let (transactions, creditorReference) = entryTransactions(line)
        xml.element("Ntry") { xml in
            xml.leaf("Amt", decimal(line.amount, currency: currency.code), attributes: ["Ccy": currency.code])
            xml.leaf("CdtDbtInd", indicator(line.direction))
            if line.isReversal { xml.leaf("RvslInd", "true") }
            xml.element("Sts") { $0.leaf("Cd", "BOOK") }
            if let date = line.bookingDate { xml.element("BookgDt") { $0.leaf("Dt", isoDate(date)) } }
            if let date = line.valueDate { xml.element("ValDt") { $0.leaf("Dt", isoDate(date)) } }
            xml.leaf("AcctSvcrRef", line.accountServicerReference)
            writeBankTransactionCode(line, into: &xml)
            if line.batchCount != nil || !transactions.isEmpty {
                xml.element("NtryDtls") { xml in
                    if let count = line.batchCount {
                        precondition(count >= 0, "StatementWriter.camt053: negative batch count")
                        xml.element("Btch") { $0.leaf("NbOfTxs", String(count)) }
                    }
                    for (index, tx) in transactions.enumerated() {
                        writeTransaction(tx, line: line, creditorReference: index == 0 ? creditorReference : nil, into: &xml)
                    }
                }
            }
            xml.leaf("AddtlNtryInf", line.description)
        }
    }

    /// The transactions to write and the creditor reference for the first of them, following
    /// the rules in `camt053(_:messageID:createdAt:)`.
    static func entryTransactions(_ line: StatementLine) -> ([EntryTransaction], String?) {
        var transactions = line.transactions
        if transactions.isEmpty, present(line.endToEndID) != nil || present(line.remittanceInformation) != nil {
            transactions = [EntryTransaction(amount: line.amount, direction: line.direction, endToEndID: line.endToEndID,
                                             remittanceInformation: line.remittanceInformation)]
        }
        guard let reference = present(line.reference),
              !transactions.contains(where: { present($0.endToEndID).map { $0 != CamtParser.notProvided } ?? false }) else {
            return (transactions, nil)
        }
        let fallback = present(line.accountServicerReference)
            ?? transactions.lazy.compactMap { present($0.accountServicerReference) }.first
        guard reference != fallback else { return (transactions, nil) }
        if transactions.isEmpty { transactions = [EntryTransaction(amount: line.amount, direction: line.direction)] }
        return (transactions, reference)
    }

    /// One `TxDtls` (EntryTransaction10 order: Refs, Amt, CdtDbtInd, RmtInf).
    static func writeTransaction(_ tx: EntryTransaction, line: StatementLine, creditorReference: String?,
                                 into xml: inout XMLTextWriter) {
        xml.element("TxDtls") { xml in
            let accountServicerReference = present(tx.accountServicerReference)
            let endToEndID = present(tx.endToEndID)
            if accountServicerReference != nil || endToEndID != nil {
                xml.element("Refs") { xml in
                    xml.leaf("AcctSvcrRef", accountServicerReference)
                    xml.leaf("EndToEndId", endToEndID)
                }
            }
            if let amount = tx.amount {
                precondition(amount >= 0, "StatementWriter.camt053: transaction amounts are positive")
                xml.leaf("Amt", decimal(amount, currency: line.currency), attributes: ["Ccy": knownCurrency(line.currency).code])
            }
            xml.leaf("CdtDbtInd", indicator(tx.direction ?? line.direction))
            let remittance = present(tx.remittanceInformation)
            if remittance != nil || creditorReference != nil {
                xml.element("RmtInf") { xml in
                    xml.leaf("Ustrd", remittance)
                    if let creditorReference {
                        xml.element("Strd") { xml in xml.element("CdtrRefInf") { $0.leaf("Ref", creditorReference) } }
                    }
                }
            }
        }
    }

    /// A generic but valid ISO bank transaction code: payments domain, received or issued
    /// credit transfers by direction, OTHR, or RRTN (reversal due to return) for reversals.
    static func writeBankTransactionCode(_ line: StatementLine, into xml: inout XMLTextWriter) {
        xml.element("BkTxCd") { xml in
            xml.element("Domn") { xml in
                xml.leaf("Cd", "PMNT")
                xml.element("Fmly") { xml in
                    xml.leaf("Cd", line.direction == .credit ? "RCDT" : "ICDT")
                    xml.leaf("SubFmlyCd", line.isReversal ? "RRTN" : "OTHR")
                }
            }
        }
    }
}
