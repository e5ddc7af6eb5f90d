import SettleMoney

/// Which way money moved on the statement's account, from the account holder's side.
public enum Direction: String, Sendable, Hashable, Codable {
    /// Money in (camt.053 `CRDT`).
    case credit
    /// Money out (camt.053 `DBIT`).
    case debit
}

/// A calendar date without a time zone, as statements book and value entries.
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// nil unless the fields name a real day of the proleptic Gregorian calendar.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        dayNumber = era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`, also accepting a trailing time (`2009-10-29T10:00:00+02:00`), whose
    /// date part is taken as written.
    public init?(iso8601 text: some StringProtocol) {
        let bytes = Array(text.utf8.prefix(10))
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = Int(String(decoding: bytes[0..<4], as: UTF8.self)),
              let month = Int(String(decoding: bytes[5..<7], as: UTF8.self)),
              let day = Int(String(decoding: bytes[8..<10], as: UTF8.self)) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The UTC day of a ledger timestamp (nanoseconds since the Unix epoch).
    public init(ledgerTimestamp: UInt64) {
        dayNumber = Int(ledgerTimestamp / 86_400_000_000_000)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public var description: String {
        let (y, m, d) = components
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.dayNumber < b.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso8601: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not a YYYY-MM-DD date"))
        }
        self = date
    }
}

/// One transaction inside a statement entry: a batched payout or collective transfer lists the
/// payments it settles (camt.053 `NtryDtls/TxDtls`).
public struct EntryTransaction: Hashable, Sendable, Codable {
    /// Minor units of the line's currency; nil when the bank lists the transaction without one.
    public var amount: Int64?
    public var direction: Direction?
    public var endToEndID: String?
    public var accountServicerReference: String?
    public var remittanceInformation: String?

    public init(amount: Int64? = nil, direction: Direction? = nil, endToEndID: String? = nil,
                accountServicerReference: String? = nil, remittanceInformation: String? = nil) {
        self.amount = amount
        self.direction = direction
        self.endToEndID = endToEndID
        self.accountServicerReference = accountServicerReference
        self.remittanceInformation = remittanceInformation
    }
}

/// A statement entry normalized from any format: what the matcher reads.
public struct StatementLine: Hashable, Sendable, Codable {
    /// The position in the source: the 1-based entry index for XML, the physical line for CSV
    /// and BAI2. Errors and reports name it.
    public var sourceLine: Int
    /// Minor units of `currency`, always positive; `direction` carries the sign.
    public var amount: Int64
    public var currency: String
    public var direction: Direction
    public var bookingDate: CalendarDate?
    public var valueDate: CalendarDate?
    /// The key the matcher tries first: the processor's or bank's reference for the payment
    /// (for camt.053, the first `EndToEndId` that is not `NOTPROVIDED`, else the first
    /// structured creditor reference, else the entry's `AcctSvcrRef`, else the first
    /// transaction's).
    public var reference: String?
    public var accountServicerReference: String?
    public var endToEndID: String?
    public var remittanceInformation: String?
    public var description: String?
    /// `NbOfTxs` of a batched entry, when the bank states it.
    public var batchCount: Int?
    public var transactions: [EntryTransaction]
    /// A reversal (`RvslInd` true): the entry undoes an earlier one.
    public var isReversal: Bool

    public init(sourceLine: Int, amount: Int64, currency: String, direction: Direction,
                bookingDate: CalendarDate? = nil, valueDate: CalendarDate? = nil, reference: String? = nil,
                accountServicerReference: String? = nil, endToEndID: String? = nil,
                remittanceInformation: String? = nil, description: String? = nil, batchCount: Int? = nil,
                transactions: [EntryTransaction] = [], isReversal: Bool = false) {
        self.sourceLine = sourceLine
        self.amount = amount
        self.currency = currency
        self.direction = direction
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.reference = reference
        self.accountServicerReference = accountServicerReference
        self.endToEndID = endToEndID
        self.remittanceInformation = remittanceInformation
        self.description = description
        self.batchCount = batchCount
        self.transactions = transactions
        self.isReversal = isReversal
    }

    /// The amount with its sign: credits positive, debits negative.
    public var signedAmount: Int64 { direction == .credit ? amount : -amount }
}

/// A parsed statement: one account's lines from one file (a camt.053 message with several
/// `Stmt` gives several).
public struct Statement: Hashable, Sendable, Codable {
    public enum Format: String, Sendable, Codable, CaseIterable {
        case camt053, camt054, bai2, csv
    }

    public var format: Format
    /// The statement's own id (`Stmt/Id`; for BAI2 `sender:creationDate:fileID/account/n`, since
    /// banks reuse file ids daily; for CSV the file's digest).
    public var id: String
    /// IBAN or other account identifier; empty when the format has none (a processor CSV).
    public var account: String
    public var currency: String?
    public var openingBalance: Int64?
    public var closingBalance: Int64?
    public var lines: [StatementLine]

    public init(format: Format, id: String, account: String, currency: String? = nil,
                openingBalance: Int64? = nil, closingBalance: Int64? = nil, lines: [StatementLine]) {
        self.format = format
        self.id = id
        self.account = account
        self.currency = currency
        self.openingBalance = openingBalance
        self.closingBalance = closingBalance
        self.lines = lines
    }
}

/// A statement file that could not be read. Nothing of it is imported.
public struct StatementError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where: `line 14` for CSV and BAI2, an element path such as
    /// `Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt` for XML (with the XML line when known).
    public var location: String
    public var message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
