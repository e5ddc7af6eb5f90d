/// Exact conversion between decimal text ("1234.5") and integer minor units (123450 cents):
/// money never passes through floating point.
public enum MinorUnits {
    /// Why a decimal amount was refused.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notADecimal(String)
        case tooManyFractionDigits(String, exponent: Int)
        case tooLarge(String)

        public var description: String {
            switch self {
            case .notADecimal(let text): return "\"\(text)\" is not a decimal amount"
            case .tooManyFractionDigits(let text, let exponent):
                return "\"\(text)\" has more than \(exponent) fraction digits"
            case .tooLarge(let text): return "\"\(text)\" is too large"
            }
        }
    }

    /// Parses an unsigned or signed decimal with `.` (or `decimalSeparator`) into minor units
    /// of a currency with `exponent` fraction digits. "474.4" with exponent 2 is 47440.
    /// Trailing zeros beyond the exponent are accepted ("1.500" → 150); other extra digits are
    /// refused, never rounded.
    public static func parse(_ text: Substring, exponent: Int, decimalSeparator: UInt8 = UInt8(ascii: ".")) throws(ParseError) -> Int64 {
        var bytes = Array(text.utf8)
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        guard !bytes.isEmpty else { throw .notADecimal(String(text)) }
        var units: Int64 = 0
        var fractionDigits = -1
        var digits = 0
        for byte in bytes {
            if byte == decimalSeparator {
                guard fractionDigits < 0 else { throw .notADecimal(String(text)) }
                fractionDigits = 0
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .notADecimal(String(text)) }
            let digit = Int64(byte - UInt8(ascii: "0"))
            digits += 1
            if fractionDigits >= 0 {
                fractionDigits += 1
                if fractionDigits > exponent {
                    guard digit == 0 else { throw .tooManyFractionDigits(String(text), exponent: exponent) }
                    continue
                }
            }
            let (times, o1) = units.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw .tooLarge(String(text)) }
            units = plus
        }
        guard digits > 0 else { throw .notADecimal(String(text)) }
        for _ in min(max(fractionDigits, 0), exponent)..<exponent {
            let (times, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw .tooLarge(String(text)) }
            units = times
        }
        return negative ? -units : units
    }

    /// Formats minor units as a decimal with exactly `exponent` fraction digits: 47440 → "474.40".
    /// Any integer width, so 128-bit report totals format the same way as 64-bit amounts.
    public static func format(_ units: some BinaryInteger, exponent: Int) -> String {
        var digits = String(units.magnitude)
        let sign = units < 0 ? "-" : ""
        guard exponent > 0 else { return sign + digits }
        if digits.count <= exponent { digits = String(repeating: "0", count: exponent + 1 - digits.count) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -exponent)
        return sign + digits[..<split] + "." + digits[split...]
    }
}
