/// Encoding and validation of journal records; the layout is documented on
/// `JournalRecordHeader` and in docs/STORAGE.md.
public enum JournalRecordFormat {
    /// The bytes "SETJ" read as a little-endian UInt32.
    public static let magic: UInt32 = 0x4A54_4553
    /// The format version this build writes and the only one it reads.
    public static let version: UInt16 = 1
    /// Size of the fixed header in front of every body.
    public static let headerSize = 40
    /// Largest body accepted (16 MiB). A batch of 8,189 128-byte events is about 1 MiB, so this
    /// bounds recovery's memory while leaving room for metadata; the limit also lets recovery
    /// reject a garbage length without trying to read it.
    public static let bodySizeMax = 16 << 20
    /// Byte offset of the checksum field in the header.
    static let checksumOffset = 8

    /// Why bytes are not a valid record.
    public enum Invalid: Sendable, Hashable {
        case badMagic(UInt32)
        case unsupportedVersion(UInt16)
        case bodyTooLarge(UInt32)
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// The checksum holds but reserved bytes are set: written by a newer format.
        case reservedNotZero
    }

    /// The result of looking at the bytes at a record boundary.
    public enum Decoded: Sendable, Hashable {
        /// A valid record: header, then `header.bodyLength` body bytes after `headerSize`.
        case record(JournalRecordHeader)
        /// The bytes end before the record does (`needed` is the full record size known so far).
        case incomplete(needed: Int)
        case invalid(Invalid)
    }

    /// Encodes a record into `buffer`, replacing its contents; `buffer`'s capacity is reused,
    /// so the engine can encode every batch into one buffer without allocating.
    public static func encode(
        partition: UInt32, op: UInt64, timestamp: UInt64, body: UnsafeRawBufferPointer,
        into buffer: inout [UInt8]
    ) {
        precondition(body.count <= bodySizeMax, "record body over bodySizeMax")
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: headerSize))
        buffer.append(contentsOf: body)
        buffer.withUnsafeMutableBytes { raw in
            raw.storeLE(magic, at: 0)
            raw.storeLE(version, at: 4)
            raw.storeLE(partition, at: 12)
            raw.storeLE(op, at: 16)
            raw.storeLE(timestamp, at: 24)
            raw.storeLE(UInt32(body.count), at: 32)
            let checksum = CRC32C.checksum(UnsafeRawBufferPointer(raw))
            raw.storeLE(checksum, at: checksumOffset)
        }
    }

    /// The encoded bytes of `record`.
    public static func encode(_ record: JournalRecord) -> [UInt8] {
        var buffer: [UInt8] = []
        record.body.withUnsafeBytes { body in
            encode(partition: record.partition, op: record.op, timestamp: record.timestamp, body: body, into: &buffer)
        }
        return buffer
    }

    /// Checks the record starting at the first byte of `bytes`; trailing bytes are ignored.
    /// Checks run cheapest first: length, magic, version, size bound, then the checksum.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Decoded {
        guard bytes.count >= headerSize else { return .incomplete(needed: headerSize) }
        let magicFound: UInt32 = bytes.loadLE(at: 0)
        guard magicFound == magic else { return .invalid(.badMagic(magicFound)) }
        let header = JournalRecordHeader(parsing: bytes)
        guard header.version == version else { return .invalid(.unsupportedVersion(header.version)) }
        guard header.bodyLength <= bodySizeMax else { return .invalid(.bodyTooLarge(header.bodyLength)) }
        guard bytes.count >= header.recordSize else { return .incomplete(needed: header.recordSize) }
        let computed = checksum(UnsafeRawBufferPointer(rebasing: bytes[..<header.recordSize]))
        guard computed == header.checksum else {
            return .invalid(.checksumMismatch(stored: header.checksum, computed: computed))
        }
        guard header.reserved == 0 else { return .invalid(.reservedNotZero) }
        return .record(header)
    }

    /// Decodes the record at the start of `bytes` into a value, or nil if it is not complete and valid.
    public static func decodeRecord(_ bytes: [UInt8]) -> JournalRecord? {
        bytes.withUnsafeBytes { raw in
            guard case .record(let header) = decode(raw) else { return nil }
            let body = Array(raw[headerSize..<header.recordSize])
            return JournalRecord(partition: header.partition, op: header.op, timestamp: header.timestamp, body: body)
        }
    }

    /// CRC32C of a whole record (header and body) with the checksum field taken as zero.
    static func checksum(_ record: UnsafeRawBufferPointer) -> UInt32 {
        let zeros: UInt32 = 0
        var crc = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: record[..<checksumOffset]))
        crc = withUnsafeBytes(of: zeros) { CRC32C.update(crc, $0) }
        return CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: record[(checksumOffset + 4)...]))
    }
}
