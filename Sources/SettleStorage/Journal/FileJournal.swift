/// Settings of a `FileJournal`.
public struct FileJournalOptions: Sendable, Hashable {
    /// A segment is closed and a new one started once the next record would take it past this
    /// size (a record larger than this gets a segment of its own). Default 64 MiB, as
    /// PostgreSQL's `wal_segment_size` tuned for throughput.
    public var segmentSizeBytes: UInt64
    /// What `open` does with a torn record at the end of the log: truncate it (true, for the
    /// server) or throw `.tornTail` and change nothing (false, for `settle verify`).
    public var truncateTornTail: Bool

    /// Options for the server by default: 64 MiB segments, torn tails truncated.
    public init(segmentSizeBytes: UInt64 = 64 << 20, truncateTornTail: Bool = true) {
        precondition(segmentSizeBytes > 0, "segmentSizeBytes must be positive")
        self.segmentSizeBytes = segmentSizeBytes
        self.truncateTornTail = truncateTornTail
    }
}

/// What `FileJournal.open` found and repaired.
public struct JournalRecovery: Sendable, Hashable {
    /// Segment files found (before any new one was created).
    public var segmentCount = 0
    /// The op of the oldest record still held (the next op, if none are).
    public var firstOp: UInt64 = 1
    /// The op of the newest valid record; 0 if none was ever written.
    public var lastOp: UInt64 = 0
    /// Records passed to `visit` (those after `replayAfter`).
    public var replayedCount = 0
    /// Bytes of a torn final record cut off the end of the log; 0 if the log ended cleanly.
    public var tornBytesTruncated: UInt64 = 0
    /// The segment and offset where the torn record started, if there was one.
    public var tornTailPath: String?
    /// The byte offset in `tornTailPath` the log was cut back to.
    public var tornTailOffset: UInt64?
}

/// The journal on local files: `<data>/journal/<partition>/<first op>.wal` segments holding
/// `JournalRecordFormat` records back to back, appended with `pwrite` and made durable with
/// `fdatasync`.
///
/// Durability protocol (why each step is there):
/// - `append` writes at the end of the active segment and does not sync; `sync` issues one
///   `fdatasync` for everything since the previous one. `fdatasync` suffices because the
///   file's size is part of what it flushes for appended data.
/// - Rolling to a new segment first syncs the old one, then creates the new file and fsyncs
///   the directory. So every segment but the last is complete and durable, and recovery may
///   treat damage there as corruption, never as a torn write.
/// - A failed write (ENOSPC, EIO) is cut back with `ftruncate` to the last good end, so the
///   file holds only whole records and the same op can be appended again once space returns.
/// - A failed `fdatasync` poisons the journal: the kernel may already have marked the failed
///   pages clean, so a retried sync could succeed without the data ever reaching the disk
///   (PostgreSQL's fsyncgate). Everything after throws `.poisoned`; the engine must stop the
///   partition and reopen, which re-reads the log and re-syncs it. (A reboot is the only
///   certain cure: after a process restart the page cache may still hold the unwritten pages.)
/// - Removal after a checkpoint unlinks oldest-first with a directory fsync after each, so a
///   crash can never leave a hole in the middle of the log.
///
/// Not thread-safe: a partition's single writer owns it.
public final class FileJournal: Journal {
    /// The partition whose log this is.
    public let partition: UInt32
    /// The directory holding this partition's segments.
    public let directory: String
    /// The op of the newest appended record; see `Journal.lastOp`.
    public private(set) var lastOp: UInt64
    /// The op of the newest record covered by a successful sync; see `Journal.durableOp`.
    public private(set) var durableOp: UInt64
    /// What `open` found and repaired.
    public let recovery: JournalRecovery
    /// The segments in op order; the last one is the active one appends go to.
    public var segmentPaths: [String] { segments.map(\.path) }

