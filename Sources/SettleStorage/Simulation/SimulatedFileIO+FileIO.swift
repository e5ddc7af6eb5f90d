import SettleSeededRandom
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SimulatedFileIO {
    public func openFile(_ path: String, mode: FileOpenMode) throws(StorageError) -> FileIOHandle {
        try disk.withLock { (disk) throws(StorageError) -> FileIOHandle in
            try disk.failIfInjected(.openFile, path: path, call: "open")
            let node: Int
            if let existing = disk.lookup(path) {
                guard !disk.nodes[existing]!.isDirectory else { throw .systemCall("open", errno: EISDIR, path: path) }
                if mode == .truncate { disk.truncate(node: existing, size: 0) }
                node = existing
            } else {
                guard mode == .create || mode == .truncate else { throw .systemCall("open", errno: ENOENT, path: path) }
                let (directory, name) = try disk.parent(of: path, call: "open")
                node = disk.addNode(isDirectory: false, named: name, in: directory)
            }
            let handle = disk.nextHandle
            disk.nextHandle += 1
            disk.handles[handle] = node
            return FileIOHandle(descriptor: handle, path: path)
        }
    }

    public func close(_ file: FileIOHandle) {
        _ = disk.withLock { $0.handles.removeValue(forKey: file.descriptor) }
    }

    public func write(_ file: FileIOHandle, at offset: UInt64, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        try disk.withLock { (disk) throws(StorageError) in
            let node = try disk.node(of: file, call: "pwrite")
            disk.counters.writes += 1
            if let fault = disk.takeFault(.write, path: file.path) {
                // A strict prefix: `PosixFileIO` loops on short writes, so a failed write never
                // wrote everything (else a refused record could survive whole).
                let prefix = bytes.isEmpty ? 0 : disk.random.upTo(bytes.count - 1)
                disk.write(node: node, offset: Int(offset), bytes: bytes[..<prefix])
                throw .systemCall("pwrite", errno: fault.errno, path: file.path, offset: offset + UInt64(prefix))
            }
            let fitting = disk.bytesFitting(node: node, offset: Int(offset), count: bytes.count)
            disk.write(node: node, offset: Int(offset), bytes: bytes[..<fitting])
            if fitting < bytes.count {
                throw .systemCall("pwrite", errno: ENOSPC, path: file.path, offset: offset + UInt64(fitting))
            }
        }
    }

    public func read(
        _ file: FileIOHandle, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        try disk.withLock { (disk) throws(StorageError) -> Int in
            let data = disk.nodes[try disk.node(of: file, call: "pread")]!.data
            guard Int(offset) < data.count else { return 0 }
            let count = min(buffer.count, data.count - Int(offset))
            data.withUnsafeBytes { raw in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[Int(offset)..<(Int(offset) + count)]))
            }
            return count
        }
    }

    public func syncData(_ file: FileIOHandle) throws(StorageError) {
        try disk.withLock { (disk) throws(StorageError) in
            let node = try disk.node(of: file, call: "fdatasync")
            disk.counters.syncData += 1
            try disk.failIfInjected(.syncData, path: file.path, call: "fdatasync")
            disk.nodes[node]!.durableData = disk.nodes[node]!.data
            disk.nodes[node]!.pendingData = []
        }
    }

    public func truncate(_ file: FileIOHandle, to size: UInt64) throws(StorageError) {
        try disk.withLock { (disk) throws(StorageError) in
            let node = try disk.node(of: file, call: "ftruncate")
            try disk.failIfInjected(.truncate, path: file.path, call: "ftruncate")
            disk.truncate(node: node, size: Int(size))
        }
    }

    public func size(of file: FileIOHandle) throws(StorageError) -> UInt64 {
        try disk.withLock { (disk) throws(StorageError) -> UInt64 in
            UInt64(disk.nodes[try disk.node(of: file, call: "fstat")]!.data.count)
        }
    }

    public func rename(_ source: String, to destination: String) throws(StorageError) {
        precondition(FilePath.parent(source) == FilePath.parent(destination), "SimulatedFileIO renames within a directory")
        try disk.withLock { (disk) throws(StorageError) in
            try disk.failIfInjected(.rename, path: source, call: "rename")
            let (directory, from) = try disk.parent(of: source, call: "rename")
            guard let node = disk.nodes[directory]!.entries[from] else { throw .systemCall("rename", errno: ENOENT, path: source) }
            let change = SimulatedDisk.EntryChange.rename(from: from, to: FilePath.name(destination), node: node)
            SimulatedDisk.apply(change, to: &disk.nodes[directory]!.entries)
            disk.nodes[directory]!.pendingEntries.append(change)
        }
    }

    public func removeFile(_ path: String) throws(StorageError) {
        try disk.withLock { (disk) throws(StorageError) in
            try disk.failIfInjected(.removeFile, path: path, call: "unlink")
            let (directory, name) = try disk.parent(of: path, call: "unlink")
            guard let node = disk.nodes[directory]!.entries[name] else { throw .systemCall("unlink", errno: ENOENT, path: path) }
            guard !disk.nodes[node]!.isDirectory else { throw .systemCall("unlink", errno: EISDIR, path: path) }
            disk.nodes[directory]!.entries[name] = nil
            disk.nodes[directory]!.pendingEntries.append(.unlink(name: name))
        }
    }

    public func createDirectory(_ path: String) throws(StorageError) {
        try disk.withLock { (disk) throws(StorageError) in
            try disk.failIfInjected(.createDirectory, path: path, call: "mkdir")
            if let existing = disk.lookup(path) {
                guard disk.nodes[existing]!.isDirectory else { throw .systemCall("mkdir", errno: EEXIST, path: path) }
                return
            }
            let (directory, name) = try disk.parent(of: path, call: "mkdir")
            _ = disk.addNode(isDirectory: true, named: name, in: directory)
        }
    }

    public func listDirectory(_ path: String) throws(StorageError) -> [String] {
        try disk.withLock { (disk) throws(StorageError) -> [String] in
            guard let node = disk.lookup(path) else { throw .systemCall("opendir", errno: ENOENT, path: path) }
            guard disk.nodes[node]!.isDirectory else { throw .systemCall("opendir", errno: ENOTDIR, path: path) }
            return disk.nodes[node]!.entries.keys.sorted()
        }
    }

    public func syncDirectory(_ path: String) throws(StorageError) {
        try disk.withLock { (disk) throws(StorageError) in
            guard let node = disk.lookup(path), disk.nodes[node]!.isDirectory else {
                throw .systemCall("open(O_DIRECTORY)", errno: ENOENT, path: path)
            }
            disk.counters.syncDirectory += 1
            try disk.failIfInjected(.syncDirectory, path: path, call: "fsync(directory)")
            disk.nodes[node]!.durableEntries = disk.nodes[node]!.entries
            disk.nodes[node]!.pendingEntries = []
        }
    }
}

extension SimulatedDisk {
    /// The node behind an open handle; EBADF after a crash or close.
    func node(of file: FileIOHandle, call: String) throws(StorageError) -> Int {
        guard let node = handles[file.descriptor] else { throw .systemCall(call, errno: EBADF, path: file.path) }
        return node
    }

    mutating func failIfInjected(_ operation: SimulatedFileIO.Operation, path: String, call: String) throws(StorageError) {
        if let fault = takeFault(operation, path: path) { throw .systemCall(call, errno: fault.errno, path: path) }
    }

    /// How many of `count` bytes at `offset` fit under `capacityBytes`.
    func bytesFitting(node: Int, offset: Int, count: Int) -> Int {
        guard let capacityBytes else { return count }
        let size = nodes[node]!.data.count
        let growth = max(0, offset + count - size)
        let free = max(0, capacityBytes - usedBytes())
        if growth <= free { return count }
        return max(0, size + free - offset)
    }
}
