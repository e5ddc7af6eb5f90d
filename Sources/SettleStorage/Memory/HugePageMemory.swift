import Foundation
import SettleCore

/// Record memory backed by transparent huge pages (`madvise(MADV_HUGEPAGE)`), with a pool of
/// chunks faulted in ahead of time by a background thread.
///
/// Why: on the VMs we run on, first touch of fresh memory is the single largest cost of a
/// commit (perf: `clear_page_erms` under `RecordStore.append`, ~30% of the writer thread).
/// Huge pages cut the fault count 512-fold; the pool moves the remaining zeroing off the
/// partition's writer thread, as TigerBeetle avoids it by allocating everything at startup.
/// Falls back to ordinary pages when huge pages are unavailable: an optimisation, never a
/// requirement.
public final class HugePageMemory: RecordMemory, @unchecked Sendable {
    public static let hugePageBytes = 2 << 20

    private let condition = NSCondition()
    private var ready: [UnsafeMutableRawPointer] = []
    private let poolChunks: Int
    /// How full the refill thread makes the pool; raised for a while by `prefault(chunks:)`.
    private var target: Int
    private var refilling = false
    /// A large block faulted in ahead by `prepare`, for the next allocation of its size.
    private var prepared: (byteCount: Int, pointer: UnsafeMutableRawPointer)?
    private var preparing = false

    /// - Parameter poolChunks: huge-page chunks kept faulted in ahead of demand (0: none).
    public init(poolChunks: Int = 0) {
        self.poolChunks = poolChunks
        target = poolChunks
    }

    deinit {
        // The refill thread holds `self` while it runs, so no refill is in flight here.
        for chunk in ready { free(chunk) }
        if let prepared { free(prepared.pointer) }
    }

    public func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if byteCount == Self.hugePageBytes && alignment <= Self.hugePageBytes && poolChunks > 0 {
            condition.lock()
            let chunk = ready.popLast()
            let start = !refilling && ready.count < poolChunks / 2
            if start { refilling = true }
            condition.unlock()
            if start { startRefill() }
            if let chunk { return chunk }
        } else if alignment <= Self.hugePageBytes {
            condition.lock()
            let block = prepared?.byteCount == byteCount ? prepared?.pointer : nil
            if block != nil { prepared = nil }
            condition.unlock()
            if let block { return block }
        }
        return Self.allocateFresh(byteCount: byteCount, alignment: alignment)
    }

    /// Faults a block of `byteCount` bytes in on a short-lived thread, for the next allocation
    /// of that size (the id index's next table). One block at a time; a newer size replaces an
    /// unused older one.
    public func prepare(byteCount: Int, alignment: Int) {
        condition.lock()
        let start = !preparing && prepared?.byteCount != byteCount && alignment <= Self.hugePageBytes
        if start { preparing = true }
        condition.unlock()
        guard start else { return }
        let thread = Thread { [self] in
            let block = Self.allocateFresh(byteCount: byteCount, alignment: Self.hugePageBytes)
            Self.touch(block, byteCount: byteCount)
            condition.lock()
            let stale = prepared?.pointer
            prepared = (byteCount, block)
            preparing = false
            condition.unlock()
            if let stale { free(stale) }
        }
        thread.name = "settle-memory"
        thread.start()
    }

    /// The size of the block `prepare` has ready, if any.
    var preparedByteCount: Int? { condition.withLock { prepared?.byteCount } }

    /// One write per 4 KiB page faults every page in (a single huge page, where THP granted one).
    private static func touch(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        for offset in stride(from: 0, to: byteCount, by: 4096) {
            block.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
        }
    }

    public func deallocate(_ pointer: UnsafeMutableRawPointer) {
        free(pointer)
    }

    private static func allocateFresh(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        var raw: UnsafeMutableRawPointer?
        let align = max(alignment, MemoryLayout<Int>.alignment)
        guard posix_memalign(&raw, align, byteCount) == 0, let pointer = raw else {
            fatalError("out of memory allocating \(byteCount) bytes for ledger records")
        }
        if byteCount >= hugePageBytes && align % hugePageBytes == 0 {
            _ = madvise(pointer, byteCount, MADV_HUGEPAGE)
        }
        return pointer
    }

    /// Faults chunks in on a short-lived thread until the pool is full again.
    private func startRefill() {
        let thread = Thread { [self] in
            while true {
                let chunk = Self.allocateFresh(byteCount: Self.hugePageBytes, alignment: Self.hugePageBytes)
                Self.touch(chunk, byteCount: Self.hugePageBytes)
                condition.lock()
                ready.append(chunk)
                let full = ready.count >= target
                if full {
                    refilling = false
                    target = poolChunks
                }
                condition.unlock()
                if full { return }
            }
        }
        thread.name = "settle-memory"
        thread.start()
    }

    /// Starts filling the pool now rather than at the first allocation.
    public func prefill() {
        prefault(chunks: poolChunks)
    }

    /// Faults `chunks` chunks in on the background thread, e.g. before loading a snapshot of
    /// known size, so that the loading thread and this one share the page zeroing.
    public func prefault(chunks: Int) {
        condition.lock()
        target = max(target, chunks)
        let start = !refilling && ready.count < target
        if start { refilling = true }
        condition.unlock()
        if start { startRefill() }
    }
}
