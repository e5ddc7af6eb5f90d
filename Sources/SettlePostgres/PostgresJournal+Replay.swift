import PostgresNIO
import SettleStorage

extension PostgresJournal {
    /// Calls `visit` with each committed record after `op`, in op order, reading
    /// `replayPageRows` rows per statement. Every record's checksum is recomputed from its
    /// columns as `JournalRecordFormat` defines it and compared with the stored one.
    /// - Throws: `.corruption` naming the partition and op of a record whose checksum or
    ///   columns do not hold; `.missingSegment` if rows after `op` were already removed (the
    ///   first row is past `op + 1`); `.opGap` if ops are not consecutive; `.closed`; `.ioFailure`.
    public func replay(after op: UInt64, _ visit: (JournalRecord) -> Void) throws(StorageError) {
        guard !session.isClosed else { throw StorageError(.closed, "the journal of partition \(partition) is closed") }
        var previous = op
        while true {
            let result = try session.run(
                """
                SELECT op, timestamp, checksum, body FROM settle_journal
                WHERE partition = \(Int32(partition)) AND op > \(Int64(clamping: previous))
                ORDER BY op LIMIT \(replayPageRows)
                """, doing: "replaying partition \(partition)'s journal after op \(previous)")
            for row in result.rows {
                let record = try Self.decode(row, partition: partition)
                guard record.op == previous + 1 else {
                    if previous == op {
                        throw StorageError(
                            .missingSegment, "partition \(partition)'s journal starts at op \(record.op) here, but replay needs op \(op + 1): the rows between were removed",
                            path: Self.rowName(partition, record.op))
                    }
                    throw StorageError(.opGap, "partition \(partition)'s journal jumps from op \(previous) to op \(record.op)", path: Self.rowName(partition, record.op))
                }
                visit(record)
                previous = record.op
            }
            if result.rows.count < replayPageRows { return }
        }
    }

    /// A row of `op, timestamp, checksum, body` as a checked record.
    static func decode(_ row: PostgresRow, partition: UInt32) throws(StorageError) -> JournalRecord {
        let columns: (Int64, Int64, Int64, ByteBuffer)
        do {
            columns = try row.decode((Int64, Int64, Int64, ByteBuffer).self)
        } catch {
            throw StorageError(.corruption, "a settle_journal row of partition \(partition) does not decode: \(error)")
        }
        return try record(columns, partition: partition)
    }

    /// The columns `op, timestamp, checksum, body` as a checked record.
    static func record(_ columns: (Int64, Int64, Int64, ByteBuffer), partition: UInt32) throws(StorageError) -> JournalRecord {
        let (opColumn, timestampColumn, checksumColumn, bodyBuffer) = columns
        let op = UInt64(opColumn)
        let timestamp = UInt64(bitPattern: timestampColumn)
        let body = Array(bodyBuffer.readableBytesView)
        guard body.count <= JournalRecordFormat.bodySizeMax else {
            throw StorageError(.corruption, "record body of \(body.count) bytes is over the format's limit", path: rowName(partition, op))
        }
        let computed = body.withUnsafeBytes { raw in
            RecordChecksum.journal(partition: partition, op: op, timestamp: timestamp, body: raw)
        }
        guard Int64(computed) == checksumColumn else {
            throw StorageError(
                .corruption,
                "journal record CRC32C mismatch (stored 0x\(String(checksumColumn, radix: 16)), computed 0x\(String(computed, radix: 16)))",
                path: rowName(partition, op))
        }
        return JournalRecord(partition: partition, op: op, timestamp: timestamp, body: body)
    }

    /// How errors name a row, in `StorageError.path`: `settle_journal(partition=1, op=5)`.
    static func rowName(_ partition: UInt32, _ op: UInt64) -> String {
        "settle_journal(partition=\(partition), op=\(op))"
    }
}
