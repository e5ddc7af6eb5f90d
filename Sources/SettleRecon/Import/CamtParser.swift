import SettleMoney

/// Reads ISO 20022 bank-to-customer statements (camt.053) and debit/credit notifications
/// (camt.054) of any version into `Statement`s: one per `Stmt` or `Ntfctn`, one line per `Ntry`.
///
/// The version is taken from the document's namespace, not from `xsi:schemaLocation`, which
/// real files get wrong (the FFFS sample names .001.01 there). Only the elements reconciliation
/// needs are read, by local name, so the shapes of .02, .04 and .08 all fit: `Sts` as text (.02)
/// or `Sts/Cd` (.08), entry dates as `Dt` or `DtTm`, transaction amounts as `Amt` (.04 and later)
/// or `AmtDtls/TxAmt/Amt` (.02).
enum CamtParser {
    static let namespacePrefix = "urn:iso:std:iso:20022:tech:xsd:"

    /// Parses a whole document; throws on the first bad value, so a file imports entirely or not at all.
    static func parse(_ bytes: [UInt8], expecting expected: Statement.Format?) throws(StatementError) -> [Statement] {
        let root = try XMLTreeReader.read(bytes)
        let format = try detectFormat(root)
        if let expected, expected != format {
            throw StatementError(location: "Document (XML line \(root.line))",
                                 message: "expected a \(expected.rawValue) document, found \(format.rawValue)")
        }
        let (messageName, reportName) = format == .camt053 ? ("BkToCstmrStmt", "Stmt") : ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
        let messagePath = "Document/\(messageName)"
        guard let message = root.child(messageName) else {
            throw StatementError(location: "\(messagePath) (XML line \(root.line))", message: "missing \(messageName)")
        }
        let reports = message.children(reportName)
        guard !reports.isEmpty else {
            throw StatementError(location: "\(messagePath)/\(reportName) (XML line \(message.line))", message: "no \(reportName) in the message")
        }
        var entryCounter = 0
        var statements: [Statement] = []
        for (index, report) in reports.enumerated() {
            let path = "\(messagePath)/\(reportName)[\(index + 1)]"
            statements.append(try statement(report, path: path, format: format, entryCounter: &entryCounter))
        }
        return statements
    }

    /// camt.053 or camt.054 from the root element's namespace; anything else is refused.
    static func detectFormat(_ root: XMLElementNode) throws(StatementError) -> Statement.Format {
        let namespace = root.namespaceURI ?? ""
        let location = "\(root.name) (XML line \(root.line))"
        guard root.name == "Document", namespace.hasPrefix(namespacePrefix) else {
            throw StatementError(location: location,
                                 message: "not an ISO 20022 document (root \(root.name), namespace \"\(namespace)\")")
        }
        let message = namespace.dropFirst(namespacePrefix.count)  // camt.053.001.08
        let parts = message.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "camt", parts[2] == "001", parts[3].count == 2,
              parts[3].allSatisfy(\.isNumber) else {
            throw StatementError(location: location, message: "unsupported ISO 20022 message \(message)")
        }
        switch parts[1] {
        case "053": return .camt053
        case "054": return .camt054
        default: throw StatementError(location: location, message: "unsupported ISO 20022 message \(message); only camt.053 and camt.054 are read")
        }
    }

    static func statement(_ report: XMLElementNode, path: String, format: Statement.Format,
                          entryCounter: inout Int) throws(StatementError) -> Statement {
        guard let id = report.value("Id") else { throw missing("Id", in: report, path: path) }
        guard let account = report.value("Acct/Id/IBAN") ?? report.value("Acct/Id/Othr/Id") else {
            throw missing("Acct/Id/IBAN", in: report, path: path)
        }
        let balances = try self.balances(report, path: path)
        var lines: [StatementLine] = []
        for (index, entry) in report.children("Ntry").enumerated() {
            entryCounter += 1
            lines.append(try line(entry, path: "\(path)/Ntry[\(index + 1)]", sourceLine: entryCounter))
        }
        let currency = report.value("Acct/Ccy") ?? balances.currency ?? lines.first?.currency
        return Statement(format: format, id: id, account: account, currency: currency,
                         openingBalance: balances.opening, closingBalance: balances.closing, lines: lines)
    }

