import PostgresNIO
import SettleStorage

/// One checkpoint being stored: chunks as the snapshot streams in, then the fenced header row,
/// all in one transaction on the store's connection. Holds one chunk in memory.
public final class PostgresCheckpointWriter: CheckpointOutput {
    let store: PostgresCheckpointStore
    let op: UInt64
    let timestamp: UInt64
    let length: UInt64
    let lease: PartitionLease
    private var buffer: [UInt8] = []
    private var chunks: Int32 = 0
    private var written: UInt64 = 0
    private var crc: CRC32C
    private var open = true

    init(store: PostgresCheckpointStore, op: UInt64, timestamp: UInt64, length: UInt64, lease: PartitionLease) throws(StorageError) {
        self.store = store
        self.op = op
        self.timestamp = timestamp
        self.length = length
        self.lease = lease
        crc = PostgresCheckpointStore.headerChecksum(partition: store.partition, op: op, timestamp: timestamp, length: length)
        buffer.reserveCapacity(Int(min(UInt64(store.chunkBytes), length)))
        _ = try store.session.run("BEGIN", doing: "starting partition \(store.partition)'s checkpoint of op \(op)")
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard written + UInt64(bytes.count) <= length else {
            throw StorageError(.corruption, "the snapshot is longer than the \(length) bytes announced", path: name)
        }
        crc.update(bytes)
        written += UInt64(bytes.count)
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(rest.count, store.chunkBytes - buffer.count)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
            rest = rest.dropFirst(take)
            if buffer.count == store.chunkBytes { try flush() }
        }
    }

    /// Stores the last chunk and the header row, fenced by the lease, removes all but the
    /// newest `retainCount` checkpoints, and commits.
    /// - Throws: `.fenced` if the lease no longer holds (nothing stored); `.corruption` if
    ///   fewer bytes than announced were written; `.ioFailure`.
    public func commit() throws(StorageError) {
        guard written == length else {
            throw StorageError(.corruption, "the snapshot was \(written) bytes, not the \(length) announced", path: name)
        }
        if !buffer.isEmpty { try flush() }
        let partition = store.partition
        let query = Fence.query(
            lease,
            """
            WITH lease AS (\(Fence.unlockedSQL)),
            written AS (
                INSERT INTO settle_checkpoints (partition, op, timestamp, checksum, epoch, body, length, chunks)
                SELECT $1, $4, $5, $6, $3, NULL, $7, $8 FROM lease
                ON CONFLICT (partition, op) DO UPDATE
                    SET timestamp = excluded.timestamp, checksum = excluded.checksum, epoch = excluded.epoch, body = NULL,
                        length = excluded.length, chunks = excluded.chunks, written_at = now()
                RETURNING 1),
            old AS (
                SELECT op FROM settle_checkpoints
                WHERE partition = $1 AND op < $4 AND EXISTS (SELECT 1 FROM written)
                    AND op NOT IN (SELECT op FROM settle_checkpoints WHERE partition = $1 AND op < $4 ORDER BY op DESC LIMIT $9)),
            removed AS (DELETE FROM settle_checkpoints WHERE partition = $1 AND op IN (SELECT op FROM old) RETURNING 1),
            removed_chunks AS (
                DELETE FROM settle_checkpoint_chunks
                WHERE partition = $1 AND (op IN (SELECT op FROM old) OR (op = $4 AND chunk >= $8 AND EXISTS (SELECT 1 FROM written)))
                RETURNING 1)
            SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed), (SELECT count(*) FROM removed_chunks)
            """
        ) { binds in
            binds.append(Int64(op))
            binds.append(Int64(bitPattern: timestamp))
            binds.append(Int64(crc.value))
            binds.append(Int64(length))
            binds.append(chunks)
            binds.append(Int64(store.retainCount - 1))
        }
        let result = try store.session.run(query, doing: "writing partition \(partition)'s checkpoint of op \(op)")
        guard let row = result.rows.first, let (stored, _, _) = try? row.decode((Int64, Int64, Int64).self) else {
            throw StorageError(.ioFailure, "PostgreSQL returned no count of written checkpoints")
        }
        guard stored == 1 else { throw Fence.error(lease, "writing the checkpoint of op \(op)") }
        _ = try store.session.run("COMMIT", doing: "committing partition \(partition)'s checkpoint of op \(op)")
        open = false
    }

    /// Rolls back what was stored of this checkpoint.
    public func abort() {
        guard open else { return }
        open = false
        _ = try? store.session.run("ROLLBACK")
    }

    private func flush() throws(StorageError) {
        var binds = PostgresBindings(capacity: 4)
        binds.append(Int32(store.partition))
        binds.append(Int64(op))
        binds.append(chunks)
        binds.append(ByteBuffer(bytes: buffer))
        _ = try store.session.run(
            PostgresQuery(unsafeSQL: """
                INSERT INTO settle_checkpoint_chunks (partition, op, chunk, body) VALUES ($1, $2, $3, $4)
                ON CONFLICT (partition, op, chunk) DO UPDATE SET body = excluded.body
                """, binds: binds),
            doing: "writing chunk \(chunks) of partition \(store.partition)'s checkpoint of op \(op)")
        chunks += 1
        buffer.removeAll(keepingCapacity: true)
    }

    private var name: String { PostgresCheckpointStore.rowName(store.partition, op) }
}

