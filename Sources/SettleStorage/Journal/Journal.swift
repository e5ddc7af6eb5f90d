/// The durable, ordered log of one partition's inputs, as the engine sees it.
///
/// The engine's commit loop for a partition is: apply batches, `append` each one's encoded
/// batch with consecutive op numbers, call `sync()` once for the whole group, and only then
/// reply to the clients (group commit, DESIGN.md section 3). `FileJournal` implements this on
/// local segment files; a PostgreSQL journal will implement it on a table keyed by
/// (partition, op). The record format is `JournalRecordFormat`, whatever the backend.
///
/// Threading: one writer per partition owns a journal; implementations are not thread-safe
/// and their calls block (I/O happens inside them). Every failure is a `StorageError`.
public protocol Journal: AnyObject {
    /// The partition whose log this is; every record carries it.
    var partition: UInt32 { get }
    /// The op of the newest appended record (durable or not); 0 if none was ever appended.
    /// The next `append` must use `lastOp + 1`.
    var lastOp: UInt64 { get }
    /// The op of the newest record covered by a successful `sync()`; replies for ops up to
    /// this may be sent.
    var durableOp: UInt64 { get }
    /// True once a sync failed (also one inside an `append`, when a segment rolls) or a failed
    /// write could not be cut back: nothing more is accepted until the journal is reopened.
    var isPoisoned: Bool { get }

    /// Adds the record for `op` without waiting for the disk. `op` must be `lastOp + 1`
    /// (a different op is a bug in the caller and traps). The record is not durable until
    /// a later `sync()` returns.
    /// - Throws: `.recordTooLarge`; `.diskFull` / `.ioFailure` when the write fails (the
    ///   journal is left exactly as before the call and the same op may be appended again);
    ///   `.poisoned` after a failed sync; `.closed`.
    func append(op: UInt64, timestamp: UInt64, body: UnsafeRawBufferPointer) throws(StorageError)

    /// Makes every record appended so far durable, with one flush for all of them.
    /// - Throws: the flush's failure, after which the journal is poisoned: every later
    ///   `append` and `sync` throws `.poisoned` until it is reopened, because after a failed
    ///   `fsync` the kernel may have dropped the dirty pages and retrying would report success
    ///   for data that is not on disk (PostgreSQL's "fsyncgate", 2018).
    func sync() throws(StorageError)

    /// Frees the storage of records with ops below `op`, once a checkpoint covers them.
    /// A backend frees whole units (file segments), so some records below `op` may remain;
    /// it never removes a record at or above `op`, nor the newest unit.
    /// - Returns: how many units were removed.
    @discardableResult
    func removeSegments(before op: UInt64) throws(StorageError) -> Int

    /// Calls `visit` with each durable record after `op`, in op order: for `settle verify`.
    /// Recovery at startup uses the backend's open function; replicas read through
    /// `PartitionReader`, which needs no lease.
    func replay(after op: UInt64, _ visit: (JournalRecord) -> Void) throws(StorageError)

    /// Releases the files or connections. Does not sync: call `sync()` first to keep
    /// what was appended.
    func close()
}

extension Journal {
    /// Appends a record whose body is an array; see `append(op:timestamp:body:)`.
    public func append(op: UInt64, timestamp: UInt64, body: [UInt8]) throws(StorageError) {
        try withRawBytes(body) { (raw) throws(StorageError) in try append(op: op, timestamp: timestamp, body: raw) }
    }
}
