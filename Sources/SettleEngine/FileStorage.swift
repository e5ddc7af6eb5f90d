import SettleStorage

/// The embedded default: each partition's journal segments and checkpoints in a data
/// directory (`DataDirectory` has the layout).
public struct FileStorage: StorageBackend {
    public let directory: String
    let io: any FileIO
    let options: FileJournalOptions

    public init(directory: String, io: any FileIO = PosixFileIO(), segmentBytes: Int = 64 << 20) {
        self.directory = directory
        self.io = io
        options = FileJournalOptions(segmentSizeBytes: UInt64(segmentBytes))
    }

    public func prepare(partitions: Int) throws -> Int {
        try DataDirectory.prepare(directory, partitions: partitions, io: io)
    }

    public func open(partition: UInt32) throws -> any PartitionStorage {
        FilePartitionStorage(
            checkpoints: try CheckpointStore(dataDirectory: directory, partition: partition, io: io), storage: self)
    }

    public var description: String { directory }
}

/// One partition's files: `CheckpointStore` and `FileJournal`.
final class FilePartitionStorage: PartitionStorage {
    let checkpoints: CheckpointStore
    let storage: FileStorage
    var partition: UInt32 { checkpoints.partition }

    init(checkpoints: CheckpointStore, storage: FileStorage) {
        self.checkpoints = checkpoints
        self.storage = storage
    }

    func openNewestCheckpoint() throws(StorageError) -> (any CheckpointInput)? {
        try checkpoints.openNewest()
    }

    func writeCheckpoint(
        op: UInt64, timestamp: UInt64, snapshotLength: UInt64, body: (inout any CheckpointOutput) throws -> Void
    ) throws {
        try checkpoints.write(op: op, timestamp: timestamp, snapshotLength: snapshotLength) { file in
            var output: any CheckpointOutput = file
            try body(&output)
            guard let written = output as? CheckpointStreamWriter else { preconditionFailure("a checkpoint body replaced its output") }
            file = written
        }
    }

    func openJournal(replayAfter: UInt64, _ visit: (JournalRecord) -> Void) throws(StorageError) -> (any Journal, JournalRepair) {
        let journal = try FileJournal.open(
            dataDirectory: storage.directory, partition: partition, io: storage.io, options: storage.options,
            replayAfter: replayAfter, visit: visit)
        let recovery = journal.recovery
        let repair = JournalRepair(
            tornBytesDropped: recovery.tornBytesTruncated,
            tornTailLocation: recovery.tornTailPath.map { "\($0) at byte \(recovery.tornTailOffset ?? 0)" })
        return (journal, repair)
    }

    func close() {}
}
