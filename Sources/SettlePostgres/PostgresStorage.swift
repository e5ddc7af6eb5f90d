import Logging
import PostgresNIO
import SettleStorage

/// The engine's storage in PostgreSQL: each partition's journal in `settle_journal` and its
/// checkpoints in `settle_checkpoints`, every write fenced by the partition's lease. The node
/// acquires the leases first (`PostgresCluster`) and opens the engine on this.
public struct PostgresStorage: StorageBackend {
    public let settings: PostgresSettings
    /// The lease of every partition this node writes, by partition.
    public let leases: [UInt32: PartitionLease]
    let logger: Logger

    public init(settings: PostgresSettings, leases: [PartitionLease], logger: Logger = Logger(label: "settle.postgres")) {
        self.settings = settings
        self.leases = Dictionary(uniqueKeysWithValues: leases.map { ($0.partition, $0) })
        self.logger = logger
    }

    /// The installation's partition count: the leases cover every partition
    /// (`PostgresCluster.acquireAll` takes all or none, by `settle_meta`'s count).
    public func prepare(partitions: Int) throws -> Int {
        precondition(!leases.isEmpty && leases.keys.allSatisfy { $0 < leases.count }, "PostgresStorage needs every partition's lease")
        return leases.count
    }

    public func open(partition: UInt32) throws -> any PartitionStorage {
        guard let lease = leases[partition] else {
            throw StorageError(.fenced, "this node holds no lease of partition \(partition)", path: settings.description)
        }
        return PostgresPartitionStorage(
            settings: settings, lease: lease,
            checkpoints: try PostgresCheckpointStore(settings: settings, partition: partition, logger: logger), logger: logger)
    }

    public var description: String { settings.description }
}

/// One partition in PostgreSQL: a `PostgresCheckpointStore` and a `PostgresJournal` on
/// connections of their own, both fenced by `lease`.
final class PostgresPartitionStorage: PartitionStorage {
    let settings: PostgresSettings
    let lease: PartitionLease
    let checkpoints: PostgresCheckpointStore
    let logger: Logger
    var partition: UInt32 { lease.partition }

    init(settings: PostgresSettings, lease: PartitionLease, checkpoints: PostgresCheckpointStore, logger: Logger) {
        self.settings = settings
        self.lease = lease
        self.checkpoints = checkpoints
        self.logger = logger
    }

    func openNewestCheckpoint() throws(StorageError) -> (any CheckpointInput)? {
        try checkpoints.openNewest()
    }

    /// Streamed into chunks in one transaction: one chunk in memory, any size.
    func writeCheckpoint(
        op: UInt64, timestamp: UInt64, snapshotLength: UInt64, body: (inout any CheckpointOutput) throws -> Void
    ) throws {
        let writer = try checkpoints.begin(op: op, timestamp: timestamp, length: snapshotLength, lease: lease)
        do {
            var output: any CheckpointOutput = writer
            try body(&output)
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }

    func openJournal(replayAfter: UInt64, _ visit: (JournalRecord) -> Void) throws(StorageError) -> (any Journal, JournalRepair) {
        // A row is committed whole or not at all: there is never a torn tail to repair.
        (try PostgresJournal.open(settings: settings, lease: lease, replayAfter: replayAfter, logger: logger, visit), JournalRepair())
    }

    func close() {
        checkpoints.close()
    }
}
