import SettleSeededRandom
import SettleMoney
@testable import SettleRecon

typealias SeededGenerator = SplitMix64

/// Random statements built to hit what writers get wrong: XML and CSV specials, non-ASCII text,
/// line breaks inside fields, huge and single-unit amounts, exponents 0, 2 and 3, and every
/// optional field both present and absent.
struct StatementGenerator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// EUR and CHF (2), JPY and KRW (0), KWD and BHD (3).
    static let currencies = ["EUR", "JPY", "KWD", "CHF", "BHD", "KRW", "USD"]
    /// Pieces that need escaping somewhere: `&`, `<`, `>`, quotes, both delimiters, a line
    /// break, non-ASCII letters, an astral emoji, combining marks, a tab inside.
    static let pieces = ["ORD", "-", "1043", "&", "<", ">", "\"", "'", ",", ";", "Zürich", "東京", "🎉", "e\u{301}",
                         "a b", "x\ty", "line\nbreak", "cr\r\nlf", "&amp;", "]]>", "NOTPROVIDED", "Ω", "/"]

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }

    /// Non-empty text without surrounding whitespace (importers trim it, by design).
    mutating func text() -> String {
        var out = ""
        for _ in 0..<Int.random(in: 1...4, using: &rng) { out += pick(Self.pieces) }
        while let first = out.unicodeScalars.first, first.properties.isWhitespace { out.unicodeScalars.removeFirst() }
        while let last = out.unicodeScalars.last, last.properties.isWhitespace { out.unicodeScalars.removeLast() }
        return out.isEmpty ? "X" : out
    }

    mutating func optionalText(_ percent: Int = 60) -> String? { chance(percent) ? text() : nil }

    /// 1 unit, small, large, or the largest Int64.
    mutating func amount() -> Int64 {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return 1
        case 1: return .max
        case 2: return Int64.random(in: 1_000_000_000_000...Int64.max, using: &rng)
        default: return Int64.random(in: 1...1_000_000, using: &rng)
        }
    }

    mutating func date() -> CalendarDate {
        CalendarDate(dayNumber: Int.random(in: 0...47_000, using: &rng))  // 1970 to 2098
    }

    mutating func direction() -> Direction { chance(50) ? .credit : .debit }

    mutating func transaction() -> EntryTransaction {
        EntryTransaction(amount: chance(80) ? amount() : nil, direction: chance(90) ? direction() : nil,
                         endToEndID: chance(15) ? "NOTPROVIDED" : optionalText(50),
                         accountServicerReference: optionalText(40), remittanceInformation: optionalText(50))
    }

    /// A line with every optional field independently present or absent; line-level
    /// end-to-end id and remittance may contradict the transactions (the writer decides).
    mutating func line(index: Int, currency: String) -> StatementLine {
        var transactions: [EntryTransaction] = []
        if chance(40) { for _ in 0..<Int.random(in: 1...4, using: &rng) { transactions.append(transaction()) } }
        return StatementLine(
            sourceLine: index + 1, amount: amount(), currency: chance(80) ? currency : pick(Self.currencies),
            direction: direction(), bookingDate: chance(85) ? date() : nil, valueDate: chance(60) ? date() : nil,
            reference: optionalText(70), accountServicerReference: optionalText(50), endToEndID: optionalText(40),
            remittanceInformation: optionalText(40), description: optionalText(60),
            batchCount: chance(30) ? Int.random(in: 0...500, using: &rng) : nil,
            transactions: transactions, isReversal: chance(15))
    }

    mutating func statement(format: Statement.Format, lineCount: Int? = nil) -> Statement {
        let currency = pick(Self.currencies)
        let count = lineCount ?? Int.random(in: 0...12, using: &rng)
        let account = chance(50) ? "DE\(Int.random(in: 10...99, using: &rng))50010517\(Int.random(in: 1_000_000_000...9_999_999_999, using: &rng))" : text()
        return Statement(format: format, id: text(), account: account, currency: currency,
                         openingBalance: chance(60) ? Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng) : nil,
                         closingBalance: chance(60) ? Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &rng) : nil,
                         lines: (0..<count).map { line(index: $0, currency: currency) })
    }
}

