import SettleStorage

/// The checksums the file formats define, computed without building the file bytes, so the
/// PostgreSQL rows carry exactly what a `FileJournal` record or a checkpoint file would.
enum RecordChecksum {
    /// CRC32C of the `JournalRecordFormat` record of these fields: its 40-byte header with the
    /// checksum field zeroed, then the body (docs/STORAGE.md, "Journal records").
    static func journal(partition: UInt32, op: UInt64, timestamp: UInt64, body: UnsafeRawBufferPointer) -> UInt32 {
        var header = [UInt8](repeating: 0, count: JournalRecordFormat.headerSize)
        store(JournalRecordFormat.magic, into: &header, at: 0)
        store(JournalRecordFormat.version, into: &header, at: 4)
        store(partition, into: &header, at: 12)
        store(op, into: &header, at: 16)
        store(timestamp, into: &header, at: 24)
        store(UInt32(body.count), into: &header, at: 32)
        var crc = CRC32C()
        crc.update(header)
        crc.update(body)
        return crc.value
    }

    /// CRC32C of the `CheckpointFormat` file of these fields: its 48-byte header with the
    /// checksum field zeroed, then the snapshot.
    static func checkpoint(partition: UInt32, op: UInt64, timestamp: UInt64, snapshot: [UInt8]) -> UInt32 {
        var crc = CRC32C()
        crc.update(checkpointHeader(partition: partition, op: op, timestamp: timestamp, length: UInt64(snapshot.count)))
        crc.update(snapshot)
        return crc.value
    }

    /// That header, to start a checksum the snapshot continues in pieces.
    static func checkpointHeader(partition: UInt32, op: UInt64, timestamp: UInt64, length: UInt64) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: CheckpointFormat.headerSize)
        store(CheckpointFormat.magic, into: &header, at: 0)
        store(CheckpointFormat.version, into: &header, at: 4)
        store(partition, into: &header, at: 12)
        store(op, into: &header, at: 16)
        store(timestamp, into: &header, at: 24)
        store(length, into: &header, at: 32)
        return header
    }

    private static func store<Value: FixedWidthInteger>(_ value: Value, into bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }
}
