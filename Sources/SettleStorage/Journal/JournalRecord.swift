/// One journal entry: the engine's encoded batch for one op of one partition, with the
/// timestamp the engine assigned it. The body is opaque to storage.
public struct JournalRecord: Sendable, Hashable {
    /// The partition whose log holds the record.
    public var partition: UInt32
    /// Position in the partition's log; consecutive, starting at 1.
    public var op: UInt64
    /// The engine timestamp of the batch (nanoseconds).
    public var timestamp: UInt64
    /// The encoded batch, at most `JournalRecordFormat.bodySizeMax` bytes.
    public var body: [UInt8]

    /// A record value; nothing is checked until it is encoded or appended.
    public init(partition: UInt32, op: UInt64, timestamp: UInt64, body: [UInt8]) {
        self.partition = partition
        self.op = op
        self.timestamp = timestamp
        self.body = body
    }
}

/// The fixed header in front of every journal record body (format version 1).
///
/// ```
/// offset size field
///      0    4 magic          0x4A54_4553 (the bytes "SETJ")
///      4    2 version        1
///      6    2 reserved       0
///      8    4 checksum       CRC32C of the 40 header bytes (this field zeroed) then the body
///     12    4 partition
///     16    8 op
///     24    8 timestamp
///     32    4 bodyLength     0 ... 16 MiB
///     36    4 reserved       0
///     40      body (bodyLength bytes)
/// ```
/// All integers are little-endian. One checksum covers header and body, so a torn write, a bit
/// flip, or a header spliced onto the wrong body all fail the same check. The reserved fields
/// must be zero in version 1, leaving room to grow without a new version.
public struct JournalRecordHeader: Sendable, Hashable {
    /// Format version (`JournalRecordFormat.version` in every record this build reads).
    public var version: UInt16
    /// CRC32C over the header (this field zeroed) and the body.
    public var checksum: UInt32
    /// The partition the record belongs to.
    public var partition: UInt32
    /// The record's op number.
    public var op: UInt64
    /// The engine timestamp of the batch.
    public var timestamp: UInt64
    /// Bytes of body after the header.
    public var bodyLength: UInt32
    /// Both reserved fields, combined; nonzero only in a damaged or future-format record.
    var reserved: UInt64

    /// Total on-disk size of the record this header starts.
    public var recordSize: Int { JournalRecordFormat.headerSize + Int(bodyLength) }

    /// Parses the 40 header bytes without checking the checksum (it needs the body).
    init(parsing bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= JournalRecordFormat.headerSize)
        version = bytes.loadLE(at: 4)
        checksum = bytes.loadLE(at: 8)
        partition = bytes.loadLE(at: 12)
        op = bytes.loadLE(at: 16)
        timestamp = bytes.loadLE(at: 24)
        bodyLength = bytes.loadLE(at: 32)
        reserved = UInt64(bytes.loadLE(at: 6, as: UInt16.self)) | UInt64(bytes.loadLE(at: 36, as: UInt32.self)) << 16
    }
}
