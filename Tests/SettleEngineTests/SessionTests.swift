import Foundation
import Testing
@testable import SettleEngine
import SettleCore

@Suite("Client sessions")
struct SessionTests {
    let tenant = TenantID(3)
    let session: UInt128 = 0xC0FFEE_0000_0000_0000_0001

    private func fresh(_ directory: String, checkpointBytes: Int? = nil) throws -> Engine {
        var configuration = EngineConfiguration(directory: directory, partitionCount: 2)
        if let checkpointBytes {
            configuration.checkpointJournalBytes = checkpointBytes
            configuration.segmentBytes = 16 << 10
        }
        return try Engine.open(configuration)
    }

    @Test func aRetriedRequestGetsTheStoredReplyAndExecutesNothing() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try fresh(directory)
        defer { engine.shutdown() }
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        try await engine.registerSession(tenant: tenant, session: session)
        let tag = RequestTag.session(ClientTag(session: session, request: 1))
        let first = try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 5)]), tag: tag)
        #expect(first.transferResults == [.ok])
        let events = engine.metrics.map(\.events).reduce(0, +)
        let digest = try await engine.digest(of: tenant)

        // The same request again: the stored reply, nothing run.
        let again = try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 5)]), tag: tag)
        #expect(again == first)
        // The same number for another request is a client bug: refused, not answered with
        // the first request's results (which would claim transfer 2 succeeded).
        await #expect(throws: EngineError(.requestMismatch, "request 1 of session \(session) was a different request; use a new number for a new request")) {
            try await engine.submit(.createTransfers(tenant, [transfer(2, amount: 7)]), tag: tag)
        }
        #expect(engine.metrics.map(\.events).reduce(0, +) == events)
        #expect(try await engine.digest(of: tenant) == digest)
        #expect(try await engine.transfers([2], of: tenant).isEmpty)

        let next = try await engine.submit(.createTransfers(tenant, [transfer(2, amount: 7)]), tag: .session(ClientTag(session: session, request: 2)))
        #expect(next.transferResults == [.ok] && next.op > first.op)
        await #expect(throws: EngineError(.requestTooOld, "request 1 of session \(session) is older than its newest, 2")) {
            try await engine.submit(.createTransfers(tenant, [transfer(3)]), tag: tag)
        }
    }

    @Test func unknownSessionsAreRefusedAndSessionsAreScopedByTenant() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try fresh(directory)
        defer { engine.shutdown() }
        try await engine.registerSession(tenant: tenant, session: session)
        let other = TenantID(4)
        _ = try await engine.submit(.createAccounts(other, accounts(1...2)))
        let error = await #expect(throws: EngineError.self) {
            try await engine.submit(.createTransfers(other, [transfer(1)]), tag: .session(ClientTag(session: session, request: 1)))
        }
        #expect(error?.code == .sessionNotFound)
        #expect(try await engine.transfers([1], of: other).isEmpty)
    }

    @Test(arguments: [false, true])
    func storedRepliesSurviveRestart(afterCheckpoint: Bool) async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpointBytes = afterCheckpoint ? 8 << 10 : nil
        let engine = try fresh(directory, checkpointBytes: checkpointBytes)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        try await engine.registerSession(tenant: tenant, session: session)
        let tag = RequestTag.session(ClientTag(session: session, request: 41))
        let first = try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 5)]), tag: tag)
        if afterCheckpoint {
            // Enough untagged journal after the tagged write that a checkpoint covers it.
            for round in 0..<20 {
                _ = try await engine.submit(.createTransfers(tenant, (0..<40).map { transfer(1_000 + round * 40 + $0, amount: 1) }))
            }
        }
        engine.shutdown()

        let reopened = try fresh(directory, checkpointBytes: checkpointBytes)
        defer { reopened.shutdown() }
        let partition = reopened.partitionIndex(for: tenant)
        if afterCheckpoint { #expect(reopened.recovery[partition].checkpointOp > first.op) }
        let before = try await reopened.digest(of: tenant)
        #expect(try await reopened.submit(.createTransfers(tenant, [transfer(1, amount: 5)]), tag: tag) == first)
        #expect(try await reopened.digest(of: tenant) == before)
        #expect(try await reopened.account(1, of: tenant)?.debitsPosted == (afterCheckpoint ? 5 + 800 : 5))
    }

    @Test func repeatsInsideOneCommitGroupAreAnsweredOnceAndMismatchesRefused() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pipeline = try CommitPipeline(partition: 0, configuration: EngineConfiguration(directory: directory, partitionCount: 1),
                                          backgroundCheckpoints: false)
        _ = pipeline.commit([.createAccounts(tenant, accounts(1...2)), .registerSession(tenant, session)], wallClock: 1_000)
        let tag = RequestTag.session(ClientTag(session: session, request: 1))
        let same = Command.createTransfers(tenant, [transfer(1, amount: 5)])
        let other = Command.createTransfers(tenant, [transfer(2, amount: 5)])
        let outcomes = pipeline.commit([same, same, other], tags: [tag, tag, tag], wallClock: 2_000)
        let first = try outcomes[0].get()
        #expect(try outcomes[1].get() == first)
        #expect(throws: EngineError.self) { try outcomes[2].get() }
        #expect(first.transferResults == [.ok])
        if case .failure(let error) = outcomes[2] { #expect(error.code == .requestMismatch) }
        #expect(pipeline.machine.lookupTransfers(tenant: tenant, ids: [1, 2]).map(\.id) == [1])
        #expect(pipeline.machine.lookupAccounts(tenant: tenant, ids: [2]).first?.creditsPosted == 5)
    }

    @Test func theLeastRecentlyUsedSessionIsEvictedWhenFull() {
        var table = SessionTable(capacity: 2)
        table.register(tenant: tenant, session: 1, op: 1)
        table.register(tenant: tenant, session: 2, op: 2)
        table.record(tenant: tenant, tag: ClientTag(session: 1, request: 1), reply: WriteReply(results: .none, op: 3, timestamp: 9), fingerprint: 0)
        table.register(tenant: tenant, session: 3, op: 4)  // evicts session 2, used longest ago
        #expect(table.decide(tenant: tenant, tag: ClientTag(session: 2, request: 1), fingerprint: 0) == .sessionNotFound)
        #expect(table.decide(tenant: tenant, tag: ClientTag(session: 1, request: 1), fingerprint: 0)
            == .replay(WriteReply(results: .none, op: 3, timestamp: 9)))
        #expect(table.decide(tenant: tenant, tag: ClientTag(session: 3, request: 1), fingerprint: 0) == .execute)
    }

    @Test func tablesAndTaggedCommandsRoundTrip() throws {
        var table = SessionTable(capacity: 8)
        table.register(tenant: tenant, session: .max - 1, op: 1)
        table.register(tenant: TenantID(9), session: 5, op: 2)
        table.record(tenant: tenant, tag: ClientTag(session: .max - 1, request: 7),
                     reply: WriteReply(results: .transfers([.ok, .exceedsCredits, .exists]), op: 3, timestamp: 11), fingerprint: 0xF1F0)
        var source = BytesSource(bytes: table.encoded())
        #expect(try SessionTable.decode(from: &source, capacity: 8) == table)
        #expect(source.offset == source.bytes.count)

        let commands = [
            TimestampedCommand(command: .registerSession(tenant, .max - 1), timestamp: 5),
            TimestampedCommand(command: .createTransfers(tenant, [transfer(1)]), timestamp: 7,
                               tag: .session(ClientTag(session: .max - 1, request: .max))),
        ]
        #expect(try CommandCodec.decode(CommandCodec.encode(commands)) == commands)
    }
}
