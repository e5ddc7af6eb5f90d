import SettleMoney

/// Applies a `CSVMapping` to a CSV file: one `Statement` for the file, one line per data row the
/// type filter keeps. The statement's id is the digest of its content (a processor export has
/// no statement id of its own) and its account is empty.
enum CSVStatementParser {
    /// Header positions of the mapped columns.
    struct Columns {
        var date: Int
        var valueDate: Int?
        var signed: Int?
        var debit: Int?
        var credit: Int?
        var currency: Int?
        var reference: Int?
        var accountServicerReference: Int?
        var endToEndID: Int?
        var description: Int?
        var type: Int?
        var names: [String]
    }

    static func parse(_ bytes: [UInt8], mapping: CSVMapping) throws(StatementError) -> [Statement] {
        let (delimiter, separator) = try checked(mapping)
        let records = try CSVReader.read(bytes, delimiter: delimiter)
        guard let header = records.first else { throw StatementError(location: "line 1", message: "no header row") }
        let columns = try resolve(header, mapping)
        var lines: [StatementLine] = []
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw StatementError(location: "line \(record.line)",
                                     message: "\(record.fields.count) fields where the header has \(header.fields.count)")
            }
            guard keeps(record, columns, mapping.typeFilter) else { continue }
            lines.append(try line(record, columns, mapping, decimalSeparator: separator))
        }
        let currencies = Set(lines.map(\.currency))
        var fixed: String?
        if case .fixed(let code) = mapping.currency { fixed = code.uppercased() }
        var statement = Statement(format: .csv, id: "", account: "",
                                  currency: currencies.count == 1 ? currencies.first : (lines.isEmpty ? fixed : nil), lines: lines)
        statement.id = StatementImporter.digest(of: [statement])
        return [statement]
    }

    /// The delimiter and decimal separator as bytes, refusing mappings that cannot be read.
    static func checked(_ mapping: CSVMapping) throws(StatementError) -> (UInt8, UInt8) {
        guard let delimiter = mapping.delimiter.asciiValue, delimiter != UInt8(ascii: "\""), delimiter != 0x0A, delimiter != 0x0D,
              let separator = mapping.decimalSeparator.asciiValue, separator == UInt8(ascii: ".") || separator == UInt8(ascii: ","),
              separator != delimiter else {
            throw StatementError(location: "mapping", message: "delimiter \"\(mapping.delimiter)\" and decimal separator \"\(mapping.decimalSeparator)\" cannot be read together")
        }
        if case .fixed(let code) = mapping.currency, Currency(code: code) == nil {
            throw StatementError(location: "mapping", message: "unknown currency \"\(code)\"")
        }
        return (delimiter, separator)
    }

    /// Finds every mapped column in the header (names compared without surrounding spaces).
    static func resolve(_ header: CSVReader.Record, _ mapping: CSVMapping) throws(StatementError) -> Columns {
        let names = header.fields.map(\.trimmingSpaces)
        func index(_ name: String?) throws(StatementError) -> Int? {
            guard let name else { return nil }
            guard let found = names.firstIndex(of: name) else {
                throw StatementError(location: "line \(header.line)", message: "no column \"\(name)\" in the header")
            }
            return found
        }
        var columns = Columns(date: try index(mapping.date)!, valueDate: try index(mapping.valueDate),
                              reference: try index(mapping.reference),
                              accountServicerReference: try index(mapping.accountServicerReference),
                              endToEndID: try index(mapping.endToEndID), description: try index(mapping.description),
                              names: names)
        switch mapping.amount {
        case .signed(let name): columns.signed = try index(name)
        case .debitCredit(let debit, let credit):
            columns.debit = try index(debit)
            columns.credit = try index(credit)
        }
        if case .column(let name) = mapping.currency { columns.currency = try index(name) }
        switch mapping.typeFilter {
        case .include(let name, _)?, .exclude(let name, _)?: columns.type = try index(name)
        case nil: break
        }
        return columns
    }

    static func keeps(_ record: CSVReader.Record, _ columns: Columns, _ filter: CSVMapping.TypeFilter?) -> Bool {
        guard let filter, let type = columns.type else { return true }
        let value = record.fields[type].trimmingSpaces
        switch filter {
        case .include(_, let values): return values.contains(value)
        case .exclude(_, let values): return !values.contains(value)
        }
    }
}