    /// Opening (OPBD, else PRCD: the previous day's closing, which some banks send instead) and
    /// closing (CLBD) booked balances, signed by `CdtDbtInd`. Other types (CLAV, ITBD…) are read
    /// for validity only.
    static func balances(_ report: XMLElementNode, path: String) throws(StatementError)
        -> (opening: Int64?, closing: Int64?, currency: String?) {
        var found: [String: Int64] = [:]
        var currency: String?
        for (index, balance) in report.children("Bal").enumerated() {
            let balancePath = "\(path)/Bal[\(index + 1)]"
            let code = balance.value("Tp/CdOrPrtry/Cd") ?? balance.value("Tp/CdOrPrtry/Prtry") ?? ""
            let (units, ccy) = try amount(balance.child("Amt"), path: "\(balancePath)/Amt", parent: balance)
            let direction = try self.direction(balance, path: balancePath)
            if found[code] == nil { found[code] = direction == .credit ? units : -units }
            if currency == nil { currency = ccy }
        }
        return (found["OPBD"] ?? found["PRCD"], found["CLBD"], currency)
    }

    // MARK: Values

    /// Minor units and currency of an `Amt Ccy="…"` element (entries, balances, transactions).
    static func amount(_ node: XMLElementNode?, path: String, parent: XMLElementNode) throws(StatementError) -> (Int64, String) {
        guard let node else {
            throw StatementError(location: "\(path) (XML line \(parent.line))", message: "missing amount")
        }
        let location = "\(path) (XML line \(node.line))"
        guard let code = node.attributes["Ccy"], !code.isEmpty else {
            throw StatementError(location: location, message: "amount without a Ccy attribute")
        }
        guard let currency = Currency(code: code) else {
            throw StatementError(location: location, message: "unknown currency \"\(code)\"")
        }
        guard !node.text.hasPrefix("-"), !node.text.hasPrefix("+") else {
            throw StatementError(location: location, message: "\"\(node.text)\" is signed; camt amounts carry their sign in CdtDbtInd")
        }
        do {
            return (try MinorUnits.parse(Substring(node.text), exponent: currency.exponent), currency.code)
        } catch {
            throw StatementError(location: location, message: error.description)
        }
    }

    /// `CdtDbtInd` of `node`: CRDT or DBIT, required.
    static func direction(_ node: XMLElementNode, path: String) throws(StatementError) -> Direction {
        guard let indicator = node.child("CdtDbtInd") else { throw missing("CdtDbtInd", in: node, path: path) }
        return try direction(of: indicator, path: "\(path)/CdtDbtInd")
    }

    static func direction(of indicator: XMLElementNode, path: String) throws(StatementError) -> Direction {
        switch indicator.text {
        case "CRDT": return .credit
        case "DBIT": return .debit
        default:
            throw StatementError(location: "\(path) (XML line \(indicator.line))",
                                 message: "\"\(indicator.text)\" is not CRDT or DBIT")
        }
    }

    /// A `BookgDt`/`ValDt` choice: `Dt` or `DtTm` (whose date is taken as written), nil if absent.
    static func date(_ parent: XMLElementNode, _ name: String, path: String) throws(StatementError) -> CalendarDate? {
        guard let holder = parent.child(name) else { return nil }
        guard let node = holder.child("Dt") ?? holder.child("DtTm") else { throw missing("Dt", in: holder, path: "\(path)/\(name)") }
        let utf8 = Array(node.text.utf8)
        let shapeOK = node.name == "Dt" ? utf8.count == 10 : utf8.count > 10 && utf8[10] == UInt8(ascii: "T")
        guard shapeOK, let date = CalendarDate(iso8601: node.text) else {
            throw StatementError(location: "\(path)/\(name)/\(node.name) (XML line \(node.line))",
                                 message: "\"\(node.text)\" is not an ISO 8601 date")
        }
        return date
    }

    static func missing(_ child: String, in node: XMLElementNode, path: String) -> StatementError {
        StatementError(location: "\(path)/\(child) (XML line \(node.line))", message: "missing \(child)")
    }
}
