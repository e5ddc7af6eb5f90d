import SettleCore

/// Client sessions: request-level exactly-once (DESIGN §4), part of the partition's replicated
/// state.
///
/// A client registers a session id (random, its own), then tags each write with
/// (session, request number). The table keeps, per session, the newest request number and its
/// reply. A write whose number is the newest gets that reply back without being executed
/// again — also after a restart, because registrations and tagged writes are journaled, the
/// table is rebuilt by replay, and checkpoints carry it. It changes only through `apply`, in
/// journal order, so it is deterministic like the ledger.
///
/// Bounded: at most `capacity` sessions per partition; registering one more evicts the session
/// used longest ago (ties by id), whose client then gets `sessionNotFound` and must register
/// again (as in TigerBeetle).
public struct SessionTable: Sendable, Equatable {
    public struct Key: Hashable, Comparable, Sendable {
        public var tenant: TenantID
        public var session: UInt128
        public static func < (a: Key, b: Key) -> Bool { (a.tenant, a.session) < (b.tenant, b.session) }
    }

    struct Entry: Sendable, Equatable {
        /// 0 until the first tagged write.
        var lastRequest: UInt64
        /// Kept compactly (only failed events): a full batch of `ok` would otherwise cost 16 KiB
        /// per session, up to 128 MiB per partition at the default capacity.
        var lastReply: StoredReply?
        /// The op that last registered or used the session (for eviction).
        var lastUsedOp: UInt64
        /// `Command.fingerprint` of the newest request (0 until the first).
        var lastFingerprint: UInt64 = 0
    }

    public static let defaultCapacity = 8_192
    public let capacity: Int
    var entries: [Key: Entry] = [:]

    public init(capacity: Int = SessionTable.defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// What to do with a tagged write, decided before it is journaled.
    public enum Decision: Equatable, Sendable {
        case execute
        /// The same request again: its stored reply.
        case replay(WriteReply)
        case sessionNotFound
        /// Older than the newest request of the session, whose number is given.
        case requestTooOld(newest: UInt64)
        /// The newest request's number, but another request: a client bug, refused.
        case requestMismatch
    }

    /// - Parameter fingerprint: the request's `Command.fingerprint`.
    public func decide(tenant: TenantID, tag: ClientTag, fingerprint: UInt64) -> Decision {
        guard let entry = entries[Key(tenant: tenant, session: tag.session)] else { return .sessionNotFound }
        if tag.request > entry.lastRequest { return .execute }
        if tag.request == entry.lastRequest, let reply = entry.lastReply {
            return entry.lastFingerprint == fingerprint ? .replay(reply.reply) : .requestMismatch
        }
        return .requestTooOld(newest: entry.lastRequest)
    }

    /// Records a journaled registration (idempotent: an existing session keeps its state).
    mutating func register(tenant: TenantID, session: UInt128, op: UInt64) {
        let key = Key(tenant: tenant, session: session)
        if entries[key] != nil {
            entries[key]!.lastUsedOp = op
            return
        }
        if entries.count >= capacity, let oldest = entries.min(by: { ($0.value.lastUsedOp, $0.key) < ($1.value.lastUsedOp, $1.key) }) {
            entries[oldest.key] = nil
        }
        entries[key] = Entry(lastRequest: 0, lastReply: nil, lastUsedOp: op)
    }

    /// Records the reply of a journaled, executed tagged write.
    mutating func record(tenant: TenantID, tag: ClientTag, reply: WriteReply, fingerprint: UInt64) {
        let key = Key(tenant: tenant, session: tag.session)
        guard entries[key] != nil, tag.request > entries[key]!.lastRequest else { return }
        entries[key] = Entry(lastRequest: tag.request, lastReply: StoredReply(reply), lastUsedOp: reply.op, lastFingerprint: fingerprint)
    }
}
