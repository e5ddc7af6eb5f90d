import Logging
import PostgresNIO
import SettleStorage

/// Where a node serves clients, as `settle_nodes` records it.
public struct NodeAddress: Sendable, Hashable {
    /// The node's name (`settle_leases.owner`).
    public var name: String
    /// `host:port` of its HTTP/JSON and gRPC listeners.
    public var httpAddress: String
    public var grpcAddress: String

    public init(name: String, httpAddress: String, grpcAddress: String) {
        self.name = name
        self.httpAddress = httpAddress
        self.grpcAddress = grpcAddress
    }
}

/// One node of an installation shared through PostgreSQL: its entry in `settle_nodes`, and
/// the partition leases that make it the writer.
///
/// A node writes all partitions or none: the tenant directory (API keys) lives in partition
/// 0 and every node answering requests must authenticate them, so partitions move together.
/// `acquireAll` takes the leases in partition order and gives back what it got unless it got
/// every one, so two nodes racing never split the partitions between them (the loser fails
/// at the first lease the winner holds). Scale-out of reads comes from replicas.
///
/// Blocking calls, one thread at a time (see `PostgresSession`).
public final class PostgresCluster {
    public let settings: PostgresSettings
    /// This node's name; unique per node and per run (a restarted node must not inherit its
    /// predecessor's leases, so names carry a per-run suffix).
    public var node: String { leases.owner }
    let leases: LeaseManager

    /// Connects (the schema must be migrated).
    public init(
        settings: PostgresSettings, node: String, leaseMilliseconds: Int64,
        logger: Logger = Logger(label: "settle.postgres.cluster")
    ) throws(StorageError) {
        self.settings = settings
        leases = try LeaseManager(settings: settings, owner: node, leaseMilliseconds: leaseMilliseconds, logger: logger)
    }

    /// How long an acquisition or renewal lasts.
    public var leaseMilliseconds: Int64 { leases.leaseMilliseconds }

    /// Records where this node serves, so the others can send clients to it.
    public func register(_ address: NodeAddress) throws(StorageError) {
        precondition(address.name == node, "a node registers under its own name")
        _ = try leases.session.run(
            """
            INSERT INTO settle_nodes (name, http_address, grpc_address) VALUES (\(node), \(address.httpAddress), \(address.grpcAddress))
            ON CONFLICT (name) DO UPDATE SET http_address = excluded.http_address, grpc_address = excluded.grpc_address, started_at = now()
            """, doing: "registering node \(node)")
    }

    /// Every partition's lease, or none: nil (holding nothing) when any is held elsewhere.
    public func acquireAll(partitions: Int) throws(StorageError) -> [PartitionLease]? {
        var acquired: [PartitionLease] = []
        for partition in 0..<UInt32(partitions) {
            let lease: PartitionLease?
            do {
                lease = try leases.acquire(partition: partition)
            } catch {
                releaseAll(acquired)
                throw error
            }
            guard let lease else {
                releaseAll(acquired)
                return nil
            }
            acquired.append(lease)
        }
        return acquired
    }

    /// Renews every lease; nil when any is lost (the node must stop writing: its writes are
    /// fenced from now on anyway).
    public func renewAll(_ held: [PartitionLease]) throws(StorageError) -> [PartitionLease]? {
        var renewed: [PartitionLease] = []
        for lease in held {
            guard let lease = try leases.renew(lease) else { return nil }
            renewed.append(lease)
        }
        return renewed
    }

    /// Gives the leases up (best effort), so another node may take over at once.
    public func releaseAll(_ held: [PartitionLease]) {
        for lease in held.reversed() { _ = try? leases.release(lease) }
    }

    /// The node holding partition 0 now, with its addresses; nil when nobody holds it.
    public func writer() throws(StorageError) -> NodeAddress? {
        let result = try leases.session.run(
            """
            SELECT n.name, n.http_address, n.grpc_address FROM settle_leases l JOIN settle_nodes n ON n.name = l.owner
            WHERE l.partition = 0 AND l.expires_at > now()
            """, doing: "looking up the writer node")
        guard let row = result.rows.first else { return nil }
        do {
            let (name, http, grpc) = try row.decode((String, String, String).self)
            return NodeAddress(name: name, httpAddress: http, grpcAddress: grpc)
        } catch {
            throw StorageError(.corruption, "a settle_nodes row does not decode: \(error)")
        }
    }

    /// Closes the connection; leases stay until they expire (release them first).
    public func close() {
        leases.close()
    }

    /// The installation's partition count, or nil when no node ever started on it.
    public static func existingPartitionCount(_ settings: PostgresSettings, logger: Logger) throws(StorageError) -> Int? {
        try readPartitionCount(settings, logger: logger, "SELECT value FROM settle_meta WHERE key = 'partitions'")
    }

    /// The installation's partition count from `settle_meta`; the first caller sets it to
    /// `creatingWith`. Tenants are placed by it, so it never changes afterwards.
    public static func partitionCount(
        _ settings: PostgresSettings, creatingWith partitions: Int, logger: Logger
    ) throws(StorageError) -> Int {
        precondition(partitions >= 1)
        let count = try readPartitionCount(
            settings, logger: logger,
            """
            WITH created AS (
                INSERT INTO settle_meta (key, value) VALUES ('partitions', \(String(partitions))) ON CONFLICT (key) DO NOTHING RETURNING value)
            SELECT value FROM created UNION ALL SELECT value FROM settle_meta WHERE key = 'partitions'
            """)
        guard let count else { throw StorageError(.corruption, "settle_meta holds no partition count", path: settings.description) }
        return count
    }

    /// Runs `query` (one `value` column of `settle_meta`) on a connection of its own.
    private static func readPartitionCount(_ settings: PostgresSettings, logger: Logger, _ query: PostgresQuery) throws(StorageError) -> Int? {
        let session = try PostgresSchema.connect(settings, purpose: "partition count", logger: logger)
        defer { session.close() }
        let result = try session.run(query, doing: "reading the partition count")
        guard let row = result.rows.first else { return nil }
        guard let text = try? row.decode(String.self), let count = Int(text), count >= 1 else {
            throw StorageError(.corruption, "settle_meta holds no valid partition count", path: settings.description)
        }
        return count
    }
}
