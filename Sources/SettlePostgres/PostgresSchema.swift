import Logging
import PostgresNIO
import SettleStorage

/// Settle's tables in PostgreSQL, and the migrations that create them. Settle owns its
/// schema: `migrate` brings a schema from empty (or any older version) to `currentVersion`.
///
/// Tables (all in `PostgresSettings.schema`; docs/POSTGRES.md says the same):
///
/// `settle_schema` — one row per applied migration; the schema's version is `max(version)`.
/// - `version int primary key`: the migration's number, consecutive from 1.
/// - `description text`: what the migration did.
/// - `applied_at timestamptz`: when (the server's clock).
///
/// `settle_journal` — the shared journal: one row per committed record (one engine batch group).
/// - `partition int`, `op bigint`: the key; ops are consecutive per partition from 1.
/// - `epoch bigint`: the lease epoch the record was appended under (`settle_leases.epoch`).
/// - `timestamp bigint`: the engine timestamp of the record (nanoseconds; UInt64 bit pattern).
/// - `checksum bigint`: CRC32C of the record exactly as `JournalRecordFormat` encodes it (header
///   with the checksum field zeroed, then the body), 0 ... 2^32-1; checked on every replay.
/// - `body bytea`: the engine's encoded batch, opaque here, at most 16 MiB.
///
/// `settle_checkpoints` — snapshots of a partition's state, the newest few per partition.
/// - `partition int`, `op bigint`: the key; the snapshot includes every op up to `op`.
/// - `timestamp bigint`: the engine timestamp of `op`.
/// - `checksum bigint`: CRC32C as `CheckpointFormat` computes it for a file (48-byte header with
///   the checksum zeroed, then the snapshot); checked on every load.
/// - `epoch bigint`: the lease epoch of the node that wrote it.
/// - `body bytea`: the engine's snapshot, opaque here (PostgreSQL caps a bytea at 1 GB).
/// - `written_at timestamptz`: when it was written (the server's clock).
///
/// `settle_meta` — settings fixed when the installation was created (version 2).
/// - `key text primary key`, `value text`: `partitions` is the partition count.
///
/// `settle_nodes` — the nodes that ever served, so a node can redirect to a lease holder (version 2).
/// - `name text primary key`: the node's name, as `settle_leases.owner` names it.
/// - `http_address text`, `grpc_address text`: `host:port` where clients reach it.
/// - `started_at timestamptz`: when it last started.
///
/// `settle_leases` — who owns each partition.
/// - `partition int primary key`.
/// - `owner text`: the node holding it; NULL once released.
/// - `epoch bigint`: bumped by every acquisition; every journal write is fenced by it.
/// - `expires_at timestamptz`: the lease holds while `expires_at > now()` on the server, so node
///   clocks never matter.
public enum PostgresSchema {
    /// The version this build creates and expects; a database at a newer version is refused.
    public static let currentVersion = 4

