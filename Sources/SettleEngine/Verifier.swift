import Foundation
import SettleCore
import SettleStorage

/// The recovered state of a data directory together with its audit.
public struct VerifiedState: @unchecked Sendable {
    /// One state machine per partition (not shared with any engine).
    public let machines: [StateMachine]
    public let report: VerifyReport

    /// The machine of the partition that owns `tenant`.
    public func machine(for tenant: TenantID) -> StateMachine {
        machines[Int(tenant.rawValue % UInt64(machines.count))]
    }
}

/// What `settle verify` found.
public struct VerifyReport: Sendable {
    public var directory: String
    public var recovery: [RecoveryReport]
    public var audits: [AuditReport]

    public var isSound: Bool { audits.allSatisfy { $0.violations.isEmpty } }

    /// A readable multi-line summary: ops, accounts, transfers, totals per ledger, problems.
    public var summary: String {
        var lines = ["settle verify \(directory): \(isSound ? "OK" : "FAILED")"]
        for (recovery, audit) in zip(self.recovery, audits) {
            lines.append("partition \(recovery.partition): checkpoint op \(recovery.checkpointOp), journal ops \(recovery.lastOp)"
                         + " (\(recovery.replayedOps) replayed), \(audit.tenants) tenants, \(audit.accounts) accounts,"
                         + " \(audit.transfers) transfers" + String(format: ", recovered in %.3f s (checkpoint %.3f s)",
                                                                     recovery.seconds, recovery.checkpointSeconds) + (recovery.tornBytesDropped > 0
                            ? ", torn tail of \(recovery.tornBytesDropped) bytes cut at \(recovery.tornTailLocation ?? "?")" : ""))
            for tenant in audit.totals.keys.sorted() {
                for (ledger, totals) in audit.totals[tenant]!.sorted(by: { $0.key < $1.key }) {
                    lines.append("  \(tenant) ledger \(ledger): \(totals.accounts) accounts, posted \(totals.debitsPosted) dr"
                                 + " / \(totals.creditsPosted) cr, pending \(totals.debitsPending) dr / \(totals.creditsPending) cr")
                }
            }
            for violation in audit.violations { lines.append("  VIOLATION: \(violation)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Offline checking of a data directory (`settle verify`).
public enum Verifier {
    /// Recovers every partition exactly as the engine would (checksums of every checkpoint and
    /// journal record, full replay) and audits every invariant. Recovery's only change to the
    /// directory is the one the engine makes too: cutting a torn final record, which can hold
    /// no acknowledged write.
    public static func open(directory: String, io: any FileIO = PosixFileIO()) throws(EngineError) -> VerifiedState {
        let partitions = try DataDirectory.existingPartitionCount(directory, io: io)
        return try open(storage: FileStorage(directory: directory, io: io), partitions: partitions)
    }

    /// The same for any storage backend (`settle verify --postgres`), whose partition count
    /// the caller read from it.
    public static func open(storage: any StorageBackend, partitions: Int) throws(EngineError) -> VerifiedState {
        var configuration = EngineConfiguration(directory: storage.description, partitionCount: partitions)
        configuration.storage = storage
        var machines: [StateMachine] = []
        var recoveries: [RecoveryReport] = []
        var audits: [AuditReport] = []
        for index in 0..<partitions {
            let recovered = try Recovery.recover(partition: index, configuration: configuration)
            recovered.journal.close()
            recovered.storage.close()
            machines.append(recovered.machine)
            recoveries.append(recovered.report)
            audits.append(recovered.machine.audit())
        }
        return VerifiedState(machines: machines, report: VerifyReport(directory: storage.description, recovery: recoveries, audits: audits))
    }

    public static func verify(directory: String, io: any FileIO = PosixFileIO()) throws(EngineError) -> VerifyReport {
        try open(directory: directory, io: io).report
    }
}
