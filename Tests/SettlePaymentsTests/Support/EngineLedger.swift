import Foundation
import SettleCore
import SettleEngine
import SettlePayments

/// One tenant's ledger on a real engine in a temporary directory, through the same calls the
/// API makes.
final class EngineLedger: PaymentsLedger {
    let engine: Engine
    let tenant: TenantID
    let directory: String

    init(tenant: TenantID = TenantID(7), wallClock: @escaping @Sendable () -> UInt64 = { Clocks.wallNanoseconds() }) throws {
        directory = NSTemporaryDirectory() + "settle-payments-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = EngineConfiguration(directory: directory, partitionCount: 2)
        configuration.wallClock = wallClock
        engine = try Engine.open(configuration)
        self.tenant = tenant
    }

    func close() {
        engine.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func createAccounts(_ accounts: [Account]) async throws -> [CreateAccountResult] {
        guard case .accounts(let results) = try await engine.submit(.createAccounts(tenant, accounts)).results else { fatalError("reply kind") }
        return results
    }

    func createTransfers(_ transfers: [Transfer]) async throws -> LedgerWrite {
        let reply = try await engine.submit(.createTransfers(tenant, transfers))
        guard case .transfers(let results) = reply.results else { fatalError("reply kind") }
        return LedgerWrite(results: results, op: reply.op)
    }

    func lookupAccounts(_ ids: [UInt128]) async throws -> [Account] {
        let tenant = tenant
        return try await engine.read(tenant: tenant) { $0.lookupAccounts(tenant: tenant, ids: ids) }
    }

    func lookupTransfers(_ ids: [UInt128]) async throws -> [Transfer] {
        let tenant = tenant
        return try await engine.read(tenant: tenant) { $0.lookupTransfers(tenant: tenant, ids: ids) }
    }

    func accountTransfers(_ filter: AccountFilter) async throws -> [Transfer] {
        let tenant = tenant
        return try await engine.read(tenant: tenant) { $0.accountTransfers(tenant: tenant, filter: filter) }
    }

    func queryAccounts(_ filter: QueryFilter) async throws -> [Account] {
        let tenant = tenant
        return try await engine.read(tenant: tenant) { $0.queryAccounts(tenant: tenant, filter: filter) }
    }

    func queryTransfers(_ filter: QueryFilter) async throws -> [Transfer] {
        let tenant = tenant
        return try await engine.read(tenant: tenant) { $0.queryTransfers(tenant: tenant, filter: filter) }
    }

    /// The ledger's own invariant check over every account and transfer.
    func auditViolations() async throws -> [String] {
        try await engine.read(tenant: tenant) { $0.audit().violations }
    }
}
