import SettleSeededRandom
import ArgumentParser
import Foundation
import SettleCore
import SettleEngine
import SettleStorage

/// `settle crash-test`: runs `settle workload` in a child process, kills it with SIGKILL at
/// seeded random points, and after every kill proves from the recovered directory that every
/// acknowledged batch is present exactly once, no batch is half-applied, and verify passes.
struct CrashTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-test", abstract: "Kill a writing child with SIGKILL repeatedly and check recovery."
    )

    @Option(help: "Scratch directory (removed first).") var directory: String
    @Option var kills = 50
    @Option var seed: UInt64 = 1
    @Option(help: "Longest run before a kill, in milliseconds.") var runMillisecondsMax = 900

    func run() async throws {
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: directory)
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let data = directory + "/data"
        var rng = SplitMix64(seed: seed)
        var acknowledged = 0
        for kill in 1...kills {
            let log = directory + "/batches-\(kill).log"
            let child = try spawnWorkload(data: data, log: log, run: kill)
            let delay = 100 + Int(rng.next() % UInt64(runMillisecondsMax))
            try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
            Glibc.kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let checked = try check(data: data, logs: (1...kill).map { directory + "/batches-\($0).log" })
            acknowledged = checked.acknowledged
            print("kill \(kill)/\(kills) after \(delay) ms: \(checked.acknowledged) acknowledged batches present,"
                  + " \(checked.unacknowledgedPresent) unacknowledged committed, \(checked.absent) absent; verify ok")
        }
        try runVerifySubprocess(data: data)
        print("crash-test passed: seed \(seed), \(kills) kills, \(acknowledged) acknowledged batches all present exactly once")
    }

    private func spawnWorkload(data: String, log: String, run: Int) throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["workload", "--data", data, "--seed", String(seed &+ UInt64(run)), "--run", String(run), "--log", log]
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        return child
    }

    struct CheckResult {
        var acknowledged = 0
        var unacknowledgedPresent = 0
        var absent = 0
    }

    /// Recovers the directory (read-only), audits it, and checks every logged batch.
    private func check(data: String, logs: [String]) throws -> CheckResult {
        let state: VerifiedState
        do {
            state = try Verifier.open(directory: data)
        } catch {
            throw failure("recovery failed: \(error)")
        }
        guard state.report.isSound else { throw failure("verify failed:\n\(state.report.summary)") }
        var result = CheckResult()
        for log in logs {
            for batch in try LoggedBatch.parse(log) {
                let ids = (0..<batch.count).map { batch.firstID + UInt128($0) }
                let found = state.machine(for: batch.tenant).lookupTransfers(tenant: batch.tenant, ids: ids).count
                if found != 0 && found != batch.count {
                    throw failure("batch \(batch.firstID) of tenant \(batch.tenant) is half-applied: \(found)/\(batch.count)")
                }
                if batch.acknowledged {
                    guard found == batch.count else {
                        throw failure("acknowledged batch \(batch.firstID) of tenant \(batch.tenant) is missing")
                    }
                    result.acknowledged += 1
                } else if found > 0 {
                    result.unacknowledgedPresent += 1
                } else {
                    result.absent += 1
                }
            }
        }
        return result
    }

    private func runVerifySubprocess(data: String) throws {
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        verify.arguments = ["verify", data]
        try verify.run()
        verify.waitUntilExit()
        guard verify.terminationStatus == 0 else { throw failure("`settle verify \(data)` exited \(verify.terminationStatus)") }
    }

    private func failure(_ message: String) -> ValidationError {
        ValidationError("crash-test FAILED (seed \(seed)): \(message)\nreplay: settle crash-test --directory \(directory) --kills \(kills) --seed \(seed)")
    }
}

/// One line pair of a workload log: a batch submitted, and whether its reply came back.
struct LoggedBatch {
    var tenant: TenantID
    var firstID: UInt128
    var count: Int
    var acknowledged: Bool

    static func parse(_ path: String) throws -> [LoggedBatch] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var batches: [UInt128: LoggedBatch] = [:]
        var order: [UInt128] = []
        // The last line may be torn by the kill: only complete lines count.
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where text.hasSuffix("\n") || line != text.split(separator: "\n").last {
            let fields = line.split(separator: " ")
            guard fields.count == 4, let tenant = UInt64(fields[1]), let id = UInt128(fields[2]), let count = Int(fields[3]) else { continue }
            if fields[0] == "B" {
                batches[id] = LoggedBatch(tenant: TenantID(tenant), firstID: id, count: count, acknowledged: false)
                order.append(id)
            } else if fields[0] == "A" {
                batches[id]?.acknowledged = true
            }
        }
        return order.compactMap { batches[$0] }
    }
}
