import PostgresNIO
import SettleStorage

/// The lease check every write of a partition's journal or checkpoints carries, in the same
/// statement (so the same transaction) as the write.
enum Fence {
    /// Yields the lease row, locked `FOR SHARE`, only while the lease holds: same owner, same
    /// epoch, not expired by the server's clock. `$1` partition, `$2` owner, `$3` epoch.
    ///
    /// The lock is what makes the fence exact under READ COMMITTED. An acquisition by another
    /// node is an `UPDATE` of this row: while a fenced write holds the share lock, the
    /// acquisition waits for it to commit, and so sees its rows when it reads the journal
    /// afterwards. A fenced write that reaches the row after an acquisition committed waits
    /// for nothing and re-checks the row's new version (PostgreSQL's EvalPlanQual), which has
    /// another owner or epoch: the lease CTE is empty and the write writes nothing.
    static let sql = unlockedSQL + "\nFOR SHARE"

    /// The same check without the lock, for checkpoint writes. Holding the share lock for the
    /// seconds a large snapshot takes to store would hold off the holder's own renewals (an
    /// `UPDATE` of the row waits for share locks) until the lease expired under it. A
    /// checkpoint needs no exact fence: it is written only once its op is durable, and replay
    /// is deterministic, so any node's snapshot of op N is the same bytes; the check only
    /// keeps a node that has lost the partition from doing the work.
    static let unlockedSQL = """
        SELECT epoch FROM settle_leases
        WHERE partition = $1 AND owner = $2 AND epoch = $3 AND expires_at > now()
        """

    /// `sql` with the lease's values bound as `$1`...`$3`; `more` binds `$4` onward.
    static func query(_ lease: PartitionLease, _ sql: String, _ more: (inout PostgresBindings) -> Void = { _ in }) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 8)
        binds.append(Int32(lease.partition))
        binds.append(lease.owner)
        binds.append(Int64(lease.epoch))
        more(&binds)
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The error of a write the fence refused.
    static func error(_ lease: PartitionLease, _ what: String) -> StorageError {
        StorageError(
            .fenced,
            "fenced \(what): \(lease.owner) no longer holds partition \(lease.partition)'s lease at epoch \(lease.epoch) (expired or taken over); nothing was written")
    }
}