/// A stored checkpoint read chunk by chunk, its checksum computed on the way and checked by
/// `finish` (so nothing read counts before then). One chunk in memory.
public struct PostgresCheckpointInput: CheckpointInput {
    public let op: UInt64
    public let timestamp: UInt64
    public let length: UInt64
    public var path: String { PostgresCheckpointStore.rowName(store.partition, op) }
    let store: PostgresCheckpointStore
    let checksum: UInt32
    let chunks: Int32
    let closingStore: Bool
    private var nextChunk: Int32 = 0
    private var current: [UInt8]
    private var offset = 0
    private var consumed: UInt64 = 0
    private var crc: CRC32C

    /// `inline`: the snapshot of a row written before chunks existed (schema version 3).
    init(store: PostgresCheckpointStore, op: UInt64, timestamp: UInt64, checksum: UInt32, length: UInt64, chunks: Int32,
         inline: [UInt8]?, closingStore: Bool) {
        self.store = store
        self.op = op
        self.timestamp = timestamp
        self.checksum = checksum
        self.length = length
        self.chunks = chunks
        self.closingStore = closingStore
        current = inline ?? []
        crc = PostgresCheckpointStore.headerChecksum(partition: store.partition, op: op, timestamp: timestamp, length: length)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        guard UInt64(buffer.count) <= length - consumed else {
            throw StorageError(.corruption, "snapshot ends at \(length) bytes; more were expected", path: path, offset: consumed)
        }
        var filled = 0
        while filled < buffer.count {
            if offset == current.count { try loadNextChunk() }
            let take = min(buffer.count - filled, current.count - offset)
            current.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + take])
                crc.update(piece)
                UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + take]).copyMemory(from: piece)
            }
            offset += take
            filled += take
        }
        consumed += UInt64(buffer.count)
    }

    public mutating func verifyRest() throws(StorageError) {
        while consumed < length {
            if offset == current.count { try loadNextChunk() }
            current.withUnsafeBytes { raw in crc.update(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            consumed += UInt64(current.count - offset)
            offset = current.count
        }
        try check()
    }

    public func finish() throws(StorageError) {
        guard consumed == length else {
            throw StorageError(.corruption, "snapshot has \(length - consumed) bytes after its end", path: path, offset: consumed)
        }
        try check()
        if closingStore { store.close() }
    }

    /// Reads the rest into memory and checks it: the whole checkpoint.
    mutating func readAll() throws(StorageError) -> Checkpoint {
        var snapshot = [UInt8](repeating: 0, count: Int(length))
        var failure: StorageError?
        snapshot.withUnsafeMutableBytes { raw in
            do throws(StorageError) { try read(into: raw) } catch { failure = error }
        }
        if let failure { throw failure }
        try finish()
        return Checkpoint(partition: store.partition, op: op, timestamp: timestamp, snapshot: snapshot)
    }

    private func check() throws(StorageError) {
        guard nextChunk == chunks, offset == current.count, consumed == length else {
            throw StorageError(.corruption, "the chunks hold more than the \(length) bytes the header says", path: path)
        }
        guard crc.value == checksum else {
            throw StorageError(
                .corruption, "checkpoint CRC32C mismatch (stored 0x\(String(checksum, radix: 16)), computed 0x\(String(crc.value, radix: 16)))",
                path: path)
        }
    }

    private mutating func loadNextChunk() throws(StorageError) {
        guard nextChunk < chunks else {
            throw StorageError(.corruption, "the chunks end at \(consumed) bytes; the header says \(length)", path: path, offset: consumed)
        }
        current = try store.chunk(op: op, nextChunk)
        nextChunk += 1
        offset = 0
        guard !current.isEmpty else { throw StorageError(.corruption, "chunk \(nextChunk - 1) is empty", path: path, offset: consumed) }
    }
}
