import SettleMoney

extension CSVStatementParser {
    /// One data row as a statement line; errors name the physical line and the column.
    static func line(_ record: CSVReader.Record, _ columns: Columns, _ mapping: CSVMapping,
                     decimalSeparator: UInt8) throws(StatementError) -> StatementLine {
        func text(_ column: Int?) -> String? { column.flatMap { record.fields[$0].trimmingSpaces.nonEmptyOrNil } }
        func fail(_ column: Int, _ message: String) -> StatementError {
            StatementError(location: "line \(record.line), column \"\(columns.names[column])\"", message: message)
        }
        let currency = try self.currency(record, columns, mapping, fail: fail)
        let signed = try self.signedAmount(record, columns, exponent: currency.exponent,
                                           decimalSeparator: decimalSeparator, fail: fail)
        // Debit/credit columns say the direction themselves (signedAmount makes them
        // credit-positive); the convention is only for a single signed column.
        let positiveIsCredit: Bool = if case .signed = mapping.amount { mapping.signConvention == .positiveIsCredit } else { true }
        let direction: Direction = (signed >= 0) == positiveIsCredit ? .credit : .debit
        guard let dateText = text(columns.date) else { throw fail(columns.date, "missing date") }
        guard let date = parseDate(dateText, format: mapping.dateFormat) else {
            throw fail(columns.date, "\"\(dateText)\" is not a \(mapping.dateFormat.rawValue) date")
        }
        var valueDate: CalendarDate?
        if let column = columns.valueDate, let valueText = text(column) {
            guard let parsed = parseDate(valueText, format: mapping.dateFormat) else {
                throw fail(column, "\"\(valueText)\" is not a \(mapping.dateFormat.rawValue) date")
            }
            valueDate = parsed
        }
        return StatementLine(
            sourceLine: record.line, amount: Int64(signed.magnitude), currency: currency.code, direction: direction,
            bookingDate: date, valueDate: valueDate, reference: text(columns.reference),
            accountServicerReference: text(columns.accountServicerReference), endToEndID: text(columns.endToEndID),
            description: text(columns.description))
    }

    static func currency(_ record: CSVReader.Record, _ columns: Columns, _ mapping: CSVMapping,
                         fail: (Int, String) -> StatementError) throws(StatementError) -> Currency {
        switch mapping.currency {
        case .fixed(let code):
            return Currency(code: code)!  // checked before any row is read
        case .column:
            let column = columns.currency!
            let code = record.fields[column].trimmingSpaces
            guard let currency = Currency(code: code) else { throw fail(column, "\"\(code)\" is not a known currency") }
            return currency
        }
    }

    /// The row's amount in minor units, credit-positive for debit/credit columns and as written
    /// for a signed column. In debit/credit layouts exactly one of the two must be filled.
    static func signedAmount(_ record: CSVReader.Record, _ columns: Columns, exponent: Int, decimalSeparator: UInt8,
                             fail: (Int, String) -> StatementError) throws(StatementError) -> Int64 {
        func parse(_ column: Int) throws(StatementError) -> Int64? {
            let text = record.fields[column].trimmingSpaces
            if text.isEmpty { return nil }
            do {
                return try MinorUnits.parse(Substring(text), exponent: exponent, decimalSeparator: decimalSeparator)
            } catch {
                throw fail(column, error.description)
            }
        }
        if let column = columns.signed {
            guard let value = try parse(column) else { throw fail(column, "missing amount") }
            return value
        }
        let debit = try parse(columns.debit!)
        let credit = try parse(columns.credit!)
        switch (debit, credit) {
        case (let debit?, nil): return -debit
        case (nil, let credit?): return credit
        case (nil, nil): throw fail(columns.credit!, "neither \"\(columns.names[columns.debit!])\" nor this column has an amount")
        case (_?, _?): throw fail(columns.credit!, "both \"\(columns.names[columns.debit!])\" and this column have an amount")
        }
    }

    /// Parses `text` against a `DateFormat` pattern: pattern letters must be digits, other
    /// characters must match exactly; the time, when there is one, must be a valid time.
    static func parseDate(_ text: String, format: CSVMapping.DateFormat) -> CalendarDate? {
        let pattern = Array(format.rawValue.utf8)
        let bytes = Array(text.utf8)
        guard bytes.count == pattern.count else { return nil }
        var fields: [UInt8: Int] = [:]
        for (letter, byte) in zip(pattern, bytes) {
            if "yMdHms".utf8.contains(letter) {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                fields[letter, default: 0] = fields[letter, default: 0] * 10 + Int(byte - 0x30)
            } else if letter != byte {
                return nil
            }
        }
        let time = (fields[UInt8(ascii: "H")] ?? 0, fields[UInt8(ascii: "m")] ?? 0, fields[UInt8(ascii: "s")] ?? 0)
        guard time.0 < 24, time.1 < 60, time.2 < 60 else { return nil }
        return CalendarDate(year: fields[UInt8(ascii: "y")] ?? 0, month: fields[UInt8(ascii: "M")] ?? 0,
                            day: fields[UInt8(ascii: "d")] ?? 0)
    }
}
