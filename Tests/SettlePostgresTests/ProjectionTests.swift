import Foundation
import Logging
import PostgresNIO
import SettleCore
import SettleEngine
import SettleProjection
import SettleStorage
import Synchronization
import Testing
@testable import SettlePostgres

/// The SQL projection written by a replica: every account and transfer of the writer's ledger,
/// with balances and pending statuses (expiry included), and the same rows after a replay.
@Suite("SQL projection on PostgreSQL", .enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct ProjectionTests {
    let tenant = TenantID(7)

    /// The writer's clock: it stands still until the test moves it, so a pending transfer expires
    /// when the test says and not when a slow machine happens to reach its deadline.
    final class TestClock: Sendable {
        let start = Clocks.wallNanoseconds()
        let offset = Atomic<UInt64>(0)
        func now() -> UInt64 { start + offset.load(ordering: .relaxed) }
    }

    func writer(_ settings: PostgresSettings, clock: TestClock) throws -> (Engine, PostgresCluster) {
        _ = try PostgresCluster.partitionCount(settings, creatingWith: 2, logger: Logger(label: "test"))
        let cluster = try PostgresCluster(settings: settings, node: "writer", leaseMilliseconds: 60_000)
        let leases = try #require(try cluster.acquireAll(partitions: 2))
        var configuration = EngineConfiguration(directory: "/nonexistent/unused", partitionCount: 2)
        configuration.storage = PostgresStorage(settings: settings, leases: leases)
        configuration.wallClock = { clock.now() }
        return (try Engine.open(configuration), cluster)
    }

    func projectingReplica(_ settings: PostgresSettings) throws -> (Engine, LedgerProjection) {
        let projection = LedgerProjection { partition in try PostgresProjectionStore(settings: settings, partition: partition) }
        var configuration = EngineConfiguration(directory: "/nonexistent/unused")
        configuration.replicaPollNanoseconds = 2_000_000
        return (try Engine.openReplica(configuration, storage: PostgresReplicaStorage(settings: settings), observer: projection), projection)
    }

    /// Waits until the projection's position of the tenant's partition reaches `op`.
    func awaitPosition(_ projection: LedgerProjection, _ partition: Int, _ op: UInt64) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while (projection.positions[partition] ?? 0) < op {
            guard ContinuousClock.now < deadline else {
                Issue.record("the projection reached op \(projection.positions[partition] ?? 0), not \(op)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The projected rows of the tenant, as text, sorted.
    func tables(_ settings: PostgresSettings) throws -> (accounts: [String], transfers: [String]) {
        let accounts = try TestDatabase.admin(settings, """
            SELECT id::text || ' ' || debits_pending || ' ' || debits_posted || ' ' || credits_pending || ' ' || credits_posted || ' ' || flags
            FROM settle_accounts WHERE tenant = \(Int64(tenant.rawValue)) ORDER BY id
            """).rows.map { try $0.decode(String.self) }
        let transfers = try TestDatabase.admin(settings, """
            SELECT id::text || ' ' || debit_account_id || ' ' || credit_account_id || ' ' || amount || ' ' || pending_id || ' '
                   || coalesce(pending_status, '-') || ' ' || timestamp
            FROM settle_transfers WHERE tenant = \(Int64(tenant.rawValue)) ORDER BY id
            """).rows.map { try $0.decode(String.self) }
        return (accounts, transfers)
    }

    /// The same rows from the writer's state machine.
    func expected(_ engine: Engine) async throws -> (accounts: [String], transfers: [String]) {
        let tenant = tenant
        return try await engine.read(tenant: tenant) { machine in
            let accounts = machine.allAccounts(tenant: tenant).sorted { $0.id < $1.id }.map {
                "\($0.id) \($0.debitsPending) \($0.debitsPosted) \($0.creditsPending) \($0.creditsPosted) \($0.flags.rawValue)"
            }
            let transfers = machine.queryTransfers(tenant: tenant, filter: QueryFilter()).sorted { $0.id < $1.id }.map { transfer in
                let status = machine.pendingStatus(tenant: tenant, id: transfer.id).map { PostgresProjectionStore.name($0) } ?? "-"
                return "\(transfer.id) \(transfer.debitAccountID) \(transfer.creditAccountID) \(transfer.amount) \(transfer.pendingID) \(status) \(transfer.timestamp)"
            }
            return (accounts, transfers)
        }
    }

    @Test func theProjectionHoldsEveryAccountAndTransferWithPendingStatusesAndSurvivesAReplay() async throws {
        let settings = try TestDatabase.migratedSettings()
        let clock = TestClock()
        let (engine, cluster) = try writer(settings, clock: clock)
        defer { engine.shutdown(); cluster.close() }
        let (replica, projection) = try projectingReplica(settings)
        let partition = engine.partitionIndex(for: tenant)

        _ = try await engine.submit(.createAccounts(tenant, (1...4).map { Account(id: UInt128($0), ledger: 1, code: 1) }))
        _ = try await engine.submit(.createTransfers(tenant, [
            Transfer(id: 1, debitAccountID: 1, creditAccountID: 2, amount: 10, ledger: 1, code: 1),
            Transfer(id: 2, debitAccountID: 2, creditAccountID: 3, amount: 7, ledger: 1, code: 1, flags: .pending),
            Transfer(id: 3, debitAccountID: 3, creditAccountID: 4, amount: 5, ledger: 1, code: 1, flags: .pending),
            // Expires a second after it is written, by the writer's clock.
            Transfer(id: 4, debitAccountID: 4, creditAccountID: 1, amount: 3, timeoutSeconds: 1, ledger: 1, code: 1, flags: .pending),
            Transfer(id: 9, debitAccountID: 1, creditAccountID: 1, amount: 1, ledger: 1, code: 1),  // refused: same account
        ]))
        let resolved = try await engine.submit(.createTransfers(tenant, [
            Transfer(id: 5, amount: Transfer.amountMax, pendingID: 2, flags: .postPendingTransfer),
            Transfer(id: 6, pendingID: 3, flags: .voidPendingTransfer),
        ]))
        // Projected while transfer 4 is still pending, so its expiry must change its row later.
        try await awaitPosition(projection, partition, resolved.op)
        #expect(try tables(settings).transfers.contains { $0.hasPrefix("4 ") && $0.contains(" pending ") })
        clock.offset.store(5_000_000_000, ordering: .relaxed)
        // A later write: its timestamp is past transfer 4's deadline, so it expires first.
        let last = try await engine.submit(.createTransfers(tenant, [Transfer(id: 7, debitAccountID: 3, creditAccountID: 1, amount: 2, ledger: 1, code: 1)]))
        #expect(try await engine.read(tenant: tenant) { $0.pendingStatus(tenant: self.tenant, id: 4) } == .expired)

        try await awaitPosition(projection, partition, last.op)
        let written = try tables(settings)
        #expect(written.transfers.count == 7)
        #expect(written.transfers.contains { $0.hasPrefix("4 ") && $0.contains(" expired ") })
        #expect(written.transfers.contains { $0.hasPrefix("2 ") && $0.contains(" posted ") })
        #expect(written.transfers.contains { $0.hasPrefix("3 ") && $0.contains(" voided ") })
        let expected = try await expected(engine)
        #expect(written.accounts == expected.accounts)
        #expect(written.transfers == expected.transfers)
        replica.shutdown()

        // Replays: a second projector from scratch finds the position at the end and changes
        // nothing; with the position set back to 0 it writes every row again, and they are the same.
        let (again, second) = try projectingReplica(settings)
        try await awaitPosition(second, partition, last.op)
        again.shutdown()
        #expect(try tables(settings) == written)
        _ = try TestDatabase.admin(settings, "UPDATE settle_projection SET op = 0")
        let (replay, third) = try projectingReplica(settings)
        try await awaitPosition(third, partition, last.op)
        replay.shutdown()
        #expect(try tables(settings) == written)
        let duplicates = try TestDatabase.admin(settings, "SELECT count(*) - count(DISTINCT (tenant, id)) FROM settle_transfers")
        #expect(try duplicates.rows.first?.decode(Int64.self) == 0)
    }

    @Test func aRunningProjectorWhosePositionWentBackWritesEveryRowAgain() async throws {
        let settings = try TestDatabase.migratedSettings()
        let (engine, cluster) = try writer(settings, clock: TestClock())
        defer { engine.shutdown(); cluster.close() }
        let (replica, projection) = try projectingReplica(settings)
        defer { replica.shutdown() }
        let partition = engine.partitionIndex(for: tenant)
        _ = try await engine.submit(.createAccounts(tenant, (1...3).map { Account(id: UInt128($0), ledger: 1, code: 1) }))
        let first = try await engine.submit(.createTransfers(tenant, [Transfer(id: 1, debitAccountID: 1, creditAccountID: 2, amount: 4, ledger: 1, code: 1)]))
        try await awaitPosition(projection, partition, first.op)
        // Rows and position lost by hand (a restore, an operator): the projector cannot know
        // which rows are gone, so it writes all of them with its next change.
        _ = try TestDatabase.admin(settings, "DELETE FROM settle_transfers")
        _ = try TestDatabase.admin(settings, "UPDATE settle_projection SET op = 0")
        let second = try await engine.submit(.createTransfers(tenant, [Transfer(id: 2, debitAccountID: 2, creditAccountID: 3, amount: 1, ledger: 1, code: 1)]))
        try await awaitPosition(projection, partition, second.op)
        let deadline = ContinuousClock.now + .seconds(20)
        while try tables(settings).transfers.count < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let expected = try await expected(engine)
        #expect(try tables(settings).transfers == expected.transfers)
        #expect(try tables(settings).accounts == expected.accounts)
    }

    @Test func aProjectorWhosePositionWasMovedSkipsAhead() async throws {
        let settings = try TestDatabase.migratedSettings()
        let store = try PostgresProjectionStore(settings: settings, partition: 1)
        defer { store.close() }
        #expect(try store.position() == 0)
        var rows = ProjectionRows()
        rows.accounts = [(tenant, Account(id: 1, ledger: 1, code: 1))]
        #expect(try store.write(from: 0, through: 5, rows) == nil)
        // A stale projector still believes the position is 0: nothing is written.
        rows.accounts = [(tenant, Account(id: 2, ledger: 1, code: 1))]
        #expect(try store.write(from: 0, through: 3, rows) == 5)
        #expect(try store.position() == 5)
        #expect(try tables(settings).accounts.count == 1)
    }
}
