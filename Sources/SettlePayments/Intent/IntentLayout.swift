import SettleCore

/// How an intent is written into the ledger: its account, and the codes and user data its
/// transfers carry. Everything a reader needs to derive the intent's state is here.
///
/// Every transfer of an intent has `userData128` = the intent id (so one query finds them all),
/// `userData64` = the `ExternalReference.key` of the intent's reference (so reconciliation
/// finds the clearing transfer from a statement line), and `userData32` = the step that wrote
/// it. The intent account has `debitsMustNotExceedCredits`: its posted credits are what was
/// captured, its debits what was refunded or disputed, so the ledger itself refuses a refund
/// or a dispute beyond what is left.
public enum IntentLayout {
    /// `code` of an intent account.
    public static let intentAccountCode: UInt16 = 2001
    /// `code` of an intent's authorization account: `credits_must_not_exceed_debits`, debited
    /// with the authorized amount at authorize and credited with each capture, so the ledger
    /// refuses captures beyond the authorization whatever the holds say.
    public static let authorizationAccountCode: UInt16 = 2002

    /// `code` of an intent's transfers.
    public enum TransferCode: UInt16, Sendable, CaseIterable {
        /// The hold and every post or void of it (a post must carry its pending transfer's code).
        case authorization = 1
        /// Processor clearing → merchant payable, the gross amount of a capture.
        case capture = 2
        /// Merchant payable → platform revenue, the fee taken at capture.
        case platformFee = 3
        case refund = 4
        case disputeOpened = 5
        case disputeWon = 6
        case disputeLost = 7
        /// Authorization account ↔ the `authorizations` memo: authorized at authorize, used
        /// at each capture.
        case authorizationLimit = 8
    }

    /// `userData32` of an intent's transfers: the step that wrote it.
    public enum StepTag: UInt32, Sendable {
        case authorize = 1, capture, finalCapture, cancel, refund, disputeOpen, disputeWon, disputeLost
    }

    public static func accountID(intent: UInt128) -> UInt128 {
        DerivedID.make(.intentAccount, subject: intent, discriminator: .sequence(0), leg: 0)
    }

    public static func authorizationAccountID(intent: UInt128) -> UInt128 {
        DerivedID.make(.intentAccount, subject: intent, discriminator: .sequence(1), leg: 0)
    }

    /// The first hold: the authorization itself.
    public static func authorizationID(intent: UInt128) -> UInt128 {
        DerivedID.make(.authorization, subject: intent, discriminator: .sequence(0), leg: 0)
    }
}
