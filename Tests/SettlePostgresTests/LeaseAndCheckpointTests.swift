import Foundation
import PostgresNIO
import SettleStorage
import Testing
@testable import SettlePostgres

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct LeaseManagerTests {
    @Test func nodesRacingToAcquireGetOneOwner() throws {
        let settings = try TestDatabase.migratedSettings()
        let managers = try (0..<4).map { Unchecked(try LeaseManager(settings: settings, owner: "node-\($0)")) }
        defer { managers.forEach { $0.value.close() } }
        let lock = NSLock()
        for round in 1...5 {
            nonisolated(unsafe) var won: [PartitionLease] = []
            nonisolated(unsafe) var failures: [String] = []
            DispatchQueue.concurrentPerform(iterations: managers.count) { index in
                do {
                    let lease = try managers[index].value.acquire(partition: 9)
                    lock.withLock { if let lease { won.append(lease) } }
                } catch {
                    lock.withLock { failures.append("\(error)") }
                }
            }
            // Losing the race is nil, not an error: a failed acquire would hide a second owner.
            #expect(failures == [], "round \(round)")
            #expect(won.count == 1, "round \(round)")
            #expect(won.first?.epoch == UInt64(round))
            let holder = try managers[0].value.holder(of: 9)
            #expect(holder?.owner == won.first?.owner && holder?.isHeld == true)
            try TestDatabase.expireLease(settings, partition: 9)
        }
    }

    @Test func renewReleaseAndHolder() throws {
        let settings = try TestDatabase.migratedSettings()
        let nodeA = try LeaseManager(settings: settings, owner: "node-a", leaseMilliseconds: 60_000)
        let nodeB = try LeaseManager(settings: settings, owner: "node-b", leaseMilliseconds: 60_000)
        defer { nodeA.close(); nodeB.close() }
        #expect(try nodeA.holder(of: 1) == nil)
        let lease = try #require(try nodeA.acquire(partition: 1))
        #expect(lease.validMilliseconds > 59_000 && lease.validMilliseconds <= 60_000)
        #expect(lease.validUntil > .now + .seconds(59))

        // A non-owner cannot renew, nor release; nor can the owner at another epoch.
        let forged = PartitionLease(partition: 1, owner: "node-b", epoch: lease.epoch, validMilliseconds: 0, validUntil: .now)
        #expect(try nodeB.renew(forged) == nil)
        #expect(try nodeB.release(forged) == false)
        var staleEpoch = lease
        staleEpoch.epoch += 1
        #expect(try nodeA.renew(staleEpoch) == nil)

        let renewed = try #require(try nodeA.renew(lease))
        #expect(renewed.epoch == lease.epoch)
        #expect(try nodeB.acquire(partition: 1) == nil)
        #expect(try nodeA.acquire(partition: 1) == nil)  // held, even by itself: no silent epoch bump

        #expect(try nodeA.release(renewed))
        let released = try #require(try nodeA.holder(of: 1))
        #expect(released.owner == nil && !released.isHeld && released.epoch == 1)
        let taken = try #require(try nodeB.acquire(partition: 1))
        #expect(taken.epoch == 2 && taken.owner == "node-b")

        try TestDatabase.expireLease(settings, partition: 1)
        #expect(try nodeB.renew(taken) == nil)  // expired leases are acquired again, not renewed
        #expect(try nodeB.holder(of: 1)?.isHeld == false)
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct PostgresCheckpointStoreTests {
    @Test func writesKeepTheNewestAndLoadChecksThem() throws {
        let settings = try TestDatabase.migratedSettings()
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        let store = try PostgresCheckpointStore(settings: settings, partition: 2)
        defer { leases.close(); store.close() }
        #expect(try store.loadNewest() == nil)
        let lease = try #require(try leases.acquire(partition: 2))
        for op: UInt64 in [5, 10, 15] {
            try store.write(op: op, timestamp: op * 7, snapshot: recordBody(op: op, size: 5_000), lease: lease)
        }
        #expect(try store.ops() == [10, 15])
        #expect(try store.loadNewest() == Checkpoint(partition: 2, op: 15, timestamp: 105, snapshot: recordBody(op: 15, size: 5_000)))
        #expect(try store.load(op: 10).snapshot == recordBody(op: 10, size: 5_000))
        #expect(storageError { _ = try store.load(op: 5) }?.code == .notFound)

        try TestDatabase.admin(settings, "UPDATE settle_checkpoint_chunks SET body = set_byte(body, 0, get_byte(body, 0) # 128) WHERE op = 15")
        let error = storageError { _ = try store.loadNewest() }
        #expect(error?.code == .corruption)  // and never falls back to op 10
        #expect(error?.path == "settle_checkpoints(partition=2, op=15)")

        try TestDatabase.expireLease(settings, partition: 2)
        #expect(storageError { try store.write(op: 20, timestamp: 1, snapshot: [1], lease: lease) }?.code == .fenced)
        #expect(try store.ops() == [10, 15])
        // The fenced write's chunk was rolled back with it.
        let chunks = try TestDatabase.admin(settings, "SELECT count(*) FROM settle_checkpoint_chunks WHERE op = 20")
        #expect(try chunks.rows.first?.decode(Int64.self) == 0)
    }

    /// Snapshots larger than a chunk stream in and out in pieces, one chunk in memory, with
    /// the checksum over all of them; old checkpoints take their chunks with them.
    @Test func aSnapshotOfManyChunksRoundTripsAndDamageToAnyChunkIsFound() throws {
        let settings = try TestDatabase.migratedSettings()
        let leases = try LeaseManager(settings: settings, owner: "node-a")
        let store = try PostgresCheckpointStore(settings: settings, partition: 1, chunkBytes: 1_000)
        defer { leases.close(); store.close() }
        let lease = try #require(try leases.acquire(partition: 1))
        let snapshot = recordBody(op: 3, size: 4_500)
        let writer = try store.begin(op: 3, timestamp: 21, length: UInt64(snapshot.count), lease: lease)
        for start in stride(from: 0, to: snapshot.count, by: 700) {  // pieces that straddle chunks
            try snapshot[start..<min(snapshot.count, start + 700)].withUnsafeBytes { try writer.write($0) }
        }
        try writer.commit()
        let rows = try TestDatabase.admin(settings, "SELECT count(*), max(octet_length(body)) FROM settle_checkpoint_chunks WHERE op = 3")
        let (count, largest) = try #require(try rows.rows.first?.decode((Int64, Int32).self))
        #expect(count == 5 && largest == 1_000)

        var input = try #require(try store.openNewest())
        #expect(input.length == 4_500)
        var read = [UInt8](repeating: 0, count: 4_500)
        for start in stride(from: 0, to: read.count, by: 1_300) {
            let end = min(read.count, start + 1_300)
            try read.withUnsafeMutableBytes { raw in try input.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<end])) }
        }
        try input.finish()
        #expect(read == snapshot)

        // Two newer checkpoints: op 3 goes, with its chunks.
        try store.write(op: 4, timestamp: 22, snapshot: [7], lease: lease)
        try store.write(op: 5, timestamp: 23, snapshot: [], lease: lease)
        #expect(try store.ops() == [4, 5])
        #expect(try store.loadNewest()?.snapshot == [])
        let left = try TestDatabase.admin(settings, "SELECT count(*) FROM settle_checkpoint_chunks WHERE partition = 1 AND op = 3")
        #expect(try left.rows.first?.decode(Int64.self) == 0)

        try store.write(op: 6, timestamp: 24, snapshot: snapshot, lease: lease)
        try TestDatabase.admin(settings, "UPDATE settle_checkpoint_chunks SET body = set_byte(body, 999, get_byte(body, 999) # 1) WHERE op = 6 AND chunk = 3")
        #expect(storageError { _ = try store.loadNewest() }?.code == .corruption)
        var damaged = try #require(try store.openNewest())
        #expect(throws: StorageError.self) { try damaged.verifyRest() }
        try TestDatabase.admin(settings, "DELETE FROM settle_checkpoint_chunks WHERE op = 6 AND chunk = 4")
        #expect(storageError { _ = try store.loadNewest() }?.code == .corruption)
    }
}
