import Foundation
import Logging
import SettleStorage
import SettleCore

/// How an engine runs. Defaults suit the embedded, single-machine mode.
public struct EngineConfiguration: Sendable {
    /// The data directory (journal segments and checkpoints per partition), unless `storage`
    /// puts them elsewhere.
    public var directory: String
    /// Where partitions keep their journal and checkpoints; nil: files in `directory`.
    public var storage: (any StorageBackend)?
    /// Partitions run in parallel, one writer thread each; a tenant lives in exactly one.
    /// Fixed when a data directory is created.
    public var partitionCount: Int
    /// Requests a partition queues before producers wait (back-pressure).
    public var queueCapacity = 64
    /// Events committed in one journal record and one `fdatasync` at most.
    public var groupEventsMax = 4 * StateMachine.batchEventsMax
    /// Journal bytes after which a checkpoint is taken (in the background).
    public var checkpointJournalBytes = 512 << 20
    /// 2 MiB record chunks a background thread keeps faulted in ahead of the writer, per
    /// partition (see `HugePageMemory`); the memory cost of not stalling on page faults.
    public var memoryPoolChunks = 16
    /// Client sessions kept per partition before the least recently used is evicted.
    public var sessionCapacity = SessionTable.defaultCapacity
    /// Idempotency keys held per partition; a new key beyond them is refused.
    public var idempotencyCapacity = IdempotencyTable.defaultCapacity
    /// How long an idempotency key and its reply are kept, in engine time.
    public var idempotencyRetentionNanoseconds = IdempotencyTable.defaultRetentionNanoseconds
    /// Journal segment size.
    public var segmentBytes = 64 << 20
    /// Wall-clock nanoseconds since 1970; injectable for tests.
    public var wallClock: @Sendable () -> UInt64 = { Clocks.wallNanoseconds() }
    /// The file system shell (tests inject `SimulatedFileIO` to tear, corrupt and fail I/O).
    public var io: any FileIO = PosixFileIO()
    /// Where the engine logs (structured, swift-log).
    public var logger = Logger(label: "settle.engine")
    /// Monotonic nanoseconds, for latency measurements.
    public var monotonicClock: @Sendable () -> UInt64 = { Clocks.monotonicNanoseconds() }

    /// How long a read that names a commit position (`minOp`) waits for this node to apply
    /// it before it fails with `.unavailable`.
    public var readWaitNanoseconds: UInt64 = 2_000_000_000
    /// How often a replica asks its storage for new records while the writer is writing.
    public var replicaPollNanoseconds: UInt64 = 5_000_000
    /// The longest a quiet replica waits between polls: each poll that finds nothing doubles the
    /// wait up to this, and one that finds records sets it back to `replicaPollNanoseconds`. An
    /// idle replica then costs its storage about 10 queries a second per partition, not ~180;
    /// a read that names an op not applied yet still polls at once.
    public var replicaIdlePollNanoseconds: UInt64 = 100_000_000

    /// The wall-clock `Date` of a monotonic instant (for waits on condition variables).
    func date(monotonic instant: UInt64) -> Date {
        let now = monotonicClock()
        return Date().addingTimeInterval(instant > now ? Double(instant - now) / 1e9 : 0)
    }

    /// `storage`, or the files in `directory` it defaults to.
    var storageBackend: any StorageBackend {
        storage ?? FileStorage(directory: directory, io: io, segmentBytes: segmentBytes)
    }

    /// Where the storage is, for logs.
    public var storageDescription: String { storageBackend.description }

    public init(directory: String, partitionCount: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.directory = directory
        self.partitionCount = max(1, partitionCount)
    }
}

/// The process clocks, in nanoseconds.
public enum Clocks {
    public static func wallNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
