import SettleMoney

/// Writes `Statement`s as files the importers read back: a camt.053.001.08 document, or a CSV in
/// the layout a `CSVMapping` describes. The demo uses it to produce a processor's settlement
/// file; tests use it to prove the importers against arbitrary statements.
///
/// The writers are pure functions of their arguments (no clock, no randomness, no dictionary
/// order), so the same statements always give the same bytes. Text is written as given; what the
/// importers normalize on the way back in (surrounding whitespace trimmed, empty text read as
/// absent) is documented on each writer. Arguments that no reader could take back (an unknown
/// currency, a negative amount, a CSV row without a booking date) are programmer errors and stop
/// the process with a `precondition`, rather than producing a file that fails to import later.
public enum StatementWriter {
    /// The namespace `camt053(_:messageID:createdAt:)` writes, which `StatementImporter` reads as
    /// camt.053 version .08.
    public static let camt053Namespace = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

    /// A processor-settlement CSV layout for files Settle writes itself (the demo's processor):
    /// one row per settled item, comma-delimited, `.` decimals, ISO dates, UTF-8, CRLF.
    ///
    /// | Column               | Field                        | Example            |
    /// |----------------------|------------------------------|--------------------|
    /// | `Booking Date`       | `bookingDate` (required)     | `2026-07-06`       |
    /// | `Value Date`         | `valueDate` (may be empty)   | `2026-07-08`       |
    /// | `Amount`             | signed, money in positive    | `-12.50`           |
    /// | `Currency`           | ISO 4217 code                | `EUR`              |
    /// | `Reference`          | `reference` (matcher key)    | `pi_0042`          |
    /// | `Processor Reference`| `accountServicerReference`   | `STL-2026-07-06-1` |
    /// | `Merchant Reference` | `endToEndID`                 | `ORDER-1043`       |
    /// | `Description`        | `description`                | `Capture`          |
    ///
    /// Amounts have exactly the currency's exponent digits (`1500` JPY, `12.50` EUR, `1.250`
    /// KWD). Transactions, remittance information, batch counts and reversal flags are not
    /// carried (use camt.053 for those).
    public static let settlementCSVMapping = CSVMapping(
        date: "Booking Date", valueDate: "Value Date", amount: .signed(column: "Amount"),
        currency: .column(name: "Currency"), reference: "Reference", accountServicerReference: "Processor Reference",
        endToEndID: "Merchant Reference", description: "Description")

    /// The known currency `code` names; a line in a currency Settle does not know cannot be
    /// written, because its exponent (and so its amount text) is unknown.
    static func knownCurrency(_ code: String) -> Currency {
        guard let currency = Currency(code: code) else {
            preconditionFailure("StatementWriter: unknown currency \"\(code)\"")
        }
        return currency
    }

    /// `units` of `code` as unsigned decimal text with exactly the currency's exponent digits.
    static func decimal(_ units: Int64, currency code: String) -> String {
        MinorUnits.format(units, exponent: knownCurrency(code).exponent)
    }

    /// `YYYY-MM-DD`, four-digit years only: that is all either importer reads.
    static func isoDate(_ date: CalendarDate) -> String {
        let (year, month, day) = date.components
        precondition((0...9999).contains(year), "StatementWriter: year \(year) cannot be written as four digits")
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// nil for nil or empty text: importers read empty text as absent, so the writers omit it.
    static func present(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
