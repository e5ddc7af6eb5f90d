import ArgumentParser

/// The checks the CLI makes before it sends anything: only the shape of a value (the patterns of
/// docs/openapi.json), so a typo fails at once with the option's name. Ranges, limits and every
/// rule about the ledger stay with the server, which is the one authority on them.
enum ClientChecks {
    /// An amount or 128-bit id: a decimal string of 1 to 39 digits.
    static func decimal(_ value: String?, _ option: String) throws {
        guard let value else { return }
        guard (1...39).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ValidationError("\(option): digits only are expected (minor units, or an id), not \(value)")
        }
    }

    /// An ISO 4217 alphabetic code, any case.
    static func currency(_ value: String, _ option: String = "--currency") throws {
        guard value.utf8.count == 3, value.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) else {
            throw ValidationError("\(option): a three-letter ISO 4217 code such as EUR is expected, not \(value)")
        }
    }

    /// A step key: 1 or more, as a sequence number is.
    static func sequence(_ value: UInt32?, _ option: String = "--sequence") throws {
        if value == 0 { throw ValidationError("\(option): 1 or more is expected") }
    }

    /// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
    static func idempotencyKey(_ value: String?) throws {
        guard let value else { return }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ValidationError("--idempotency-key: 1 to 255 visible ASCII characters are expected")
        }
    }

    /// A step that needs a key names exactly one: `--sequence` or `--idempotency-key`.
    static func oneStepKey(sequence: UInt32?, idempotencyKey: String?) throws {
        switch (sequence, idempotencyKey) {
        case (nil, nil): throw ValidationError("--sequence or --idempotency-key is required, so that a retry is recognized")
        case (.some, .some): throw ValidationError("--sequence and --idempotency-key name the same step key; give one")
        default: try self.sequence(sequence); try self.idempotencyKey(idempotencyKey)
        }
    }

    /// A day as `YYYY-MM-DD`.
    static func day(_ value: String?, _ option: String) throws {
        guard let value else { return }
        let bytes = Array(value.utf8)
        let shaped = bytes.count == 10 && bytes.indices.allSatisfy { index in
            [4, 7].contains(index) ? bytes[index] == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
        }
        guard shaped else { throw ValidationError("\(option): a day as YYYY-MM-DD is expected, not \(value)") }
    }

    /// A statement's content digest: 32 lowercase hex digits.
    static func digest(_ value: String) throws {
        guard value.utf8.count == 32, value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }) else {
            throw ValidationError("--statement: a digest of 32 lowercase hex digits (see `settle recon statements`) is expected, not \(value)")
        }
    }
}
