import SettleMoney

extension StatementWriter {
    /// Writes `statements` as one ISO 20022 camt.053.001.08 `BkToCstmrStmt` message: a `GrpHdr`,
    /// then one `Stmt` per statement and one `Ntry` per line, in the order given.
    ///
    /// What each `Stmt` carries: `Id`, `CreDtTm` (`createdAt`), `Acct/Id/IBAN` when the account
    /// looks like an IBAN and `Acct/Id/Othr/Id` otherwise, `Acct/Ccy` when the statement has a
    /// currency, and `Bal` OPBD and CLBD when it has those balances (dated by its first and last
    /// booking dates, else by `createdAt`). Each `Ntry` carries `Amt`, `CdtDbtInd`, `RvslInd`
    /// when true, `Sts/Cd` BOOK, `BookgDt`, `ValDt`, `AcctSvcrRef`, a `BkTxCd` (PMNT, RCDT for
    /// credits or ICDT for debits, OTHR or RRTN for reversals), `NtryDtls` with `Btch/NbOfTxs`
    /// when `batchCount` is set and one `TxDtls` per transaction, and `AddtlNtryInf` from
    /// `description`.
    ///
    /// camt.053 derives some line fields from the transactions, and the writer follows the same
    /// rule as `StatementImporter`, so that reading the document back gives the line again:
    /// - a line with transactions has its `endToEndID` and `remittanceInformation` taken from
    ///   them (first `EndToEndId` other than NOTPROVIDED; `Ustrd`s joined by `"; "`); the line's
    ///   own values of those two fields are not written;
    /// - a line without transactions but with an `endToEndID` or `remittanceInformation` gets one
    ///   `TxDtls` for the whole entry (its amount and direction) carrying them;
    /// - a `reference` is carried as `EndToEndId`, else `AcctSvcrRef`; when neither gives it and
    ///   no transaction has an `EndToEndId`, it is written as the first `TxDtls`' creditor
    ///   reference (`RmtInf/Strd/CdtrRefInf/Ref`, created if needed), which the importer reads as
    ///   the reference, and as that transaction's remittance when it has no `Ustrd`. A reference
    ///   that differs from a present `EndToEndId` cannot be carried.
    /// - A transaction without a direction is written with the line's.
    ///
    /// Text is escaped (`& < > " '`, CR as `&#13;`); characters XML cannot hold become U+FFFD.
    /// The importer trims surrounding whitespace and reads empty text as absent. Schema length
    /// limits (35 characters for references) are the caller's to keep: nothing is truncated.
    ///
    /// - Precondition: at least one statement; every statement has a non-empty `id` and
    ///   `account`; every amount is non-negative in a known currency; a statement with a balance
    ///   has a currency (its own or its first line's); `createdAt` starts with `YYYY-MM-DD`.
    /// - Complexity: O(total size of the statements).
    public static func camt053(_ statements: [Statement], messageID: String, createdAt: String) -> String {
        precondition(!statements.isEmpty, "StatementWriter.camt053: a camt.053 message holds at least one statement")
        guard let createdDate = CalendarDate(iso8601: createdAt) else {
            preconditionFailure("StatementWriter.camt053: createdAt \"\(createdAt)\" is not an ISO 8601 date-time")
        }
        var xml = XMLTextWriter()
        xml.element("Document", attributes: ["xmlns": camt053Namespace]) { xml in
            xml.element("BkToCstmrStmt") { xml in
                xml.element("GrpHdr") { xml in
                    xml.leaf("MsgId", messageID)
                    xml.leaf("CreDtTm", createdAt)
                }
                for statement in statements {
                    writeStatement(statement, createdAt: createdAt, createdDate: createdDate, into: &xml)
                }
            }
        }
        return xml.document
    }

    static func writeStatement(_ statement: Statement, createdAt: String, createdDate: CalendarDate,
                               into xml: inout XMLTextWriter) {
        precondition(!statement.id.isEmpty, "StatementWriter.camt053: a Stmt needs an Id")
        precondition(!statement.account.isEmpty, "StatementWriter.camt053: statement \(statement.id) has no account")
        xml.element("Stmt") { xml in
            xml.leaf("Id", statement.id)
            xml.leaf("CreDtTm", createdAt)
            xml.element("Acct") { xml in
                xml.element("Id") { xml in
                    if looksLikeIBAN(statement.account) {
                        xml.leaf("IBAN", statement.account)
                    } else {
                        xml.element("Othr") { $0.leaf("Id", statement.account) }
                    }
                }
                xml.leaf("Ccy", statement.currency)
            }
            let bookingDates = statement.lines.compactMap(\.bookingDate)
            let balanceCurrency = present(statement.currency) ?? statement.lines.first?.currency
            if let opening = statement.openingBalance {
                writeBalance("OPBD", opening, currency: balanceCurrency, date: bookingDates.min() ?? createdDate, into: &xml)
            }
            if let closing = statement.closingBalance {
                writeBalance("CLBD", closing, currency: balanceCurrency, date: bookingDates.max() ?? createdDate, into: &xml)
            }
            for line in statement.lines { writeEntry(line, into: &xml) }
        }
    }

    static func writeBalance(_ code: String, _ signed: Int64, currency: String?, date: CalendarDate,
                             into xml: inout XMLTextWriter) {
        guard let currency else { preconditionFailure("StatementWriter.camt053: a \(code) balance needs a currency") }
        xml.element("Bal") { xml in
            xml.element("Tp") { xml in xml.element("CdOrPrtry") { $0.leaf("Cd", code) } }
            // Int64.min has no positive counterpart; no real balance is that large.
            precondition(signed != .min, "StatementWriter.camt053: balance out of range")
            xml.leaf("Amt", decimal(Int64(signed.magnitude), currency: currency), attributes: ["Ccy": knownCurrency(currency).code])
            xml.leaf("CdtDbtInd", signed >= 0 ? "CRDT" : "DBIT")
            xml.element("Dt") { $0.leaf("Dt", isoDate(date)) }
        }
    }

    /// ISO 13616 shape: country letters, check digits, 11 to 30 letters or digits.
    static func looksLikeIBAN(_ account: String) -> Bool {
        let bytes = Array(account.utf8)
        func isUpper(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard (15...34).contains(bytes.count), isUpper(bytes[0]), isUpper(bytes[1]), isDigit(bytes[2]), isDigit(bytes[3]) else {
            return false
        }
        return bytes.dropFirst(4).allSatisfy { isUpper($0) || isDigit($0) }
    }

    static func indicator(_ direction: Direction) -> String { direction == .credit ? "CRDT" : "DBIT" }
}
