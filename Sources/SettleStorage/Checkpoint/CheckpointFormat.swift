/// A partition's state as of one op: the engine's opaque snapshot blob plus where it stands.
public struct Checkpoint: Sendable, Hashable {
    /// The partition the snapshot is of.
    public var partition: UInt32
    /// The last op whose effects the snapshot includes; replay starts after it.
    public var op: UInt64
    /// The engine timestamp of that op.
    public var timestamp: UInt64
    /// The encoded state (produced and read by the engine; opaque here).
    public var snapshot: [UInt8]

    /// A checkpoint value, as `CheckpointStore.load` returns it.
    public init(partition: UInt32, op: UInt64, timestamp: UInt64, snapshot: [UInt8]) {
        self.partition = partition
        self.op = op
        self.timestamp = timestamp
        self.snapshot = snapshot
    }
}

/// The on-disk form of a checkpoint file (format version 1): a 48-byte little-endian header,
/// then the snapshot.
///
/// ```
/// offset size field
///      0    4 magic           0x4354_4553 (the bytes "SETC")
///      4    2 version         1
///      6    2 reserved        0
///      8    4 checksum        CRC32C of the 48 header bytes (this field zeroed) then the snapshot
///     12    4 partition
///     16    8 op
///     24    8 timestamp
///     32    8 snapshotLength  the file is exactly 48 + snapshotLength bytes
///     40    8 reserved        0
///     48      snapshot
/// ```
public enum CheckpointFormat {
    /// The bytes "SETC" read as a little-endian UInt32.
    public static let magic: UInt32 = 0x4354_4553
    /// The format version this build writes and the only one it reads.
    public static let version: UInt16 = 1
    /// Size of the fixed header in front of the snapshot.
    public static let headerSize = 48
    static let checksumOffset = 8

    /// Decodes a whole checkpoint file, or throws naming `path` and the offending offset.
    static func decode(_ bytes: [UInt8], path: String) throws(StorageError) -> Checkpoint {
        guard bytes.count >= headerSize else {
            throw StorageError(.corruption, "checkpoint is \(bytes.count) bytes, shorter than its header", path: path, offset: UInt64(bytes.count))
        }
        return try withRawBytes(bytes) { (raw) throws(StorageError) -> Checkpoint in
            try checkHeader(raw, path: path)
            let stored: UInt32 = raw.loadLE(at: checksumOffset)
            var crc = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[..<checksumOffset]))
            crc = withUnsafeBytes(of: UInt32(0)) { CRC32C.update(crc, $0) }
            crc = CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: raw[(checksumOffset + 4)...]))
            guard crc == stored else {
                throw StorageError(
                    .corruption, "checkpoint CRC32C mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(crc, radix: 16)))",
                    path: path, offset: 0)
            }
            guard raw.loadLE(at: 6, as: UInt16.self) == 0, raw.loadLE(at: 40, as: UInt64.self) == 0 else {
                throw StorageError(.unsupportedVersion, "checkpoint has reserved header bytes set (newer format?)", path: path, offset: 6)
            }
            return Checkpoint(
                partition: raw.loadLE(at: 12), op: raw.loadLE(at: 16), timestamp: raw.loadLE(at: 24),
                snapshot: Array(raw[headerSize...]))
        }
    }

    /// Magic, version and length: the checks that need no checksum.
    private static func checkHeader(_ raw: UnsafeRawBufferPointer, path: String) throws(StorageError) {
        let foundMagic: UInt32 = raw.loadLE(at: 0)
        guard foundMagic == magic else {
            throw StorageError(.badMagic, "checkpoint has bad magic 0x\(String(foundMagic, radix: 16))", path: path, offset: 0)
        }
        let foundVersion: UInt16 = raw.loadLE(at: 4)
        guard foundVersion == version else {
            throw StorageError(.unsupportedVersion, "checkpoint format version \(foundVersion)", path: path, offset: 4)
        }
        let length: UInt64 = raw.loadLE(at: 32)
        guard length == UInt64(raw.count - headerSize) else {
            throw StorageError(
                .corruption, "checkpoint header says \(length) snapshot bytes, file holds \(raw.count - headerSize)",
                path: path, offset: 32)
        }
    }
}
