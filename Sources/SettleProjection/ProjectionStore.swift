import SettleCore

/// Where the SQL projection's rows go: `PostgresProjectionStore` writes `settle_accounts` and
/// `settle_transfers` (docs/POSTGRES.md has the tables). One store per partition, used from
/// that partition's thread only.
public protocol ProjectionStore: AnyObject {
    /// The op of `partition` the stored projection includes everything through (0: nothing).
    func position() throws -> UInt64

    /// In one transaction: stores `rows` and moves the position from `from` to `through` —
    /// only if the position is still exactly `from`. Otherwise writes nothing and returns the
    /// position found (another projector moved it). Rows are upserts, so writing a row again
    /// with the state of a later op is harmless: that makes replays idempotent.
    func write(from: UInt64, through: UInt64, _ rows: ProjectionRows) throws -> UInt64?

    func close()
}

/// Accounts and transfers as of one op, to upsert.
public struct ProjectionRows: Sendable {
    public var accounts: [(tenant: TenantID, account: Account)] = []
    /// With the pending status of pending transfers (nil for the others).
    public var transfers: [(tenant: TenantID, transfer: Transfer, pendingStatus: PendingStatus?)] = []

    public init() {}
}
