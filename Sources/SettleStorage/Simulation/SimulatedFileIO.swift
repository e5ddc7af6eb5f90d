import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An in-memory, deterministic, seedable disk with a power switch: `FileIO` for tests and the
/// simulator, never for production (nothing in the production code paths constructs one).
///
/// It tracks, per file, which bytes are durable (synced) and which were written but not synced,
/// and per directory which entries are durable. Faults, all reproducible from the seed:
/// - `crash(_:)`: power failure. Unsynced file changes are lost, or a prefix survives with the
///   next write torn at a random byte; unsynced creates, renames and unlinks may be lost. Never
///   reordered. See `SimulatedDisk+Crash.swift` for the exact model.
/// - `corrupt(_:offset:bit:)`: a bit flip on the medium, seen by every later read.
/// - `injectFault(_:on:path:)`: the next matching call fails with that errno; a failing write
///   first writes a random strict prefix of its bytes, as a real `pwrite` hitting ENOSPC can.
/// - `capacityBytes`: a full disk; writes that would grow the files past it write what fits and
///   fail with ENOSPC until the capacity is raised.
///
/// Paths must be absolute. `rename` must stay within one directory (all Settle needs).
/// Thread-safe: one lock around the whole disk.
public final class SimulatedFileIO: FileIO {
    /// The calls faults can be injected into.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        case openFile, write, syncData, truncate, rename, removeFile, createDirectory, syncDirectory
    }

    /// An injected failure: the next `operation` (on `path`, or on any path) fails with `errno`.
    public struct Fault: Sendable, Hashable {
        /// The call that fails.
        public var operation: Operation
        /// The path it must concern, or nil for any.
        public var path: String?
        /// The errno it fails with.
        public var errno: Int32
    }

    /// What a crash keeps of the changes since each file's and directory's last sync.
    public enum CrashMode: Sendable, Hashable {
        /// A seeded random prefix, the next change possibly torn.
        case random
        /// Nothing: the state of the last syncs exactly.
        case loseUnsynced
        /// Everything, as if the kernel had flushed just in time (a process crash).
        case keepUnsynced
    }

    /// Calls counted, so tests can check e.g. that one `sync()` is one `fdatasync`.
    public struct Counters: Sendable, Hashable {
        /// `write` calls, failed ones included.
        public var writes = 0
        /// `syncData` calls (fdatasync), failed ones included.
        public var syncData = 0
        /// `syncDirectory` calls, failed ones included.
        public var syncDirectory = 0
        /// `crash` calls.
        public var crashes = 0
    }

    let disk: Mutex<SimulatedDisk>

    /// An empty disk holding only the root directory "/".
    public init(seed: UInt64 = 0) {
        disk = Mutex(SimulatedDisk(seed: seed))
    }

    /// Power failure now: see the type's documentation. All open handles become invalid.
    public func crash(_ mode: CrashMode = .random) {
        disk.withLock { $0.crash(mode) }
    }

    /// Flips bit `bit` (0...7) of the byte at `offset` in the file at `path`, durably.
    public func corrupt(_ path: String, offset: UInt64, bit: UInt8 = 0) {
        disk.withLock { disk in
            guard let node = disk.lookup(path), !disk.nodes[node]!.isDirectory,
                  Int(offset) < disk.nodes[node]!.data.count else {
                preconditionFailure("corrupt: no byte \(offset) in \(path)")
            }
            disk.nodes[node]!.data[Int(offset)] ^= 1 << (bit & 7)
            if Int(offset) < disk.nodes[node]!.durableData.count {
                disk.nodes[node]!.durableData[Int(offset)] ^= 1 << (bit & 7)
            }
        }
    }

    /// Makes the next `operation` on `path` (or on any path, if nil) fail with `errno`.
    public func injectFault(_ errno: Int32, on operation: Operation, path: String? = nil) {
        disk.withLock { $0.faults.append(Fault(operation: operation, path: path, errno: errno)) }
    }

    /// The size limit of all reachable files together; nil means unlimited.
    public var capacityBytes: Int? {
        get { disk.withLock { $0.capacityBytes } }
        set { disk.withLock { $0.capacityBytes = newValue } }
    }

    /// The calls counted since the disk was made.
    public var counters: Counters { disk.withLock { $0.counters } }

    /// What reads of the file at `path` see now, or nil if there is no such file.
    public func contents(of path: String) -> [UInt8]? {
        disk.withLock { disk in disk.lookup(path).flatMap { disk.nodes[$0]!.isDirectory ? nil : disk.nodes[$0]!.data } }
    }

    /// The file's synced bytes: what `crash(.loseUnsynced)` would leave (if its entry survives).
    public func durableContents(of path: String) -> [UInt8]? {
        disk.withLock { disk in
            disk.lookup(path).flatMap { disk.nodes[$0]!.isDirectory ? nil : disk.nodes[$0]!.durableData }
        }
    }

    /// Whether a file or directory exists at `path` now.
    public func exists(_ path: String) -> Bool {
        disk.withLock { $0.lookup(path) != nil }
    }
}
