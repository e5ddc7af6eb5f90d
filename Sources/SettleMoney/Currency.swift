/// An ISO 4217 currency: its code, its numeric code (Settle's ledger number for it) and its
/// minor-unit exponent (2 for EUR: amounts are cents; 0 for JPY).
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    /// The ISO 4217 numeric code; Settle uses it as the ledger number, so every tenant's
    /// ledger for a currency has the same, self-describing number.
    public let numeric: UInt32
    public let exponent: Int

    public init(code: String, numeric: UInt32, exponent: Int) {
        self.code = code
        self.numeric = numeric
        self.exponent = exponent
    }

    public var description: String { code }

    /// The ledger that holds this currency's accounts.
    public var ledger: UInt32 { numeric }

    /// The currency with this alphabetic code (any case), if Settle knows it.
    public init?(code: String) {
        guard let found = Currency.table[code.uppercased()] else { return nil }
        self = found
    }

    /// The currency whose ledger number is `ledger`.
    public init?(ledger: UInt32) {
        guard let found = Currency.byNumeric[ledger] else { return nil }
        self = found
    }

    /// Active ISO 4217 currencies Settle knows (the ones payment processors settle in).
    public static let known: [Currency] = [
        .init(code: "AED", numeric: 784, exponent: 2), .init(code: "AUD", numeric: 36, exponent: 2),
        .init(code: "BHD", numeric: 48, exponent: 3), .init(code: "BRL", numeric: 986, exponent: 2),
        .init(code: "CAD", numeric: 124, exponent: 2), .init(code: "CHF", numeric: 756, exponent: 2),
        .init(code: "CLP", numeric: 152, exponent: 0), .init(code: "CNY", numeric: 156, exponent: 2),
        .init(code: "CZK", numeric: 203, exponent: 2), .init(code: "DKK", numeric: 208, exponent: 2),
        .init(code: "EUR", numeric: 978, exponent: 2), .init(code: "GBP", numeric: 826, exponent: 2),
        .init(code: "HKD", numeric: 344, exponent: 2), .init(code: "HUF", numeric: 348, exponent: 2),
        .init(code: "INR", numeric: 356, exponent: 2), .init(code: "ISK", numeric: 352, exponent: 0),
        .init(code: "JOD", numeric: 400, exponent: 3), .init(code: "JPY", numeric: 392, exponent: 0),
        .init(code: "KRW", numeric: 410, exponent: 0), .init(code: "KWD", numeric: 414, exponent: 3),
        .init(code: "MXN", numeric: 484, exponent: 2), .init(code: "NOK", numeric: 578, exponent: 2),
        .init(code: "NZD", numeric: 554, exponent: 2), .init(code: "OMR", numeric: 512, exponent: 3),
        .init(code: "PLN", numeric: 985, exponent: 2), .init(code: "RON", numeric: 946, exponent: 2),
        .init(code: "SEK", numeric: 752, exponent: 2), .init(code: "SGD", numeric: 702, exponent: 2),
        .init(code: "TND", numeric: 788, exponent: 3), .init(code: "TRY", numeric: 949, exponent: 2),
        .init(code: "USD", numeric: 840, exponent: 2), .init(code: "ZAR", numeric: 710, exponent: 2),
    ]

    private static let table: [String: Currency] = Dictionary(uniqueKeysWithValues: known.map { ($0.code, $0) })
    private static let byNumeric: [UInt32: Currency] = Dictionary(uniqueKeysWithValues: known.map { ($0.numeric, $0) })
}
