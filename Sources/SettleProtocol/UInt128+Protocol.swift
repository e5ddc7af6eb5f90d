import SettleCore

// 128-bit values travel as two fixed64 halves (see the .proto's header for why).

extension UInt128 {
    /// Joins the wire halves: `lo` is bits 0-63, `hi` bits 64-127.
    @inline(__always)
    init(lo: UInt64, hi: UInt64) {
        self = UInt128(hi) << 64 | UInt128(lo)
    }

    /// Bits 0-63.
    @inline(__always)
    var lo: UInt64 { UInt64(truncatingIfNeeded: self) }

    /// Bits 64-127.
    @inline(__always)
    var hi: UInt64 { UInt64(truncatingIfNeeded: self >> 64) }

    /// The value of a `UInt128` message; every pair of halves is a valid value.
    public init(_ message: Settle_V1_UInt128) {
        self.init(lo: message.lo, hi: message.hi)
    }
}

extension Settle_V1_UInt128 {
    public init(_ value: UInt128) {
        self.init()
        lo = value.lo
        hi = value.hi
    }
}
