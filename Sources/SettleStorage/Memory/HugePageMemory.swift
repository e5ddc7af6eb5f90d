import Glibc
import SettleCore

/// Record memory backed by transparent huge pages where the kernel allows them
/// (`madvise(MADV_HUGEPAGE)`), so that a 2 MiB chunk costs one page fault instead of 512.
/// Falls back silently to ordinary pages when huge pages are unavailable: the hint is an
/// optimisation, never a requirement.
public struct HugePageMemory: RecordMemory {
    public static let hugePageBytes = 2 << 20

    public init() {}

    public func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        var raw: UnsafeMutableRawPointer?
        let align = max(alignment, MemoryLayout<Int>.alignment)
        guard posix_memalign(&raw, align, byteCount) == 0, let pointer = raw else {
            fatalError("out of memory allocating \(byteCount) bytes for ledger records")
        }
        if byteCount >= Self.hugePageBytes && align % Self.hugePageBytes == 0 {
            _ = madvise(pointer, byteCount, MADV_HUGEPAGE)
        }
        return pointer
    }

    public func deallocate(_ pointer: UnsafeMutableRawPointer) {
        free(pointer)
    }
}
