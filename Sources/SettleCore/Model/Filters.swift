/// Selects transfers (or balance snapshots) of one account. See docs/LEDGER.md, "Queries".
@frozen
public struct AccountFilter: Equatable, Sendable {
    public var accountID: UInt128
    /// Non-zero values must match the transfer's field.
    public var userData128: UInt128
    public var userData64: UInt64
    public var userData32: UInt32
    public var code: UInt16
    /// Inclusive bounds; 0 means unbounded.
    public var timestampMin: UInt64
    public var timestampMax: UInt64
    /// At most this many results; 0 returns nothing.
    public var limit: UInt32
    public var flags: AccountFilterFlags

    public init(
        accountID: UInt128, userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0,
        code: UInt16 = 0, timestampMin: UInt64 = 0, timestampMax: UInt64 = 0,
        limit: UInt32 = UInt32(StateMachine.batchEventsMax), flags: AccountFilterFlags = [.debits, .credits]
    ) {
        self.accountID = accountID
        self.userData128 = userData128
        self.userData64 = userData64
        self.userData32 = userData32
        self.code = code
        self.timestampMin = timestampMin
        self.timestampMax = timestampMax
        self.limit = limit
        self.flags = flags
    }
}

@frozen
public struct AccountFilterFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Include transfers where the account is debited.
    public static let debits = AccountFilterFlags(rawValue: 1 << 0)
    /// Include transfers where the account is credited.
    public static let credits = AccountFilterFlags(rawValue: 1 << 1)
    /// Newest first.
    public static let reversed = AccountFilterFlags(rawValue: 1 << 2)
}

/// Selects accounts or transfers by their fields (AND of the non-zero ones). See docs/LEDGER.md.
@frozen
public struct QueryFilter: Equatable, Sendable {
    public var userData128: UInt128
    public var userData64: UInt64
    public var userData32: UInt32
    public var ledger: UInt32
    public var code: UInt16
    /// Inclusive bounds; 0 means unbounded.
    public var timestampMin: UInt64
    public var timestampMax: UInt64
    /// At most this many results; 0 returns nothing.
    public var limit: UInt32
    /// Newest first.
    public var reversed: Bool

    public init(
        userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0, ledger: UInt32 = 0,
        code: UInt16 = 0, timestampMin: UInt64 = 0, timestampMax: UInt64 = 0,
        limit: UInt32 = UInt32(StateMachine.batchEventsMax), reversed: Bool = false
    ) {
        self.userData128 = userData128
        self.userData64 = userData64
        self.userData32 = userData32
        self.ledger = ledger
        self.code = code
        self.timestampMin = timestampMin
        self.timestampMax = timestampMax
        self.limit = limit
        self.reversed = reversed
    }
}

/// Where a pending transfer is in its life. Only the first state can change, and only once.
@frozen
public enum PendingStatus: UInt8, Sendable {
    case pending = 1
    case posted = 2
    case voided = 3
    case expired = 4
}

/// Why a whole batch was refused. Nothing of a refused batch is applied.
public enum BatchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// More events than `StateMachine.batchEventsMax`.
    case tooManyEvents(count: Int, max: Int)
    /// The batch timestamp does not leave room for its events after the last batch's.
    case timestampNotMonotonic(timestamp: UInt64, lastTimestamp: UInt64, eventCount: Int)

    public var description: String {
        switch self {
        case let .tooManyEvents(count, max):
            return "batch has \(count) events; at most \(max) are allowed"
        case let .timestampNotMonotonic(timestamp, last, count):
            return "batch timestamp \(timestamp) with \(count) events does not follow the last timestamp \(last)"
        }
    }
}