    let io: any FileIO
    let options: FileJournalOptions
    var segments: [JournalSegment]
    var active: FileIOHandle?
    /// End of the last whole record in the active segment: where the next append goes.
    var activeSize: UInt64
    /// Whether the active segment has changes (writes or truncations) not yet synced.
    var dirty = false
    var poison: StorageError?
    public var isPoisoned: Bool { poison != nil }
    var encodeBuffer: [UInt8] = []

    init(
        partition: UInt32, directory: String, io: any FileIO, options: FileJournalOptions,
        segments: [JournalSegment], active: FileIOHandle, activeSize: UInt64, recovery: JournalRecovery
    ) {
        self.partition = partition
        self.directory = directory
        self.io = io
        self.options = options
        self.segments = segments
        self.active = active
        self.activeSize = activeSize
        self.recovery = recovery
        lastOp = recovery.lastOp
        durableOp = recovery.lastOp
    }

    deinit {
        if let active { io.close(active) }
    }

    /// Writes the record at the end of the active segment (rolling first if it is full); no
    /// sync. See `Journal.append(op:timestamp:body:)` for the contract and errors.
    public func append(op: UInt64, timestamp: UInt64, body: UnsafeRawBufferPointer) throws(StorageError) {
        let file = try writableFile()
        precondition(op == lastOp + 1, "journal append of op \(op), expected \(lastOp + 1)")
        guard body.count <= JournalRecordFormat.bodySizeMax else {
            throw StorageError(.recordTooLarge, "record body of \(body.count) bytes exceeds \(JournalRecordFormat.bodySizeMax)")
        }
        JournalRecordFormat.encode(partition: partition, op: op, timestamp: timestamp, body: body, into: &encodeBuffer)
        let target = try rollIfFull(file, recordSize: UInt64(encodeBuffer.count))
        try writeRecord(to: target, op: op)
        activeSize += UInt64(encodeBuffer.count)
        lastOp = op
    }

    /// One `fdatasync` of the active segment, if anything changed since the last one (earlier
    /// segments were synced when the journal rolled past them). See `Journal.sync()`.
    public func sync() throws(StorageError) {
        let file = try writableFile()
        guard dirty else { return }
        try syncActive(file)
    }

    /// Unlinks the oldest segments whose ops all lie below `op`, oldest first, with a
    /// directory fsync after each; never the active segment. See `Journal.removeSegments(before:)`.
    @discardableResult
    public func removeSegments(before op: UInt64) throws(StorageError) -> Int {
        _ = try writableFile()
        var removed = 0
        while segments.count > 1 && segments[1].firstOp <= op {
            try io.removeFile(segments[0].path)
            segments.removeFirst()
            removed += 1
            try io.syncDirectory(directory)
        }
        return removed
    }

    /// Closes the active segment without syncing; later calls throw `.closed`.
    public func close() {
        if let active { io.close(active) }
        active = nil
    }

    /// The active segment, or the reason appends are refused.
    private func writableFile() throws(StorageError) -> FileIOHandle {
        if let poison {
            throw StorageError(.poisoned, "journal refuses writes after a failed sync; reopen it (\(poison))", path: poison.path)
        }
        guard let active else { throw StorageError(.closed, "journal is closed", path: directory) }
        return active
    }

    /// Writes `encodeBuffer` at the end of the active segment; on failure cuts it back.
    private func writeRecord(to file: FileIOHandle, op: UInt64) throws(StorageError) {
        dirty = true
        do {
            try io.write(file, at: activeSize, encodeBuffer)
        } catch {
            var failure = error
            failure.message = "append of op \(op) failed: \(error.message); journal cut back to offset \(activeSize)"
            do {
                try io.truncate(file, to: activeSize)
            } catch {
                poison = error
                failure.message += ", but ftruncate failed too (\(error)); journal poisoned"
            }
            throw failure
        }
    }

    /// One `fdatasync` of the active segment; a failure poisons the journal.
    func syncActive(_ file: FileIOHandle) throws(StorageError) {
        do {
            try io.syncData(file)
        } catch {
            poison = error
            var failure = error
            failure.message = "journal sync failed: \(error.message); journal poisoned until reopened"
            throw failure
        }
        dirty = false
        durableOp = lastOp
    }
}
