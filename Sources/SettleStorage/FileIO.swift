/// An open file: the descriptor plus the path it was opened with, so every error can name it.
public struct FileIOHandle: Hashable, Sendable {
    /// The descriptor (`PosixFileIO`) or simulated inode handle (`SimulatedFileIO`).
    public let descriptor: Int32
    /// The path the file was opened with.
    public let path: String

    /// Wraps a descriptor an implementation opened for `path`.
    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }
}

/// How `FileIO.openFile` opens a file. Every mode but `readOnly` opens for reading and writing.
public enum FileOpenMode: Sendable, Hashable {
    /// Read only; the file must exist.
    case readOnly
    /// Read and write; the file must exist.
    case readWrite
    /// Read and write; create the file (empty) if it does not exist.
    case create
    /// Read and write; create the file or cut an existing one to zero bytes.
    case truncate
}

/// The thin I/O shell under the journal and the checkpoint store: exactly the system calls
/// durability depends on, one method each, and nothing else.
///
/// Why not SwiftNIO's `NIOFileSystem` or Foundation: crash safety is a property of the exact
/// sequence of `pwrite`, `fdatasync`, `ftruncate`, `rename` and directory `fsync` calls, so the
/// storage layer issues each one itself and sees each `errno`. A hidden buffer, an implicit sync,
/// or a thread hop would make the fault model unverifiable. `PosixFileIO` is the real shell;
/// `SimulatedFileIO` is an in-memory disk with a power switch, for tests and the simulator.
///
/// Contract, which both implementations honour and the tests check:
/// - Written bytes are *not* durable until `syncData` on that file returns.
/// - A created, renamed or removed directory entry is *not* durable until `syncDirectory` on the
///   directory containing it returns.
/// - Every failure throws `StorageError` carrying the path, the `errno` and the system call;
///   nothing is retried silently except `EINTR` and short reads/writes.
/// - Methods block the calling thread; the engine calls them from a partition's writer thread.
public protocol FileIO: Sendable {
    /// Opens `path` in `mode`.
    func openFile(_ path: String, mode: FileOpenMode) throws(StorageError) -> FileIOHandle
    /// Closes `file`. Errors from `close` are ignored: durability is decided by `syncData`.
    func close(_ file: FileIOHandle)
    /// Writes all of `bytes` at `offset` (`pwrite`, looping on short writes), without syncing.
    /// On failure some prefix of `bytes` may have been written.
    func write(_ file: FileIOHandle, at offset: UInt64, _ bytes: UnsafeRawBufferPointer) throws(StorageError)
    /// Reads into `buffer` from `offset` until it is full or the file ends (`pread`, looping);
    /// returns the number of bytes read.
    func read(
        _ file: FileIOHandle, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int
    /// Makes the file's written bytes (and its size) durable (`fdatasync`).
    func syncData(_ file: FileIOHandle) throws(StorageError)
    /// Cuts or extends (with zeros) the file to `size` bytes (`ftruncate`), without syncing.
    func truncate(_ file: FileIOHandle, to size: UInt64) throws(StorageError)
    /// The file's current size in bytes (`fstat`).
    func size(of file: FileIOHandle) throws(StorageError) -> UInt64
    /// Atomically replaces `destination` with `source` (`rename`); durable after `syncDirectory`.
    func rename(_ source: String, to destination: String) throws(StorageError)
    /// Removes the file at `path` (`unlink`); durable after `syncDirectory`.
    func removeFile(_ path: String) throws(StorageError)
    /// Creates the directory at `path` unless it already exists (`mkdir`); durable after
    /// `syncDirectory` on its parent.
    func createDirectory(_ path: String) throws(StorageError)
    /// The names in directory `path` (without `.` and `..`), sorted.
    func listDirectory(_ path: String) throws(StorageError) -> [String]
    /// Makes the entries of directory `path` durable (`open(O_DIRECTORY)` + `fsync`).
    func syncDirectory(_ path: String) throws(StorageError)
}

extension FileIO {
    /// Writes all of `bytes` at `offset`; see `write(_:at:_:)`.
    public func write(_ file: FileIOHandle, at offset: UInt64, _ bytes: [UInt8]) throws(StorageError) {
        try withRawBytes(bytes) { (raw) throws(StorageError) in try write(file, at: offset, raw) }
    }

    /// Reads exactly `count` bytes at `offset`, or fewer if the file ends first.
    public func read(_ file: FileIOHandle, at offset: UInt64, count: Int) throws(StorageError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try withMutableRawBytes(&bytes) { (raw) throws(StorageError) in
            try read(file, at: offset, into: raw)
        }
        bytes.removeLast(count - got)
        return bytes
    }

    /// Reads the whole file at `path`.
    public func readWholeFile(_ path: String) throws(StorageError) -> [UInt8] {
        let file = try openFile(path, mode: .readOnly)
        defer { close(file) }
        let size = try size(of: file)
        return try read(file, at: 0, count: Int(size))
    }
}

/// Path helpers; paths are plain strings joined with "/".
enum FilePath {
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The directory part of `path` ("/" for a file at the root, "." for a bare name).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    static func name(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// `withUnsafeBytes` with a typed error (the standard library's version rethrows `any Error`).
@inline(__always)
func withRawBytes<R>(
    _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(StorageError) -> R
) throws(StorageError) -> R {
    let result: Result<R, StorageError> = bytes.withUnsafeBytes { raw in
        do throws(StorageError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// `withUnsafeMutableBytes` with a typed error.
@inline(__always)
func withMutableRawBytes<R>(
    _ bytes: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws(StorageError) -> R
) throws(StorageError) -> R {
    let result: Result<R, StorageError> = bytes.withUnsafeMutableBytes { raw in
        do throws(StorageError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
