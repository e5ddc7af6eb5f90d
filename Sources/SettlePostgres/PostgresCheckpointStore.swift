import Logging
import PostgresNIO
import SettleStorage

/// Checkpoints of one partition: a header row in `settle_checkpoints` and the snapshot in
/// numbered chunks of `chunkBytes` in `settle_checkpoint_chunks`, with the same checksum a
/// `CheckpointStore` file carries (`CheckpointFormat`'s CRC32C over its header and the
/// snapshot). Chunks let a snapshot be any size (one `bytea` stops at 1 GB) and stream in and
/// out with one chunk in memory.
///
/// Writing (`begin` … `commit`) is one transaction: the chunks, then the header row, fenced by
/// the lease, which also removes all but the newest `retainCount` checkpoints. The fence is
/// checked without the lock a journal sync takes (`Fence.unlockedSQL` says why that is enough
/// and why the lock would hurt). Nothing of a checkpoint is visible before its commit, and a
/// failed or fenced one leaves nothing. Reading needs no lease (replicas and tools read).
/// Loading never falls back to an older checkpoint: one that fails its checksum throws,
/// naming the row.
///
/// Engine contract, as for files: write the checkpoint of op N only after the journal's sync
/// covered N, and remove journal rows below N + 1 only after `commit` returned.
/// Blocking calls on its own connection, one thread at a time (see `PostgresSession`).
public final class PostgresCheckpointStore {
    /// The partition whose checkpoints these are.
    public let partition: UInt32
    /// How many checkpoints a write keeps (the newest).
    public let retainCount: Int
    /// Snapshot bytes per chunk row.
    public let chunkBytes: Int
    let session: PostgresSession

    /// Connects and checks the schema version.
    public init(
        settings: PostgresSettings, partition: UInt32, retainCount: Int = 2, chunkBytes: Int = 8 << 20,
        eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup,
        logger: Logger = Logger(label: "settle.postgres.checkpoints")
    ) throws(StorageError) {
        precondition(retainCount >= 1, "retainCount must be at least 1")
        precondition(chunkBytes >= 1, "chunkBytes must be at least 1")
        self.partition = partition
        self.retainCount = retainCount
        self.chunkBytes = chunkBytes
        session = try PostgresSchema.connect(settings, purpose: "checkpoints \(partition)", eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Starts storing the checkpoint of `op`, whose snapshot is exactly `length` bytes: write
    /// them to the writer, then `commit` (or `abort`).
    public func begin(op: UInt64, timestamp: UInt64, length: UInt64, lease: PartitionLease) throws(StorageError) -> PostgresCheckpointWriter {
        precondition(lease.partition == partition, "a lease of partition \(lease.partition) for partition \(partition)'s checkpoints")
        return try PostgresCheckpointWriter(store: self, op: op, timestamp: timestamp, length: length, lease: lease)
    }

    /// Stores a whole snapshot: `begin`, write, `commit`. When it returns, the checkpoint is
    /// committed; if it throws, nothing of it is stored (unless the connection dropped during
    /// the commit: then it may or may not be).
    /// - Throws: `.fenced` if `lease` no longer holds; `.ioFailure`.
    public func write(op: UInt64, timestamp: UInt64, snapshot: [UInt8], lease: PartitionLease) throws(StorageError) {
        let writer = try begin(op: op, timestamp: timestamp, length: UInt64(snapshot.count), lease: lease)
        do throws(StorageError) {
            var failure: StorageError?
            snapshot.withUnsafeBytes { raw in
                do throws(StorageError) { try writer.write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// The newest checkpoint opened for streaming, or nil if there is none.
    /// - Parameter closingStore: close this store when the input is finished (a store opened
    ///   only to read one checkpoint).
    public func openNewest(closingStore: Bool = false) throws(StorageError) -> PostgresCheckpointInput? {
        try open("ORDER BY op DESC LIMIT 1", closingStore: closingStore)
    }

    /// The newest checkpoint, read whole and checked, or nil if there is none.
    /// - Throws: `.corruption` if it fails its checks (never falls back to an older one).
    public func loadNewest() throws(StorageError) -> Checkpoint? {
        guard var input = try openNewest() else { return nil }
        return try input.readAll()
    }

    /// The checkpoint of `op`, fully checked.
    /// - Throws: `.notFound` if there is none; `.corruption`.
    public func load(op: UInt64) throws(StorageError) -> Checkpoint {
        guard var input = try open("AND op = \(Int64(op))", closingStore: false) else {
            throw StorageError(.notFound, "no checkpoint of op \(op)", path: Self.rowName(partition, op))
        }
        return try input.readAll()
    }

    /// The ops of the checkpoints present, ascending.
    public func ops() throws(StorageError) -> [UInt64] {
        let result = try session.run(
            "SELECT op FROM settle_checkpoints WHERE partition = \(Int32(partition)) ORDER BY op",
            doing: "listing partition \(partition)'s checkpoints")
        return result.rows.compactMap { row in (try? row.decode(Int64.self)).map { UInt64($0) } }
    }

    /// Closes the connection.
    public func close() {
        session.close()
    }

    private func open(_ selection: String, closingStore: Bool) throws(StorageError) -> PostgresCheckpointInput? {
        let result = try session.run(
            PostgresQuery(unsafeSQL: """
                SELECT op, timestamp, checksum, coalesce(length, octet_length(body)), chunks, body FROM settle_checkpoints
                WHERE partition = \(Int32(partition)) \(selection)
                """), doing: "reading partition \(partition)'s checkpoint header")
        guard let row = result.rows.first else {
            if closingStore { close() }
            return nil
        }
        guard let (op, timestamp, checksum, length, chunks, inline) = try? row.decode((Int64, Int64, Int64, Int64, Int32, ByteBuffer?).self) else {
            throw StorageError(.corruption, "a settle_checkpoints row of partition \(partition) does not decode")
        }
        return PostgresCheckpointInput(
            store: self, op: UInt64(op), timestamp: UInt64(bitPattern: timestamp), checksum: UInt32(truncatingIfNeeded: checksum),
            length: UInt64(length), chunks: chunks, inline: inline.map { Array($0.readableBytesView) }, closingStore: closingStore)
    }

    /// One chunk's bytes.
    func chunk(op: UInt64, _ index: Int32) throws(StorageError) -> [UInt8] {
        let result = try session.run(
            """
            SELECT body FROM settle_checkpoint_chunks WHERE partition = \(Int32(partition)) AND op = \(Int64(op)) AND chunk = \(index)
            """, doing: "reading chunk \(index) of partition \(partition)'s checkpoint of op \(op)")
        guard let row = result.rows.first, let body = try? row.decode(ByteBuffer.self) else {
            throw StorageError(.corruption, "chunk \(index) is missing (removed by a newer checkpoint while it was read?)", path: Self.rowName(partition, op))
        }
        return Array(body.readableBytesView)
    }

    /// How errors name a checkpoint, in `StorageError.path`.
    static func rowName(_ partition: UInt32, _ op: UInt64) -> String {
        "settle_checkpoints(partition=\(partition), op=\(op))"
    }

    /// The CRC32C of a checkpoint's header (checksum field zeroed), to continue over the snapshot.
    static func headerChecksum(partition: UInt32, op: UInt64, timestamp: UInt64, length: UInt64) -> CRC32C {
        var crc = CRC32C()
        crc.update(RecordChecksum.checkpointHeader(partition: partition, op: op, timestamp: timestamp, length: length))
        return crc
    }
}
