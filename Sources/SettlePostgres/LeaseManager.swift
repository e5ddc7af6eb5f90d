import Logging
import PostgresNIO
import SettleStorage

/// A partition lease as its holder knows it: the proof of ownership every journal write of
/// the partition carries. Valid while PostgreSQL's `now()` is before `settle_leases.expires_at`
/// and nobody acquired the partition since (which would have bumped the epoch).
public struct PartitionLease: Sendable, Hashable {
    /// The partition leased.
    public var partition: UInt32
    /// The node holding it (the `LeaseManager`'s owner name).
    public var owner: String
    /// The epoch of this holding: one more than the previous holder's. Journal rows carry it.
    public var epoch: UInt64
    /// How long the lease was still valid when PostgreSQL answered, by the server's clock.
    public var validMilliseconds: Int64
    /// A local deadline before which the lease is certainly still valid: the monotonic instant
    /// the acquiring or renewing call was *sent*, plus `validMilliseconds`. Sending precedes the
    /// server's `now()`, so this errs early (assuming clocks run at the same rate). Renew well
    /// before it; stop writing at it.
    public var validUntil: ContinuousClock.Instant

    /// A lease value (normally returned by `LeaseManager`).
    public init(partition: UInt32, owner: String, epoch: UInt64, validMilliseconds: Int64, validUntil: ContinuousClock.Instant) {
        self.partition = partition
        self.owner = owner
        self.epoch = epoch
        self.validMilliseconds = validMilliseconds
        self.validUntil = validUntil
    }
}

/// Who holds a partition, as `settle_leases` says now.
public struct LeaseHolder: Sendable, Hashable {
    /// The partition.
    public var partition: UInt32
    /// The node that holds or last held it; nil once released.
    public var owner: String?
    /// The epoch of the latest acquisition.
    public var epoch: UInt64
    /// Milliseconds until expiry by the server's clock; zero or negative once expired.
    public var validMilliseconds: Int64
    /// True while `owner` holds it: not released and not expired.
    public var isHeld: Bool { owner != nil && validMilliseconds > 0 }
}

/// Partition leases in `settle_leases`, for one node (`owner`).
///
/// A partition has at most one holder. `acquire` takes it only if it is free (never leased,
/// released, or expired) and bumps its epoch in the same statement, so of two nodes racing,
/// exactly one gets it. `renew` extends only the caller's own, unexpired lease at the same
/// epoch. Times are PostgreSQL's `now()`: node clocks do not matter, only the server's.
///
/// Blocking calls on its own connection (see `PostgresSession` for the bridging); one thread
/// at a time. Every failure is a `StorageError`; after a connection failure, make a new manager.
public final class LeaseManager {
    /// This node's name, stored as `settle_leases.owner`. Unique per node (and per run, if a
    /// restarted node must not inherit its predecessor's leases).
    public let owner: String
    /// How long an acquisition or renewal lasts.
    public let leaseMilliseconds: Int64
    let session: PostgresSession

    /// Connects and checks the schema version.
    public init(
        settings: PostgresSettings, owner: String, leaseMilliseconds: Int64 = 10_000,
        eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup,
        logger: Logger = Logger(label: "settle.postgres.leases")
    ) throws(StorageError) {
        precondition(leaseMilliseconds > 0, "a lease must last")
        self.owner = owner
        self.leaseMilliseconds = leaseMilliseconds
        session = try PostgresSchema.connect(settings, purpose: "leases \(owner)", eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Takes `partition` if it is free or its lease expired, with the next epoch.
    /// - Returns: the lease, or nil if another node (or this one, under an earlier epoch) holds it.
    public func acquire(partition: UInt32) throws(StorageError) -> PartitionLease? {
        let sent = ContinuousClock.now
        let result = try session.run(
            """
            INSERT INTO settle_leases AS lease (partition, owner, epoch, expires_at)
            VALUES (\(Int32(partition)), \(owner), 1, now() + \(leaseMilliseconds) * interval '1 millisecond')
            ON CONFLICT (partition) DO UPDATE
                SET owner = excluded.owner, epoch = lease.epoch + 1, expires_at = excluded.expires_at
                WHERE lease.owner IS NULL OR lease.expires_at <= now()
            RETURNING epoch, (extract(epoch FROM expires_at - now()) * 1000)::bigint
            """, doing: "acquiring the lease of partition \(partition)")
        return try lease(from: result, partition: partition, sent: sent)
    }

    /// Extends `lease` by `leaseMilliseconds` from now, if this node still holds it at the same
    /// epoch and it has not expired (an expired lease must be acquired again: another node may
    /// have read the journal in between).
    /// - Returns: the renewed lease, or nil if it is lost.
    public func renew(_ lease: PartitionLease) throws(StorageError) -> PartitionLease? {
        let sent = ContinuousClock.now
        let result = try session.run(
            """
            UPDATE settle_leases SET expires_at = now() + \(leaseMilliseconds) * interval '1 millisecond'
            WHERE partition = \(Int32(lease.partition)) AND owner = \(lease.owner) AND epoch = \(Int64(lease.epoch))
                AND expires_at > now()
            RETURNING epoch, (extract(epoch FROM expires_at - now()) * 1000)::bigint
            """, doing: "renewing the lease of partition \(lease.partition)")
        return try self.lease(from: result, partition: lease.partition, sent: sent)
    }

    /// Gives `lease` up so another node may acquire the partition at once. The epoch stays;
    /// the next acquisition bumps it.
    /// - Returns: false if the lease was already lost.
    @discardableResult
    public func release(_ lease: PartitionLease) throws(StorageError) -> Bool {
        let result = try session.run(
            """
            UPDATE settle_leases SET owner = NULL, expires_at = now()
            WHERE partition = \(Int32(lease.partition)) AND owner = \(lease.owner) AND epoch = \(Int64(lease.epoch))
            """, doing: "releasing the lease of partition \(lease.partition)")
        return result.metadata.rows == 1
    }

    /// The partition's holder as PostgreSQL sees it now, or nil if it was never leased.
    public func holder(of partition: UInt32) throws(StorageError) -> LeaseHolder? {
        let result = try session.run(
            """
            SELECT owner, epoch, (extract(epoch FROM expires_at - now()) * 1000)::bigint
            FROM settle_leases WHERE partition = \(Int32(partition))
            """, doing: "reading the lease of partition \(partition)")
        guard let row = result.rows.first else { return nil }
        do {
            let (owner, epoch, valid) = try row.decode((String?, Int64, Int64).self)
            return LeaseHolder(partition: partition, owner: owner, epoch: UInt64(epoch), validMilliseconds: valid)
        } catch {
            throw StorageError(.corruption, "settle_leases row of partition \(partition) does not decode: \(error)")
        }
    }

    /// Closes the connection. Leases stay as they are in PostgreSQL until they expire.
    public func close() {
        session.close()
    }

    private func lease(from result: PostgresQueryResult, partition: UInt32, sent: ContinuousClock.Instant) throws(StorageError) -> PartitionLease? {
        guard let row = result.rows.first else { return nil }
        do {
            let (epoch, valid) = try row.decode((Int64, Int64).self)
            return PartitionLease(
                partition: partition, owner: owner, epoch: UInt64(epoch), validMilliseconds: valid,
                validUntil: sent.advanced(by: .milliseconds(valid)))
        } catch {
            throw StorageError(.corruption, "settle_leases row of partition \(partition) does not decode: \(error)")
        }
    }
}
