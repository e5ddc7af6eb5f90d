/// FNV-1a over 128 bits, fed a canonical encoding: integers as 8 little-endian bytes, strings
/// as their UTF-8 length and bytes, optionals with a presence byte. The length prefixes make the
/// encoding unambiguous (`"ab","c"` and `"a","bc"` differ), so equal digests mean equal fields
/// unless the hash itself collides.
struct StableHasher {
    private static let prime: UInt128 = (1 << 88) + 0x13B
    private var state: UInt128 = (0x6c62_272e_07bb_0142 << 64) | 0x62b8_2175_6295_c58d

    mutating func combine(byte: UInt8) {
        state ^= UInt128(byte)
        state &*= StableHasher.prime
    }

    mutating func combine(_ value: Int64) {
        var bits = UInt64(bitPattern: value)
        for _ in 0..<8 {
            combine(byte: UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func combine(_ value: Int) { combine(Int64(value)) }

    mutating func combine(_ value: Bool) { combine(byte: value ? 1 : 0) }

    mutating func combine(_ text: String) {
        combine(text.utf8.count)
        for byte in text.utf8 { combine(byte: byte) }
    }

    mutating func combine(_ value: String?) {
        combine(value != nil)
        if let value { combine(value) }
    }

    mutating func combine(_ value: Int64?) {
        combine(value != nil)
        if let value { combine(value) }
    }

    mutating func combine(_ value: CalendarDate?) { combine(value.map { Int64($0.dayNumber) }) }

    mutating func combine(_ value: Direction?) { combine(value?.rawValue) }

    mutating func combine(_ statement: Statement) {
        combine(statement.format.rawValue)
        combine(statement.id)
        combine(statement.account)
        combine(statement.currency)
        combine(statement.openingBalance)
        combine(statement.closingBalance)
        combine(statement.lines.count)
        for line in statement.lines { combine(line) }
    }

    mutating func combine(_ line: StatementLine) {
        combine(line.amount)
        combine(line.currency)
        combine(line.direction)
        combine(line.bookingDate)
        combine(line.valueDate)
        combine(line.reference)
        combine(line.accountServicerReference)
        combine(line.endToEndID)
        combine(line.remittanceInformation)
        combine(line.description)
        combine(line.batchCount.map(Int64.init))
        combine(line.isReversal)
        combine(line.transactions.count)
        for tx in line.transactions {
            combine(tx.amount)
            combine(tx.direction)
            combine(tx.endToEndID)
            combine(tx.accountServicerReference)
            combine(tx.remittanceInformation)
        }
    }

    /// The state as 32 lowercase hex digits.
    var hexDigest: String {
        let hex = String(state, radix: 16)
        return String(repeating: "0", count: 32 - hex.count) + hex
    }
}
