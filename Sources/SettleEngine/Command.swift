import SettleCore

/// A write the engine journals and applies: the unit of input of the state machine.
public enum Command: Sendable, Equatable {
    case createAccounts(TenantID, [Account])
    case createTransfers(TenantID, [Transfer])
    /// Advances time with no events so that due pending transfers expire (the engine issues
    /// it by itself; clients never do).
    case expirePending
    /// Opens (idempotently) the client session `id` of a tenant; see `SessionTable`.
    case registerSession(TenantID, UInt128)
    /// Writes one record of the engine's replicated key-value store (tenants, API keys: what
    /// the API layer must keep exactly as durably as the ledger); see `SystemRecords`. Always
    /// committed in partition 0.
    case putSystemRecord(SystemRecordWrite)

    /// How many events the command carries (0 for expiry ticks and session registrations).
    public var eventCount: Int {
        switch self {
        case .createAccounts(_, let events): return events.count
        case .createTransfers(_, let events): return events.count
        case .expirePending, .registerSession, .putSystemRecord: return 0
        }
    }

    /// The tenant whose partition the command goes to (nil for the engine's own ticks;
    /// `TenantID.system`, partition 0, for system records).
    public var tenant: TenantID? {
        switch self {
        case .createAccounts(let tenant, _), .createTransfers(let tenant, _), .registerSession(let tenant, _): return tenant
        case .putSystemRecord: return .system
        case .expirePending: return nil
        }
    }
}

extension TenantID {
    /// The owner of system records. The API layer never hands this id to a tenant.
    public static let system = TenantID(0)
}

/// One write to `SystemRecords`.
public struct SystemRecordWrite: Sendable, Equatable {
    public enum Mode: UInt8, Sendable {
        /// Only if the key is absent (how a new id is claimed without a race).
        case insert = 1
        /// Insert or overwrite.
        case upsert = 2
    }

    public static let keyBytesMax = 256
    public static let valueBytesMax = 64 << 10

    public var key: String
    public var value: [UInt8]
    public var mode: Mode

    public init(key: String, value: [UInt8], mode: Mode) {
        self.key = key
        self.value = value
        self.mode = mode
    }
}

/// Marks a write as request `request` of client session `session` (DESIGN §4): a retry with
/// the same tag gets the stored reply instead of being executed again.
public struct ClientTag: Sendable, Hashable {
    public var session: UInt128
    /// Increases with every new request of the session (gaps allowed).
    public var request: UInt64

    public init(session: UInt128, request: UInt64) {
        self.session = session
        self.request = request
    }
}

/// Marks a write with an HTTP `Idempotency-Key` (DESIGN §4): the key, scoped to the tenant,
/// and a fingerprint of the request it first came with. The same key and fingerprint get the
/// stored reply; the same key with another fingerprint is refused.
public struct IdempotencyTag: Sendable, Hashable {
    public static let keyBytesMax = 255
    public var key: String
    /// A collision-resistant digest of the request (the API layer's SHA-256, truncated).
    public var fingerprint: UInt128

    public init(key: String, fingerprint: UInt128) {
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// What makes a write exactly-once: a client session request or an idempotency key.
public enum RequestTag: Sendable, Hashable {
    case session(ClientTag)
    case idempotencyKey(IdempotencyTag)
}

/// A journaled command with the engine timestamp it was given.
public struct TimestampedCommand: Sendable, Equatable {
    public var command: Command
    public var timestamp: UInt64
    public var tag: RequestTag?

    public init(command: Command, timestamp: UInt64, tag: RequestTag? = nil) {
        self.command = command
        self.timestamp = timestamp
        self.tag = tag
    }
}

/// The durable outcome of one write: one result per event, and where it sits in the journal.
public struct WriteReply: Sendable, Equatable {
    public enum Results: Sendable, Equatable {
        case accounts([CreateAccountResult])
        case transfers([CreateTransferResult])
        /// A system record write: whether it changed the store (false: an insert found the
        /// key taken).
        case record(written: Bool)
        case none
    }

    public var results: Results
    /// The journal op that holds the write: a commit position a reader can wait for.
    public var op: UInt64
    /// The batch's engine timestamp.
    public var timestamp: UInt64
}

extension StateMachine {
    /// Applies a journaled command. Replay and the live path share this one function, so a
    /// replayed journal cannot take a different branch than the original commit did.
    func apply(_ entry: TimestampedCommand) throws(BatchError) -> WriteReply.Results {
        switch entry.command {
        case .createAccounts(let tenant, let accounts):
            return .accounts(try createAccounts(accounts, tenant: tenant, timestamp: entry.timestamp))
        case .createTransfers(let tenant, let transfers):
            return .transfers(try createTransfers(transfers, tenant: tenant, timestamp: entry.timestamp))
        case .expirePending, .registerSession, .putSystemRecord:
            // These move time like an expiry tick; their tables are the engine's.
            try expirePendingTransfers(timestamp: entry.timestamp)
            return .none
        }
    }
}
