import SettleCore

/// The little-endian, 8-byte-aligned words the replicated tables use in checkpoints.
extension SnapshotSource {
    mutating func word() throws -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { try read(into: $0) }
        return UInt64(littleEndian: value)
    }

    /// `count` bytes followed by zero padding to the next multiple of 8.
    mutating func paddedBytes(_ count: Int) throws -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: (count + 7) / 8 * 8)
        try raw.withUnsafeMutableBytes { try read(into: $0) }
        return Array(raw[0..<count])
    }

    mutating func paddedString(_ count: Int, limit: Int, what: String) throws -> String {
        guard count <= limit else { throw SnapshotFormatError(message: "\(what): \(count) bytes") }
        guard let string = String(validating: try paddedBytes(count), as: UTF8.self) else {
            throw SnapshotFormatError(message: "\(what): not UTF-8")
        }
        return string
    }
}

extension Array where Element == UInt8 {
    mutating func appendWord(_ value: UInt64) { CommandCodec.append(value, to: &self) }

    mutating func appendPadded(_ bytes: some Collection<UInt8>) {
        append(contentsOf: bytes)
        append(contentsOf: repeatElement(0, count: (8 - bytes.count % 8) % 8))
    }
}
