import SettleSeededRandom
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state behind `SimulatedFileIO`: an in-memory file tree that remembers, per file and per
/// directory, what is durable and which changes since the last sync are not.
///
/// Files keep `data` (what reads see, like the page cache) and `durableData` (what a power
/// failure leaves), plus the ordered `pending` changes between the two. Directories do the
/// same for their entries. A sync makes the current state durable; `crash` (in
/// `SimulatedDisk+Crash.swift`) keeps a seeded prefix of each pending list.
struct SimulatedDisk {
    enum FileChange {
        case write(offset: Int, bytes: [UInt8])
        case truncate(size: Int)
    }

    enum EntryChange {
        case link(name: String, node: Int)
        case unlink(name: String)
        /// Atomic, as rename is on a journaling file system: both names change or neither.
        case rename(from: String, to: String, node: Int)
    }

    struct Node {
        var isDirectory: Bool
        var data: [UInt8] = []
        var durableData: [UInt8] = []
        var pendingData: [FileChange] = []
        var entries: [String: Int] = [:]
        var durableEntries: [String: Int] = [:]
        var pendingEntries: [EntryChange] = []
    }

    static let rootNode = 0
    var nodes: [Int: Node] = [rootNode: Node(isDirectory: true)]
    var nextNode = 1
    var handles: [Int32: Int] = [:]
    var nextHandle: Int32 = 3
    var random: SplitMix64
    var faults: [SimulatedFileIO.Fault] = []
    var capacityBytes: Int?
    var counters = SimulatedFileIO.Counters()

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    // MARK: Paths

    /// The node at `path`, following current (not durable) entries.
    func lookup(_ path: String) -> Int? {
        var node = Self.rootNode
        for component in Self.components(path) {
            guard let directory = nodes[node], directory.isDirectory,
                  let child = directory.entries[component] else { return nil }
            node = child
        }
        return node
    }

    /// The parent directory's node and the last component of `path`, or ENOENT/ENOTDIR.
    func parent(of path: String, call: String) throws(StorageError) -> (directory: Int, name: String) {
        let name = FilePath.name(path)
        guard let directory = lookup(FilePath.parent(path)), !name.isEmpty else {
            throw StorageError.systemCall(call, errno: ENOENT, path: path)
        }
        guard nodes[directory]!.isDirectory else { throw StorageError.systemCall(call, errno: ENOTDIR, path: path) }
        return (directory, name)
    }

    static func components(_ path: String) -> [String] {
        precondition(path.hasPrefix("/"), "SimulatedFileIO paths are absolute: \(path)")
        return path.split(separator: "/").map(String.init)
    }

    // MARK: Mutations that record pending changes

    mutating func addNode(isDirectory: Bool, named name: String, in directory: Int) -> Int {
        let node = nextNode
        nextNode += 1
        nodes[node] = Node(isDirectory: isDirectory)
        nodes[directory]!.entries[name] = node
        nodes[directory]!.pendingEntries.append(.link(name: name, node: node))
        return node
    }

    mutating func write(node: Int, offset: Int, bytes: some Collection<UInt8>) {
        let end = offset + bytes.count
        if nodes[node]!.data.count < end {
            nodes[node]!.data.append(contentsOf: repeatElement(0, count: end - nodes[node]!.data.count))
        }
        nodes[node]!.data.replaceSubrange(offset..<end, with: bytes)
        nodes[node]!.pendingData.append(.write(offset: offset, bytes: Array(bytes)))
    }

    mutating func truncate(node: Int, size: Int) {
        Self.apply(.truncate(size: size), to: &nodes[node]!.data)
        nodes[node]!.pendingData.append(.truncate(size: size))
    }

    static func apply(_ change: FileChange, to data: inout [UInt8]) {
        switch change {
        case .write(let offset, let bytes):
            let end = offset + bytes.count
            if data.count < end { data.append(contentsOf: repeatElement(0, count: end - data.count)) }
            data.replaceSubrange(offset..<end, with: bytes)
        case .truncate(let size):
            if data.count > size {
                data.removeLast(data.count - size)
            } else {
                data.append(contentsOf: repeatElement(0, count: size - data.count))
            }
        }
    }

    static func apply(_ change: EntryChange, to entries: inout [String: Int]) {
        switch change {
        case .link(let name, let node): entries[name] = node
        case .unlink(let name): entries[name] = nil
        case .rename(let from, let to, let node):
            entries[from] = nil
            entries[to] = node
        }
    }

    // MARK: Faults and space

    /// Removes and returns the first injected fault matching `operation` on `path`.
    mutating func takeFault(_ operation: SimulatedFileIO.Operation, path: String) -> SimulatedFileIO.Fault? {
        guard let index = faults.firstIndex(where: { $0.operation == operation && ($0.path == nil || $0.path == path) })
        else { return nil }
        return faults.remove(at: index)
    }

    /// Bytes held by files that are reachable or open: what counts against `capacityBytes`.
    func usedBytes() -> Int {
        var seen = Set(handles.values)
        var stack = [Self.rootNode]
        while let node = stack.popLast() {
            seen.insert(node)
            stack.append(contentsOf: nodes[node]!.entries.values)
        }
        return seen.reduce(0) { $0 + nodes[$1]!.data.count }
    }
}
