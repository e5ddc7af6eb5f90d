/// A movement of `amount` from the debit account to the credit account: a fixed-size, 128-byte,
/// immutable record.
///
/// Two-phase transfers reserve with `pending`, then a second transfer with `pendingID` set
/// posts (all or part) or voids the reservation. Fields a post or void leaves zero are inherited
/// from the pending transfer.
@frozen
public struct Transfer: Equatable, Sendable {
    public var id: UInt128
    public var debitAccountID: UInt128
    public var creditAccountID: UInt128
    public var amount: UInt128
    public var pendingID: UInt128
    public var userData128: UInt128
    public var userData64: UInt64
    public var userData32: UInt32
    /// Seconds after `timestamp` at which a pending transfer expires; 0 means never.
    public var timeoutSeconds: UInt32
    public var ledger: UInt32
    public var code: UInt16
    public var flags: TransferFlags
    public var timestamp: UInt64

    public init(
        id: UInt128, debitAccountID: UInt128 = 0, creditAccountID: UInt128 = 0, amount: UInt128 = 0,
        pendingID: UInt128 = 0, userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0,
        timeoutSeconds: UInt32 = 0, ledger: UInt32 = 0, code: UInt16 = 0, flags: TransferFlags = [],
        timestamp: UInt64 = 0
    ) {
        self.id = id
        self.debitAccountID = debitAccountID
        self.creditAccountID = creditAccountID
        self.amount = amount
        self.pendingID = pendingID
        self.userData128 = userData128
        self.userData64 = userData64
        self.userData32 = userData32
        self.timeoutSeconds = timeoutSeconds
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.timestamp = timestamp
    }

    /// The largest amount; as a post's amount it means "the full pending amount", as a
    /// balancing transfer's amount it means "as much as the balance allows".
    public static let amountMax = UInt128.max
}

/// Transfer options. Unknown bits are rejected with `reservedFlag`.
@frozen
public struct TransferFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Chains this event with the next one in the batch: all commit or none does.
    public static let linked = TransferFlags(rawValue: 1 << 0)
    /// Reserves the amount (first phase of a two-phase transfer).
    public static let pending = TransferFlags(rawValue: 1 << 1)
    /// Posts the pending transfer named by `pendingID`, in full or in part.
    public static let postPendingTransfer = TransferFlags(rawValue: 1 << 2)
    /// Voids the pending transfer named by `pendingID`, releasing the reservation.
    public static let voidPendingTransfer = TransferFlags(rawValue: 1 << 3)
    /// Clamps the amount to what the debit account's credit balance allows.
    public static let balancingDebit = TransferFlags(rawValue: 1 << 4)
    /// Clamps the amount to what the credit account's debit balance allows.
    public static let balancingCredit = TransferFlags(rawValue: 1 << 5)
    /// Closes the debit account (must be pending; voiding it reopens the account).
    public static let closingDebit = TransferFlags(rawValue: 1 << 6)
    /// Closes the credit account (must be pending; voiding it reopens the account).
    public static let closingCredit = TransferFlags(rawValue: 1 << 7)
    /// The event carries its own timestamp (migrating history from another system).
    public static let imported = TransferFlags(rawValue: 1 << 8)

    /// Every bit this version understands.
    public static let known: TransferFlags = [
        .linked, .pending, .postPendingTransfer, .voidPendingTransfer, .balancingDebit, .balancingCredit,
        .closingDebit, .closingCredit, .imported,
    ]
}
