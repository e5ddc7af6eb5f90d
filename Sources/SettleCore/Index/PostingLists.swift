/// For every account, the slots of the transfers that touched it, in commit (timestamp) order.
///
/// Why not `[[UInt32]]`: every append through nested arrays pays two uniqueness checks on the
/// hottest path. Here each list is a raw, geometrically grown buffer owned by this class.
final class PostingLists {
    private struct List {
        var base: UnsafeMutablePointer<UInt32>?
        var count: Int32
        var capacity: Int32
    }

    private let lists = RecordStore<List>()

    init() {}

    deinit {
        for index in 0..<lists.count { lists[index].base?.deallocate() }
    }

    var count: Int { lists.count }

    /// Adds an empty list (for a new account) at the next index.
    func appendList() { lists.append(List(base: nil, count: 0, capacity: 0)) }

    /// Removes the newest list (rolling back an account created in a failed chain).
    func removeLastList() {
        lists[lists.count - 1].base?.deallocate()
        lists.removeLast()
    }

    @inline(__always)
    func append(_ value: UInt32, to index: Int) {
        let list = lists.pointer(at: index)
        if list.pointee.count == list.pointee.capacity { grow(list) }
        list.pointee.base.unsafelyUnwrapped[Int(list.pointee.count)] = value
        list.pointee.count += 1
    }

    func removeLast(from index: Int) {
        let list = lists.pointer(at: index)
        precondition(list.pointee.count > 0, "removeLast from an empty posting list")
        list.pointee.count -= 1
    }

    @inline(never)
    private func grow(_ list: UnsafeMutablePointer<List>) {
        let old = list.pointee
        let capacity = old.capacity == 0 ? 4 : old.capacity * 2
        let base = UnsafeMutablePointer<UInt32>.allocate(capacity: Int(capacity))
        if let oldBase = old.base {
            base.moveInitialize(from: oldBase, count: Int(old.count))
            oldBase.deallocate()
        }
        list.pointee.base = base
        list.pointee.capacity = capacity
    }

    /// Read access to one list, valid only inside `body`.
    func withList<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt32>) throws -> T) rethrows -> T {
        let list = lists[index]
        return try body(UnsafeBufferPointer(start: list.base, count: Int(list.count)))
    }
}
