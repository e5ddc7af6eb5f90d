import Testing
@testable import SettleCore

/// In-memory sink/source pair for snapshot round trips.
struct ByteSink: SnapshotSink {
    var bytes: [UInt8] = []
    mutating func write(_ buffer: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: buffer) }
}

struct ByteSource: SnapshotSource {
    struct Exhausted: Error {}
    let bytes: [UInt8]
    var offset = 0
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard offset + buffer.count <= bytes.count else { throw Exhausted() }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + buffer.count]))
        }
        offset += buffer.count
    }
}

@Suite("Snapshots")
struct SnapshotTests {
    /// A state with two tenants, history, pending (with timeouts), posted, voided and failed ids.
    static func populatedMachine() throws -> StateMachine {
        let machine = StateMachine()
        var now: UInt64 = 1_000_000_000
        for tenant in [TenantID(7), TenantID(3)] {
            now += 10
            _ = try machine.createAccounts([
                Account(id: 1, ledger: 1, code: 1, flags: .history),
                Account(id: 2, ledger: 1, code: 1, flags: .debitsMustNotExceedCredits),
                Account(id: 3, ledger: 1, code: 1),
            ], tenant: tenant, timestamp: now)
            var transfers: [Transfer] = []
            for n in 0..<40_000 {  // more than one record chunk
                let id = UInt128(100 + n)
                transfers.append(Transfer(id: id, debitAccountID: 1, creditAccountID: 3, amount: UInt128(n % 7 + 1), ledger: 1, code: 1))
            }
            for start in stride(from: 0, to: transfers.count, by: StateMachine.batchEventsMax) {
                let batch = Array(transfers[start..<min(start + StateMachine.batchEventsMax, transfers.count)])
                now += UInt64(batch.count)
                _ = try machine.createTransfers(batch, tenant: tenant, timestamp: now)
            }
            now += 10
            let results = try machine.createTransfers([
                Transfer(id: 1, debitAccountID: 3, creditAccountID: 1, amount: 5, timeoutSeconds: 60, ledger: 1, code: 1, flags: .pending),
                Transfer(id: 2, debitAccountID: 3, creditAccountID: 1, amount: 5, ledger: 1, code: 1, flags: .pending),
                Transfer(id: 3, debitAccountID: 3, creditAccountID: 1, amount: 5, ledger: 1, code: 1, flags: .pending),
                Transfer(id: 4, pendingID: 2, flags: .postPendingTransfer),
                Transfer(id: 5, pendingID: 3, flags: .voidPendingTransfer),
                Transfer(id: 6, debitAccountID: 2, creditAccountID: 1, amount: 1, ledger: 1, code: 1),  // exceedsCredits: burnt
            ], tenant: tenant, timestamp: now)
            #expect(results == [.ok, .ok, .ok, .ok, .ok, .exceedsCredits])
        }
        return machine
    }

    @Test func roundTripPreservesDigestAndBehaviour() throws {
        let original = try Self.populatedMachine()
        var sink = ByteSink()
        try original.writeSnapshot(to: &sink)
        #expect(original.captureSnapshot().byteCount == sink.bytes.count)
        var source = ByteSource(bytes: sink.bytes)
        let restored = try StateMachine.readSnapshot(from: &source)
        #expect(source.offset == sink.bytes.count)
        #expect(restored.digest() == original.digest())
        #expect(restored.lastTimestamp == original.lastTimestamp)

        // Both continue identically: expiry of the timed-out pending, burnt id, history query.
        for machine in [original, restored] {
            let later = machine.lastTimestamp + 61_000_000_000
            let results = try machine.createTransfers([
                Transfer(id: 6, debitAccountID: 2, creditAccountID: 1, amount: 1, ledger: 1, code: 1),
                Transfer(id: 7, pendingID: 1, flags: .postPendingTransfer),
            ], tenant: TenantID(7), timestamp: later)
            #expect(results == [.idAlreadyFailed, .pendingTransferExpired])
        }
        #expect(restored.digest() == original.digest())
        let filter = AccountFilter(accountID: 1, limit: 5, flags: [.debits, .credits, .reversed])
        #expect(restored.accountBalances(tenant: TenantID(3), filter: filter)
            == original.accountBalances(tenant: TenantID(3), filter: filter))
        #expect(restored.accountBalances(tenant: TenantID(3), filter: filter).count == 5)
    }

    @Test func captureIsUnaffectedByLaterCommits() throws {
        // A small first chunk that later commits will move while it grows.
        let machine = StateMachine()
        _ = try machine.createAccounts([Account(id: 1, ledger: 1, code: 1), Account(id: 2, ledger: 1, code: 1)],
                                       tenant: TenantID(1), timestamp: 10)
        _ = try machine.createTransfers([Transfer(id: 1, debitAccountID: 1, creditAccountID: 2, amount: 3, ledger: 1, code: 1)],
                                        tenant: TenantID(1), timestamp: 20)
        var atCapture = ByteSink()
        try machine.writeSnapshot(to: &atCapture)
        let capture = machine.captureSnapshot()
        var now: UInt64 = 100
        for start in stride(from: 2, to: 30_000, by: 5_000) {
            now += 10_000
            let batch = (start..<start + 5_000).map {
                Transfer(id: UInt128($0), debitAccountID: 2, creditAccountID: 1, amount: 1, ledger: 1, code: 1)
            }
            _ = try machine.createTransfers(batch, tenant: TenantID(1), timestamp: now)
        }
        var later = ByteSink()
        try capture.write(to: &later)
        #expect(later.bytes == atCapture.bytes)
    }

    @Test func snapshotBytesAreDeterministic() throws {
        var first = ByteSink()
        var second = ByteSink()
        try Self.populatedMachine().writeSnapshot(to: &first)
        try Self.populatedMachine().writeSnapshot(to: &second)
        #expect(first.bytes == second.bytes)
    }

    @Test(arguments: [0, 7, 8, 100])
    func truncatedSnapshotIsRejected(keep: Int) throws {
        var sink = ByteSink()
        try Self.populatedMachine().writeSnapshot(to: &sink)
        var source = ByteSource(bytes: Array(sink.bytes.prefix(keep)))
        #expect(throws: (any Error).self) { try StateMachine.readSnapshot(from: &source) }
    }

    @Test func wrongMagicIsAFormatError() throws {
        var sink = ByteSink()
        try StateMachine().writeSnapshot(to: &sink)
        sink.bytes[0] ^= 0xFF
        var source = ByteSource(bytes: sink.bytes)
        #expect(throws: SnapshotFormatError.self) { try StateMachine.readSnapshot(from: &source) }
    }
}
