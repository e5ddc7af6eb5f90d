import Foundation
import Logging
import PostgresNIO
import SettleCore
import SettleEngine
import SettleStorage
import Testing
@testable import SettlePostgres

/// The engine on `PostgresStorage`: what a node acknowledged is what the next leader recovers
/// (checkpoints included), and a node that lost its leases can make nothing durable.
@Suite("Engine on PostgreSQL", .enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct PostgresEngineTests {
    let tenant = TenantID(3)

    func configuration(_ settings: PostgresSettings, _ leases: [PartitionLease]) -> EngineConfiguration {
        var configuration = EngineConfiguration(directory: "/nonexistent/unused", partitionCount: 2)
        configuration.storage = PostgresStorage(settings: settings, leases: leases)
        // Small enough that the run below takes checkpoints, so recovery loads one.
        configuration.checkpointJournalBytes = 2_000
        return configuration
    }

    @Test func theNextLeaderRecoversEveryAcknowledgedWriteFromCheckpointAndJournal() async throws {
        let settings = try TestDatabase.migratedSettings()
        let first = try PostgresCluster(settings: settings, node: "first", leaseMilliseconds: 60_000)
        let leases = try #require(try first.acquireAll(partitions: 2))
        let engine = try Engine.open(configuration(settings, leases))
        let accounts = (1...4).map { Account(id: UInt128($0), ledger: 1, code: 1) }
        #expect(try await engine.submit(.createAccounts(tenant, accounts)).accountResults == [.ok, .ok, .ok, .ok])
        for batch in 0..<20 {
            let transfers = (1...10).map { index in
                Transfer(id: UInt128(batch * 10 + index), debitAccountID: UInt128(1 + index % 4), creditAccountID: UInt128(1 + (index + 1) % 4),
                         amount: UInt128(index), ledger: 1, code: 1)
            }
            #expect(try await engine.submit(.createTransfers(tenant, transfers)).transferResults == Array(repeating: .ok, count: 10))
        }
        let digest = try await engine.read(tenant: tenant) { $0.digest() }
        engine.shutdown()
        #expect(engine.metrics.map(\.checkpoints).reduce(0, +) >= 1)
        first.releaseAll(leases)
        first.close()

        let second = try PostgresCluster(settings: settings, node: "second", leaseMilliseconds: 60_000)
        defer { second.close() }
        let taken = try #require(try second.acquireAll(partitions: 2))
        #expect(taken.map(\.epoch) == leases.map { $0.epoch + 1 })
        let reopened = try Engine.open(configuration(settings, taken))
        defer { reopened.shutdown() }
        #expect(reopened.recovery.contains { $0.checkpointOp > 0 })
        #expect(try await reopened.read(tenant: tenant) { $0.digest() } == digest)
        let retried = try await reopened.submit(.createTransfers(tenant, [Transfer(id: 5, debitAccountID: 1 + 5 % 4, creditAccountID: 1 + 6 % 4, amount: 5, ledger: 1, code: 1)]))
        #expect(retried.transferResults == [.exists])
    }

    @Test func aNodeWhoseLeaseWasTakenStopsAndAcknowledgesNothing() async throws {
        let settings = try TestDatabase.migratedSettings()
        let stale = try PostgresCluster(settings: settings, node: "stale", leaseMilliseconds: 60_000)
        defer { stale.close() }
        let leases = try #require(try stale.acquireAll(partitions: 2))
        let engine = try Engine.open(configuration(settings, leases))
        defer { engine.shutdown() }
        #expect(try await engine.submit(.createAccounts(tenant, [Account(id: 1, ledger: 1, code: 1)])).accountResults == [.ok])

        for partition in 0..<UInt32(2) { try TestDatabase.expireLease(settings, partition: partition) }
        let usurper = try PostgresCluster(settings: settings, node: "usurper", leaseMilliseconds: 60_000)
        defer { usurper.close() }
        #expect(try usurper.acquireAll(partitions: 2) != nil)

        await #expect(throws: EngineError.self) {
            try await engine.submit(.createAccounts(tenant, [Account(id: 2, ledger: 1, code: 1)]))
        }
        #expect(engine.stoppedPartitions == [engine.partitionIndex(for: tenant)])
        let rows = try TestDatabase.admin(settings, "SELECT count(*) FROM settle_journal WHERE epoch = \(Int64(leases[0].epoch + 1))")
        #expect(try rows.rows.first?.decode(Int64.self) == 0)
    }

    @Test func theInstallationKeepsThePartitionCountItWasCreatedWith() throws {
        let settings = try TestDatabase.migratedSettings()
        let logger = Logger(label: "test")
        #expect(try PostgresCluster.partitionCount(settings, creatingWith: 3, logger: logger) == 3)
        #expect(try PostgresCluster.partitionCount(settings, creatingWith: 8, logger: logger) == 3)
    }
}

extension WriteReply {
    var transferResults: [CreateTransferResult] {
        if case .transfers(let results) = results { return results }
        return []
    }

    var accountResults: [CreateAccountResult] {
        if case .accounts(let results) = results { return results }
        return []
    }
}