/// What camt.053 carries of a line, per the rules documented on `StatementWriter.camt053`:
/// an independent statement of the contract the round trip must meet.
func camtCarried(_ line: StatementLine) -> StatementLine {
    var out = line
    var transactions = line.transactions.map { tx in
        var tx = tx
        tx.direction = tx.direction ?? line.direction
        return tx
    }
    if transactions.isEmpty, line.endToEndID != nil || line.remittanceInformation != nil {
        transactions = [EntryTransaction(amount: line.amount, direction: line.direction, endToEndID: line.endToEndID,
                                         remittanceInformation: line.remittanceInformation)]
    }
    let endToEnd = transactions.lazy.compactMap(\.endToEndID).first { $0 != "NOTPROVIDED" }
    let fallback = line.accountServicerReference ?? transactions.lazy.compactMap(\.accountServicerReference).first
    var reference = endToEnd ?? fallback
    if endToEnd == nil, let wanted = line.reference, wanted != fallback {
        // Written as the first TxDtls' creditor reference, which the importer also takes as that
        // transaction's remittance when it has no Ustrd.
        if transactions.isEmpty { transactions = [EntryTransaction(amount: line.amount, direction: line.direction)] }
        if transactions[0].remittanceInformation == nil { transactions[0].remittanceInformation = wanted }
        reference = wanted
    }
    let remittances = transactions.compactMap(\.remittanceInformation)
    out.transactions = transactions
    out.endToEndID = endToEnd
    out.reference = reference
    out.remittanceInformation = remittances.isEmpty ? nil : remittances.joined(separator: "; ")
    return out
}

/// What a CSV written with `mapping` carries of a line: the mapped fields only.
func csvCarried(_ line: StatementLine, _ mapping: CSVMapping) -> StatementLine {
    StatementLine(sourceLine: line.sourceLine, amount: line.amount, currency: line.currency, direction: line.direction,
                  bookingDate: line.bookingDate, valueDate: mapping.valueDate == nil ? nil : line.valueDate,
                  reference: mapping.reference == nil ? nil : line.reference,
                  accountServicerReference: mapping.accountServicerReference == nil ? nil : line.accountServicerReference,
                  endToEndID: mapping.endToEndID == nil ? nil : line.endToEndID,
                  description: mapping.description == nil ? nil : line.description)
}

extension StatementLine {
    /// The line with `sourceLine` zeroed, for comparing lines from files of different layouts.
    var positionless: StatementLine {
        var copy = self
        copy.sourceLine = 0
        return copy
    }
}

/// The first field where two lines differ, for failure messages that a person can act on.
func firstDifference(_ a: StatementLine, _ b: StatementLine) -> String {
    let fields: [(String, (StatementLine) -> String)] = [
        ("amount", { "\($0.amount)" }), ("currency", { $0.currency }), ("direction", { "\($0.direction)" }),
        ("bookingDate", { "\(String(describing: $0.bookingDate))" }), ("valueDate", { "\(String(describing: $0.valueDate))" }),
        ("reference", { "\(String(reflecting: $0.reference))" }),
        ("accountServicerReference", { "\(String(reflecting: $0.accountServicerReference))" }),
        ("endToEndID", { "\(String(reflecting: $0.endToEndID))" }),
        ("remittanceInformation", { "\(String(reflecting: $0.remittanceInformation))" }),
        ("description", { "\(String(reflecting: $0.description))" }), ("batchCount", { "\(String(describing: $0.batchCount))" }),
        ("transactions", { "\($0.transactions)" }), ("isReversal", { "\($0.isReversal)" }),
    ]
    for (name, render) in fields where render(a) != render(b) { return "\(name): \(render(a)) vs \(render(b))" }
    return "no difference"
}
