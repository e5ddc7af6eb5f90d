import SettleMoney
import SettleRecon

/// `POST /v1/recon/runs`.
struct ReconRunBody: Decodable {
    var currency: Currency
    var statements: [String]?
    var options: MatchOptions
    var from: CalendarDate?
    var to: CalendarDate?

    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: [
            "currency", "statements", "date_window_days", "amount_tolerance", "one_to_many", "from", "to",
        ])
        guard let currency = Currency(code: try object.string("currency") ?? "") else {
            throw FieldError(code: .invalidField, path: "currency", message: "an ISO 4217 code such as \"EUR\" is expected")
        }
        self.currency = currency
        statements = try object.container.decodeIfPresent([String].self, forKey: AnyKey(stringValue: "statements"))
        var options = MatchOptions()
        if object.container.contains(AnyKey(stringValue: "date_window_days")) {
            options.dateWindowDays = Int(try object.number("date_window_days", UInt16.self))
            guard MatchOptions.dateWindowDaysRange.contains(options.dateWindowDays) else {
                throw FieldError(code: .invalidField, path: "date_window_days", message: "\(MatchOptions.dateWindowDaysRange) days are allowed")
            }
        }
        options.amountToleranceMinor = Int64(try object.number("amount_tolerance", UInt32.self))
        guard MatchOptions.amountToleranceMinorRange.contains(options.amountToleranceMinor) else {
            throw FieldError(code: .invalidField, path: "amount_tolerance", message: "\(MatchOptions.amountToleranceMinorRange) minor units are allowed")
        }
        if object.container.contains(AnyKey(stringValue: "one_to_many")) { options.oneToMany = try object.bool("one_to_many") }
        self.options = options
        func date(_ key: String) throws -> CalendarDate? {
            guard let text = try object.string(key) else { return nil }
            guard let date = CalendarDate(iso8601: text), text.count == 10 else {
                throw FieldError(code: .invalidField, path: key, message: "a YYYY-MM-DD date is expected")
            }
            return date
        }
        from = try date("from")
        to = try date("to")
    }
}

struct StatementJSON: Encodable {
    var digest: String
    var format: String
    var statementID: String
    var account: String
    var currency: String?
    var lineCount: Int
    var openingBalance: String?
    var closingBalance: String?
    var source: String?
    var importedAt: String
    var isNew: Bool?

    enum CodingKeys: String, CodingKey {
        case digest, format, account, currency, source
        case statementID = "statement_id", lineCount = "line_count", openingBalance = "opening_balance"
        case closingBalance = "closing_balance", importedAt = "imported_at", isNew = "new"
    }

    init(_ header: StatementStore.Header, isNew: Bool? = nil) {
        digest = header.digest
        format = header.format.rawValue
        statementID = header.statementID
        account = header.account
        currency = header.currency
        lineCount = header.lineCount
        openingBalance = header.openingBalance.map { String($0) }
        closingBalance = header.closingBalance.map { String($0) }
        source = header.source
        importedAt = String(header.importedAt)
        self.isNew = isNew
    }
}

struct ImportResponse: Encodable {
    var statements: [StatementJSON]
    /// Lines added by this import; 0 when every statement was imported before.
    var importedLines: Int
    enum CodingKeys: String, CodingKey { case statements, importedLines = "imported_lines" }
}
