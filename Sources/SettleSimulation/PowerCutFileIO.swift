import SettleStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `SimulatedFileIO` with a timer on its power switch: armed with a countdown, the power
/// fails at the Nth call that changes the disk — in the middle of an append, a segment roll,
/// a checkpoint or a segment removal — rather than only between commits, where everything is
/// already synced.
///
/// The fatal call does not complete: a write first puts a seeded prefix of its bytes into the
/// page cache (so the crash may keep it torn), then the disk crashes in the armed mode and the
/// call fails with EIO. Every later call fails with EIO too — the machine is off — until
/// `reset()`, which the simulator calls before recovering on the same disk.
final class PowerCutFileIO: FileIO {
    let disk: SimulatedFileIO

    private struct State {
        var countdown: Int?
        var mode: SimulatedFileIO.CrashMode = .random
        var dead = false
        var tearSeed: UInt64 = 0
    }

    private let state = Mutex(State())

    init(disk: SimulatedFileIO) {
        self.disk = disk
    }

    /// The power fails at the `calls`th disk-changing call from now (1 = the next one).
    func arm(afterCalls calls: Int, mode: SimulatedFileIO.CrashMode, tearSeed: UInt64) {
        state.withLock { $0 = State(countdown: max(1, calls), mode: mode, dead: false, tearSeed: tearSeed) }
    }

    /// Whether the armed power cut has happened.
    var fired: Bool { state.withLock { $0.dead } }

    /// Whether a power cut is armed and has not happened yet.
    var armed: Bool { state.withLock { $0.countdown != nil } }

    /// Power back on: disarms and lets calls through again.
    func reset() {
        state.withLock { $0 = State() }
    }

    /// Throws EIO if the power is off; counts down and cuts it if this call is the fatal one.
    /// Returns normally when the call may proceed.
    private func gate(_ call: String, path: String, changesDisk: Bool, cut: () -> Void = {}) throws(StorageError) {
        let failed = state.withLock { state -> Bool in
            if state.dead { return true }
            guard changesDisk, let countdown = state.countdown else { return false }
            if countdown > 1 {
                state.countdown = countdown - 1
                return false
            }
            state.countdown = nil
            state.dead = true
            cut()
            disk.crash(state.mode)
            return true
        }
        if failed { throw StorageError.systemCall(call, errno: EIO, path: path) }
    }

    // MARK: FileIO

    func openFile(_ path: String, mode: FileOpenMode) throws(StorageError) -> FileIOHandle {
        try gate("open", path: path, changesDisk: mode == .create || mode == .truncate)
        return try disk.openFile(path, mode: mode)
    }

    func close(_ file: FileIOHandle) {
        disk.close(file)
    }

    func write(_ file: FileIOHandle, at offset: UInt64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        let seed = state.withLock { $0.tearSeed }
        try gate("pwrite", path: file.path, changesDisk: true) {
            // The cut lands mid-write: a strict prefix reaches the page cache, where the crash
            // may keep it. (Never all of it: the call did not complete.)
            let prefix = bytes.isEmpty ? 0 : Int(seed % UInt64(bytes.count))
            try? disk.write(file, at: offset, UnsafeRawBufferPointer(rebasing: bytes[..<prefix]))
        }
        try disk.write(file, at: offset, bytes)
    }

    func read(_ file: FileIOHandle, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) -> Int {
        try gate("pread", path: file.path, changesDisk: false)
        return try disk.read(file, at: offset, into: buffer)
    }

    func syncData(_ file: FileIOHandle) throws(StorageError) {
        try gate("fdatasync", path: file.path, changesDisk: true)
        try disk.syncData(file)
    }

    func truncate(_ file: FileIOHandle, to size: UInt64) throws(StorageError) {
        try gate("ftruncate", path: file.path, changesDisk: true)
        try disk.truncate(file, to: size)
    }

    func size(of file: FileIOHandle) throws(StorageError) -> UInt64 {
        try gate("fstat", path: file.path, changesDisk: false)
        return try disk.size(of: file)
    }

    func rename(_ source: String, to destination: String) throws(StorageError) {
        try gate("rename", path: source, changesDisk: true)
        try disk.rename(source, to: destination)
    }

    func removeFile(_ path: String) throws(StorageError) {
        try gate("unlink", path: path, changesDisk: true)
        try disk.removeFile(path)
    }

    func createDirectory(_ path: String) throws(StorageError) {
        try gate("mkdir", path: path, changesDisk: true)
        try disk.createDirectory(path)
    }

    func listDirectory(_ path: String) throws(StorageError) -> [String] {
        try gate("opendir", path: path, changesDisk: false)
        return try disk.listDirectory(path)
    }

    func syncDirectory(_ path: String) throws(StorageError) {
        try gate("fsync(directory)", path: path, changesDisk: true)
        try disk.syncDirectory(path)
    }
}
