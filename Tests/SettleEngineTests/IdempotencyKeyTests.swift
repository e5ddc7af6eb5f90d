import Foundation
import Testing
@testable import SettleEngine
import SettleCore

@Suite("Idempotency keys and system records")
struct IdempotencyKeyTests {
    let tenant = TenantID(6)  // partition 0 of 2, with the system records

    private func open(_ directory: String, checkpointBytes: Int? = nil, configure: (inout EngineConfiguration) -> Void = { _ in }) throws -> Engine {
        var configuration = EngineConfiguration(directory: directory, partitionCount: 2)
        if let checkpointBytes {
            configuration.checkpointJournalBytes = checkpointBytes
            configuration.segmentBytes = 16 << 10
        }
        configure(&configuration)
        return try Engine.open(configuration)
    }

    private func key(_ key: String, _ fingerprint: UInt128) -> RequestTag {
        .idempotencyKey(IdempotencyTag(key: key, fingerprint: fingerprint))
    }

    @Test func theSameKeyAndRequestReplaysAndAnotherRequestIsRefused() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try open(directory)
        defer { engine.shutdown() }
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        let first = try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 5), transfer(1, amount: 5)]), tag: key("order-1", 77))
        #expect(first.transferResults == [.ok, .exists])
        let digest = try await engine.digest(of: tenant)

        #expect(try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 5), transfer(1, amount: 5)]), tag: key("order-1", 77)) == first)
        let error = await #expect(throws: EngineError.self) {
            try await engine.submit(.createTransfers(tenant, [transfer(2, amount: 9)]), tag: key("order-1", 78))
        }
        #expect(error?.code == .idempotencyKeyReused)
        #expect(try await engine.digest(of: tenant) == digest)
        #expect(try await engine.transfers([2], of: tenant).isEmpty)

        // Keys are scoped by tenant: another tenant's "order-1" is its own.
        let other = TenantID(7)
        _ = try await engine.submit(.createAccounts(other, accounts(1...2)))
        let theirs = try await engine.submit(.createTransfers(other, [transfer(2, amount: 9)]), tag: key("order-1", 78))
        #expect(theirs.transferResults == [.ok])
    }

    @Test(arguments: [false, true])
    func keysSurviveRestart(afterCheckpoint: Bool) async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpointBytes = afterCheckpoint ? 8 << 10 : nil
        let engine = try open(directory, checkpointBytes: checkpointBytes)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        let first = try await engine.submit(.createTransfers(tenant, [transfer(1, amount: 5, flags: .pending)]), tag: key("k", 1))
        #expect(try await engine.putSystemRecord(SystemRecordWrite(key: "tenant/5", value: [1, 2, 3], mode: .insert)))
        if afterCheckpoint {
            for round in 0..<20 {
                _ = try await engine.submit(.createTransfers(tenant, (0..<40).map { transfer(1_000 + round * 40 + $0, amount: 1) }))
            }
        }
        engine.shutdown()

        let reopened = try open(directory, checkpointBytes: checkpointBytes)
        defer { reopened.shutdown() }
        if afterCheckpoint {
            #expect(reopened.recovery[reopened.partitionIndex(for: tenant)].checkpointOp > first.op)
            #expect(reopened.recovery[reopened.partitionIndex(for: .system)].checkpointOp > 0)
        }
        #expect(try await reopened.submit(.createTransfers(tenant, [transfer(1, amount: 5, flags: .pending)]), tag: key("k", 1)) == first)
        await #expect(throws: EngineError.self) {
            try await reopened.submit(.createTransfers(tenant, [transfer(9)]), tag: key("k", 2))
        }
        #expect(try await reopened.systemRecords() == ["tenant/5": [1, 2, 3]])
        #expect(try await reopened.putSystemRecord(SystemRecordWrite(key: "tenant/5", value: [9], mode: .insert)) == false)
        #expect(try await reopened.putSystemRecord(SystemRecordWrite(key: "tenant/5", value: [9], mode: .upsert)))
        #expect(try await reopened.systemRecords() == ["tenant/5": [9]])
    }

    @Test func keysExpireAfterTheRetentionAndTheTableIsBounded() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock(1_000_000_000_000)
        let engine = try open(directory) {
            $0.idempotencyCapacity = 2
            $0.idempotencyRetentionNanoseconds = 60_000_000_000
            $0.wallClock = { clock.read() }
        }
        defer { engine.shutdown() }
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        _ = try await engine.submit(.createTransfers(tenant, [transfer(1)]), tag: key("a", 1))
        _ = try await engine.submit(.createTransfers(tenant, [transfer(2)]), tag: key("b", 1))
        let full = await #expect(throws: EngineError.self) {
            try await engine.submit(.createTransfers(tenant, [transfer(3)]), tag: key("c", 1))
        }
        #expect(full?.code == .idempotencyKeysExhausted)
        #expect(try await engine.transfers([3], of: tenant).isEmpty)

        clock.set(clock.read() + 61_000_000_000)
        // "a" expired: the same key is new again, and its old request is no longer remembered.
        let again = try await engine.submit(.createTransfers(tenant, [transfer(4)]), tag: key("a", 2))
        #expect(again.transferResults == [.ok])
        let third = try await engine.submit(.createTransfers(tenant, [transfer(3)]), tag: key("c", 1))
        #expect(third.transferResults == [.ok])
    }

    @Test func taggedCommandsAndTablesRoundTrip() throws {
        let commands = [
            TimestampedCommand(command: .createAccounts(tenant, accounts(1...1)), timestamp: 5, tag: key("ключ-ü", .max)),
            TimestampedCommand(command: .putSystemRecord(SystemRecordWrite(key: "key/ab", value: Array(0..<13), mode: .upsert)), timestamp: 6),
        ]
        #expect(try CommandCodec.decode(CommandCodec.encode(commands)) == commands)

        var table = IdempotencyTable(capacity: 4, retentionNanoseconds: 100)
        table.record(tenant: tenant, tag: IdempotencyTag(key: "x", fingerprint: 3),
                     reply: WriteReply(results: .transfers([.ok, .exceedsCredits, .ok]), op: 2, timestamp: 10))
        table.record(tenant: tenant, tag: IdempotencyTag(key: "y", fingerprint: 4), reply: WriteReply(results: .none, op: 3, timestamp: 11))
        var source = BytesSource(bytes: table.encoded())
        let decoded = try IdempotencyTable.decode(from: &source, capacity: 4, retentionNanoseconds: 100)
        #expect(decoded == table)
        #expect(decoded.decide(tenant: tenant, tag: IdempotencyTag(key: "x", fingerprint: 3), now: 50)
            == .replay(WriteReply(results: .transfers([.ok, .exceedsCredits, .ok]), op: 2, timestamp: 10)))
        #expect(decoded.decide(tenant: tenant, tag: IdempotencyTag(key: "x", fingerprint: 3), now: 110) == .execute)

        var records = SystemRecords()
        _ = records.apply(SystemRecordWrite(key: "b", value: [1], mode: .insert))
        _ = records.apply(SystemRecordWrite(key: "a", value: [], mode: .insert))
        var recordSource = BytesSource(bytes: records.encoded())
        #expect(try SystemRecords.decode(from: &recordSource) == records)
    }

    @Test func oversizedRecordsAndKeysAreRefusedAndChangeNothing() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try open(directory)
        defer { engine.shutdown() }
        await #expect(throws: EngineError.self) {
            try await engine.putSystemRecord(SystemRecordWrite(key: String(repeating: "k", count: 257), value: [], mode: .insert))
        }
        await #expect(throws: EngineError.self) {
            try await engine.submit(.createAccounts(tenant, accounts(1...1)), tag: key(String(repeating: "k", count: 256), 1))
        }
        #expect(try await engine.systemRecords().isEmpty)
        #expect(try await engine.account(1, of: tenant) == nil)
    }
}
