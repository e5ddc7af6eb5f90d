import SettleMoney

/// A ledger transfer on the account being reconciled, as the matcher sees it.
///
/// `direction` is in the statement's terms, which the caller maps: on a processor clearing
/// account (money the processor owes us), a transfer that debits the account is money the
/// processor will pay out, so it is a `credit` on the processor's statement.
public struct LedgerEntry: Hashable, Sendable {
    public var transferID: UInt128
    /// Minor units, always positive.
    public var amount: Int64
    public var direction: Direction
    public var date: CalendarDate
    /// `ExternalReference.key` of the transfer's external reference (its `userData64`); 0 for none.
    public var referenceKey: UInt64

    public init(transferID: UInt128, amount: Int64, direction: Direction, date: CalendarDate, referenceKey: UInt64) {
        self.transferID = transferID
        self.amount = amount
        self.direction = direction
        self.date = date
        self.referenceKey = referenceKey
    }
}
