/// Where partitions keep their journal and checkpoints: files in a data directory (the
/// default) or tables in PostgreSQL (`SettlePostgres`). The engine sees only these protocols,
/// and only the composition root (the `settle` executable) picks an implementation, so neither
/// the engine nor the API links a database driver (DESIGN §8).
public protocol StorageBackend: Sendable {
    /// Creates the storage on first use for `partitions` partitions; afterwards returns the
    /// count it was created with. Tenants are placed by that count, so it never changes.
    func prepare(partitions: Int) throws -> Int

    /// Opens the storage of one partition (for writing: a backend with leases requires this
    /// node to hold the partition's).
    func open(partition: UInt32) throws -> any PartitionStorage

    /// Names the storage in logs and errors (a directory, or a database without its password).
    var description: String { get }
}

/// One partition's durable storage: its newest checkpoint and the journal after it.
///
/// Threading: the partition's writer thread opens the journal and reads the checkpoint; a
/// background thread may call `writeCheckpoint` while the writer uses the journal, so an
/// implementation keeps the two independent (separate files, or separate connections).
public protocol PartitionStorage: AnyObject {
    /// The partition.
    var partition: UInt32 { get }

    /// The newest checkpoint, opened for streaming; nil when there is none. Nothing read from
    /// it counts until its `finish()` has checked the checksum.
    /// - Throws: when the newest checkpoint is damaged: never falls back to an older one.
    func openNewestCheckpoint() throws(StorageError) -> (any CheckpointInput)?

    /// Durably stores the checkpoint of `op`, whose snapshot is exactly `snapshotLength` bytes
    /// handed over by `body` in pieces, and drops all but the newest few. Call only after the
    /// journal's `sync()` covered `op`; remove journal records before `op + 1` only after this
    /// returned. If it throws, the checkpoint may or may not exist.
    func writeCheckpoint(
        op: UInt64, timestamp: UInt64, snapshotLength: UInt64, body: (inout any CheckpointOutput) throws -> Void
    ) throws

    /// Opens the journal for appending, first calling `visit` with every record after
    /// `replayAfter` in op order (recovery). Returns the journal and what opening repaired.
    func openJournal(replayAfter: UInt64, _ visit: (JournalRecord) -> Void) throws(StorageError) -> (any Journal, JournalRepair)

    /// Releases what the checkpoint side holds (the journal is closed on its own).
    func close()
}

/// What opening a journal repaired: a torn final record (an unacknowledged write cut by a
/// crash) is removed; anything else damaged is refused, never repaired.
public struct JournalRepair: Sendable, Hashable {
    /// Bytes of the torn final record removed; 0 when the journal ended cleanly.
    public var tornBytesDropped: UInt64
    /// Where the torn record started (file and byte), when there was one.
    public var tornTailLocation: String?

    public init(tornBytesDropped: UInt64 = 0, tornTailLocation: String? = nil) {
        self.tornBytesDropped = tornBytesDropped
        self.tornTailLocation = tornTailLocation
    }
}

/// A checkpoint's snapshot, read in order into the caller's buffers.
public protocol CheckpointInput {
    /// The op the snapshot includes everything up to.
    var op: UInt64 { get }
    /// The snapshot's length in bytes.
    var length: UInt64 { get }
    /// Where the checkpoint is, for error messages.
    var path: String { get }
    /// Fills `buffer` with the next bytes of the snapshot.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(StorageError)
    /// Reads what is left and checks the checksum: after a snapshot failed to load, tells
    /// damage (an error naming the checkpoint) from a bug.
    mutating func verifyRest() throws(StorageError)
    /// Checks that the whole snapshot was read and matches its checksum; releases the source.
    func finish() throws(StorageError)
}

/// Where a checkpoint's snapshot is written, in pieces.
public protocol CheckpointOutput {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError)
}

extension CheckpointStreamReader: CheckpointInput {}
extension CheckpointStreamWriter: CheckpointOutput {}
