import SettleSeededRandom
/// Power failure: what survives of each file and directory.
///
/// The model, per file and per directory independently: everything synced survives; of the
/// changes made since the last sync, a seeded random *prefix* survives (in `.random` mode),
/// and the first change after that prefix may survive torn — a write cut at a random byte.
/// Changes are never reordered and never survive out of order, which is how an append-only log
/// on a journaling file system behaves and what `FileJournal`'s tail recovery relies on.
/// Renames are atomic. A file whose directory entry was never synced can vanish whole.
extension SimulatedDisk {
    mutating func crash(_ mode: SimulatedFileIO.CrashMode) {
        handles.removeAll()
        // Sorted, so the random draws do not depend on the process's hash seed.
        for node in nodes.keys.sorted() {
            if nodes[node]!.isDirectory {
                crashDirectory(node, mode)
            } else {
                crashFile(node, mode)
            }
        }
        removeUnreachableNodes()
        counters.crashes += 1
    }

    private mutating func crashFile(_ node: Int, _ mode: SimulatedFileIO.CrashMode) {
        let pending = nodes[node]!.pendingData
        var data = nodes[node]!.durableData
        let (kept, tear) = survivors(of: pending.count, mode)
        for change in pending[..<kept] { Self.apply(change, to: &data) }
        if tear, case .write(let offset, let bytes) = pending[kept], !bytes.isEmpty {
            let tornLength = random.upTo(bytes.count - 1)
            Self.apply(.write(offset: offset, bytes: Array(bytes[..<tornLength])), to: &data)
        }
        nodes[node]!.data = data
        nodes[node]!.durableData = data
        nodes[node]!.pendingData = []
    }

    private mutating func crashDirectory(_ node: Int, _ mode: SimulatedFileIO.CrashMode) {
        let pending = nodes[node]!.pendingEntries
        var entries = nodes[node]!.durableEntries
        let (kept, _) = survivors(of: pending.count, mode)
        for change in pending[..<kept] { Self.apply(change, to: &entries) }
        nodes[node]!.entries = entries
        nodes[node]!.durableEntries = entries
        nodes[node]!.pendingEntries = []
    }

    /// How many of `count` pending changes survive whole, and whether the next one survives torn.
    private mutating func survivors(of count: Int, _ mode: SimulatedFileIO.CrashMode) -> (Int, Bool) {
        switch mode {
        case .loseUnsynced: return (0, false)
        case .keepUnsynced: return (count, false)
        case .random:
            let kept = random.upTo(count)
            return (kept, kept < count && random.next() & 1 == 1)
        }
    }

    private mutating func removeUnreachableNodes() {
        var reachable: Set<Int> = []
        var stack = [Self.rootNode]
        while let node = stack.popLast() {
            reachable.insert(node)
            stack.append(contentsOf: nodes[node]!.entries.values)
        }
        nodes = nodes.filter { reachable.contains($0.key) }
    }
}
