import Foundation
import PostgresNIO
import SettleStorage
import Testing
@testable import SettlePostgres

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct PostgresSchemaTests {
    @Test func migratesAnEmptySchemaAndRecordsTheVersion() throws {
        let settings = TestDatabase.freshSettings()
        #expect(try PostgresSchema.version(settings) == 0)
        let report = try PostgresSchema.migrate(settings)
        #expect(report == PostgresSchema.MigrationReport(fromVersion: 0, toVersion: PostgresSchema.currentVersion))
        #expect(try PostgresSchema.version(settings) == PostgresSchema.currentVersion)
        let tables = try TestDatabase.admin(
            settings,
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(settings.schema) ORDER BY table_name")
        let names = try tables.rows.map { try $0.decode(String.self) }
        #expect(names == [
            "settle_accounts", "settle_checkpoint_chunks", "settle_checkpoints", "settle_journal", "settle_leases", "settle_meta", "settle_nodes", "settle_projection",
            "settle_schema", "settle_transfers",
        ])
    }

    @Test func rerunningMigrationsChangesNothing() throws {
        let settings = try TestDatabase.migratedSettings()
        let again = try PostgresSchema.migrate(settings)
        #expect(again == PostgresSchema.MigrationReport(fromVersion: PostgresSchema.currentVersion, toVersion: PostgresSchema.currentVersion))
        let rows = try TestDatabase.admin(settings, "SELECT count(*) FROM settle_schema")
        #expect(try rows.rows.first?.decode(Int64.self) == Int64(PostgresSchema.currentVersion))
    }

    @Test func nodesMigratingAtOnceTakeTurns() throws {
        let settings = TestDatabase.freshSettings()
        let reports = Unchecked(NSLock())
        nonisolated(unsafe) var results: [Result<PostgresSchema.MigrationReport, any Error>] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let result = Result { try PostgresSchema.migrate(settings) }
            reports.value.withLock { results.append(result) }
        }
        let migrated = try results.map { try $0.get() }
        #expect(migrated.filter { $0.fromVersion == 0 }.count == 1)
        #expect(try PostgresSchema.version(settings) == PostgresSchema.currentVersion)
    }

    @Test func aJournalRefusesAnUnmigratedSchema() throws {
        let settings = TestDatabase.freshSettings()
        let error = storageError { _ = try LeaseManager(settings: settings, owner: "a") }
        #expect(error?.code == .notFound)
    }
}

/// No database needed.
struct PostgresSettingsTests {
    @Test func parsesURLs() throws {
        let settings = try #require(PostgresSettings(url: "postgres://me:p%40ss@db.example:6543/ledger?schema=blue"))
        #expect(settings.host == "db.example")
        #expect(settings.port == 6543)
        #expect(settings.username == "me")
        #expect(settings.password == "p@ss")
        #expect(settings.database == "ledger")
        #expect(settings.schema == "blue")
        #expect(settings.description == "postgres://me@db.example:6543/ledger?schema=blue")
        let plain = try #require(PostgresSettings(url: "postgresql://postgres@127.0.0.1/settle"))
        #expect(plain.port == 5432 && plain.password == nil && plain.schema == "settle")
        #expect(PostgresSettings(url: "mysql://x@y/z") == nil)
        #expect(PostgresSettings(url: "postgres://x@y/z?schema=bad-name") == nil)
    }

    @Test func checksumsMatchTheFileFormats() throws {
        let body: [UInt8] = Array(0..<200)
        let encoded = JournalRecordFormat.encode(JournalRecord(partition: 3, op: 17, timestamp: 99, body: body))
        let stored = encoded[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        let computed = body.withUnsafeBytes { RecordChecksum.journal(partition: 3, op: 17, timestamp: 99, body: $0) }
        #expect(computed == stored)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-pg-checkpoint-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try CheckpointStore(dataDirectory: directory, partition: 3)
        try store.write(op: 17, timestamp: 99, snapshot: body)
        let file = try #require(FileManager.default.contents(atPath: store.path(op: 17)))
        let fileChecksum = file[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        #expect(RecordChecksum.checkpoint(partition: 3, op: 17, timestamp: 99, snapshot: body) == fileChecksum)
    }
}
