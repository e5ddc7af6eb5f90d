#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `FileIO` on the real file system through Glibc, one system call per method.
///
/// No SwiftNIO and no Foundation on purpose: the journal's crash safety depends on the exact
/// `pwrite` / `fdatasync` / `ftruncate` / `rename` / directory-`fsync` sequence, so each call is
/// made here directly, `EINTR` and short transfers are the only things retried, and every other
/// `errno` surfaces as a `StorageError` with the path and the call's name.
///
/// On Darwin `syncData` uses `fcntl(F_FULLFSYNC)`, because `fsync` there does not flush the
/// drive's write cache; Linux `fdatasync` does (with barriers on, the default).
public struct PosixFileIO: FileIO {
    public init() {}

    public func openFile(_ path: String, mode: FileOpenMode) throws(StorageError) -> FileIOHandle {
        var flags = O_CLOEXEC
        switch mode {
        case .readOnly: flags |= O_RDONLY
        case .readWrite: flags |= O_RDWR
        case .create: flags |= O_RDWR | O_CREAT
        case .truncate: flags |= O_RDWR | O_CREAT | O_TRUNC
        }
        let descriptor = try retryingEINTR("open", path: path) { Glibc_open(path, flags, 0o644) }
        return FileIOHandle(descriptor: descriptor, path: path)
    }

    public func close(_ file: FileIOHandle) {
        _ = systemClose(file.descriptor)
    }

    public func write(_ file: FileIOHandle, at offset: UInt64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let written = try retryingEINTR("pwrite", path: file.path, offset: position) {
                pwrite(file.descriptor, rest.baseAddress, rest.count, off_t(position))
            }
            done += written
        }
    }

    public func read(
        _ file: FileIOHandle, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            let got = try retryingEINTR("pread", path: file.path, offset: position) {
                pread(file.descriptor, rest.baseAddress, rest.count, off_t(position))
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    public func syncData(_ file: FileIOHandle) throws(StorageError) {
        #if canImport(Darwin)
        _ = try retryingEINTR("fcntl(F_FULLFSYNC)", path: file.path) { fcntl(file.descriptor, F_FULLFSYNC) }
        #else
        _ = try retryingEINTR("fdatasync", path: file.path) { fdatasync(file.descriptor) }
        #endif
    }

    public func truncate(_ file: FileIOHandle, to size: UInt64) throws(StorageError) {
        _ = try retryingEINTR("ftruncate", path: file.path, offset: size) { ftruncate(file.descriptor, off_t(size)) }
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> UInt64 {
        var status = stat()
        _ = try retryingEINTR("fstat", path: file.path) { fstat(file.descriptor, &status) }
        return UInt64(status.st_size)
    }

    public func rename(_ source: String, to destination: String) throws(StorageError) {
        _ = try retryingEINTR("rename", path: source) { Glibc_rename(source, destination) }
    }

    public func removeFile(_ path: String) throws(StorageError) {
        _ = try retryingEINTR("unlink", path: path) { unlink(path) }
    }

    public func createDirectory(_ path: String) throws(StorageError) {
        if mkdir(path, 0o755) == 0 { return }
        let failure = errno
        var status = stat()
        if failure == EEXIST, stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { return }
        throw StorageError.systemCall("mkdir", errno: failure, path: path)
    }

    public func listDirectory(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else {
            throw StorageError.systemCall("opendir", errno: errno, path: path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func syncDirectory(_ path: String) throws(StorageError) {
        let descriptor = try retryingEINTR("open(O_DIRECTORY)", path: path) {
            Glibc_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        }
        defer { _ = systemClose(descriptor) }
        _ = try retryingEINTR("fsync(directory)", path: path) { fsync(descriptor) }
    }

    /// Runs `call` until it does not fail with `EINTR`; a `-1` result throws with `errno`.
    private func retryingEINTR<R: BinaryInteger>(
        _ name: String, path: String, offset: UInt64? = nil, _ call: () -> R
    ) throws(StorageError) -> R {
        while true {
            let result = call()
            if result != -1 { return result }
            let failure = errno
            if failure == EINTR { continue }
            throw StorageError.systemCall(name, errno: failure, path: path, offset: offset)
        }
    }
}

// Module-qualified wrappers: inside `PosixFileIO` the bare names would resolve to its methods.
@inline(__always)
private func Glibc_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

@inline(__always)
private func Glibc_rename(_ source: String, _ destination: String) -> Int32 {
    rename(source, destination)
}

@inline(__always)
private func systemClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
