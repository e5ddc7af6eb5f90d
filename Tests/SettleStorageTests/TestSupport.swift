import SettleSeededRandom
import Testing
@testable import SettleStorage

#if canImport(Glibc)
import Glibc
#endif

/// Every random storage test is repeatable from its seed.
typealias SeededGenerator = SplitMix64

/// A fresh directory under /tmp, removed (with its contents) by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/settle-storage-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            preconditionFailure("mkdtemp failed")
        }
        path = String(cString: made)
    }

    func remove() {
        Self.removeTree(path)
    }

    private static func removeTree(_ path: String) {
        let io = PosixFileIO()
        if let names = try? io.listDirectory(path) {
            for name in names { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Deterministic body bytes for op `op`, of varying length.
func sampleBody(op: UInt64, length: Int? = nil) -> [UInt8] {
    let count = length ?? Int(op % 37) + 1
    return (0..<count).map { UInt8(truncatingIfNeeded: Int(op) &* 31 &+ $0) }
}

/// Opens the journal of partition 1 under `directory`, collecting what recovery replays.
func openJournal(
    _ io: any FileIO, directory: String = "/data", segmentSizeBytes: UInt64 = 64 << 20,
    truncateTornTail: Bool = true, replayAfter: UInt64 = 0, partition: UInt32 = 1
) throws(StorageError) -> (FileJournal, [JournalRecord]) {
    var replayed: [JournalRecord] = []
    let journal = try FileJournal.open(
        dataDirectory: directory, partition: partition, io: io,
        options: FileJournalOptions(segmentSizeBytes: segmentSizeBytes, truncateTornTail: truncateTornTail),
        replayAfter: replayAfter
    ) { replayed.append($0) }
    return (journal, replayed)
}

/// Appends ops `ops` with `sampleBody` bodies and timestamps op * 1000.
func appendSamples(_ journal: FileJournal, _ ops: ClosedRange<UInt64>, bodyLength: Int? = nil) throws(StorageError) {
    for op in ops {
        try journal.append(op: op, timestamp: op * 1000, body: sampleBody(op: op, length: bodyLength))
    }
}

/// The records `appendSamples` writes for `ops` (partition 1).
func sampleRecords(_ ops: ClosedRange<UInt64>, bodyLength: Int? = nil) -> [JournalRecord] {
    ops.map { JournalRecord(partition: 1, op: $0, timestamp: $0 * 1000, body: sampleBody(op: $0, length: bodyLength)) }
}

/// Where a test's files live: a temporary directory on the real file system, or "/data" on a
/// fresh simulated disk.
enum Disk: String, CaseIterable, CustomTestStringConvertible {
    case posix, simulated

    var testDescription: String { rawValue }

    /// Runs `body` with an I/O shell and a data directory, cleaning up afterwards.
    func with(_ body: (any FileIO, String) throws -> Void) throws {
        switch self {
        case .simulated:
            try body(SimulatedFileIO(seed: 7), "/data")
        case .posix:
            let temporary = TemporaryDirectory()
            defer { temporary.remove() }
            try body(PosixFileIO(), temporary.path + "/data")
        }
    }
}
