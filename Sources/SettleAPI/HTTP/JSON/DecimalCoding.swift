import SettleCore

/// Input the HTTP layer refuses while decoding, with the JSON path it was found at.
struct FieldError: Error {
    var code: APIError.Code
    var path: String
    var message: String
}

/// 128- and 64-bit numbers travel as decimal strings in JSON (JavaScript's numbers hold 53
/// bits). Parsing is strict: ASCII digits only, no sign, no spaces, no overflow.
enum DecimalCoding {
    static func parse128(_ text: Substring) -> UInt128? {
        guard !text.isEmpty, text.utf8.count <= 39 else { return nil }
        var value: UInt128 = 0
        for byte in text.utf8 {
            guard byte >= 48, byte <= 57 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt128(byte - 48))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    static func parse64(_ text: Substring) -> UInt64? {
        guard let wide = parse128(text), wide <= UInt128(UInt64.max) else { return nil }
        return UInt64(wide)
    }
}

/// The path of a decoder's position as `transfers[3].amount`.
func jsonPath(_ path: [any CodingKey], _ last: String? = nil) -> String {
    var out = ""
    for key in path {
        if let index = key.intValue {
            out += "[\(index)]"
        } else {
            out += out.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    if let last { out += out.isEmpty ? last : "." + last }
    return out.isEmpty ? "body" : out
}

/// Any JSON object key, to find the ones a type does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Reads a JSON object field by field, refusing unknown keys, so a misspelt field is an
/// error rather than a silent zero. Absent fields are zero.
struct StrictObject {
    let container: KeyedDecodingContainer<AnyKey>
    let path: [any CodingKey]

    init(_ decoder: any Decoder, known: Set<String>) throws {
        container = try decoder.container(keyedBy: AnyKey.self)
        path = decoder.codingPath
        for key in container.allKeys {
            guard known.contains(key.stringValue) else {
                throw FieldError(code: .unknownField, path: jsonPath(path, key.stringValue), message: "unknown field")
            }
            // Absent means zero; null is refused rather than read as zero too.
            if try container.decodeNil(forKey: key) {
                throw FieldError(code: .invalidField, path: jsonPath(path, key.stringValue), message: "must not be null (omit the field for 0)")
            }
        }
    }

    func u128(_ key: String) throws -> UInt128 {
        guard let text = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: key)) else { return 0 }
        guard let value = DecimalCoding.parse128(Substring(text)) else {
            throw FieldError(code: .invalidField, path: jsonPath(path, key), message: "a decimal string from 0 to 2^128-1 is expected")
        }
        return value
    }

    func u64(_ key: String) throws -> UInt64 {
        guard let text = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: key)) else { return 0 }
        guard let value = DecimalCoding.parse64(Substring(text)) else {
            throw FieldError(code: .invalidField, path: jsonPath(path, key), message: "a decimal string from 0 to 2^64-1 is expected")
        }
        return value
    }

    func number<T: FixedWidthInteger>(_ key: String, _ type: T.Type = T.self) throws -> T {
        let raw: Int64?
        do {
            raw = try container.decodeIfPresent(Int64.self, forKey: AnyKey(stringValue: key))
        } catch {
            raw = nil  // a string, a fraction, or out of Int64's range
        }
        let given = container.contains(AnyKey(stringValue: key))
        guard let value = given ? raw.flatMap({ T(exactly: $0) }) : T.zero else {
            throw FieldError(code: .invalidField, path: jsonPath(path, key), message: "a number from \(T.min) to \(T.max) is expected")
        }
        return value
    }

    func bool(_ key: String) throws -> Bool {
        try container.decodeIfPresent(Bool.self, forKey: AnyKey(stringValue: key)) ?? false
    }

    func string(_ key: String) throws -> String? {
        try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: key))
    }

    /// Flag names, each of which must be in `names`.
    func flags(_ key: String, _ names: [(String, UInt16)]) throws -> UInt16 {
        let given = try container.decodeIfPresent([String].self, forKey: AnyKey(stringValue: key)) ?? []
        var bits: UInt16 = 0
        for (index, name) in given.enumerated() {
            guard let bit = names.first(where: { $0.0 == name })?.1 else {
                throw FieldError(code: .unknownFlag, path: jsonPath(path, "\(key)[\(index)]"),
                                 message: "unknown flag \"\(name)\"; known: \(names.map(\.0).joined(separator: ", "))")
            }
            bits |= bit
        }
        return bits
    }
}

/// Flag names in JSON, in bit order.
enum FlagNames {
    static let account: [(String, UInt16)] = [
        ("linked", AccountFlags.linked.rawValue),
        ("debits_must_not_exceed_credits", AccountFlags.debitsMustNotExceedCredits.rawValue),
        ("credits_must_not_exceed_debits", AccountFlags.creditsMustNotExceedDebits.rawValue),
        ("history", AccountFlags.history.rawValue),
        ("imported", AccountFlags.imported.rawValue),
        ("closed", AccountFlags.closed.rawValue),
    ]
    static let transfer: [(String, UInt16)] = [
        ("linked", TransferFlags.linked.rawValue),
        ("pending", TransferFlags.pending.rawValue),
        ("post_pending_transfer", TransferFlags.postPendingTransfer.rawValue),
        ("void_pending_transfer", TransferFlags.voidPendingTransfer.rawValue),
        ("balancing_debit", TransferFlags.balancingDebit.rawValue),
        ("balancing_credit", TransferFlags.balancingCredit.rawValue),
        ("closing_debit", TransferFlags.closingDebit.rawValue),
        ("closing_credit", TransferFlags.closingCredit.rawValue),
        ("imported", TransferFlags.imported.rawValue),
    ]

    static func names(_ bits: UInt16, _ table: [(String, UInt16)]) -> [String] {
        table.filter { bits & $0.1 != 0 }.map(\.0)
    }
}

/// `snake_case` of a result code's Swift name: the stable string clients match on, equal to
/// the proto's enum name after its prefix (`debitAccountIDMustNotBeZero` →
/// `debit_account_id_must_not_be_zero`, `existsWithDifferentUserData128` →
/// `exists_with_different_user_data_128`).
func snakeCase(_ camel: String) -> String {
    let characters = Array(camel)
    var out = ""
    for (index, character) in characters.enumerated() {
        if character.isUppercase, index > 0 {
            let previous = characters[index - 1]
            let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
            if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { out += "_" }
        } else if character.isNumber, index > 0, characters[index - 1].isLetter {
            out += "_"  // userData128 → user_data_128
        }
        out += character.lowercased()
    }
    return out
}
