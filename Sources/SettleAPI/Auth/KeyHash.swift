import Crypto

/// The one-way form API keys are stored and looked up in.
enum KeyHash {
    static func digest(of key: String) -> [UInt8] { Array(SHA256.hash(data: Array(key.utf8))) }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares in time that depends only on the length, so a caller learns nothing from how
    /// long a wrong key takes to refuse.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// A new key: "sk_" and 32 random bytes as hex (256 bits from the system's CSPRNG).
    static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return "sk_" + hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
