import SettleSeededRandom
import ArgumentParser
import Foundation
import SettleCore
import SettleEngine
import SettleStorage

/// `settle workload`: the child process of the crash test. Writes transfers and logs each batch
/// before submitting it (`B`) and after its durable reply (`A`), until killed or done.
struct WorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload", abstract: "Crash-test workload (run by `settle crash-test`).", shouldDisplay: false
    )

    @Option var data: String
    @Option var seed: UInt64
    @Option(help: "Run number: makes this run's transfer ids unique.") var run: Int
    @Option var log: String
    @Option(help: "Stop after this many transfers (the crash test kills long before).") var transfersMax = 1_000_000
    @Option var clients = 3

    static let tenants: [TenantID] = [TenantID(1), TenantID(2), TenantID(3)]
    static let accountsPerTenant = 50

    func run() async throws {
        var configuration = EngineConfiguration(directory: data, partitionCount: 2)
        // Small segments and frequent checkpoints so that kills land in every phase.
        configuration.segmentBytes = 1 << 20
        configuration.checkpointJournalBytes = 2 << 20
        let engine = try Engine.open(configuration)
        guard FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) else {
            throw ValidationError("cannot create \(log)")
        }
        let logger = BatchLog(handle: handle)
        for tenant in Self.tenants {
            let accounts = (1...Self.accountsPerTenant).map { Account(id: UInt128($0), ledger: 1, code: 1) }
            _ = try await engine.submit(.createAccounts(tenant, accounts))
        }
        let budget = TicketCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask { try await runClient(engine, client: client, budget: budget, log: logger) }
            }
            try await group.waitForAll()
        }
        engine.shutdown()
    }

    private func runClient(_ engine: Engine, client: Int, budget: TicketCounter, log: BatchLog) async throws {
        var rng = SplitMix64(seed: seed &* 31 &+ UInt64(client))
        while true {
            let size = Int(rng.next() % 300) + 1
            let first = budget.take(size)
            guard first + size <= transfersMax else { return }
            let tenant = Self.tenants[Int(rng.next() % UInt64(Self.tenants.count))]
            let firstID = UInt128(run) << 64 | UInt128(first + 1)
            let batch = (0..<size).map { offset in
                let debit = rng.next() % UInt64(Self.accountsPerTenant) + 1
                let credit = debit % UInt64(Self.accountsPerTenant) + 1
                return Transfer(id: firstID + UInt128(offset), debitAccountID: UInt128(debit), creditAccountID: UInt128(credit),
                                amount: UInt128(rng.next() % 100 + 1), ledger: 1, code: 1,
                                flags: offset + 1 < size && offset % 5 == 0 ? .linked : [])
            }
            log.write("B \(tenant.rawValue) \(firstID) \(size)\n")
            let reply = try await engine.submit(.createTransfers(tenant, batch))
            guard case .transfers(let results) = reply.results, results.allSatisfy({ $0 == .ok }) else {
                throw ValidationError("workload batch rejected: \(reply.results)")
            }
            log.write("A \(tenant.rawValue) \(firstID) \(size)\n")
            try await Task.sleep(nanoseconds: 2_000_000)
        }
    }
}

/// Appends lines with one `write(2)` each: a SIGKILL loses no line that was written.
final class BatchLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    init(handle: FileHandle) { self.handle = handle }
    func write(_ line: String) { lock.withLock { handle.write(Data(line.utf8)) } }
}
