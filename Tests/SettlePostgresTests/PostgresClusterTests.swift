import Testing
@testable import SettlePostgres

/// Leadership is all partitions or none, and followers learn where the writer serves.
@Suite("PostgresCluster", .enabled(if: TestDatabase.isConfigured, TestDatabase.skipReason))
struct PostgresClusterTests {
    @Test func aNodeThatCannotTakeEveryLeaseKeepsNone() throws {
        let settings = try TestDatabase.migratedSettings()
        let holder = try PostgresCluster(settings: settings, node: "holder", leaseMilliseconds: 60_000)
        defer { holder.close() }
        #expect(try holder.leases.acquire(partition: 1) != nil)  // one partition held elsewhere

        let other = try PostgresCluster(settings: settings, node: "other", leaseMilliseconds: 60_000)
        defer { other.close() }
        #expect(try other.acquireAll(partitions: 3) == nil)
        // Partition 0, taken on the way, was given back: free for anyone at once.
        #expect(try other.leases.holder(of: 0)?.isHeld == false)
        #expect(try other.leases.holder(of: 2) == nil)
        #expect(try holder.leases.holder(of: 1)?.owner == "holder")
    }

    @Test func followersFindTheWriterOnlyWhileItHoldsPartitionZero() throws {
        let settings = try TestDatabase.migratedSettings()
        let writer = try PostgresCluster(settings: settings, node: "writer", leaseMilliseconds: 60_000)
        defer { writer.close() }
        let address = NodeAddress(name: "writer", httpAddress: "10.0.0.1:7700", grpcAddress: "10.0.0.1:7701")
        try writer.register(address)
        #expect(try writer.writer() == nil)
        let leases = try #require(try writer.acquireAll(partitions: 2))
        #expect(try writer.writer() == address)
        writer.releaseAll(leases)
        #expect(try writer.writer() == nil)
    }
}
