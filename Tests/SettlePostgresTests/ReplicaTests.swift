import Foundation
import Logging
import PostgresNIO
import SettleCore
import SettleEngine
import SettleStorage
import Testing
@testable import SettlePostgres

/// A read replica on `PostgresReplicaStorage`: it applies what the writer commits, a read
/// naming a commit position waits for it (bounded), writes are refused, and a replica that
/// fell behind a checkpoint loads it again.
@Suite("Read replica on PostgreSQL", .enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct ReplicaTests {
    let tenant = TenantID(5)

    func writer(_ settings: PostgresSettings, checkpointBytes: Int = 512 << 20) throws -> (Engine, PostgresCluster) {
        _ = try PostgresCluster.partitionCount(settings, creatingWith: 2, logger: Logger(label: "test"))
        let cluster = try PostgresCluster(settings: settings, node: "writer", leaseMilliseconds: 60_000)
        let leases = try #require(try cluster.acquireAll(partitions: 2))
        var configuration = EngineConfiguration(directory: "/nonexistent/unused", partitionCount: 2)
        configuration.storage = PostgresStorage(settings: settings, leases: leases)
        configuration.checkpointJournalBytes = checkpointBytes
        return (try Engine.open(configuration), cluster)
    }

    func replica(_ settings: PostgresSettings, pollMilliseconds: UInt64 = 5, idlePollMilliseconds: UInt64 = 100,
                 readWaitMilliseconds: UInt64 = 2_000) throws -> Engine {
        var configuration = EngineConfiguration(directory: "/nonexistent/unused")
        configuration.replicaPollNanoseconds = pollMilliseconds * 1_000_000
        configuration.replicaIdlePollNanoseconds = idlePollMilliseconds * 1_000_000
        configuration.readWaitNanoseconds = readWaitMilliseconds * 1_000_000
        return try Engine.openReplica(configuration, storage: PostgresReplicaStorage(settings: settings))
    }

    func transfers(batch: Int) -> [Transfer] {
        (1...10).map { index in
            Transfer(id: UInt128(batch * 10 + index), debitAccountID: UInt128(1 + index % 4), creditAccountID: UInt128(1 + (index + 1) % 4),
                     amount: UInt128(index), ledger: 1, code: 1)
        }
    }

    @Test func aReadNamingAWritesOpSeesItAndTheReplicaEndsEqualToTheWriter() async throws {
        let settings = try TestDatabase.migratedSettings()
        let (engine, cluster) = try writer(settings)
        defer { engine.shutdown(); cluster.close() }
        let replica = try replica(settings)
        defer { replica.shutdown() }
        #expect(replica.isReplica && replica.metrics.count == 2)

        let accounts = try await engine.submit(.createAccounts(tenant, (1...4).map { Account(id: UInt128($0), ledger: 1, code: 1) }))
        #expect(try await replica.read(tenant: tenant, atLeast: accounts.op) { $0.counts(tenant: tenant).accounts } == 4)
        for batch in 0..<30 {
            let reply = try await engine.submit(.createTransfers(tenant, transfers(batch: batch)))
            // Read-your-writes: the very next read on the replica sees the transfer just written.
            let seen = try await replica.read(tenant: tenant, atLeast: reply.op) { $0.lookupTransfers(tenant: tenant, ids: [UInt128(batch * 10 + 1)]) }
            #expect(seen.count == 1)
        }
        let last = try await engine.submit(.createTransfers(tenant, transfers(batch: 30)))
        let writerDigest = try await engine.read(tenant: tenant) { $0.digest() }
        #expect(try await replica.read(tenant: tenant, atLeast: last.op) { $0.digest() } == writerDigest)
        let lag = try #require(replica.metrics[engine.partitionIndex(for: tenant)].replica)
        #expect(lag.appliedOp >= last.op)
        #expect(engine.metrics.allSatisfy { $0.replica == nil })
    }

    @Test func anIdleReplicaBacksOffItsPolls() async throws {
        let settings = try TestDatabase.migratedSettings()
        let (engine, cluster) = try writer(settings)
        defer { engine.shutdown(); cluster.close() }
        let created = try await engine.submit(.createAccounts(tenant, (1...4).map { Account(id: UInt128($0), ledger: 1, code: 1) }))
        let replica = try replica(settings, pollMilliseconds: 1, idlePollMilliseconds: 60_000)
        defer { replica.shutdown() }
        #expect(try await replica.read(tenant: tenant, atLeast: created.op) { $0.counts(tenant: tenant).accounts } == 4)

        // Polling every 1 ms would be about 1,000 polls a partition in this second; backing off
        // from 1 ms by doubling makes at most 11 (1 + 2 + … + 512 ms). A slower machine polls
        // less, never more.
        func polls() -> [Int] { replica.metrics.map { $0.replica?.polls ?? 0 } }
        let before = polls()
        try await Task.sleep(for: .seconds(1))
        let idle = zip(polls(), before).map { $0 - $1 }
        #expect(idle.allSatisfy { $0 <= 12 }, "polls per partition in an idle second: \(idle)")
        // That a read naming an op the replica lacks polls at once, backed off or not, is
        // what aReplicaBehindRemovedRowsLoadsTheNewestCheckpointAgain shows (it never polls
        // on its own).
    }

    @Test func aReplicaRefusesWritesAndFailsAReadWhoseOpNeverComes() async throws {
        let settings = try TestDatabase.migratedSettings()
        let (engine, cluster) = try writer(settings)
        defer { engine.shutdown(); cluster.close() }
        let reply = try await engine.submit(.createAccounts(tenant, [Account(id: 1, ledger: 1, code: 1)]))
        let replica = try replica(settings, readWaitMilliseconds: 1_000)
        defer { replica.shutdown() }

        await #expect(throws: EngineError(.readOnly, "this node is a read replica; writes go to the writer")) {
            try await replica.submit(.createAccounts(tenant, [Account(id: 2, ledger: 1, code: 1)]))
        }
        let start = ContinuousClock.now
        do {
            _ = try await replica.read(tenant: tenant, atLeast: reply.op + 1_000) { $0.counts(tenant: tenant) }
            Issue.record("a read of an op nobody wrote was answered")
        } catch let error as EngineError {
            #expect(error.code == .unavailable)
        }
        #expect(ContinuousClock.now - start >= .milliseconds(1_000))
        // Nothing was written by the replica: the writer's journal holds only its own op.
        #expect(try await engine.read(tenant: tenant) { $0.counts(tenant: tenant).accounts } == 1)
        #expect(try await replica.read(tenant: tenant, atLeast: reply.op) { $0.counts(tenant: tenant).accounts } == 1)
    }

    @Test func aReplicaBehindRemovedRowsLoadsTheNewestCheckpointAgain() async throws {
        let settings = try TestDatabase.migratedSettings()
        // Tiny checkpoints: the writer checkpoints and removes journal rows as it goes.
        let (engine, cluster) = try writer(settings, checkpointBytes: 2_000)
        defer { engine.shutdown(); cluster.close() }
        _ = try await engine.submit(.createAccounts(tenant, (1...4).map { Account(id: UInt128($0), ledger: 1, code: 1) }))
        // Polls only when a read asks for an op it lacks, so it falls behind meanwhile (once
        // its first poll, at start, is done).
        let replica = try replica(settings, pollMilliseconds: 600_000)
        defer { replica.shutdown() }
        try await replica.awaitFirstPoll()
        var last: UInt64 = 0
        for batch in 0..<40 { last = try await engine.submit(.createTransfers(tenant, transfers(batch: batch))).op }
        let partition = UInt32(engine.partitionIndex(for: tenant))
        let oldest = try TestDatabase.admin(settings, "SELECT min(op) FROM settle_journal WHERE partition = \(Int32(partition))")
        #expect(try oldest.rows.first!.decode(Int64.self) > 2, "the writer removed rows the replica had not read")

        let writerDigest = try await engine.read(tenant: tenant) { $0.digest() }
        #expect(try await replica.read(tenant: tenant, atLeast: last) { $0.digest() } == writerDigest)
        #expect(replica.stoppedPartitions.isEmpty)
        #expect(try #require(replica.metrics[Int(partition)].replica).readFailures >= 1)
    }
}
