/// A BAI2 record with its `88` continuations folded in: the record code, its fields in order
/// (the continuation's fields appended, as the specification reads them) and where it sits.
struct BAI2Record {
    var code: String
    var fields: [Substring]
    /// The physical line of the record itself (not of its continuations).
    var line: Int
    /// Indexes in `fields` where each `88` continuation's fields begin.
    var continuationStarts: [Int] = []
    /// Physical records it spans: 1 plus its `88`s. BAI2 record counts count these.
    var physicalCount: Int
    /// How errors name the record: by the physical line it starts on.
    var location: String { "line \(line)" }

    func field(_ index: Int) -> Substring { index < fields.count ? fields[index] : "" }

    /// Fields from `start` to the end as one text: commas inside a physical record are text, and
    /// a continuation starts a new line of text, joined with a space.
    func text(from start: Int) -> String {
        guard start < fields.count else { return "" }
        var parts: [String] = []
        var current: [Substring] = []
        for index in start..<fields.count {
            if continuationStarts.contains(index), !current.isEmpty {
                parts.append(current.joined(separator: ",").trimmingSpaces)
                current = []
            }
            current.append(fields[index])
        }
        parts.append(current.joined(separator: ",").trimmingSpaces)
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

enum BAI2Records {
    /// Splits `bytes` into logical records. Lines end in LF, CRLF or CR; the last needs no end.
    /// Each physical record loses one trailing `/` (the optional end-of-record delimiter), then
    /// splits on commas. A `16` record's text may itself contain commas: its reader rejoins them.
    static func read(_ bytes: [UInt8]) throws(StatementError) -> [BAI2Record] {
        var records: [BAI2Record] = []
        for (line, text) in physicalLines(bytes) {
            var body = text
            while let last = body.last, last == " " || last == "\t" { body = body.dropLast() }
            if body.isEmpty { continue }
            if body.last == "/" { body = body.dropLast() }
            let fields = body.split(separator: ",", omittingEmptySubsequences: false)
            let code = String(fields[0]).trimmingSpaces
            if code == "88" {
                guard !records.isEmpty else {
                    throw StatementError(location: "line \(line)", message: "continuation record 88 with nothing to continue")
                }
                records[records.count - 1].continuationStarts.append(records[records.count - 1].fields.count)
                records[records.count - 1].fields += fields.dropFirst()
                records[records.count - 1].physicalCount += 1
            } else {
                records.append(BAI2Record(code: code, fields: Array(fields.dropFirst()), line: line, continuationStarts: [], physicalCount: 1))
            }
        }
        return records
    }

    /// Lines with their 1-based numbers, decoded as UTF-8 (BAI2 is ASCII; anything else is kept).
    static func physicalLines(_ bytes: [UInt8]) -> [(Int, Substring)] {
        var lines: [(Int, Substring)] = []
        var start = 0
        var index = 0
        var number = 1
        func emit(_ end: Int) {
            lines.append((number, Substring(String(decoding: bytes[start..<end], as: UTF8.self))))
            number += 1
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                emit(index)
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count { emit(bytes.count) }
        return lines
    }

    /// A BAI2 amount: optional sign, digits, implied decimals (so already minor units). An empty
    /// field is zero where the specification allows one to be omitted.
    static func amount(_ field: Substring, at location: String, what: String, allowEmpty: Bool = true) throws(StatementError) -> Int64 {
        let text = field.trimmingSpaces
        if text.isEmpty {
            guard allowEmpty else { throw StatementError(location: location, message: "missing \(what)") }
            return 0
        }
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(digits) else {
            throw StatementError(location: location, message: "\(what) \"\(text)\" is not a BAI2 amount")
        }
        return negative ? -value : value
    }

    /// A non-negative integer field (counts); empty is an error.
    static func count(_ field: Substring, at location: String, what: String) throws(StatementError) -> Int {
        let text = field.trimmingSpaces
        guard let value = Int(text), value >= 0, !text.hasPrefix("+") else {
            throw StatementError(location: location, message: "\(what) \"\(text)\" is not a count")
        }
        return value
    }

    /// `YYMMDD`; years 00–69 are 20xx and 70–99 are 19xx (BAI2 has two-digit years).
    static func date(_ field: Substring, at location: String) throws(StatementError) -> CalendarDate? {
        let text = field.trimmingSpaces
        if text.isEmpty { return nil }
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let yy = Int(text.prefix(2)), let mm = Int(text.dropFirst(2).prefix(2)), let dd = Int(text.suffix(2)),
              let date = CalendarDate(year: yy < 70 ? 2000 + yy : 1900 + yy, month: mm, day: dd) else {
            throw StatementError(location: location, message: "\"\(text)\" is not a YYMMDD date")
        }
        return date
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }
        let trimmed = scalars.reversed().drop { $0 == " " || $0 == "\t" }
        return String(String.UnicodeScalarView(trimmed.reversed()))
    }
}
