import SettleMoney

/// Reads a BAI2 cash management balance report: `01` file header, `02` groups, `03` accounts
/// with `16` transaction details, `88` continuations, and the `49`/`98`/`99` trailers whose
/// control totals and record counts are all verified before anything is returned.
///
/// One `Statement` per `03` account record; its id is `sender:creationDate:fileID/account/n`
/// where n counts the account's reports in the file (the same account may appear once per
/// as-of day, as in the CAD sample), qualified by sender and creation date because banks reuse
/// small file ids (`1`, `001`) every day. Amounts are implied-decimal integers per the
/// currency's exponent, that is, already minor units. The currency is the account's (`03`),
/// else the group's (`02`), else USD, the specification's default.
struct BAI2Parser {
    private let records: [BAI2Record]
    private var position = 0
    private var statements: [Statement] = []
    private var occurrences: [String: Int] = [:]
    private var fileKey = ""

    /// Parses a whole file; throws on the first structural error or control-total mismatch.
    static func parse(_ bytes: [UInt8]) throws(StatementError) -> [Statement] {
        var parser = BAI2Parser(records: try BAI2Records.read(bytes))
        try parser.readFile()
        return parser.statements
    }

    private init(records: [BAI2Record]) { self.records = records }

    private mutating func take() -> BAI2Record? {
        guard position < records.count else { return nil }
        defer { position += 1 }
        return records[position]
    }

    private var endLocation: String { "line \((records.last?.line ?? 0) + (records.last?.physicalCount ?? 1))" }

    private mutating func readFile() throws(StatementError) {
        guard let header = take() else { throw StatementError(location: "line 1", message: "empty BAI2 file") }
        guard header.code == "01" else {
            throw StatementError(location: header.location, message: "a BAI2 file starts with an 01 record, not \(header.code)")
        }
        guard header.field(7).trimmingSpaces == "2" else {
            throw StatementError(location: header.location, message: "BAI file version \"\(header.field(7).trimmingSpaces)\" is not 2; only BAI2 is read")
        }
        fileKey = "\(header.field(0).trimmingSpaces):\(header.field(2).trimmingSpaces):\(header.field(4).trimmingSpaces)"
        var total: Int64 = 0
        var groups = 0
        var physical = header.physicalCount
        while let record = take() {
            switch record.code {
            case "02":
                let group = try readGroup(record)
                total += group.total
                physical += group.physical
                groups += 1
            case "99":
                try verify(record, total: total, count: groups, countName: "groups", physical: physical + record.physicalCount,
                           recordsField: 2)
                if let extra = take() {
                    throw StatementError(location: extra.location, message: "record \(extra.code) after the 99 file trailer")
                }
                return
            default:
                throw StatementError(location: record.location, message: "expected a 02 group header or the 99 file trailer, found \(record.code)")
            }
        }
        throw StatementError(location: endLocation, message: "the file ends without a 99 file trailer")
    }

    private mutating func readGroup(_ header: BAI2Record) throws(StatementError) -> (total: Int64, physical: Int) {
        let currency = try Self.currency(header.field(5), default: "USD", at: header.location)
        let asOf = try BAI2Records.date(header.field(3), at: header.location)
        var total: Int64 = 0
        var accounts = 0
        var physical = header.physicalCount
        while let record = take() {
            switch record.code {
            case "03":
                let account = try readAccount(record, groupCurrency: currency, asOf: asOf)
                total += account.total
                physical += account.physical
                accounts += 1
            case "98":
                physical += record.physicalCount
                try verify(record, total: total, count: accounts, countName: "accounts", physical: physical, recordsField: 2)
                return (total, physical)
            default:
                throw StatementError(location: record.location, message: "expected an 03 account or the 98 group trailer, found \(record.code)")
            }
        }
        throw StatementError(location: endLocation, message: "the group from \(header.location) has no 98 trailer")
    }

    private mutating func readAccount(_ header: BAI2Record, groupCurrency: Currency,
                                      asOf: CalendarDate?) throws(StatementError) -> (total: Int64, physical: Int) {
        let number = header.field(0).trimmingSpaces
        guard !number.isEmpty else { throw StatementError(location: header.location, message: "03 record without an account number") }
        let currency = try Self.currency(header.field(1), default: groupCurrency.code, at: header.location)
        let summary = try Self.summaries(header)
        var total = summary.total
        var physical = header.physicalCount
        var lines: [StatementLine] = []
        while let record = take() {
            switch record.code {
            case "16":
                let line = try Self.detail(record, currency: currency, asOf: asOf)
                total += line.amount
                physical += record.physicalCount
                lines.append(line)
            case "49":
                physical += record.physicalCount
                try verify(record, total: total, count: nil, countName: "", physical: physical, recordsField: 1)
                occurrences[number, default: 0] += 1
                statements.append(Statement(format: .bai2, id: "\(fileKey)/\(number)/\(occurrences[number]!)", account: number,
                                            currency: currency.code, openingBalance: summary.opening,
                                            closingBalance: summary.closing, lines: lines))
                return (total, physical)
            default:
                throw StatementError(location: record.location, message: "expected a 16 detail or the 49 account trailer, found \(record.code)")
            }
        }
        throw StatementError(location: endLocation, message: "the account from \(header.location) has no 49 trailer")
    }

    /// Checks a trailer: field 0 is the control total, `count` (groups or accounts) sits in
    /// field 1 when given, and `recordsField` holds the number of physical records it closes.
    private func verify(_ trailer: BAI2Record, total: Int64, count: Int?, countName: String,
                        physical: Int, recordsField: Int) throws(StatementError) {
        let location = trailer.location
        let stated = try BAI2Records.amount(trailer.field(0), at: location, what: "control total", allowEmpty: false)
        guard stated == total else {
            throw StatementError(location: location, message: "\(trailer.code) control total \(stated) does not match the records' sum \(total)")
        }
        if let count {
            let statedCount = try BAI2Records.count(trailer.field(1), at: location, what: "number of \(countName)")
            guard statedCount == count else {
                throw StatementError(location: location, message: "\(trailer.code) states \(statedCount) \(countName), the file has \(count)")
            }
        }
        let statedRecords = try BAI2Records.count(trailer.field(recordsField), at: location, what: "number of records")
        guard statedRecords == physical else {
            throw StatementError(location: location, message: "\(trailer.code) states \(statedRecords) records, counted \(physical)")
        }
    }

    private static func currency(_ field: Substring, default fallback: String, at location: String) throws(StatementError) -> Currency {
        let code = field.trimmingSpaces
        guard let currency = Currency(code: code.isEmpty ? fallback : code) else {
            throw StatementError(location: location, message: "unknown currency \"\(code)\"")
        }
        return currency
    }
}
