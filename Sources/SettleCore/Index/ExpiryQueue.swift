/// Pending transfers with a timeout, ordered by (deadline, tenant, timestamp): a binary min-heap.
///
/// Entries are never removed when a transfer is posted or voided (or rolled back); they are
/// checked when they reach the top, so resolving a transfer costs nothing here.
struct ExpiryQueue {
    struct Entry {
        var deadline: UInt64
        var tenant: TenantID
        var timestamp: UInt64
        var slot: UInt32

        @inline(__always)
        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            if a.deadline != b.deadline { return a.deadline < b.deadline }
            if a.tenant != b.tenant { return a.tenant < b.tenant }
            return a.timestamp < b.timestamp
        }
    }

    private(set) var heap: [Entry] = []

    mutating func schedule(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Entry.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popMin() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                var smallest = left
                if left + 1 < heap.count, Entry.precedes(heap[left + 1], heap[left]) { smallest = left + 1 }
                guard Entry.precedes(heap[smallest], heap[parent]) else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }

    /// Expires every still-pending transfer whose deadline is at or before `timestamp`.
    mutating func expire(through timestamp: UInt64, ledgers: [TenantID: Ledger]) {
        while let top = heap.first, top.deadline <= timestamp {
            let entry = popMin()
            ledgers[entry.tenant]?.expire(slot: Int(entry.slot), timestamp: entry.timestamp)
        }
    }

    /// The earliest deadline of a transfer that is still pending; drops stale entries on the way.
    mutating func peekDeadline(ledgers: [TenantID: Ledger]) -> UInt64? {
        while let top = heap.first {
            if ledgers[top.tenant]?.isStillPending(slot: Int(top.slot), timestamp: top.timestamp) == true {
                return top.deadline
            }
            _ = popMin()
        }
        return nil
    }
}
