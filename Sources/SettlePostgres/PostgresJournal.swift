import Logging
import PostgresNIO
import SettleStorage

/// The journal of one partition in PostgreSQL's `settle_journal`: one row per record, keyed by
/// (partition, op), with the record's `JournalRecordFormat` checksum, written only while the
/// writer holds the partition's lease (`PartitionLease`).
///
/// - `append` only buffers the record (and computes its checksum).
/// - `sync` writes every buffered record in ONE statement — a single implicit transaction —
///   fenced by the lease: the `settle_leases` row must still name this owner at this epoch,
///   unexpired, and is locked `FOR SHARE` for the insert, so an acquisition by another node
///   waits for the insert to commit or makes it insert nothing (docs/POSTGRES.md, "Fencing").
///   A fenced sync, another writer's row at one of the ops (unique violation), or any
///   failure of the statement or the connection throws and poisons the journal: every later
///   `append`, `sync` and `removeSegments` throws `.poisoned`. Whether a sync whose connection
///   dropped committed is unknown, as after a failed `fdatasync`; reopen to find out.
/// - `replay(after:)` reads committed rows in op order, in pages, and checks each checksum.
/// - `removeSegments(before:)` deletes rows below a checkpoint, fenced the same way.
///
/// Blocking calls on a connection of its own (`PostgresSession` explains the bridging), from
/// one writer thread, never from an event loop thread.
public final class PostgresJournal: Journal {
    public let partition: UInt32
    /// The lease every write is fenced by.
    public let lease: PartitionLease
    public private(set) var lastOp: UInt64
    public private(set) var durableOp: UInt64
    public var isPoisoned: Bool { poison != nil }
    /// Rows `replay` reads per statement.
    public let replayPageRows: Int
    /// The PostgreSQL server process of this journal's connection (`pg_stat_activity.pid`).
    public var backendProcessID: Int32 { session.backendProcessID }

    let session: PostgresSession
    private var poison: StorageError?
    private var isClosed = false
    // The records appended since the last sync, as the columns of the insert.
    private var pendingOps: [Int64] = []
    private var pendingTimestamps: [Int64] = []
    private var pendingChecksums: [Int64] = []
    private var pendingBodies: [ByteBuffer] = []
    private let allocator = ByteBufferAllocator()

    private init(session: PostgresSession, lease: PartitionLease, lastOp: UInt64, replayPageRows: Int) {
        self.session = session
        self.partition = lease.partition
        self.lease = lease
        self.lastOp = lastOp
        self.durableOp = lastOp
        self.replayPageRows = replayPageRows
    }

    /// Opens the journal of `lease.partition` for writing under `lease`, and replays the
    /// records after `replayAfter` (nil: none) into `visit`, checking their checksums. The
    /// lease must be held: after an acquisition, every record the previous holder committed
    /// is visible, so `lastOp` is the partition's true end.
    /// - Throws: `.fenced` if the lease is not held; what `replay` throws; `.ioFailure`.
    public static func open(
        settings: PostgresSettings, lease: PartitionLease, replayAfter: UInt64? = nil, replayPageRows: Int = 64,
        eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup,
        logger: Logger = Logger(label: "settle.postgres.journal"),
        _ visit: (JournalRecord) -> Void = { _ in }
    ) throws(StorageError) -> PostgresJournal {
        precondition(replayPageRows >= 1)
        let session = try PostgresSchema.connect(settings, purpose: "journal \(lease.partition)", eventLoopGroup: eventLoopGroup, logger: logger)
        do throws(StorageError) {
            let result = try session.run(
                Fence.query(lease, "SELECT (SELECT coalesce(max(op), 0) FROM settle_journal WHERE partition = $1), EXISTS (\(Fence.sql))"),
                doing: "reading the end of partition \(lease.partition)'s journal")
            guard let row = result.rows.first, let (lastOp, held) = try? row.decode((Int64, Bool).self) else {
                throw StorageError(.ioFailure, "PostgreSQL returned no end of journal for partition \(lease.partition)")
            }
            guard held else { throw Fence.error(lease, "opening the journal") }
            let journal = PostgresJournal(session: session, lease: lease, lastOp: UInt64(lastOp), replayPageRows: replayPageRows)
            if let replayAfter { try journal.replay(after: replayAfter, visit) }
            return journal
        } catch {
            session.close()
            throw error
        }
    }

