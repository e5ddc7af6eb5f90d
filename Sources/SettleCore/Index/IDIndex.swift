/// murmur3's 64-bit finaliser: every input bit affects every output bit.
@inline(__always)
func mix64(_ value: UInt64) -> UInt64 {
    var x = value
    x ^= x &>> 33
    x &*= 0xFF51_AFD7_ED55_8CCD
    x ^= x &>> 33
    x &*= 0xC4CE_B9FE_1A85_EC53
    x ^= x &>> 33
    return x
}

/// Where an id's record lives: a 128-bit id → 32-bit slot hash index, purpose-built for the
/// hot path.
///
/// Open addressing with linear probing over 8-byte entries `(tag: UInt32, slot + 1: UInt32)`.
/// The bucket is the top bits of a fixed 64-bit mix of the id and the tag is its top 32 bits,
/// so a probe compares tags before touching a record, and growing rehashes from the tags alone
/// without reading a single key. The hash is fixed (not per-process seeded) so that the layout
/// is deterministic; entries are never iterated to produce output.
final class IDIndex {
    private var entries: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    private var shift: Int  // 64 - log2(capacity)
    private(set) var count = 0
    private let memory: any RecordMemory
    /// The capacity whose doubled table was asked of `memory` ahead of time.
    private var preparedFor = 0

    init(memory: any RecordMemory = StandardRecordMemory(), capacityLog2: Int = 4) {
        self.memory = memory
        capacity = 1 << capacityLog2
        shift = 64 - capacityLog2
        entries = Self.allocateTable(capacity, memory: memory)
    }

    deinit {
        Self.deallocateTable(entries, capacity: capacity, memory: memory)
    }

    private static func allocateTable(_ capacity: Int, memory: any RecordMemory) -> UnsafeMutablePointer<UInt64> {
        let bytes = capacity * MemoryLayout<UInt64>.stride
        let raw = bytes >= 2 << 20
            ? memory.allocate(byteCount: bytes, alignment: 2 << 20)
            : UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: MemoryLayout<UInt64>.alignment)
        let table = raw.bindMemory(to: UInt64.self, capacity: capacity)
        table.initialize(repeating: 0, count: capacity)
        return table
    }

    private static func deallocateTable(_ table: UnsafeMutablePointer<UInt64>, capacity: Int, memory: any RecordMemory) {
        if capacity * MemoryLayout<UInt64>.stride >= 2 << 20 {
            memory.deallocate(UnsafeMutableRawPointer(table))
        } else {
            table.deallocate()
        }
    }

    @inline(__always)
    static func hash(_ id: UInt128) -> UInt64 {
        // Both halves folded, then fully mixed: cheap, and sequential ids spread evenly.
        mix64(UInt64(truncatingIfNeeded: id) ^ (UInt64(truncatingIfNeeded: id &>> 64) &* 0x9E37_79B9_7F4A_7C15))
    }

    @inline(__always)
    private func bucket(ofHash h: UInt64) -> Int { Int(truncatingIfNeeded: h &>> UInt64(shift)) }

    /// The slot of `id`, or nil. `idAt` reads the id stored at a slot.
    @inline(__always)
    func find(_ id: UInt128, idAt: (Int) -> UInt128) -> Int? {
        let h = Self.hash(id)
        let tag = h &>> 32
        let mask = capacity - 1
        var bucket = bucket(ofHash: h)
        while true {
            let entry = entries[bucket]
            if entry == 0 { return nil }
            if entry &>> 32 == tag {
                let slot = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if idAt(slot) == id { return slot }
            }
            bucket = (bucket + 1) & mask
        }
    }

    /// Touches the home buckets of `ids` so that the cache misses of a whole batch overlap
    /// (independent loads) instead of stalling one event at a time. Returns a value the
    /// caller must keep so the loads are not optimised away.
    @inline(__always)
    func warm<C: Collection>(_ ids: C) -> UInt64 where C.Element == UInt128 {
        guard count > 4096 else { return 0 }
        var sink: UInt64 = 0
        for id in ids { sink &+= entries[bucket(ofHash: Self.hash(id))] }
        return sink
    }

    /// Grows once, up front, to hold `total` ids without rehashing (loading a snapshot).
    func reserve(_ total: Int) {
        while total * 4 > capacity * 3 { grow() }
    }

    /// Records that `id` lives at `slot`. The caller guarantees `id` is not present.
    @inline(__always)
    func insert(_ id: UInt128, slot: Int) {
        precondition(slot < Int(UInt32.max), "index full")
        if (count + 1) * 20 > capacity * 13, preparedFor != capacity { prepareGrowth() }
        if (count + 1) * 4 > capacity * 3 { grow() }
        let h = Self.hash(id)
        place((h &>> 32) &<< 32 | UInt64(slot + 1))
        count += 1
    }

    /// Removes `id`, which must be present (used to roll back a linked chain).
    func remove(_ id: UInt128, idAt: (Int) -> UInt128) {
        let h = Self.hash(id)
        let tag = h &>> 32
        let mask = capacity - 1
        var hole = bucket(ofHash: h)
        while true {
            let entry = entries[hole]
            precondition(entry != 0, "removing an id that is not indexed")
            if entry &>> 32 == tag, idAt(Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1) == id { break }
            hole = (hole + 1) & mask
        }
        // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
        var next = (hole + 1) & mask
        while entries[next] != 0 {
            let distanceNext = (next - home(of: entries[next])) & mask
            let distanceHole = (next - hole) & mask
            if distanceNext >= distanceHole {
                entries[hole] = entries[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        entries[hole] = 0
        count -= 1
    }

    @inline(__always)
    private func home(of entry: UInt64) -> Int {
        // The tag holds the hash's top 32 bits, which is where the bucket comes from.
        bucket(ofHash: (entry &>> 32) &<< 32)
    }

    @inline(__always)
    private func place(_ entry: UInt64) {
        let mask = capacity - 1
        var bucket = home(of: entry)
        while entries[bucket] != 0 { bucket = (bucket + 1) & mask }
        entries[bucket] = entry
    }

    /// 65% full (growth comes at 75%): have the next table's memory faulted in ahead. First
    /// touch of the 128 MiB table for 16M ids stalled one batch for ~0.35 s; the rehash itself
    /// is a fraction of that. Not earlier, so that a ledger that stops growing does not hold a
    /// doubled table it never uses.
    @inline(never)
    private func prepareGrowth() {
        preparedFor = capacity
        let bytes = capacity * 2 * MemoryLayout<UInt64>.stride
        if bytes >= 2 << 20 { memory.prepare(byteCount: bytes, alignment: 2 << 20) }
    }

    @inline(never)
    private func grow() {
        precondition(shift > 32, "an index of 2^32 entries cannot grow: tags hold 32 hash bits")
        let old = entries
        let oldCapacity = capacity
        capacity *= 2
        shift -= 1
        entries = Self.allocateTable(capacity, memory: memory)
        for index in 0..<oldCapacity where old[index] != 0 { place(old[index]) }
        Self.deallocateTable(old, capacity: oldCapacity, memory: memory)
    }
}