    /// A migration: the statements that take the schema from `version - 1` to `version`.
    struct Migration {
        let version: Int
        let description: String
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, description: "journal, checkpoints and leases",
            statements: [
                """
                CREATE TABLE settle_journal (
                    partition int NOT NULL, op bigint NOT NULL CHECK (op >= 1), epoch bigint NOT NULL,
                    timestamp bigint NOT NULL, checksum bigint NOT NULL CHECK (checksum BETWEEN 0 AND 4294967295),
                    body bytea NOT NULL, PRIMARY KEY (partition, op))
                """,
                """
                CREATE TABLE settle_checkpoints (
                    partition int NOT NULL, op bigint NOT NULL, timestamp bigint NOT NULL,
                    checksum bigint NOT NULL CHECK (checksum BETWEEN 0 AND 4294967295), epoch bigint NOT NULL,
                    body bytea NOT NULL, written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (partition, op))
                """,
                """
                CREATE TABLE settle_leases (
                    partition int PRIMARY KEY, owner text, epoch bigint NOT NULL CHECK (epoch >= 1),
                    expires_at timestamptz NOT NULL)
                """,
            ]),
        Migration(
            version: 2, description: "installation settings, nodes, uncompressed journal bodies",
            statements: [
                "CREATE TABLE settle_meta (key text PRIMARY KEY, value text NOT NULL)",
                """
                CREATE TABLE settle_nodes (
                    name text PRIMARY KEY, http_address text NOT NULL, grpc_address text NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT now())
                """,
                // Batches of random 128-bit ids barely compress; pglz on every insert cost CPU.
                "ALTER TABLE settle_journal ALTER COLUMN body SET STORAGE EXTERNAL",
            ]),
        Migration(
            version: 3, description: "SQL projection of accounts and transfers",
            statements: [
                "CREATE TABLE settle_projection (partition int PRIMARY KEY, op bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())",
                """
                CREATE TABLE settle_accounts (
                    tenant bigint NOT NULL, id numeric(39,0) NOT NULL, ledger bigint NOT NULL, code int NOT NULL, flags int NOT NULL,
                    debits_pending numeric(39,0) NOT NULL, debits_posted numeric(39,0) NOT NULL,
                    credits_pending numeric(39,0) NOT NULL, credits_posted numeric(39,0) NOT NULL,
                    user_data_128 numeric(39,0) NOT NULL, user_data_64 numeric(20,0) NOT NULL, user_data_32 bigint NOT NULL,
                    timestamp bigint NOT NULL,
                    created_at timestamptz GENERATED ALWAYS AS (to_timestamp(timestamp / 1e9::double precision)) STORED,
                    PRIMARY KEY (tenant, id))
                """,
                """
                CREATE TABLE settle_transfers (
                    tenant bigint NOT NULL, id numeric(39,0) NOT NULL,
                    debit_account_id numeric(39,0) NOT NULL, credit_account_id numeric(39,0) NOT NULL, amount numeric(39,0) NOT NULL,
                    pending_id numeric(39,0) NOT NULL, user_data_128 numeric(39,0) NOT NULL, user_data_64 numeric(20,0) NOT NULL,
                    user_data_32 bigint NOT NULL, timeout bigint NOT NULL, ledger bigint NOT NULL, code int NOT NULL, flags int NOT NULL,
                    pending_status text CHECK (pending_status IN ('pending', 'posted', 'voided', 'expired')),
                    timestamp bigint NOT NULL,
                    created_at timestamptz GENERATED ALWAYS AS (to_timestamp(timestamp / 1e9::double precision)) STORED,
                    PRIMARY KEY (tenant, id))
                """,
                "CREATE INDEX settle_transfers_debit ON settle_transfers (tenant, debit_account_id)",
                "CREATE INDEX settle_transfers_credit ON settle_transfers (tenant, credit_account_id)",
            ]),
        Migration(
            version: 4, description: "checkpoints in chunks",
            statements: [
                // New checkpoints keep `body` NULL and their snapshot in chunks; older rows
                // keep theirs inline and are still read.
                "ALTER TABLE settle_checkpoints ALTER COLUMN body DROP NOT NULL, ADD COLUMN length bigint, ADD COLUMN chunks int NOT NULL DEFAULT 0",
                """
                CREATE TABLE settle_checkpoint_chunks (
                    partition int NOT NULL, op bigint NOT NULL, chunk int NOT NULL CHECK (chunk >= 0), body bytea NOT NULL,
                    PRIMARY KEY (partition, op, chunk))
                """,
                "ALTER TABLE settle_checkpoint_chunks ALTER COLUMN body SET STORAGE EXTERNAL",
            ]),
    ]

    /// What `migrate` did.
    public struct MigrationReport: Sendable, Hashable {
        /// The schema's version before (0 for an empty schema).
        public var fromVersion: Int
        /// The version now (`currentVersion`).
        public var toVersion: Int
    }

    /// Creates the schema and its tables if missing and applies every migration it lacks, each
    /// in its own transaction that first takes a transaction-scoped advisory lock on the schema's
    /// name: two nodes migrating at once take turns, and the second finds nothing to do.
    /// - Throws: `.unsupportedVersion` if the database is newer than this build; `.ioFailure`.
    @discardableResult
    public static func migrate(
        _ settings: PostgresSettings, eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup,
        logger: Logger = Logger(label: "settle.postgres")
    ) throws(StorageError) -> MigrationReport {
        let session = try PostgresSession.connect(settings, purpose: "migrate", eventLoopGroup: eventLoopGroup, logger: logger)
        defer { session.close() }
        var from: Int?
        while true {
            let applied = try migrateOneStep(session)
            if from == nil { from = applied.before }
            guard let version = applied.after else { break }
            logger.info("migrated PostgreSQL schema", metadata: ["schema": "\(settings.schema)", "version": "\(version)"])
        }
        return MigrationReport(fromVersion: from ?? 0, toVersion: currentVersion)
    }

    /// The schema's version: 0 if Settle's tables were never created there.
    public static func version(
        _ settings: PostgresSettings, eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup,
        logger: Logger = Logger(label: "settle.postgres")
    ) throws(StorageError) -> Int {
        let session = try PostgresSession.connect(settings, purpose: "schema version", eventLoopGroup: eventLoopGroup, logger: logger)
        defer { session.close() }
        return try version(session)
    }

    /// A connection (`PostgresSession.connect`) to a schema at exactly `currentVersion`, as
    /// every journal, store, reader and lease manager opens; closed again if it is not.
    static func connect(
        _ settings: PostgresSettings, purpose: String,
        eventLoopGroup: any EventLoopGroup = PostgresConnection.defaultEventLoopGroup, logger: Logger
    ) throws(StorageError) -> PostgresSession {
        let session = try PostgresSession.connect(settings, purpose: purpose, eventLoopGroup: eventLoopGroup, logger: logger)
        do throws(StorageError) {
            try requireCurrent(session)
        } catch {
            session.close()
            throw error
        }
        return session
    }

    /// Throws unless the schema is at exactly `currentVersion`: what every journal, store and
    /// lease manager checks when it opens.
    static func requireCurrent(_ session: PostgresSession) throws(StorageError) {
        let found = try version(session)
        guard found == currentVersion else {
            let advice = found < currentVersion ? "run PostgresSchema.migrate first" : "this build is older than the database"
            throw StorageError(
                found < currentVersion ? .notFound : .unsupportedVersion,
                "PostgreSQL schema \(session.settings.schema) is at version \(found), this build needs \(currentVersion): \(advice)",
                path: session.settings.description)
        }
    }

    static func version(_ session: PostgresSession) throws(StorageError) -> Int {
        let exists = try session.run(
            "SELECT to_regclass(format('%I.settle_schema', \(session.settings.schema)::text)) IS NOT NULL", doing: "looking for settle_schema")
        guard (try? exists.rows.first?.decode(Bool.self)) == true else { return 0 }
        let result = try session.run("SELECT coalesce(max(version), 0) FROM settle_schema", doing: "reading the schema version")
        return (try? result.rows.first?.decode(Int.self)) ?? 0
    }

    /// One transaction: lock, read the version, apply the next migration if any.
    /// - Returns: the version before, and the version applied (nil if none was needed).
    private static func migrateOneStep(_ session: PostgresSession) throws(StorageError) -> (before: Int, after: Int?) {
        let schema = session.settings.schema
        _ = try session.run("BEGIN", doing: "starting a migration")
        do throws(StorageError) {
            _ = try session.run("SELECT pg_advisory_xact_lock(hashtext(\("settle migrate " + schema)))", doing: "taking the migration lock")
            _ = try session.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), doing: "creating schema \(schema)")
            _ = try session.run(
                """
                CREATE TABLE IF NOT EXISTS settle_schema (
                    version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, doing: "creating settle_schema")
            let before = try version(session)
            guard before < currentVersion else {
                _ = try session.run("COMMIT", doing: "ending a migration")
                if before > currentVersion {
                    throw StorageError(
                        .unsupportedVersion, "PostgreSQL schema \(schema) is at version \(before), newer than this build's \(currentVersion)",
                        path: session.settings.description)
                }
                return (before, nil)
            }
            let migration = migrations[before]
            precondition(migration.version == before + 1, "migrations must be numbered consecutively")
            for statement in migration.statements {
                _ = try session.run(PostgresQuery(unsafeSQL: statement), doing: "applying migration \(migration.version)")
            }
            _ = try session.run(
                "INSERT INTO settle_schema (version, description) VALUES (\(migration.version), \(migration.description))",
                doing: "recording migration \(migration.version)")
            _ = try session.run("COMMIT", doing: "committing migration \(migration.version)")
            return (before, migration.version)
        } catch {
            if !session.isClosed { _ = try? session.run("ROLLBACK") }
            throw error
        }
    }
}
