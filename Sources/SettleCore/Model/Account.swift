/// A ledger account: a fixed-size, 128-byte record.
///
/// Balances only ever change through transfers; a client supplies them as zero on creation.
/// `timestamp` is assigned by the engine (or supplied by the caller for imported events) and is
/// unique per tenant, so it doubles as the account's position in time-ordered queries.
@frozen
public struct Account: Equatable, Sendable {
    public var id: UInt128
    public var debitsPending: UInt128
    public var debitsPosted: UInt128
    public var creditsPending: UInt128
    public var creditsPosted: UInt128
    public var userData128: UInt128
    public var userData64: UInt64
    public var userData32: UInt32
    /// Must be zero; kept so the record stays 128 bytes and can gain a field later.
    public var reserved: UInt32
    public var ledger: UInt32
    public var code: UInt16
    public var flags: AccountFlags
    public var timestamp: UInt64

    public init(
        id: UInt128, debitsPending: UInt128 = 0, debitsPosted: UInt128 = 0,
        creditsPending: UInt128 = 0, creditsPosted: UInt128 = 0,
        userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0,
        reserved: UInt32 = 0, ledger: UInt32, code: UInt16, flags: AccountFlags = [],
        timestamp: UInt64 = 0
    ) {
        self.id = id
        self.debitsPending = debitsPending
        self.debitsPosted = debitsPosted
        self.creditsPending = creditsPending
        self.creditsPosted = creditsPosted
        self.userData128 = userData128
        self.userData64 = userData64
        self.userData32 = userData32
        self.reserved = reserved
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.timestamp = timestamp
    }
}

/// Account options. Unknown bits are rejected with `reservedFlag`.
@frozen
public struct AccountFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Chains this event with the next one in the batch: all commit or none does.
    public static let linked = AccountFlags(rawValue: 1 << 0)
    /// Rejects any transfer that would make debits (pending + posted) exceed posted credits.
    public static let debitsMustNotExceedCredits = AccountFlags(rawValue: 1 << 1)
    /// Rejects any transfer that would make credits (pending + posted) exceed posted debits.
    public static let creditsMustNotExceedDebits = AccountFlags(rawValue: 1 << 2)
    /// Keeps a balance snapshot after every transfer that touches the account.
    public static let history = AccountFlags(rawValue: 1 << 3)
    /// The event carries its own timestamp (migrating history from another system).
    public static let imported = AccountFlags(rawValue: 1 << 4)
    /// No further transfers may post to the account; set by closing transfers.
    public static let closed = AccountFlags(rawValue: 1 << 5)

    /// Every bit this version understands.
    public static let known: AccountFlags = [
        .linked, .debitsMustNotExceedCredits, .creditsMustNotExceedDebits, .history, .imported, .closed,
    ]
}

/// An account's balances as of one transfer, recorded for accounts with the `history` flag.
@frozen
public struct AccountBalance: Equatable, Sendable {
    public var debitsPending: UInt128
    public var debitsPosted: UInt128
    public var creditsPending: UInt128
    public var creditsPosted: UInt128
    /// The timestamp of the transfer that produced these balances.
    public var timestamp: UInt64

    public init(debitsPending: UInt128, debitsPosted: UInt128, creditsPending: UInt128, creditsPosted: UInt128, timestamp: UInt64) {
        self.debitsPending = debitsPending
        self.debitsPosted = debitsPosted
        self.creditsPending = creditsPending
        self.creditsPosted = creditsPosted
        self.timestamp = timestamp
    }
}
