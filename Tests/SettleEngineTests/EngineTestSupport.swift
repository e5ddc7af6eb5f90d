import Foundation
import Glibc
import SettleCore
import SettleEngine
import SettleStorage

/// A fresh temporary directory per test, removed by the caller.
func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "settle-engine-\(UUID().uuidString)"
    return path
}

func accounts(_ ids: ClosedRange<Int>, flags: AccountFlags = []) -> [Account] {
    ids.map { Account(id: UInt128($0), ledger: 1, code: 1, flags: flags) }
}

func transfer(_ id: Int, from debit: Int = 1, to credit: Int = 2, amount: Int = 10, flags: TransferFlags = [],
              timeout: UInt32 = 0, pendingID: Int = 0) -> Transfer {
    Transfer(id: UInt128(id), debitAccountID: UInt128(debit), creditAccountID: UInt128(credit), amount: UInt128(amount),
             pendingID: UInt128(pendingID), timeoutSeconds: timeout, ledger: 1, code: 1, flags: flags)
}

extension WriteReply {
    var transferResults: [CreateTransferResult] {
        if case .transfers(let results) = results { return results }
        return []
    }

    var accountResults: [CreateAccountResult] {
        if case .accounts(let results) = results { return results }
        return []
    }
}

extension Engine {
    func digest(of tenant: TenantID) async throws -> UInt64 {
        try await read(tenant: tenant) { $0.digest() }
    }

    func account(_ id: Int, of tenant: TenantID) async throws -> Account? {
        try await read(tenant: tenant) { $0.lookupAccounts(tenant: tenant, ids: [UInt128(id)]).first }
    }

    func transfers(_ ids: [Int], of tenant: TenantID) async throws -> [Transfer] {
        try await read(tenant: tenant) { $0.lookupTransfers(tenant: tenant, ids: ids.map { UInt128($0) }) }
    }
}

/// A wall clock a test moves by hand (it may step backwards).
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: UInt64
    init(_ start: UInt64) { now = start }
    func set(_ value: UInt64) { lock.withLock { now = value } }
    func read() -> UInt64 { lock.withLock { now } }
}

/// Reads a snapshot from bytes in memory.
struct BytesSource: SnapshotSource {
    let bytes: [UInt8]
    var offset = 0
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard offset + buffer.count <= bytes.count else { throw SnapshotFormatError(message: "short") }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + buffer.count])) }
        offset += buffer.count
    }
}
