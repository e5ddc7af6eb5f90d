/// An append-only array of fixed-size records in chunks that never move once full.
///
/// Why not `Array`: growing a 1 GiB array copies it and briefly doubles resident memory, and
/// slack capacity counts against the bytes-per-transfer budget. Full chunks (2 MiB of
/// 128-byte records, one huge page) come from the injected `RecordMemory`; only the first
/// chunk grows geometrically from the standard allocator, so a tenant with a handful of
/// records costs a handful of records.
final class RecordStore<Record> {
    static var chunkShift: Int { 14 }
    static var chunkCapacity: Int { 1 << chunkShift }
    static var chunkMask: Int { chunkCapacity - 1 }

    private var chunks: [UnsafeMutablePointer<Record>] = []
    private var firstChunkCapacity = 0
    private(set) var count = 0
    private let memory: any RecordMemory

    init(memory: any RecordMemory = StandardRecordMemory()) {
        self.memory = memory
    }

    deinit {
        if let first = chunks.first {
            first.deinitialize(count: min(count, firstChunkCapacity))
        }
        for (index, chunk) in chunks.enumerated() where index > 0 {
            let used = min(Self.chunkCapacity, count - index * Self.chunkCapacity)
            if used > 0 { chunk.deinitialize(count: used) }
        }
        for (index, chunk) in chunks.enumerated() {
            if index == 0 { chunk.deallocate() } else { memory.deallocate(UnsafeMutableRawPointer(chunk)) }
        }
    }

    @inline(__always)
    func pointer(at slot: Int) -> UnsafeMutablePointer<Record> {
        chunks[slot &>> Self.chunkShift] + (slot & Self.chunkMask)
    }

    @inline(__always)
    subscript(slot: Int) -> Record {
        get { pointer(at: slot).pointee }
        set { pointer(at: slot).pointee = newValue }
    }

    /// Appends and returns the new record's slot.
    @discardableResult
    func append(_ record: Record) -> Int {
        let slot = count
        reserveSlot(slot)
        (pointer(at: slot)).initialize(to: record)
        count = slot + 1
        return slot
    }

    /// Makes sure memory for `slot` exists (chunks outlive a rollback, so one may already).
    @inline(__always)
    private func reserveSlot(_ slot: Int) {
        if slot >= Self.chunkCapacity {
            if slot &>> Self.chunkShift == chunks.count { appendChunk() }
        } else if slot == firstChunkCapacity {
            growFirstChunk()
        }
    }

    @inline(never)
    private func appendChunk() {
        let bytes = Self.chunkCapacity * MemoryLayout<Record>.stride
        let raw = memory.allocate(byteCount: bytes, alignment: max(MemoryLayout<Record>.alignment, 2 << 20))
        chunks.append(raw.bindMemory(to: Record.self, capacity: Self.chunkCapacity))
    }

    /// The records' bytes as they are now, readable from another thread while this store
    /// only appends: full chunks never move, so they are pinned in place; the first chunk
    /// still moves while it grows, so a not-yet-full first chunk is copied.
    func captureRuns() -> [CapturedRun] {
        var runs: [CapturedRun] = []
        var slot = 0
        while slot < count {
            let run = min(count - slot, Self.chunkCapacity - (slot & Self.chunkMask))
            let bytes = UnsafeRawBufferPointer(start: pointer(at: slot), count: run * MemoryLayout<Record>.stride)
            runs.append(slot == 0 && firstChunkCapacity < Self.chunkCapacity ? .copied(Array(bytes)) : .pinned(bytes))
            slot += run
        }
        return runs
    }

    /// Appends `total` records whose bytes `fill` writes, one contiguous run at a time (for
    /// loading snapshots). The caller vouches that the bytes are valid records.
    func appendRuns(total: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        var remaining = total
        while remaining > 0 {
            let slot = count
            reserveSlot(slot)
            let room = slot < Self.chunkCapacity ? firstChunkCapacity - slot : Self.chunkCapacity - (slot & Self.chunkMask)
            let run = min(room, remaining)
            try fill(UnsafeMutableRawBufferPointer(start: pointer(at: slot), count: run * MemoryLayout<Record>.stride))
            count += run
            remaining -= run
        }
    }

    /// Drops the newest record (rolling back a failed linked chain).
    func removeLast() {
        precondition(count > 0, "removeLast on an empty store")
        count -= 1
        pointer(at: count).deinitialize(count: 1)
    }

    @inline(never)
    private func growFirstChunk() {
        let newCapacity = min(Self.chunkCapacity, max(16, firstChunkCapacity * 2))
        let grown = UnsafeMutablePointer<Record>.allocate(capacity: newCapacity)
        if let old = chunks.first {
            grown.moveInitialize(from: old, count: count)
            old.deallocate()
            chunks[0] = grown
        } else {
            chunks.append(grown)
        }
        firstChunkCapacity = newCapacity
    }

    /// Visits records in slot order.
    func forEach(from start: Int = 0, _ body: (Record) throws -> Void) rethrows {
        var slot = start
        while slot < count {
            try body(pointer(at: slot).pointee)
            slot += 1
        }
    }
}

/// One run of record bytes captured by `RecordStore.captureRuns()`.
enum CapturedRun {
    case pinned(UnsafeRawBufferPointer)
    case copied([UInt8])

    func withBytes(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        switch self {
        case .pinned(let bytes): try body(bytes)
        case .copied(let bytes): try bytes.withUnsafeBytes(body)
        }
    }
}
