/// A small, fast, seedable generator (Steele, Lea, Flood: SplitMix64), deterministic on every
/// platform, unlike the system generator: every simulated crash, workload, benchmark and demo
/// in Settle is reproducible from its seed. Never used by the ledger itself (SettleCore's
/// source scan bans randomness), so it has a module of its own that storage simulation,
/// reconciliation benchmarks, the demo and tests share.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform integer in `0...upperBound` (modulo bias is irrelevant at these sizes).
    public mutating func upTo(_ upperBound: Int) -> Int {
        Int(next() % UInt64(upperBound + 1))
    }

    /// A uniform integer in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
