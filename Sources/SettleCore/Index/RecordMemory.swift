/// Where the state machine's large record chunks get their memory.
///
/// Injected so that the pure core never calls the platform, while the engine can hand it
/// memory backed by huge pages: ten million transfers touch 1.3 GB, and faulting that in 4 KiB
/// pages costs more than applying the transfers (measured with perf: ~5 µs per fault here).
public protocol RecordMemory: Sendable {
    /// Returns `byteCount` bytes aligned to `alignment`; never fails (crashes on exhaustion).
    func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer
    func deallocate(_ pointer: UnsafeMutableRawPointer)
    /// A hint that an allocation of exactly this size will follow: memory that can may fault
    /// it in ahead of time, off the caller's thread, so the allocation does not stall it.
    func prepare(byteCount: Int, alignment: Int)
}

extension RecordMemory {
    public func prepare(byteCount: Int, alignment: Int) {}
}

/// The standard library's allocator.
public struct StandardRecordMemory: RecordMemory {
    public init() {}
    public func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        .allocate(byteCount: byteCount, alignment: alignment)
    }
    public func deallocate(_ pointer: UnsafeMutableRawPointer) { pointer.deallocate() }
}
