import Logging
import PostgresNIO
import SettleStorage

/// The engine's storage in PostgreSQL as a read replica sees it: every partition's committed
/// journal rows and checkpoints, read without a lease. Nothing here writes.
public struct PostgresReplicaStorage: ReplicaStorage {
    public let settings: PostgresSettings
    let logger: Logger

    public init(settings: PostgresSettings, logger: Logger = Logger(label: "settle.postgres.replica")) {
        self.settings = settings
        self.logger = logger
    }

    public func partitionCount() throws -> Int {
        guard let count = try PostgresCluster.existingPartitionCount(settings, logger: logger) else {
            throw StorageError(.notFound, "no node has written this installation yet (settle_meta holds no partition count)", path: settings.description)
        }
        return count
    }

    public func openReader(partition: UInt32) throws -> any PartitionReader {
        try PostgresPartitionReader(settings: settings, partition: partition, logger: logger)
    }

    public var description: String { settings.description }
}

/// Tails one partition's `settle_journal`. The connection is opened again after it failed,
/// so a PostgreSQL restart costs the replica only the time it was down.
final class PostgresPartitionReader: PartitionReader {
    let settings: PostgresSettings
    let partition: UInt32
    let logger: Logger
    private var session: PostgresSession?

    init(settings: PostgresSettings, partition: UInt32, logger: Logger) throws(StorageError) {
        self.settings = settings
        self.partition = partition
        self.logger = logger
        session = try connect()
    }

    func openNewestCheckpoint() throws(StorageError) -> (any CheckpointInput)? {
        // A connection of its own, closed when the checkpoint is read: replicas load one rarely.
        let store = try PostgresCheckpointStore(settings: settings, partition: partition, logger: logger)
        do {
            return try store.openNewest(closingStore: true)
        } catch {
            store.close()
            throw error
        }
    }

    /// One statement: the page of rows after `op` and the newest op, from one snapshot.
    func read(after op: UInt64, limit: Int) throws(StorageError) -> JournalPage {
        let session = try connected()
        let result: PostgresQueryResult
        do {
            result = try session.run(
                """
                SELECT op, timestamp, checksum, body, (SELECT max(op) FROM settle_journal WHERE partition = \(Int32(partition)))
                FROM settle_journal
                WHERE partition = \(Int32(partition)) AND op > \(Int64(clamping: op))
                ORDER BY op LIMIT \(limit)
                """, doing: "following partition \(partition)'s journal after op \(op)")
        } catch {
            if session.isClosed { self.session = nil }
            throw error
        }
        var records: [JournalRecord] = []
        var newest = op
        for row in result.rows {
            let columns: (Int64, Int64, Int64, ByteBuffer, Int64)
            do {
                columns = try row.decode((Int64, Int64, Int64, ByteBuffer, Int64).self)
            } catch {
                throw StorageError(.corruption, "a settle_journal row of partition \(partition) does not decode: \(error)")
            }
            let record = try PostgresJournal.record((columns.0, columns.1, columns.2, columns.3), partition: partition)
            let expected = records.last.map { $0.op + 1 } ?? op + 1
            guard record.op == expected else {
                if records.isEmpty {
                    throw StorageError(
                        .missingSegment, "partition \(partition)'s journal continues at op \(record.op), not op \(expected): a checkpoint covers the rows between",
                        path: PostgresJournal.rowName(partition, record.op))
                }
                throw StorageError(.opGap, "partition \(partition)'s journal jumps from op \(expected - 1) to op \(record.op)", path: PostgresJournal.rowName(partition, record.op))
            }
            records.append(record)
            newest = UInt64(columns.4)
        }
        return JournalPage(records: records, newestOp: newest)
    }

    func close() {
        session?.close()
        session = nil
    }

    private func connected() throws(StorageError) -> PostgresSession {
        if let session, !session.isClosed { return session }
        let session = try connect()
        self.session = session
        return session
    }

    private func connect() throws(StorageError) -> PostgresSession {
        try PostgresSchema.connect(settings, purpose: "replica of partition \(partition)", logger: logger)
    }
}
