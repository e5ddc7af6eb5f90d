import Foundation
import Testing
import SettleCore
import SettleEngine

/// Reads that name a commit position (`min_op`): the writer has every op it acknowledged, so it
/// answers those at once; a read of an op not written yet waits, and is answered by the write
/// that reaches it or fails when its wait runs out.
@Suite("Reads at a commit position")
struct CommitPositionReadTests {
    let tenant = TenantID(3)

    @Test func aReadWaitsForItsOpAndFailsWhenItNeverComes() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = EngineConfiguration(directory: directory, partitionCount: 1)
        configuration.readWaitNanoseconds = 300_000_000
        let engine = try Engine.open(configuration)
        defer { engine.shutdown() }
        let created = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        #expect(try await engine.read(tenant: tenant, atLeast: created.op) { $0.counts(tenant: self.tenant).accounts } == 2)

        // Parked until the next write commits op + 1, which it then sees.
        async let parked = engine.read(tenant: tenant, atLeast: created.op + 1) { $0.lookupTransfers(tenant: self.tenant, ids: [1]).count }
        try await Task.sleep(for: .milliseconds(50))
        let moved = try await engine.submit(.createTransfers(tenant, [transfer(1)]))
        #expect(moved.op == created.op + 1)
        #expect(try await parked == 1)

        let start = ContinuousClock.now
        do {
            _ = try await engine.read(tenant: tenant, atLeast: moved.op + 5) { $0.counts(tenant: self.tenant) }
            Issue.record("a read of an op never written was answered")
        } catch let error as EngineError {
            #expect(error.code == .unavailable)
        }
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        #expect(!engine.isReplica && engine.metrics.allSatisfy { $0.replica == nil })
    }
}
