import Foundation
import Testing
import SettleCore
import SettleEngine
import SettleStorage
import Synchronization

@Suite("Engine durability")
struct EngineDurabilityTests {
    let tenant = TenantID(5)

    @Test func acknowledgedWritesSurviveRestart() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try Engine.open(EngineConfiguration(directory: directory, partitionCount: 2))
        let created = try await engine.submit(.createAccounts(tenant, accounts(1...3)))
        #expect(created.accountResults == [.ok, .ok, .ok])
        let moved = try await engine.submit(.createTransfers(tenant, [transfer(1), transfer(2, from: 2, to: 3, amount: 4)]))
        #expect(moved.transferResults == [.ok, .ok])
        let before = try await engine.digest(of: tenant)
        engine.shutdown()
        engine.shutdown()  // idempotent: a second stop returns at once
        await #expect(throws: EngineError.self) { try await engine.submit(.createAccounts(tenant, accounts(9...9))) }

        let reopened = try Engine.open(EngineConfiguration(directory: directory, partitionCount: 2))
        defer { reopened.shutdown() }
        #expect(try await reopened.digest(of: tenant) == before)
        #expect(try await reopened.account(2, of: tenant)?.creditsPosted == 10)
        #expect(try await reopened.account(2, of: tenant)?.debitsPosted == 4)
        // Exactly once across the restart: the retried transfer is recognised, not re-applied.
        let retried = try await reopened.submit(.createTransfers(tenant, [transfer(1)]))
        #expect(retried.transferResults == [.exists])
        #expect(reopened.recovery.map(\.replayedOps).reduce(0, +) == 2)
    }

    @Test func repliesAreOrderedAndTimestampsMonotonicWhenTheClockStepsBack() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock(5_000_000_000)
        var configuration = EngineConfiguration(directory: directory, partitionCount: 1)
        configuration.wallClock = { clock.read() }
        let engine = try Engine.open(configuration)
        defer { engine.shutdown() }
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        var previous: WriteReply?
        for step in 0..<5 {
            clock.set(5_000_000_000 - UInt64(step) * 1_000_000_000)  // the wall clock goes backwards
            let reply = try await engine.submit(.createTransfers(tenant, [transfer(100 + step), transfer(200 + step)]))
            #expect(reply.transferResults == [.ok, .ok])
            if let previous {
                #expect(reply.timestamp >= previous.timestamp + 2)
                #expect(reply.op > previous.op)
            }
            previous = reply
        }
        let stored = try await engine.transfers([100, 200, 101, 201], of: tenant)
        #expect(stored.map(\.timestamp) == stored.map(\.timestamp).sorted())
        #expect(Set(stored.map(\.timestamp)).count == 4)
    }

    @Test func concurrentWritersAllCommitWithBackPressure() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = EngineConfiguration(directory: directory, partitionCount: 2)
        configuration.queueCapacity = 2  // far fewer slots than writers: producers must wait
        let engine = try Engine.open(configuration)
        defer { engine.shutdown() }
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        let writers = 40
        let replies = try await withThrowingTaskGroup(of: WriteReply.self) { group in
            for writer in 0..<writers {
                group.addTask { try await engine.submit(.createTransfers(tenant, [transfer(1_000 + writer, amount: 1)])) }
            }
            return try await group.reduce(into: [WriteReply]()) { $0.append($1) }
        }
        #expect(replies.count == writers)
        #expect(replies.allSatisfy { $0.transferResults == [.ok] })
        #expect(try await engine.account(2, of: tenant)?.creditsPosted == UInt128(writers))
        let metrics = engine.metrics[engine.partitionIndex(for: tenant)]
        #expect(metrics.events == writers + 2)
    }

    @Test func expiryIsJournaledWithoutAnyWrite() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The engine's wall clock stands still until the test moves it, so the hold cannot expire
        // before it is seen pending however slowly this machine runs.
        let start = Clocks.wallNanoseconds()
        let advanced = Atomic<UInt64>(0)
        var configuration = EngineConfiguration(directory: directory, partitionCount: 1)
        configuration.wallClock = { start + advanced.load(ordering: .relaxed) }
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        let hold = try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 50, flags: .pending, timeout: 1)]))
        #expect(hold.transferResults == [.ok])
        #expect(try await engine.account(1, of: tenant)?.debitsPending == 50)
        advanced.store(2_000_000_000, ordering: .relaxed)
        // No write arrives; the engine must journal an expiry step by itself.
        var released = false
        for _ in 0..<60 where !released {
            try await Task.sleep(nanoseconds: 100_000_000)
            released = try await engine.account(1, of: tenant)?.debitsPending == 0
        }
        #expect(released)
        engine.shutdown()
        let reopened = try Engine.open(EngineConfiguration(directory: directory, partitionCount: 1))
        defer { reopened.shutdown() }
        #expect(try await reopened.read(tenant: tenant) { $0.pendingStatus(tenant: tenant, id: 1) } == .expired)
        #expect(try await reopened.account(2, of: tenant)?.creditsPending == 0)
    }

    @Test func checkpointsReplaceOldSegmentsAndRecoverTheSameState() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = EngineConfiguration(directory: directory, partitionCount: 1)
        configuration.checkpointJournalBytes = 64 << 10
        configuration.segmentBytes = 32 << 10
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...4, flags: .history)))
        for round in 0..<40 {
            let batch = (0..<50).map { transfer(round * 100 + $0 + 1, from: $0 % 4 + 1, to: ($0 + 1) % 4 + 1, amount: 1) }
            #expect(try await engine.submit(.createTransfers(tenant, batch)).transferResults.allSatisfy { $0 == .ok })
        }
        let before = try await engine.digest(of: tenant)
        engine.shutdown()
        #expect(engine.metrics[0].checkpoints >= 1)

        let reopened = try Engine.open(configuration)
        defer { reopened.shutdown() }
        #expect(reopened.recovery[0].checkpointOp > 0)
        #expect(try await reopened.digest(of: tenant) == before)
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory + "/journal/0000000000")
        #expect(segments.count < 10, "segments covered by the checkpoint were removed: \(segments)")
    }
}
