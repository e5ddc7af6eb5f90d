import Foundation
import Logging
import PostgresNIO
import SettleEngine
import SettleStorage
import Testing
@testable import SettlePostgres

/// The PostgreSQL the tests run against: `SETTLE_TEST_POSTGRES_URL`, as printed by
/// `scripts/postgres-start.sh`. Each test works in a schema of its own with a random name, so
/// tests are independent and may run in parallel.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["SETTLE_TEST_POSTGRES_URL"]
    static var isConfigured: Bool { url != nil }
    static let skipReason: Comment =
        "SETTLE_TEST_POSTGRES_URL is not set: these tests need a real PostgreSQL. Run `scripts/postgres-start.sh` and set the variable to the URL it prints (scripts/test.sh does)."

    /// Settings for a new, empty schema.
    static func freshSettings(statementTimeoutMilliseconds: Int64 = 10_000) -> PostgresSettings {
        let name = "settle_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        guard let url, var settings = PostgresSettings(url: url, schema: name) else {
            preconditionFailure("SETTLE_TEST_POSTGRES_URL is not a postgres:// URL")
        }
        settings.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        return settings
    }

    /// Settings for a new schema, migrated.
    static func migratedSettings() throws -> PostgresSettings {
        let settings = freshSettings()
        try PostgresSchema.migrate(settings)
        return settings
    }

    /// Runs SQL as an administrator would, in the test's schema, on a connection of its own.
    @discardableResult
    static func admin(_ settings: PostgresSettings, _ query: PostgresQuery) throws -> PostgresQueryResult {
        let session = try PostgresSession.connect(
            settings, purpose: "test admin", eventLoopGroup: PostgresConnection.defaultEventLoopGroup, logger: Logger(label: "test"))
        defer { session.close() }
        return try session.run(query, doing: "running test SQL")
    }

    /// Makes the partition's lease expired, as if its holder had not renewed it in time.
    static func expireLease(_ settings: PostgresSettings, partition: UInt32) throws {
        try admin(settings, "UPDATE settle_leases SET expires_at = now() - interval '1 second' WHERE partition = \(Int32(partition))")
    }
}

/// Hands a non-Sendable value to threads that use it one at a time (each racer has its own).
final class Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The error a throwing call raised, as a `StorageError`, or nil if it did not throw.
func storageError(_ body: () throws -> Void) -> StorageError? {
    do {
        try body()
        return nil
    } catch let error as StorageError {
        return error
    } catch {
        Issue.record("expected a StorageError, got \(error)")
        return nil
    }
}

/// Appends `count` records after the journal's end, with bodies derived from their ops.
func appendRecords(_ journal: PostgresJournal, count: Int, bodySize: Int = 100) throws {
    for _ in 0..<count {
        let op = journal.lastOp + 1
        try journal.append(op: op, timestamp: op * 1_000, body: recordBody(op: op, size: bodySize))
    }
}

func recordBody(op: UInt64, size: Int) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: Int(op) &* 31 &+ $0) }
}

func replayAll(_ journal: PostgresJournal, after op: UInt64 = 0) throws -> [JournalRecord] {
    var records: [JournalRecord] = []
    try journal.replay(after: op) { records.append($0) }
    return records
}

extension Engine {
    /// Waits (up to 10 s) until every partition of this replica has looked at storage once:
    /// a test that needs the replica to fall behind must not let a late thread start find it
    /// caught up.
    func awaitFirstPoll() async throws {
        for _ in 0..<1_000 where !metrics.allSatisfy({ ($0.replica?.polls ?? 0) >= 1 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
