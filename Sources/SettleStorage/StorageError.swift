#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An operational failure of the storage layer: a disk, file or format problem that the caller
/// must handle or report, never a broken invariant (those crash) and never a ledger rejection
/// (those are result values in SettleCore).
///
/// Modelled on swift-nio's `FileSystemError`: a `code` to switch on, a human `message`, and the
/// context an operator needs to act — the file `path`, the byte `offset` within it, the `errno`
/// and system call when the kernel reported the failure, and the source `location` where the
/// error was raised. `description` is one line, suitable for a log.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in the categories the engine reacts to differently.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Stored bytes fail their checksum or contradict the format, and the damage cannot be a
        /// crash mid-write (a valid record follows it, or it lies in a synced part of the log).
        case corruption
        /// The log ends in an incomplete record (a crash mid-write). Raised only when the
        /// journal is opened with `truncateTornTail: false` (e.g. by `settle verify`);
        /// otherwise the tail is truncated and reported in `JournalRecovery`.
        case tornTail
        /// A record or checkpoint does not start with the expected magic number.
        case badMagic
        /// A record or checkpoint has a format version this build cannot read.
        case unsupportedVersion
        /// Op numbers are not consecutive, or the log ends before an op the caller needs.
        case opGap
        /// A journal segment is missing between two others, or before the op replay must start at.
        case missingSegment
        /// The disk or file system is full (ENOSPC, EDQUOT). Retrying after space returns works.
        case diskFull
        /// A system call failed for another reason (EIO, EBADF, ...); `errno` says which.
        case ioFailure
        /// A file or directory that must exist does not.
        case notFound
        /// A previous `sync()` failed, so what reached the disk is unknown; the journal refuses
        /// all further writes until it is closed and reopened (see `FileJournal`).
        case poisoned
        /// A record body is larger than `JournalRecordFormat.bodySizeMax`.
        case recordTooLarge
        /// The journal or store was closed.
        case closed
        /// A shared journal refused the write because this node no longer holds the partition's
        /// lease at the epoch it wrote under (it expired, or another node took the partition over),
        /// or another writer already appended the op. Nothing of the write was stored; the node
        /// must stop writing the partition (see SettlePostgres and docs/POSTGRES.md).
        case fenced
    }

    /// Where in the Settle sources the error was raised.
    public struct SourceLocation: Sendable, Hashable {
        /// The function that raised the error.
        public var function: String
        /// The raising source file, as `#fileID` (`SettleStorage/FileJournal.swift`).
        public var file: String
        /// The line in `file`.
        public var line: Int

        /// A location; normally filled in from `#function`, `#fileID` and `#line`.
        public init(function: String, file: String, line: Int) {
            self.function = function
            self.file = file
            self.line = line
        }
    }

    /// What went wrong; switch on this, not on `message`.
    public var code: Code
    /// What happened, in words, without the context fields below.
    public var message: String
    /// The file or directory concerned, if any.
    public var path: String?
    /// The byte offset within `path` where the problem starts, if it has one.
    public var offset: UInt64?
    /// The `errno` the kernel returned, if a system call failed.
    public var errno: Int32?
    /// The system call that failed (`"pwrite"`, `"fdatasync"`, ...), if any.
    public var systemCall: String?
    /// Where in the Settle sources the error was raised.
    public var location: SourceLocation

    /// An error raised here; `function`, `file` and `line` default to the caller's location.
    public init(
        _ code: Code, _ message: String, path: String? = nil, offset: UInt64? = nil,
        errno: Int32? = nil, systemCall: String? = nil,
        function: String = #function, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
        self.errno = errno
        self.systemCall = systemCall
        self.location = SourceLocation(function: function, file: file, line: line)
    }

    /// A failed system call, classified by `errno`: ENOSPC/EDQUOT → `.diskFull`,
    /// ENOENT → `.notFound`, anything else → `.ioFailure`.
    public static func systemCall(
        _ name: String, errno: Int32, path: String?, offset: UInt64? = nil,
        function: String = #function, file: String = #fileID, line: Int = #line
    ) -> StorageError {
        let code: Code
        switch errno {
        case ENOSPC, EDQUOT: code = .diskFull
        case ENOENT: code = .notFound
        default: code = .ioFailure
        }
        return StorageError(
            code, "\(name) failed", path: path, offset: offset, errno: errno, systemCall: name,
            function: function, file: file, line: line)
    }

    /// One line: `code: message (path: …, offset: …, errno: N (text), call: …) at File.swift:12`.
    public var description: String {
        var context: [String] = []
        if let path { context.append("path: \(path)") }
        if let offset { context.append("offset: \(offset)") }
        if let errno { context.append("errno: \(errno) (\(Self.errnoText(errno)))") }
        if let systemCall { context.append("call: \(systemCall)") }
        var line = "\(code.rawValue): \(message)"
        if !context.isEmpty { line += " (" + context.joined(separator: ", ") + ")" }
        line += " at \(location.file):\(location.line)"
        return String(line.map { $0.isNewline ? " " : $0 })
    }

    private static func errnoText(_ errno: Int32) -> String {
        guard let text = strerror(errno) else { return "unknown" }
        return String(cString: text)
    }
}
