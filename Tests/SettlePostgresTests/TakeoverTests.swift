import Foundation
import Logging
import PostgresNIO
import SettleCore
import SettleEngine
import SettleStorage
import Testing
@testable import SettlePostgres

/// A follower that wins the leases continues from what its replica had applied: it replays
/// only the journal after that (not the checkpoint first), ends at the writer's state, and
/// writes on; when the journal no longer holds what follows the replica's op, it recovers
/// from the checkpoint as any writer does.
@Suite("Takeover from a replica's state", .enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct TakeoverTests {
    let tenant = TenantID(5)

    func configuration(_ settings: PostgresSettings, _ leases: [PartitionLease], checkpointBytes: Int) -> EngineConfiguration {
        var configuration = EngineConfiguration(directory: "/nonexistent/unused", partitionCount: 2)
        configuration.storage = PostgresStorage(settings: settings, leases: leases)
        configuration.checkpointJournalBytes = checkpointBytes
        return configuration
    }

    /// A replica that has made its first poll (at op 0: nothing is written yet).
    func replica(_ settings: PostgresSettings, pollMilliseconds: UInt64) async throws -> Engine {
        _ = try PostgresCluster.partitionCount(settings, creatingWith: 2, logger: Logger(label: "test"))
        var configuration = EngineConfiguration(directory: "/nonexistent/unused")
        configuration.replicaPollNanoseconds = pollMilliseconds * 1_000_000
        let replica = try Engine.openReplica(configuration, storage: PostgresReplicaStorage(settings: settings))
        try await replica.awaitFirstPoll()
        return replica
    }

    func transfers(batch: Int) -> [Transfer] {
        (1...10).map { index in
            Transfer(id: UInt128(batch * 10 + index), debitAccountID: UInt128(1 + index % 4), creditAccountID: UInt128(1 + (index + 1) % 4),
                     amount: UInt128(index), ledger: 1, code: 1)
        }
    }

    /// Writes `batches` batches on a first writer beside `replica`; returns the writer's digest
    /// and newest op after releasing its leases.
    func writeAndStepDown(_ settings: PostgresSettings, checkpointBytes: Int, batches: Int,
                          replicaAt: (Engine) async throws -> Void) async throws -> (digest: UInt64, op: UInt64) {
        let first = try PostgresCluster(settings: settings, node: "first", leaseMilliseconds: 60_000)
        defer { first.close() }
        let leases = try #require(try first.acquireAll(partitions: 2))
        let engine = try Engine.open(configuration(settings, leases, checkpointBytes: checkpointBytes))
        _ = try await engine.submit(.createAccounts(tenant, (1...4).map { Account(id: UInt128($0), ledger: 1, code: 1) }))
        var last: UInt64 = 0
        for batch in 0..<batches { last = try await engine.submit(.createTransfers(tenant, transfers(batch: batch))).op }
        try await replicaAt(engine)
        // Two more the replica has not been asked to see: the journal must bring them.
        for batch in batches..<batches + 2 { last = try await engine.submit(.createTransfers(tenant, transfers(batch: batch))).op }
        let digest = try await engine.read(tenant: tenant) { $0.digest() }
        engine.shutdown()
        first.releaseAll(leases)
        return (digest, last)
    }

    @Test func theWinnerReplaysOnlyWhatItsReplicaHadNotAppliedAndWritesOn() async throws {
        let settings = try TestDatabase.migratedSettings()
        // Polls only when a read names an op it lacks, so the last two batches stay unapplied.
        let replica = try await replica(settings, pollMilliseconds: 600_000)
        var seen: UInt64 = 0
        let (digest, last) = try await writeAndStepDown(settings, checkpointBytes: 512 << 20, batches: 20) { engine in
            let op = try await engine.submit(.createTransfers(tenant, [])).op
            _ = try await replica.read(tenant: tenant, atLeast: op) { $0.digest() }
            seen = op
        }
        let partition = Int(tenant.rawValue % 2)
        let handover = try #require(replica.stopAndHandOver())
        #expect(handover.ops[partition] == seen)

        let second = try PostgresCluster(settings: settings, node: "second", leaseMilliseconds: 60_000)
        defer { second.close() }
        let leases = try #require(try second.acquireAll(partitions: 2))
        let writer = try Engine.open(configuration(settings, leases, checkpointBytes: 512 << 20), continuing: handover)
        defer { writer.shutdown() }
        let report = writer.recovery[partition]
        #expect(report.continuedFromReplica && report.checkpointOp == seen)
        #expect(report.replayedOps == Int(last - seen))
        #expect(try await writer.read(tenant: tenant) { $0.digest() } == digest)
        let next = try await writer.submit(.createTransfers(tenant, transfers(batch: 100)))
        #expect(next.op == last + 1 && next.transferResults == Array(repeating: .ok, count: 10))
        // A retry of a transfer the first writer acknowledged is recognised, not applied again.
        #expect(try await writer.submit(.createTransfers(tenant, transfers(batch: 3))).transferResults == Array(repeating: .exists, count: 10))
    }

    @Test func aReplicaBehindRemovedRowsHandsOverNothingUsableAndTheWinnerRecoversFromTheCheckpoint() async throws {
        let settings = try TestDatabase.migratedSettings()
        // Opened before anything is written; never polls again, while tiny checkpoints let
        // the writer remove the rows after its op.
        let replica = try await replica(settings, pollMilliseconds: 600_000)
        let (digest, last) = try await writeAndStepDown(settings, checkpointBytes: 2_000, batches: 40) { _ in }
        let partition = Int(tenant.rawValue % 2)
        let oldest = try TestDatabase.admin(settings, "SELECT min(op) FROM settle_journal WHERE partition = \(partition)")
        let handover = try #require(replica.stopAndHandOver())
        #expect(try oldest.rows.first!.decode(Int64.self) > Int64(handover.ops[partition]) + 1, "the rows after the replica's op were removed")

        let second = try PostgresCluster(settings: settings, node: "second", leaseMilliseconds: 60_000)
        defer { second.close() }
        let leases = try #require(try second.acquireAll(partitions: 2))
        let writer = try Engine.open(configuration(settings, leases, checkpointBytes: 2_000), continuing: handover)
        defer { writer.shutdown() }
        #expect(!writer.recovery[partition].continuedFromReplica && writer.recovery[partition].checkpointOp > 0)
        #expect(try await writer.read(tenant: tenant) { $0.digest() } == digest)
        #expect(try await writer.submit(.createTransfers(tenant, transfers(batch: 100))).op == last + 1)
    }
}
