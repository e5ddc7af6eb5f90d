import Logging
import PostgresNIO
import SettleStorage

/// Checkpoints of one partition in `settle_checkpoints`: the PostgreSQL counterpart of
/// `CheckpointStore`, with the same checksum (`CheckpointFormat`'s CRC32C over its header and
/// the snapshot) and the same rules.
///
/// `write` is one statement: it stores the checkpoint and removes all but the newest
/// `retainCount`, if the lease still holds (checked without the lock a journal sync takes:
/// see `Fence.unlockedSQL` for why that is enough and why the lock would hurt). Reading needs no lease (replicas and tools read).
/// `loadNewest` never falls back to an older checkpoint: one that fails its checksum throws,
/// naming the row.
///
/// Engine contract, as for files: write the checkpoint of op N only after the journal's sync
/// covered N, and remove journal rows below N + 1 only after `write` returned.
/// Blocking calls on its own connection, one thread at a time (see `PostgresSession`).
public final class PostgresCheckpointStore {
    /// The partition whose checkpoints these are.
    public let partition: UInt32
    /// How many checkpoints `write` keeps (the newest).
    public let retainCount: Int
    let session: PostgresSession

    /// Connects and checks the schema version.
    public init(
        settings: PostgresSettings, partition: UInt32, retainCount: Int = 2,
        eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup,
        logger: Logger = Logger(label: "settle.postgres.checkpoints")
    ) throws(StorageError) {
        precondition(retainCount >= 1, "retainCount must be at least 1")
        self.partition = partition
        self.retainCount = retainCount
        session = try PostgresSession.connect(settings, purpose: "checkpoints \(partition)", eventLoopGroup: eventLoopGroup, logger: logger)
        do throws(StorageError) {
            try PostgresSchema.requireCurrent(session)
        } catch {
            session.close()
            throw error
        }
    }

    /// Stores the checkpoint of `op` (replacing one of the same op) and removes all but the
    /// newest `retainCount`, in one statement fenced by `lease`. When it returns, the
    /// checkpoint is committed; if it throws, it may or may not be.
    /// - Throws: `.fenced` if `lease` no longer holds (nothing written); `.ioFailure`.
    public func write(op: UInt64, timestamp: UInt64, snapshot: [UInt8], lease: PartitionLease) throws(StorageError) {
        precondition(lease.partition == partition, "a lease of partition \(lease.partition) for partition \(partition)'s checkpoints")
        let checksum = RecordChecksum.checkpoint(partition: partition, op: op, timestamp: timestamp, snapshot: snapshot)
        let query = Fence.query(
            lease,
            """
            WITH lease AS (\(Fence.unlockedSQL)),
            written AS (
                INSERT INTO settle_checkpoints (partition, op, timestamp, checksum, epoch, body)
                SELECT $1, $4, $5, $6, $3, $7 FROM lease
                ON CONFLICT (partition, op) DO UPDATE
                    SET timestamp = excluded.timestamp, checksum = excluded.checksum, epoch = excluded.epoch,
                        body = excluded.body, written_at = now()
                RETURNING 1),
            removed AS (
                DELETE FROM settle_checkpoints
                WHERE partition = $1 AND op < $4 AND EXISTS (SELECT 1 FROM written)
                    AND op NOT IN (SELECT op FROM settle_checkpoints WHERE partition = $1 AND op < $4 ORDER BY op DESC LIMIT $8)
                RETURNING 1)
            SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed)
            """
        ) { binds in
            binds.append(Int64(op))
            binds.append(Int64(bitPattern: timestamp))
            binds.append(Int64(checksum))
            binds.append(ByteBuffer(bytes: snapshot))
            binds.append(Int64(retainCount - 1))
        }
        let result = try session.run(query, doing: "writing partition \(partition)'s checkpoint of op \(op)")
        guard let row = result.rows.first, let (written, _) = try? row.decode((Int64, Int64).self) else {
            throw StorageError(.ioFailure, "PostgreSQL returned no count of written checkpoints")
        }
        guard written == 1 else { throw Fence.error(lease, "writing the checkpoint of op \(op)") }
    }

    /// The newest checkpoint, or nil if there is none.
    /// - Throws: `.corruption` if the newest fails its checks (never falls back to an older one).
    public func loadNewest() throws(StorageError) -> Checkpoint? {
        let result = try session.run(
            """
            SELECT op, timestamp, checksum, body FROM settle_checkpoints
            WHERE partition = \(Int32(partition)) ORDER BY op DESC LIMIT 1
            """, doing: "reading partition \(partition)'s newest checkpoint")
        guard let row = result.rows.first else { return nil }
        return try decode(row)
    }

    /// The checkpoint of `op`, fully checked.
    /// - Throws: `.notFound` if there is none; `.corruption`.
    public func load(op: UInt64) throws(StorageError) -> Checkpoint {
        let result = try session.run(
            """
            SELECT op, timestamp, checksum, body FROM settle_checkpoints
            WHERE partition = \(Int32(partition)) AND op = \(Int64(op))
            """, doing: "reading partition \(partition)'s checkpoint of op \(op)")
        guard let row = result.rows.first else {
            throw StorageError(.notFound, "no checkpoint of op \(op)", path: Self.rowName(partition, op))
        }
        return try decode(row)
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

    private func decode(_ row: PostgresRow) throws(StorageError) -> Checkpoint {
        guard let (op, timestamp, stored, body) = try? row.decode((Int64, Int64, Int64, ByteBuffer).self) else {
            throw StorageError(.corruption, "a settle_checkpoints row of partition \(partition) does not decode")
        }
        let snapshot = Array(body.readableBytesView)
        let checkpoint = Checkpoint(partition: partition, op: UInt64(op), timestamp: UInt64(bitPattern: timestamp), snapshot: snapshot)
        let computed = RecordChecksum.checkpoint(partition: partition, op: checkpoint.op, timestamp: checkpoint.timestamp, snapshot: snapshot)
        guard Int64(computed) == stored else {
            throw StorageError(
                .corruption, "checkpoint CRC32C mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16)))",
                path: Self.rowName(partition, checkpoint.op))
        }
        return checkpoint
    }

    /// How errors name a row, in `StorageError.path`.
    static func rowName(_ partition: UInt32, _ op: UInt64) -> String {
        "settle_checkpoints(partition=\(partition), op=\(op))"
    }
}
