/// Where an id's record lives: a 128-bit id → 32-bit slot hash index, purpose-built for the
/// hot path.
///
/// Open addressing with linear probing over 8-byte entries `(tag: UInt32, slot + 1: UInt32)`.
/// The bucket is the top bits of a fixed 64-bit mix of the id and the tag is its top 32 bits,
/// so a probe compares tags before touching a record, and growing rehashes from the tags alone
/// without reading a single key. The hash is fixed (not per-process seeded) so that the layout
/// is deterministic; entries are never iterated to produce output.
struct IDIndex {
    private var entries: [UInt64]
    private var shift: Int  // 64 - log2(capacity)
    private(set) var count = 0

    init(capacityLog2: Int = 4) {
        entries = [UInt64](repeating: 0, count: 1 << capacityLog2)
        shift = 64 - capacityLog2
    }

    @inline(__always)
    static func hash(_ id: UInt128) -> UInt64 {
        // murmur3's fmix64 over both halves: cheap and it spreads sequential ids evenly.
        var x = UInt64(truncatingIfNeeded: id) ^ (UInt64(truncatingIfNeeded: id &>> 64) &* 0x9E37_79B9_7F4A_7C15)
        x ^= x &>> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x &>> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x &>> 33
        return x
    }

    /// The slot of `id`, or nil. `idAt` reads the id stored at a slot.
    @inline(__always)
    func find(_ id: UInt128, idAt: (Int) -> UInt128) -> Int? {
        let h = Self.hash(id)
        let tag = h &>> 32
        let mask = entries.count - 1
        var bucket = Int(truncatingIfNeeded: h &>> UInt64(shift))
        return entries.withUnsafeBufferPointer { table in
            while true {
                let entry = table[bucket]
                if entry == 0 { return nil }
                if entry &>> 32 == tag {
                    let slot = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    if idAt(slot) == id { return slot }
                }
                bucket = (bucket + 1) & mask
            }
        }
    }

    /// Records that `id` lives at `slot`. The caller guarantees `id` is not present.
    @inline(__always)
    mutating func insert(_ id: UInt128, slot: Int) {
        precondition(slot < Int(UInt32.max), "index full")
        if (count + 1) * 4 > entries.count * 3 { grow() }
        let h = Self.hash(id)
        place((h &>> 32) &<< 32 | UInt64(slot + 1))
        count += 1
    }

    /// Removes `id`, which must be present (used to roll back a linked chain).
    mutating func remove(_ id: UInt128, idAt: (Int) -> UInt128) {
        let h = Self.hash(id)
        let tag = h &>> 32
        let mask = entries.count - 1
        var hole = Int(truncatingIfNeeded: h &>> UInt64(shift))
        while true {
            let entry = entries[hole]
            precondition(entry != 0, "removing an id that is not indexed")
            if entry &>> 32 == tag, idAt(Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1) == id { break }
            hole = (hole + 1) & mask
        }
        // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
        var next = (hole + 1) & mask
        while entries[next] != 0 {
            let home = self.home(of: entries[next])
            let distanceNext = (next - home) & mask
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
        Int(truncatingIfNeeded: ((entry &>> 32) &<< 32) &>> UInt64(shift))
    }

    @inline(__always)
    private mutating func place(_ entry: UInt64) {
        let mask = entries.count - 1
        var bucket = home(of: entry)
        entries.withUnsafeMutableBufferPointer { table in
            while table[bucket] != 0 { bucket = (bucket + 1) & mask }
            table[bucket] = entry
        }
    }

    @inline(never)
    private mutating func grow() {
        precondition(shift > 32, "an index of 2^32 entries cannot grow: tags hold 32 hash bits")
        let old = entries
        entries = [UInt64](repeating: 0, count: old.count * 2)
        shift -= 1
        for entry in old where entry != 0 { place(entry) }
    }

    /// Bytes held by the table (for memory accounting).
    var byteCount: Int { entries.count * MemoryLayout<UInt64>.stride }
}
