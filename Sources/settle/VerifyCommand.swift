import ArgumentParser
import SettleCore
import SettleEngine

/// `settle verify DIR`: checks a data directory offline without changing it.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data directory: checksums, full replay and every ledger invariant.",
        discussion: "Exits 0 only when everything holds. Never modifies the directory."
    )

    @Argument(help: "The data directory.")
    var directory: String

    func run() throws {
        let report: VerifyReport
        do {
            report = try Verifier.verify(directory: directory)
        } catch {
            print("verify FAILED: \(error)")
            throw ExitCode(2)
        }
        print(report.summary)
        if !report.isSound { throw ExitCode(1) }
    }
}
