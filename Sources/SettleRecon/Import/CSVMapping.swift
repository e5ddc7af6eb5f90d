/// How to read a processor's or bank's CSV export as statement lines: which column (by its
/// header name) holds what, and how dates, decimals and signs are written.
///
/// A mapping is data, not code, so a new processor layout is a JSON document (it is `Codable`)
/// rather than a new parser. Columns that are not named are ignored; a named column missing from
/// the header is an error on line 1.
public struct CSVMapping: Sendable, Codable, Hashable {
    /// Where the amount is.
    public enum AmountColumns: Sendable, Codable, Hashable {
        /// One signed column; `signConvention` says which sign is a credit.
        case signed(column: String)
        /// Separate unsigned debit and credit columns (Adyen's `Gross Debit (GC)` and
        /// `Gross Credit (GC)`); a row fills one of them.
        case debitCredit(debit: String, credit: String)
    }

    /// Where the currency is.
    public enum CurrencySource: Sendable, Codable, Hashable {
        /// A column holding an ISO 4217 code, any case (Stripe writes `eur`).
        case column(name: String)
        /// Every row is in this currency.
        case fixed(code: String)
    }

    /// The date layouts processors export.
    public enum DateFormat: String, Sendable, Codable, Hashable, CaseIterable {
        /// `2026-07-06`.
        case isoDate = "yyyy-MM-dd"
        /// The time is not used (but must be a valid time): the date is taken as written, in
        /// whatever zone the file uses.
        case isoDateTime = "yyyy-MM-dd HH:mm:ss"
        /// `06.07.2026`, as German and Swiss banks write it.
        case dayMonthYear = "dd.MM.yyyy"
        /// `07/06/2026`, as US banks write it.
        case monthDayYear = "MM/dd/yyyy"
    }

    /// Which sign of a signed amount is money in.
    public enum SignConvention: String, Sendable, Codable, Hashable {
        /// Money in is positive (Stripe's `gross` and `net`, most bank exports).
        case positiveIsCredit
        /// Money out is positive (some card-account exports).
        case positiveIsDebit
    }

    /// Rows to keep by the value of a type column; the others are skipped (not errors).
    public enum TypeFilter: Sendable, Codable, Hashable {
        /// Keep only rows whose `column` holds one of `values`.
        case include(column: String, values: [String])
        /// Keep every row except those whose `column` holds one of `values`.
        case exclude(column: String, values: [String])
    }

    /// The booking date column (required; an empty cell is an error).
    public var date: String
    /// The value date column; an empty cell leaves the line's value date nil.
    public var valueDate: String?
    /// The amount column or columns.
    public var amount: AmountColumns
    /// The currency column, or one currency for the whole file.
    public var currency: CurrencySource
    /// The payment's key for the matcher (`StatementLine.reference`).
    public var reference: String?
    /// The processor's own id for the row (`StatementLine.accountServicerReference`).
    public var accountServicerReference: String?
    /// The merchant's reference (`StatementLine.endToEndID`).
    public var endToEndID: String?
    /// Free text for people reading a report (`StatementLine.description`).
    public var description: String?
    /// Which rows are statement lines at all (Adyen's `Type`: fee and payout rows are not payments).
    public var typeFilter: TypeFilter?
    /// How both date columns are written.
    public var dateFormat: DateFormat
    /// `.` or `,`; no thousands separators are accepted.
    public var decimalSeparator: Character
    /// The field separator (`,`, `;` or a tab); fields holding it must be quoted.
    public var delimiter: Character
    /// Which sign of a `.signed` amount is a credit; positive by default.
    public var signConvention: SignConvention

    /// A mapping; only the date, amount and currency are required.
    public init(date: String, valueDate: String? = nil, amount: AmountColumns, currency: CurrencySource,
                reference: String? = nil, accountServicerReference: String? = nil, endToEndID: String? = nil,
                description: String? = nil, typeFilter: TypeFilter? = nil, dateFormat: DateFormat = .isoDate,
                decimalSeparator: Character = ".", delimiter: Character = ",",
                signConvention: SignConvention = .positiveIsCredit) {
        self.date = date
        self.valueDate = valueDate
        self.amount = amount
        self.currency = currency
        self.reference = reference
        self.accountServicerReference = accountServicerReference
        self.endToEndID = endToEndID
        self.description = description
        self.typeFilter = typeFilter
        self.dateFormat = dateFormat
        self.decimalSeparator = decimalSeparator
        self.delimiter = delimiter
        self.signConvention = signConvention
    }

    private enum CodingKeys: String, CodingKey {
        case date, valueDate, amount, currency, reference, accountServicerReference, endToEndID, description
        case typeFilter, dateFormat, decimalSeparator, delimiter, signConvention
    }

    /// Decodes a mapping; omitted settings take the initializer's defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            date: try c.decode(String.self, forKey: .date), valueDate: try c.decodeIfPresent(String.self, forKey: .valueDate),
            amount: try c.decode(AmountColumns.self, forKey: .amount), currency: try c.decode(CurrencySource.self, forKey: .currency),
            reference: try c.decodeIfPresent(String.self, forKey: .reference),
            accountServicerReference: try c.decodeIfPresent(String.self, forKey: .accountServicerReference),
            endToEndID: try c.decodeIfPresent(String.self, forKey: .endToEndID),
            description: try c.decodeIfPresent(String.self, forKey: .description),
            typeFilter: try c.decodeIfPresent(TypeFilter.self, forKey: .typeFilter),
            dateFormat: try c.decodeIfPresent(DateFormat.self, forKey: .dateFormat) ?? .isoDate,
            decimalSeparator: try Self.character(c, .decimalSeparator, default: "."),
            delimiter: try Self.character(c, .delimiter, default: ","),
            signConvention: try c.decodeIfPresent(SignConvention.self, forKey: .signConvention) ?? .positiveIsCredit)
    }

    /// Encodes every setting, the characters as one-character strings.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(date, forKey: .date)
        try c.encodeIfPresent(valueDate, forKey: .valueDate)
        try c.encode(amount, forKey: .amount)
        try c.encode(currency, forKey: .currency)
        try c.encodeIfPresent(reference, forKey: .reference)
        try c.encodeIfPresent(accountServicerReference, forKey: .accountServicerReference)
        try c.encodeIfPresent(endToEndID, forKey: .endToEndID)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(typeFilter, forKey: .typeFilter)
        try c.encode(dateFormat, forKey: .dateFormat)
        try c.encode(String(decimalSeparator), forKey: .decimalSeparator)
        try c.encode(String(delimiter), forKey: .delimiter)
        try c.encode(signConvention, forKey: .signConvention)
    }

    private static func character(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys,
                                  default fallback: Character) throws -> Character {
        guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return fallback }
        guard text.count == 1, let character = text.first else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\"\(text)\" is not one character")
        }
        return character
    }
}
