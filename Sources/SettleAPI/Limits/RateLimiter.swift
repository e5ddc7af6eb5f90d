import SettleCore
import Synchronization

/// Per-tenant token buckets: `burst` requests at once, refilled at `perSecond`. A refused
/// request learns how long until a token is back (Retry-After).
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedNanoseconds: UInt64
    }

    private let buckets = Mutex<[TenantID: Bucket]>([:])
    private let clock: @Sendable () -> UInt64

    /// - Parameter clock: monotonic nanoseconds (injectable for tests).
    public init(clock: @escaping @Sendable () -> UInt64) {
        self.clock = clock
    }

    /// Takes one token; returns nil when allowed, else the whole seconds to wait (at least 1).
    public func acquire(tenant: TenantID, perSecond: Int, burst: Int) -> Int? {
        guard perSecond > 0 else { return nil }
        let capacity = Double(max(burst, 1))
        let now = clock()
        return buckets.withLock { buckets -> Int? in
            var bucket = buckets[tenant] ?? Bucket(tokens: capacity, updatedNanoseconds: now)
            let elapsed = Double(now &- bucket.updatedNanoseconds) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + elapsed * Double(perSecond))
            bucket.updatedNanoseconds = now
            defer { buckets[tenant] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            let wait = (1 - bucket.tokens) / Double(perSecond)
            return max(1, Int(wait.rounded(.up)))
        }
    }
}
