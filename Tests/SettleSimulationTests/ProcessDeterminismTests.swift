import Foundation
import SettleSimulation
import Testing

/// Runs the built `settle-sim` binary as separate processes. Swift seeds `Hasher` per process,
/// so equal digests across processes prove that no hash order reaches the state or the workload.
@Suite("settle-sim across processes")
struct ProcessDeterminismTests {
    static let seed: UInt64 = 11
    static let eventCount = 2_000

    @Test("two processes and an in-process run agree on the digest")
    func digestsAgree() throws {
        let binary = try #require(Self.settleSimBinary(), """
            settle-sim was not found next to the test bundle; build it with the tests \
            (the test target depends on it), or set SETTLE_SIM_BINARY
            """)
        let arguments = ["--seed", "\(Self.seed)", "--events", "\(Self.eventCount)", "--digest"]
        let first = try Self.run(binary, arguments)
        let second = try Self.run(binary, arguments)
        let inProcess = try Simulator(seed: Self.seed, eventCount: Self.eventCount).run().digest
        #expect(first.status == 0 && second.status == 0)
        #expect(first.output == "digest: \(inProcess)\n")
        #expect(second.output == first.output)
    }

    @Test("--seeds runs a range and --help describes the options")
    func commandLine() throws {
        let binary = try #require(Self.settleSimBinary())
        let range = try Self.run(binary, ["--seeds", "3..4", "--events", "300", "--digest"])
        #expect(range.status == 0)
        #expect(range.output.split(separator: "\n").count == 2)
        let help = try Self.run(binary, ["--help"])
        for option in ["--seed", "--seeds", "--events", "--digest", "--bench", "--bench-transfers"] {
            #expect(help.output.contains(option))
        }
        let invalid = try Self.run(binary, ["--seeds", "9..2"])
        #expect(invalid.status != 0)
    }

    /// `settle-sim` in the build products directory: the test executable (or the bundle that
    /// holds it) sits next to it.
    static func settleSimBinary() -> URL? {
        if let path = ProcessInfo.processInfo.environment["SETTLE_SIM_BINARY"] { return URL(fileURLWithPath: path) }
        let candidates = [URL(fileURLWithPath: "/proc/self/exe"), URL(fileURLWithPath: CommandLine.arguments[0])]
        for start in candidates {
            var directory = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                let binary = directory.appendingPathComponent("settle-sim")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                directory.deleteLastPathComponent()
            }
        }
        return nil
    }

    static func run(_ binary: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
