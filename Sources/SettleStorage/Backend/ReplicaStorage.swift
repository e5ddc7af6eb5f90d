/// Storage a read replica follows: the committed journal and checkpoints of every partition,
/// read without a lease and never written. The writer's storage keeps growing underneath; a
/// replica loads the newest checkpoint and then tails the records after it.
public protocol ReplicaStorage: Sendable {
    /// The installation's partition count, fixed when it was created.
    /// - Throws: when the storage does not exist yet (no writer ever started).
    func partitionCount() throws -> Int

    /// Opens one partition for reading.
    func openReader(partition: UInt32) throws -> any PartitionReader

    /// Names the storage in logs and errors.
    var description: String { get }
}

/// Read-only access to one partition's committed records, from one thread.
public protocol PartitionReader: AnyObject {
    var partition: UInt32 { get }

    /// The newest checkpoint, as `PartitionStorage.openNewestCheckpoint` gives it.
    func openNewestCheckpoint() throws(StorageError) -> (any CheckpointInput)?

    /// Up to `limit` committed records after `op`, in op order, each checked against its
    /// checksum. A transient failure (`.ioFailure`) may be retried with the same call.
    /// - Throws: `.missingSegment` when the records right after `op` were already removed
    ///   (a checkpoint covers them: load it again); `.opGap`; `.corruption`; `.ioFailure`.
    func read(after op: UInt64, limit: Int) throws(StorageError) -> JournalPage

    func close()
}

/// What one `PartitionReader.read` found.
public struct JournalPage: Sendable {
    public var records: [JournalRecord]
    /// The newest committed op when the page was read; the `op` asked for when the page is
    /// empty (the reader has everything).
    public var newestOp: UInt64

    public init(records: [JournalRecord], newestOp: UInt64) {
        self.records = records
        self.newestOp = newestOp
    }
}
