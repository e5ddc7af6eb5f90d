import SettleCore

/// A small replicated key-value store in partition 0: what the layers above the ledger must
/// keep exactly as durably as the ledger, and replicate with it (tenants and API keys). The
/// engine gives the bytes no meaning. It changes only through journaled `putSystemRecord`
/// commands, so replay rebuilds it and checkpoints carry it.
public struct SystemRecords: Sendable, Equatable {
    public private(set) var values: [String: [UInt8]] = [:]

    public init() {}

    /// Applies a journaled write; false when an insert found the key taken.
    mutating func apply(_ write: SystemRecordWrite) -> Bool {
        if write.mode == .insert, values[write.key] != nil { return false }
        values[write.key] = write.value
        return true
    }

    static let magic: UInt64 = 0x5344_524F_4345_5253  // "SRECORDS"

    /// Checkpoint form: magic, count, then per record in key order: key length, value
    /// length, key and value each zero-padded to 8 bytes.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendWord(Self.magic)
        bytes.appendWord(UInt64(values.count))
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            bytes.appendWord(UInt64(key.utf8.count))
            bytes.appendWord(UInt64(value.count))
            bytes.appendPadded(key.utf8)
            bytes.appendPadded(value)
        }
        return bytes
    }

    static func decode<Source: SnapshotSource>(from source: inout Source) throws -> SystemRecords {
        guard try source.word() == magic else { throw SnapshotFormatError(message: "system records: bad magic") }
        var records = SystemRecords()
        let count = try source.word()
        for _ in 0..<count {
            let (keyLength, valueLength) = (Int(try source.word()), Int(try source.word()))
            let key = try source.paddedString(keyLength, limit: SystemRecordWrite.keyBytesMax, what: "system record key")
            guard valueLength <= SystemRecordWrite.valueBytesMax else {
                throw SnapshotFormatError(message: "system record \(key): \(valueLength) bytes")
            }
            records.values[key] = try source.paddedBytes(valueLength)
        }
        return records
    }
}
