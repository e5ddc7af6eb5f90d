import SettleCore
import SettleMoney

/// A payment intent as the ledger shows it. There is no other record of an intent: this value
/// is computed from the intent's account and transfers every time it is read.
public struct PaymentIntent: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable, Codable {
        /// Authorized; nothing captured yet.
        case authorized
        /// Part captured; the rest of the authorization is still held.
        case partiallyCaptured = "partially_captured"
        /// Captured; nothing more can be captured.
        case captured
        case partiallyRefunded = "partially_refunded"
        case refunded
        /// Canceled before any capture; the hold was released.
        case canceled
        /// The authorization expired before any capture; the ledger released the hold.
        case expired
        /// A dispute is open: its amount sits in the dispute reserve.
        case disputed
        case disputeWon = "dispute_won"
        case disputeLost = "dispute_lost"
    }

    public struct Dispute: Sendable, Equatable {
        public enum State: String, Sendable, Codable { case open, won, lost }
        /// The transfer that opened it; resolving names the same step.
        public var openedBy: UInt128
        public var amount: UInt128
        public var state: State
    }

    public var id: UInt128
    public var currency: Currency
    public var referenceKey: UInt64
    public var status: Status
    public var authorized: UInt128
    /// Still held and capturable.
    public var capturable: UInt128
    public var captured: UInt128
    public var refunded: UInt128
    public var fees: UInt128
    /// What is left to refund or dispute: the intent account's posted credits less its debits.
    public var refundable: UInt128
    public var disputes: [Dispute]
    /// Ledger timestamps (nanoseconds since the epoch).
    public var authorizedAt: UInt64
    public var expiresAt: UInt64
    /// Every transfer of the intent, oldest first.
    public var transfers: [Transfer]
}

extension PaymentIntent {
    /// Derives the intent from its account and all its transfers (oldest first); nil if the
    /// authorization was never written.
    public init?(account: Account, transfers: [Transfer]) {
        guard let currency = Currency(ledger: account.ledger),
              let hold = transfers.first(where: { $0.id == IntentLayout.authorizationID(intent: account.userData128) }) else { return nil }
        typealias Code = IntentLayout.TransferCode
        func sum(_ code: Code, where predicate: (Transfer) -> Bool = { _ in true }) -> UInt128 {
            transfers.reduce(0) { $0 + ($1.code == code.rawValue && predicate($1) ? $1.amount : 0) }
        }
        let holds = transfers.filter { $0.code == Code.authorization.rawValue }
        let resolvedHolds = Set(holds.filter { !$0.flags.isDisjoint(with: [.postPendingTransfer, .voidPendingTransfer]) }.map(\.pendingID))
        let latestHold = holds.last(where: { $0.flags.contains(.pending) })
        let holdAlive = account.creditsPending > 0
        let canceled = holds.contains { $0.flags.contains(.voidPendingTransfer) && $0.userData32 == IntentLayout.StepTag.cancel.rawValue }
        let expired = !holdAlive && latestHold.map { !resolvedHolds.contains($0.id) } == true

        id = account.userData128
        self.currency = currency
        referenceKey = account.userData64
        authorized = hold.amount
        capturable = account.creditsPending
        captured = sum(.authorization) { $0.flags.contains(.postPendingTransfer) }
        refunded = sum(.refund) { $0.debitAccountID == account.id }
        fees = sum(.platformFee)
        refundable = account.creditsPosted - account.debitsPosted
        disputes = Self.disputes(account: account, transfers: transfers)
        authorizedAt = hold.timestamp
        expiresAt = hold.timeoutSeconds == 0 ? 0 : hold.timestamp + UInt64(hold.timeoutSeconds) * 1_000_000_000
        self.transfers = transfers
        status = Self.status(captured: captured, refunded: refunded, holdAlive: holdAlive, canceled: canceled,
                             expired: expired, disputes: disputes)
    }

    private static func disputes(account: Account, transfers: [Transfer]) -> [Dispute] {
        let opened = transfers.filter { $0.code == IntentLayout.TransferCode.disputeOpened.rawValue && $0.debitAccountID == account.id }
        return opened.map { open in
            let resolutionID = DisputeIDs.resolution(openedBy: open.id)
            let resolution = transfers.first { $0.id == resolutionID }
            let state: Dispute.State = switch resolution?.code {
            case IntentLayout.TransferCode.disputeWon.rawValue: .won
            case IntentLayout.TransferCode.disputeLost.rawValue: .lost
            default: .open
            }
            return Dispute(openedBy: open.id, amount: open.amount, state: state)
        }
    }

    private static func status(captured: UInt128, refunded: UInt128, holdAlive: Bool, canceled: Bool, expired: Bool,
                               disputes: [Dispute]) -> Status {
        if disputes.contains(where: { $0.state == .open }) { return .disputed }
        if disputes.contains(where: { $0.state == .lost }) { return .disputeLost }
        if refunded > 0 { return refunded >= captured ? .refunded : .partiallyRefunded }
        if disputes.contains(where: { $0.state == .won }) { return .disputeWon }
        if captured > 0 { return holdAlive ? .partiallyCaptured : .captured }
        if canceled { return .canceled }
        if expired { return .expired }
        return .authorized
    }
}

/// A dispute's resolution is one transfer id shared by "won" and "lost", so the ledger lets
/// only one of them exist: a dispute cannot be both won and lost, even under a race.
enum DisputeIDs {
    static func resolution(openedBy: UInt128) -> UInt128 {
        DerivedID.make(.disputeResolution, subject: openedBy, discriminator: .sequence(0), leg: 0)
    }
}
