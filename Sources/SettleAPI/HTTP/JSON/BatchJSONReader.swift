import SettleCore

/// A fast path for the two hot bodies, `{"accounts": [...]}` and `{"transfers": [...]}`.
///
/// Why hand-written: perf of the server under the HTTP benchmark showed Foundation's
/// `JSONDecoder` path (generic metadata lookups, retain/release, string hashing in keyed
/// containers) as the limit, at about 100,000 transfers/s per core. This reader takes only the
/// plain shape those bodies have in practice — known keys, decimal strings of digits, integers,
/// flag names, no escapes — and returns nil for *anything* else, valid or not. The `Codable`
/// path then decides, so it stays the one authority on what is accepted and on every error
/// message; a differential test holds the two together.
struct BatchJSONReader {
    let bytes: UnsafeRawBufferPointer
    var at = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func accounts(_ body: UnsafeRawBufferPointer) -> [Account]? {
        var reader = BatchJSONReader(body)
        return reader.batch(key: "accounts") { reader in reader.account() }
    }

    static func transfers(_ body: UnsafeRawBufferPointer) -> [Transfer]? {
        var reader = BatchJSONReader(body)
        return reader.batch(key: "transfers") { reader in reader.transfer() }
    }

    // MARK: Grammar

    /// `{"<key>": [element, ...]}` and nothing after it but whitespace.
    mutating func batch<T>(key: StaticString, _ element: (inout BatchJSONReader) -> T?) -> [T]? {
        guard take(UInt8(ascii: "{")), let name = string(), name.elementsEqual(key.utf8Buffer), take(UInt8(ascii: ":")),
              take(UInt8(ascii: "[")) else { return nil }
        var items: [T] = []
        items.reserveCapacity(min(StateMachine.batchEventsMax, bytes.count / 16))
        if !take(UInt8(ascii: "]")) {
            repeat {
                guard let item = element(&self) else { return nil }
                items.append(item)
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "]")) else { return nil }
        }
        guard take(UInt8(ascii: "}")) else { return nil }
        skipSpace()
        return at == bytes.count ? items : nil
    }

    /// An object whose keys are all in `fields` (each at most once); `field` reads one value.
    mutating func object(fields: [StaticString], _ field: (inout BatchJSONReader, Int) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        var seen: UInt32 = 0
        repeat {
            guard let name = string(), let index = fields.firstIndex(where: { name.elementsEqual($0.utf8Buffer) }),
                  seen & 1 << index == 0, take(UInt8(ascii: ":")) else { return false }
            seen |= 1 << index
            guard field(&self, index) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    private static let accountFields: [StaticString] = [
        "id", "debits_pending", "debits_posted", "credits_pending", "credits_posted", "user_data_128", "user_data_64",
        "user_data_32", "ledger", "code", "flags", "timestamp",
    ]

    private mutating func account() -> Account? {
        var a = Account(id: 0, ledger: 0, code: 0)
        let ok = object(fields: Self.accountFields) { reader, index in
            switch index {
            case 0: return reader.decimal(&a.id)
            case 1: return reader.decimal(&a.debitsPending)
            case 2: return reader.decimal(&a.debitsPosted)
            case 3: return reader.decimal(&a.creditsPending)
            case 4: return reader.decimal(&a.creditsPosted)
            case 5: return reader.decimal(&a.userData128)
            case 6: return reader.decimal(&a.userData64)
            case 7: return reader.integer(&a.userData32)
            case 8: return reader.integer(&a.ledger)
            case 9: return reader.integer(&a.code)
            case 10: return reader.flags(FlagNames.account).map { a.flags = AccountFlags(rawValue: $0) } != nil
            default: return reader.decimal(&a.timestamp)
            }
        }
        return ok ? a : nil
    }

    private static let transferFields: [StaticString] = [
        "id", "debit_account_id", "credit_account_id", "amount", "pending_id", "user_data_128", "user_data_64", "user_data_32",
        "timeout", "ledger", "code", "flags", "timestamp",
    ]

    private mutating func transfer() -> Transfer? {
        var t = Transfer(id: 0)
        let ok = object(fields: Self.transferFields) { reader, index in
            switch index {
            case 0: return reader.decimal(&t.id)
            case 1: return reader.decimal(&t.debitAccountID)
            case 2: return reader.decimal(&t.creditAccountID)
            case 3: return reader.decimal(&t.amount)
            case 4: return reader.decimal(&t.pendingID)
            case 5: return reader.decimal(&t.userData128)
            case 6: return reader.decimal(&t.userData64)
            case 7: return reader.integer(&t.userData32)
            case 8: return reader.integer(&t.timeoutSeconds)
            case 9: return reader.integer(&t.ledger)
            case 10: return reader.integer(&t.code)
            case 11: return reader.flags(FlagNames.transfer).map { t.flags = TransferFlags(rawValue: $0) } != nil
            default: return reader.decimal(&t.timestamp)
            }
        }
        return ok ? t : nil
    }

    // MARK: Values

    /// A quoted run of ASCII digits that fits `T` (so no escapes, signs or spaces).
    mutating func decimal<T: FixedWidthInteger & UnsignedInteger>(_ value: inout T) -> Bool {
        guard let digits = string(), !digits.isEmpty, digits.count <= 39 else { return false }
        var result: T = 0
        for byte in digits {
            guard byte >= 48, byte <= 57 else { return false }
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(T(byte - 48))
            guard !o1, !o2 else { return false }
            result = sum
        }
        value = result
        return true
    }

    /// A JSON integer without sign, fraction or exponent that fits `T`.
    mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_ value: inout T) -> Bool {
        skipSpace()
        let start = at
        var result: T = 0
        while at < bytes.count, bytes[at] >= 48, bytes[at] <= 57 {
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(T(bytes[at] - 48))
            guard !o1, !o2 else { return false }
            result = sum
            at += 1
        }
        // Empty, a leading zero ("01"), or a fraction or exponent next: not ours.
        guard at > start, !(bytes[start] == 48 && at - start > 1) else { return false }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") || bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            return false
        }
        value = result
        return true
    }

    /// `["name", ...]` with every name in `table`.
    private mutating func flags(_ table: [(String, UInt16)]) -> UInt16? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var bits: UInt16 = 0
        if take(UInt8(ascii: "]")) { return bits }
        repeat {
            guard let name = string(), let bit = table.first(where: { $0.0.utf8.elementsEqual(name) })?.1 else { return nil }
            bits |= bit
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? bits : nil
    }

    /// A string of printable ASCII without escapes; its bytes, without the quotes.
    mutating func string() -> UnsafeRawBufferPointer.SubSequence? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return bytes[start..<at - 1]
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
            at += 1
        }
        return nil
    }

    /// Consumes `word` if it is next.
    mutating func matches(_ word: String) -> Bool {
        let utf8 = word.utf8
        guard bytes.count - at >= utf8.count, bytes[at..<at + utf8.count].elementsEqual(utf8) else { return false }
        at += utf8.count
        return true
    }

    /// Skips whitespace, then consumes `byte` if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }
}

extension StaticString {
    var utf8Buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount) }
}