    public func append(op: UInt64, timestamp: UInt64, body: UnsafeRawBufferPointer) throws(StorageError) {
        try checkWritable()
        precondition(op == lastOp + 1, "journal append of op \(op) after op \(lastOp)")
        guard body.count <= JournalRecordFormat.bodySizeMax else {
            throw StorageError(.recordTooLarge, "record body of \(body.count) bytes is over \(JournalRecordFormat.bodySizeMax)")
        }
        let checksum = RecordChecksum.journal(partition: partition, op: op, timestamp: timestamp, body: body)
        pendingOps.append(Int64(op))
        pendingTimestamps.append(Int64(bitPattern: timestamp))
        pendingChecksums.append(Int64(checksum))
        pendingBodies.append(allocator.buffer(bytes: body))
        lastOp = op
    }

    public func sync() throws(StorageError) {
        try checkWritable()
        guard !pendingOps.isEmpty else { return }
        let count = pendingOps.count
        let first = pendingOps[0]
        let query = Fence.query(
            lease,
            """
            WITH lease AS (\(Fence.sql))
            INSERT INTO settle_journal (partition, op, epoch, timestamp, checksum, body)
            SELECT $1, r.op, $3, r.timestamp, r.checksum, r.body
            FROM lease, unnest($4::bigint[], $5::bigint[], $6::bigint[], $7::bytea[]) AS r(op, timestamp, checksum, body)
            """
        ) { binds in
            binds.append(pendingOps)
            binds.append(pendingTimestamps)
            binds.append(pendingChecksums)
            binds.append(pendingBodies)
        }
        let inserted: Int
        do {
            inserted = try session.run(query).metadata.rows ?? -1
        } catch {
            if error.isUniqueViolation {
                throw poisoned(by: StorageError(
                    .fenced, "another writer already appended one of ops \(first)...\(lastOp) of partition \(partition); nothing was appended",
                    path: session.settings.description))
            }
            throw poisoned(by: StorageError(
                .ioFailure, "PostgreSQL failed syncing ops \(first)...\(lastOp) of partition \(partition), which may or may not be stored: \(error.text)",
                path: session.settings.description))
        }
        guard inserted == count else {
            if inserted == 0 { throw poisoned(by: Fence.error(lease, "syncing ops \(first)...\(lastOp)")) }
            throw poisoned(by: StorageError(.ioFailure, "PostgreSQL inserted \(inserted) of \(count) records of partition \(partition)"))
        }
        pendingOps.removeAll(keepingCapacity: true)
        pendingTimestamps.removeAll(keepingCapacity: true)
        pendingChecksums.removeAll(keepingCapacity: true)
        pendingBodies.removeAll(keepingCapacity: true)
        durableOp = lastOp
    }

    /// Deletes the rows with ops below `op`, but never the newest row nor an op at or above
    /// `op`, in one statement fenced by the lease like `sync`. Call only once a checkpoint
    /// covers `op - 1`.
    /// - Returns: how many rows were deleted.
    /// - Throws: `.fenced` if the lease is lost (nothing deleted; the journal is not poisoned:
    ///   nothing durable is in doubt), `.poisoned`, `.closed`, `.ioFailure`.
    @discardableResult
    public func removeSegments(before op: UInt64) throws(StorageError) -> Int {
        try checkWritable()
        let limit = Int64(clamping: op)
        let query = Fence.query(
            lease,
            """
            WITH lease AS (\(Fence.sql)),
            deleted AS (
                DELETE FROM settle_journal
                WHERE partition = $1 AND op < $4 AND EXISTS (SELECT 1 FROM lease)
                    AND op < (SELECT max(op) FROM settle_journal WHERE partition = $1)
                RETURNING 1)
            SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM deleted)
            """
        ) { binds in binds.append(limit) }
        let result = try session.run(query, doing: "removing partition \(partition)'s journal rows before op \(op)")
        guard let row = result.rows.first, let (held, deleted) = try? row.decode((Int64, Int64).self) else {
            throw StorageError(.ioFailure, "PostgreSQL returned no count of removed journal rows")
        }
        guard held == 1 else { throw Fence.error(lease, "removing journal rows before op \(op)") }
        return Int(deleted)
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        session.close()
    }

    private func checkWritable() throws(StorageError) {
        if isClosed { throw StorageError(.closed, "the journal of partition \(partition) is closed") }
        if let poison {
            throw StorageError(.poisoned, "the journal of partition \(partition) is poisoned by an earlier failure: \(poison.message)")
        }
    }

    private func poisoned(by error: StorageError) -> StorageError {
        poison = error
        session.logger.error("PostgreSQL journal poisoned", metadata: ["partition": "\(partition)", "error": "\(error)"])
        return error
    }
}
