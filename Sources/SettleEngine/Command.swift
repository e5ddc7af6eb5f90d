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

    /// How many events the command carries (0 for expiry ticks and session registrations).
    public var eventCount: Int {
        switch self {
        case .createAccounts(_, let events): return events.count
        case .createTransfers(_, let events): return events.count
        case .expirePending, .registerSession: return 0
        }
    }

    /// The tenant whose partition the command goes to (nil for the engine's own ticks).
    public var tenant: TenantID? {
        switch self {
        case .createAccounts(let tenant, _), .createTransfers(let tenant, _), .registerSession(let tenant, _): return tenant
        case .expirePending: return nil
        }
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

/// A journaled command with the engine timestamp it was given.
public struct TimestampedCommand: Sendable, Equatable {
    public var command: Command
    public var timestamp: UInt64
    public var tag: ClientTag?

    public init(command: Command, timestamp: UInt64, tag: ClientTag? = nil) {
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
        case .expirePending, .registerSession:
            // A session registration moves time like an expiry tick; the table is the engine's.
            try expirePendingTransfers(timestamp: entry.timestamp)
            return .none
        }
    }
}
