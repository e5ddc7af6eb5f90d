/// Checkpoints of one partition: `<data>/checkpoints/<partition>/<op, 20 digits>.checkpoint`.
///
/// Writing is atomic and durable: temp file → `fdatasync` → `rename` → directory `fsync`. A
/// crash at any point leaves either the previous set of checkpoints or the new one, never a
/// half-written file under a checkpoint name. The newest `retainCount` (default 2) are kept.
///
/// Loading never falls back silently. If the newest checkpoint fails its checks, `loadNewest`
/// throws, naming the file and offset: the engine may already have removed the journal
/// segments before it, so an older checkpoint could be missing ops, and a disk that corrupts
/// one file deserves an operator's attention before the partition serves again. The older
/// checkpoint is kept for that operator (`load(op:)`); it is usable only if the journal still
/// holds every op after it, which `FileJournal.open(replayAfter:)` checks.
///
/// Engine contract: write the checkpoint of op N only after the journal's `sync()` covered N,
/// and call `removeSegments(before:)` only after `write` returned.
public struct CheckpointStore: Sendable {
    /// Checkpoint files are `<op, 20 digits>.checkpoint`.
    public static let fileExtension = ".checkpoint"

    /// The partition whose checkpoints these are.
    public let partition: UInt32
    /// The directory holding this partition's checkpoints.
    public let directory: String
    /// How many checkpoints `write` keeps (the newest).
    public let retainCount: Int
    let io: any FileIO

    /// Opens the store, creating (and fsyncing) its directories if needed.
    public init(
        dataDirectory: String, partition: UInt32, io: any FileIO = PosixFileIO(), retainCount: Int = 2
    ) throws(StorageError) {
        precondition(retainCount >= 1, "retainCount must be at least 1")
        let digits = String(partition)
        let root = FilePath.join(dataDirectory, "checkpoints")
        self.partition = partition
        self.directory = FilePath.join(root, String(repeating: "0", count: 10 - digits.count) + digits)
        self.retainCount = retainCount
        self.io = io
        try io.createDirectory(dataDirectory)
        try io.syncDirectory(FilePath.parent(dataDirectory))
        try io.createDirectory(root)
        try io.syncDirectory(dataDirectory)
        try io.createDirectory(directory)
        try io.syncDirectory(root)
    }

    /// The path of the checkpoint of `op`.
    public func path(op: UInt64) -> String {
        let digits = String(op)
        return FilePath.join(directory, String(repeating: "0", count: 20 - digits.count) + digits + Self.fileExtension)
    }

    /// Writes the checkpoint of `op` durably, then removes all but the newest `retainCount`.
    /// When this returns, the checkpoint survives power failure. If it throws, the new
    /// checkpoint may or may not exist: do not remove journal segments on its account.
    /// The snapshot in one piece; the streaming `write(op:timestamp:snapshotLength:body:)` does it.
    public func write(op: UInt64, timestamp: UInt64, snapshot: [UInt8]) throws(StorageError) {
        do {
            try write(op: op, timestamp: timestamp, snapshotLength: UInt64(snapshot.count)) { file in
                try withRawBytes(snapshot) { (raw) throws(StorageError) in try file.write(raw) }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            preconditionFailure("a checkpoint write of bytes can only fail with a StorageError: \(error)")
        }
    }

    /// The newest checkpoint, or nil if there is none.
    /// - Throws: if the newest fails its checks (never falls back; see the type's documentation).
    public func loadNewest() throws(StorageError) -> Checkpoint? {
        guard let newest = try ops().last else { return nil }
        return try load(op: newest)
    }

    /// The checkpoint of `op`, fully checked (magic, version, length, CRC32C, partition, op).
    public func load(op: UInt64) throws(StorageError) -> Checkpoint {
        let path = path(op: op)
        let checkpoint = try CheckpointFormat.decode(try io.readWholeFile(path), path: path)
        guard checkpoint.partition == partition else {
            throw StorageError(.corruption, "checkpoint of partition \(checkpoint.partition) in partition \(partition)'s directory", path: path, offset: 12)
        }
        guard checkpoint.op == op else {
            throw StorageError(.corruption, "checkpoint file for op \(op) holds op \(checkpoint.op)", path: path, offset: 16)
        }
        return checkpoint
    }

    /// The ops of the checkpoints present, ascending.
    public func ops() throws(StorageError) -> [UInt64] {
        try io.listDirectory(directory).compactMap { name in
            guard name.hasSuffix(Self.fileExtension) else { return nil }
            let stem = name.dropLast(Self.fileExtension.count)
            return stem.allSatisfy({ $0.isASCII && $0.isNumber }) ? UInt64(stem) : nil
        }.sorted()
    }

    /// Removes checkpoints beyond the newest `retainCount`, and temp files a crash left behind.
    func prune() throws(StorageError) {
        let names = try io.listDirectory(directory)
        var removed = false
        for name in names where name.hasSuffix(Self.fileExtension + ".tmp") {
            try io.removeFile(FilePath.join(directory, name))
            removed = true
        }
        for op in try ops().dropLast(retainCount) {
            try io.removeFile(path(op: op))
            removed = true
        }
        if removed { try io.syncDirectory(directory) }
    }
}
