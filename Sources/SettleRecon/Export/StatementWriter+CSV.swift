import SettleMoney

extension StatementWriter {
    /// Writes `statement` as a CSV that `StatementImporter` reads back with `mapping`: a header of
    /// the mapping's column names, then one row per line, CRLF after every row.
    ///
    /// Columns, in this order, each once (a name mapped twice is written once, with the first
    /// field's value): booking date, value date, the amount column(s), the currency column,
    /// reference, account-servicer reference, end-to-end id, description, then the type filter's
    /// column if no other field uses it. Fields the mapping does not name are not written, nor are
    /// the statement's id, account and balances, which a processor CSV has no place for.
    ///
    /// - Dates in the mapping's `dateFormat` (`isoDateTime` writes midnight); an empty value-date
    ///   cell for a line without one.
    /// - Amounts with exactly the currency's exponent digits and the mapping's decimal separator;
    ///   a `.signed` column holds the amount signed by `signConvention`, `.debitCredit` fills the
    ///   column of the line's direction and leaves the other empty. (A zero amount reads back as
    ///   the convention's positive direction, since zero has no sign.)
    /// - A dedicated type column holds a value the mapping's filter keeps: its first `include`
    ///   value, or for `exclude` the empty string, else the first of `Payment 1`, `Payment 2`…
    ///   not excluded. A type column that is also another field's (Adyen's `Type` description)
    ///   holds that field, and the filter decides whether the row is read back.
    /// - RFC 4180 quoting: a field holding the delimiter, a quote, CR or LF is quoted, its
    ///   quotes doubled. The importer trims surrounding spaces and tabs and reads empty cells as
    ///   absent.
    ///
    /// - Precondition: the mapping is one the importer can read (ASCII delimiter other than a
    ///   quote or line break; `.` or `,` decimals, unlike the delimiter); every line has a
    ///   booking date and a known currency, the mapping's currency when that is `.fixed`, and
    ///   a non-negative amount.
    /// - Complexity: O(size of the statement).
    public static func csv(_ statement: Statement, mapping: CSVMapping) -> String {
        checkWritable(mapping)
        let columns = csvColumns(mapping)
        let delimiter = String(mapping.delimiter)
        var out = columns.map { csvField($0.name, delimiter: mapping.delimiter) }.joined(separator: delimiter) + "\r\n"
        for line in statement.lines {
            out += columns.map { csvField($0.value(line), delimiter: mapping.delimiter) }.joined(separator: delimiter) + "\r\n"
        }
        return out
    }

    /// A written column: its header name and how a line fills it.
    struct CSVColumn {
        var name: String
        var value: (StatementLine) -> String
    }

    static func csvColumns(_ mapping: CSVMapping) -> [CSVColumn] {
        var columns: [CSVColumn] = []
        func add(_ name: String?, _ value: @escaping (StatementLine) -> String) {
            guard let name, !columns.contains(where: { $0.name == name }) else { return }
            columns.append(CSVColumn(name: name, value: value))
        }
        add(mapping.date) { line in
            guard let date = line.bookingDate else {
                preconditionFailure("StatementWriter.csv: line \(line.sourceLine) has no booking date, which the CSV importer requires")
            }
            return csvDate(date, mapping.dateFormat)
        }
        add(mapping.valueDate) { line in line.valueDate.map { csvDate($0, mapping.dateFormat) } ?? "" }
        switch mapping.amount {
        case .signed(let column):
            add(column) { line in
                let positive = (line.direction == .credit) == (mapping.signConvention == .positiveIsCredit)
                let text = csvAmount(line, mapping)
                return positive || line.amount == 0 ? text : "-" + text
            }
        case .debitCredit(let debit, let credit):
            precondition(debit != credit, "StatementWriter.csv: the debit and credit columns must differ")
            add(debit) { line in line.direction == .debit ? csvAmount(line, mapping) : "" }
            add(credit) { line in line.direction == .credit ? csvAmount(line, mapping) : "" }
        }
        if case .column(let name) = mapping.currency { add(name) { knownCurrency($0.currency).code } }
        add(mapping.reference) { $0.reference ?? "" }
        add(mapping.accountServicerReference) { $0.accountServicerReference ?? "" }
        add(mapping.endToEndID) { $0.endToEndID ?? "" }
        add(mapping.description) { $0.description ?? "" }
        switch mapping.typeFilter {
        case .include(let name, let values)?:
            add(name) { _ in values.first ?? "" }
        case .exclude(let name, let values)?:
            var kept = ""
            var attempt = 0
            while values.contains(kept) {
                attempt += 1
                kept = "Payment \(attempt)"
            }
            add(name) { [kept] _ in kept }
        case nil: break
        }
        return columns
    }

    /// The unsigned amount in the mapping's decimal separator, checked against a fixed currency.
    static func csvAmount(_ line: StatementLine, _ mapping: CSVMapping) -> String {
        precondition(line.amount >= 0, "StatementWriter.csv: amounts are positive, the direction carries the sign")
        if case .fixed(let code) = mapping.currency {
            precondition(knownCurrency(line.currency) == knownCurrency(code),
                         "StatementWriter.csv: a \(line.currency) line in a file of fixed currency \(code)")
        }
        let text = decimal(line.amount, currency: line.currency)
        return String(text.map { $0 == "." ? mapping.decimalSeparator : $0 })
    }

    static func csvDate(_ date: CalendarDate, _ format: CSVMapping.DateFormat) -> String {
        let (year, month, day) = date.components
        precondition((0...9999).contains(year), "StatementWriter.csv: year \(year) cannot be written as four digits")
        let (y, m, d) = (padded(year, 4), padded(month, 2), padded(day, 2))
        switch format {
        case .isoDate: return "\(y)-\(m)-\(d)"
        case .isoDateTime: return "\(y)-\(m)-\(d) 00:00:00"
        case .dayMonthYear: return "\(d).\(m).\(y)"
        case .monthDayYear: return "\(m)/\(d)/\(y)"
        }
    }

    /// RFC 4180: quoted when it holds the delimiter, a quote or a line break; quotes doubled.
    static func csvField(_ value: String, delimiter: Character) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == "\"" || $0 == "\r" || $0 == "\n" }
            || value.contains(delimiter)
        guard needsQuotes else { return value }
        var quoted = "\""
        for character in value { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }

    /// The same rules the importer applies to a mapping before reading.
    static func checkWritable(_ mapping: CSVMapping) {
        let delimiter = mapping.delimiter.asciiValue
        precondition(delimiter != nil && delimiter != UInt8(ascii: "\"") && delimiter != 0x0A && delimiter != 0x0D,
                     "StatementWriter.csv: delimiter \"\(mapping.delimiter)\" cannot be read back")
        precondition((mapping.decimalSeparator == "." || mapping.decimalSeparator == ",") && mapping.decimalSeparator != mapping.delimiter,
                     "StatementWriter.csv: decimal separator \"\(mapping.decimalSeparator)\" cannot be read with delimiter \"\(mapping.delimiter)\"")
    }
}
