import SettleCore

/// HTTP idempotency keys (DESIGN §4), part of the partition's replicated state.
///
/// A write tagged with a key is journaled with the key and a fingerprint of its request; on
/// apply its reply is stored under (tenant, key). A later write with the same key and
/// fingerprint gets that reply back and executes nothing; with another fingerprint it is
/// refused. Entries live `retentionNanoseconds` of engine time (24 h by default) and are
/// dropped, oldest first, by apply — so replay and checkpoints rebuild exactly the same table.
///
/// Bounded: a new key is refused (`full`) rather than evicting one younger than the retention,
/// which would silently break the promise made to its client.
public struct IdempotencyTable: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public var tenant: TenantID
        public var key: String
    }

    struct Entry: Sendable, Equatable {
        var fingerprint: UInt128
        var reply: StoredReply
    }

    public static let defaultCapacity = 200_000
    public static let defaultRetentionNanoseconds: UInt64 = 24 * 3_600 * 1_000_000_000

    public let capacity: Int
    public let retentionNanoseconds: UInt64
    var entries: [Key: Entry] = [:]
    /// Keys in commit order (so also in timestamp order); `head` is the oldest live one.
    var order: [Key] = []
    var head = 0

    public init(capacity: Int = defaultCapacity, retentionNanoseconds: UInt64 = defaultRetentionNanoseconds) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.retentionNanoseconds = retentionNanoseconds
    }

    public var count: Int { entries.count }

    public enum Decision: Equatable, Sendable {
        case execute
        case replay(WriteReply)
        /// The key was used with a different request.
        case mismatch
        /// `capacity` keys younger than the retention are held.
        case full
    }

    /// Decides a tagged write at engine time `now`, before it is journaled; `admitting` is
    /// how many new keys the group being admitted already adds.
    public func decide(tenant: TenantID, tag: IdempotencyTag, now: UInt64, admitting: Int = 0) -> Decision {
        if let entry = entries[Key(tenant: tenant, key: tag.key)], !isExpired(entry, at: now) {
            return entry.fingerprint == tag.fingerprint ? .replay(entry.reply.reply) : .mismatch
        }
        var live = entries.count + admitting
        var position = head
        while live >= capacity, position < order.count, let entry = entries[order[position]], isExpired(entry, at: now) {
            live -= 1
            position += 1
        }
        return live >= capacity ? .full : .execute
    }

    /// Stores the reply of a journaled, executed tagged write, dropping expired keys first.
    mutating func record(tenant: TenantID, tag: IdempotencyTag, reply: WriteReply) {
        dropExpired(at: reply.timestamp)
        let key = Key(tenant: tenant, key: tag.key)
        guard entries[key] == nil else { return }  // admission lets only the first through
        entries[key] = Entry(fingerprint: tag.fingerprint, reply: StoredReply(reply))
        order.append(key)
    }

    private func isExpired(_ entry: Entry, at now: UInt64) -> Bool {
        now >= entry.reply.timestamp &+ retentionNanoseconds
    }

    private mutating func dropExpired(at now: UInt64) {
        while head < order.count, let entry = entries[order[head]], isExpired(entry, at: now) {
            entries[order[head]] = nil
            head += 1
        }
        if head > 1_024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
