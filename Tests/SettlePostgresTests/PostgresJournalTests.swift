import Foundation
import PostgresNIO
import SettleStorage
import Testing
@testable import SettlePostgres

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct PostgresJournalTests {
    @Test func appendSyncReplayRoundTripsWithChecksums() throws {
        let settings = try TestDatabase.migratedSettings()
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        defer { leases.close() }
        let lease = try #require(try leases.acquire(partition: 3))
        #expect(lease.epoch == 1)
        let journal = try PostgresJournal.open(settings: settings, lease: lease, replayPageRows: 3)
        #expect(journal.lastOp == 0 && journal.durableOp == 0)
        try appendRecords(journal, count: 4)
        #expect(journal.lastOp == 4 && journal.durableOp == 0)
        #expect(try replayAll(journal).isEmpty)  // nothing is visible before sync
        try journal.sync()
        try appendRecords(journal, count: 6, bodySize: 3_000)
        try journal.append(op: 11, timestamp: 11_000, body: [])
        try journal.sync()
        #expect(journal.durableOp == 11)
        journal.close()

        var replayed: [JournalRecord] = []
        let reopened = try PostgresJournal.open(settings: settings, lease: lease, replayAfter: 0, replayPageRows: 3) { replayed.append($0) }
        defer { reopened.close() }
        #expect(reopened.lastOp == 11)
        #expect(replayed.map(\.op) == Array(1...11))
        #expect(replayed[0] == JournalRecord(partition: 3, op: 1, timestamp: 1_000, body: recordBody(op: 1, size: 100)))
        #expect(replayed[6] == JournalRecord(partition: 3, op: 7, timestamp: 7_000, body: recordBody(op: 7, size: 3_000)))
        #expect(replayed[10].body.isEmpty)
        #expect(try replayAll(reopened, after: 9).map(\.op) == [10, 11])

        // The stored checksum is the one a FileJournal record of the same fields carries.
        let rows = try TestDatabase.admin(settings, "SELECT checksum, epoch FROM settle_journal WHERE partition = 3 AND op = 7")
        let (checksum, epoch) = try #require(try rows.rows.first?.decode((Int64, Int64).self))
        let encoded = JournalRecordFormat.encode(replayed[6])
        #expect(UInt32(checksum) == encoded[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) })
        #expect(epoch == 1)
    }

    @Test func aCorruptedBodyIsDetectedOnReplay() throws {
        let settings = try TestDatabase.migratedSettings()
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        defer { leases.close() }
        let lease = try #require(try leases.acquire(partition: 1))
        let journal = try PostgresJournal.open(settings: settings, lease: lease)
        defer { journal.close() }
        try appendRecords(journal, count: 3)
        try journal.sync()
        try TestDatabase.admin(settings, "UPDATE settle_journal SET body = set_byte(body, 5, get_byte(body, 5) # 1) WHERE op = 2")
        var seen: [UInt64] = []
        let error = storageError { try journal.replay(after: 0) { seen.append($0.op) } }
        #expect(error?.code == .corruption)
        #expect(error?.path == "settle_journal(partition=1, op=2)")
        #expect(seen == [1])  // never past the damage
    }

    @Test func aNodeThatLostItsLeaseCannotAppend() throws {
        let settings = try TestDatabase.migratedSettings()
        let nodeA = try LeaseManager(settings: settings, owner: "node-a", leaseMilliseconds: 60_000)
        let nodeB = try LeaseManager(settings: settings, owner: "node-b")
        defer { nodeA.close(); nodeB.close() }
        let leaseA = try #require(try nodeA.acquire(partition: 5))
        #expect(try nodeB.acquire(partition: 5) == nil)  // held
        let journalA = try PostgresJournal.open(settings: settings, lease: leaseA)
        defer { journalA.close() }
        try appendRecords(journalA, count: 2)
        try journalA.sync()
        try appendRecords(journalA, count: 2)  // ops 3 and 4, buffered while the lease runs out

        // Expired on PostgreSQL's clock, not by a short lease and a sleep: a slow machine could
        // let such a lease run out before node B's first attempt above.
        try TestDatabase.expireLease(settings, partition: 5)
        let leaseB = try #require(try nodeB.acquire(partition: 5))
        #expect(leaseB.epoch == 2)
        #expect(try nodeA.renew(leaseA) == nil)

        let fenced = storageError { try journalA.sync() }
        #expect(fenced?.code == .fenced)
        #expect(journalA.isPoisoned)
        #expect(journalA.durableOp == 2)
        #expect(storageError { try journalA.append(op: 5, timestamp: 5, body: [1]) }?.code == .poisoned)
        #expect(storageError { try journalA.sync() }?.code == .poisoned)

        var replayed: [JournalRecord] = []
        let journalB = try PostgresJournal.open(settings: settings, lease: leaseB, replayAfter: 0) { replayed.append($0) }
        defer { journalB.close() }
        #expect(replayed.map(\.op) == [1, 2])
        #expect(journalB.lastOp == 2)
        try appendRecords(journalB, count: 2)
        try journalB.sync()
        let epochs = try TestDatabase.admin(settings, "SELECT op, epoch FROM settle_journal WHERE partition = 5 ORDER BY op")
        let opsAndEpochs = try epochs.rows.map { row -> [Int64] in
            let (op, epoch) = try row.decode((Int64, Int64).self)
            return [op, epoch]
        }
        #expect(opsAndEpochs == [[1, 1], [2, 1], [3, 2], [4, 2]])

        // A journal opened under the lost lease is refused at once.
        #expect(storageError { _ = try PostgresJournal.open(settings: settings, lease: leaseA) }?.code == .fenced)
    }

    @Test func anotherWritersRowAtTheSameOpFencesTheSync() throws {
        let settings = try TestDatabase.migratedSettings()
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        defer { leases.close() }
        let lease = try #require(try leases.acquire(partition: 2))
        // Two journals under one lease: a bug in the caller, which the primary key still catches.
        let first = try PostgresJournal.open(settings: settings, lease: lease)
        let second = try PostgresJournal.open(settings: settings, lease: lease)
        defer { first.close(); second.close() }
        try appendRecords(first, count: 1)
        try first.sync()
        try second.append(op: 1, timestamp: 9, body: [9, 9])
        #expect(storageError { try second.sync() }?.code == .fenced)
        #expect(second.isPoisoned)
        #expect(try replayAll(first).map(\.body) == [recordBody(op: 1, size: 100)])
    }

    @Test func removeSegmentsDeletesRowsBelowACheckpointButNeverTheNewest() throws {
        let settings = try TestDatabase.migratedSettings()
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        defer { leases.close() }
        let lease = try #require(try leases.acquire(partition: 4))
        let journal = try PostgresJournal.open(settings: settings, lease: lease)
        defer { journal.close() }
        try appendRecords(journal, count: 10)
        try journal.sync()
        #expect(try journal.removeSegments(before: 6) == 5)
        #expect(try replayAll(journal, after: 5).map(\.op) == Array(6...10))
        #expect(storageError { _ = try replayAll(journal, after: 0) }?.code == .missingSegment)
        #expect(try journal.removeSegments(before: 100) == 4)
        #expect(try replayAll(journal, after: 9).map(\.op) == [10])
        #expect(journal.lastOp == 10)

        try TestDatabase.expireLease(settings, partition: 4)
        #expect(storageError { _ = try journal.removeSegments(before: 100) }?.code == .fenced)
    }

    @Test func aSyncAfterTheConnectionDropsFailsAndPoisons() throws {
        // A deadline well under the 5 s asserted below, in case the server's end of the
        // connection goes unanswered and only the deadline ends the wait.
        var settings = try TestDatabase.migratedSettings()
        settings.statementTimeoutMilliseconds = 2_000
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        defer { leases.close() }
        let lease = try #require(try leases.acquire(partition: 6))
        let journal = try PostgresJournal.open(settings: settings, lease: lease)
        defer { journal.close() }
        try appendRecords(journal, count: 2)
        try journal.sync()
        try appendRecords(journal, count: 2)
        try TestDatabase.admin(settings, "SELECT pg_terminate_backend(\(journal.backendProcessID), 5000)")

        let start = ContinuousClock.now
        let error = storageError { try journal.sync() }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(error?.code == .ioFailure)
        #expect(journal.isPoisoned)
        #expect(storageError { try journal.sync() }?.code == .poisoned)
        let count = try TestDatabase.admin(settings, "SELECT count(*) FROM settle_journal WHERE partition = 6")
        #expect(try count.rows.first?.decode(Int64.self) == 2)
    }
}
