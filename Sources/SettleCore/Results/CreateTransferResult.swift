/// The outcome of one `createTransfers` event.
///
/// Precedence: when an event breaks several rules, the case declared **first** here is the one
/// returned. The validation code checks in exactly this order; `SettleCoreTests` provokes every
/// case. Raw values are the stable wire numbers and never change meaning.
///
/// "Transient" codes (see `isTransient`) depend on state that may change later; an id that
/// failed with one is remembered and answers `idAlreadyFailed` forever, so a retry can never
/// succeed after the client was told it failed.
@frozen
public enum CreateTransferResult: UInt16, CaseIterable, Sendable {
    case ok = 0
    /// Another event in this linked chain failed, so this one was rolled back.
    case linkedEventFailed = 1
    /// The batch ended while a linked chain was still open.
    case linkedEventChainOpen = 2
    /// The batch's first event is imported but this one is not.
    case importedEventExpected = 3
    /// The batch's first event is not imported but this one is.
    case importedEventNotExpected = 4
    /// Only imported events may carry a timestamp.
    case timestampMustBeZero = 5
    /// An imported timestamp must lie in 1...(2^63 - 1).
    case importedEventTimestampOutOfRange = 6
    /// An imported timestamp must be earlier than the batch's engine timestamp.
    case importedEventTimestampMustNotAdvance = 7
    case reservedFlag = 8
    case idMustNotBeZero = 9
    case idMustNotBeIntMax = 10
    // A transfer with this id exists; the first differing field (in this order) is reported.
    // Fields a post or void left zero (inherited) match anything; a post of `amountMax` matches
    // any posted amount; a balancing transfer matches when the stored amount is within its cap.
    case existsWithDifferentFlags = 11
    case existsWithDifferentPendingID = 12
    case existsWithDifferentTimeout = 13
    case existsWithDifferentDebitAccountID = 14
    case existsWithDifferentCreditAccountID = 15
    case existsWithDifferentAmount = 16
    case existsWithDifferentUserData128 = 17
    case existsWithDifferentUserData64 = 18
    case existsWithDifferentUserData32 = 19
    case existsWithDifferentLedger = 20
    case existsWithDifferentCode = 21
    /// The identical transfer exists already: the retry is a no-op.
    case exists = 22
    /// This id failed before with a transient code; ids are never reused.
    case idAlreadyFailed = 23
    /// More than one of pending / post / void, or balancing or closing with post / void.
    case flagsAreMutuallyExclusive = 24
    case debitAccountIDMustNotBeZero = 25
    case debitAccountIDMustNotBeIntMax = 26
    case creditAccountIDMustNotBeZero = 27
    case creditAccountIDMustNotBeIntMax = 28
    case accountsMustBeDifferent = 29
    /// Only posts and voids name a pending transfer.
    case pendingIDMustBeZero = 30
    case pendingIDMustNotBeZero = 31
    case pendingIDMustNotBeIntMax = 32
    case pendingIDMustBeDifferent = 33
    /// Only pending transfers may have a timeout.
    case timeoutReservedForPendingTransfer = 34
    case closingTransferMustBePending = 35
    case ledgerMustNotBeZero = 36
    case codeMustNotBeZero = 37
    case debitAccountNotFound = 38
    case creditAccountNotFound = 39
    case accountsMustHaveTheSameLedger = 40
    case transferMustHaveTheSameLedgerAsAccounts = 41
    case pendingTransferNotFound = 42
    case pendingTransferNotPending = 43
    case pendingTransferHasDifferentDebitAccountID = 44
    case pendingTransferHasDifferentCreditAccountID = 45
    case pendingTransferHasDifferentLedger = 46
    case pendingTransferHasDifferentCode = 47
    /// A post may not exceed the pending amount.
    case exceedsPendingTransferAmount = 48
    /// A void's amount must be 0 or the pending amount.
    case pendingTransferHasDifferentAmount = 49
    case pendingTransferAlreadyPosted = 50
    case pendingTransferAlreadyVoided = 51
    case pendingTransferExpired = 52
    /// An imported timestamp must be later than every timestamp the tenant already has.
    case importedEventTimestampMustNotRegress = 53
    case importedEventTimestampMustPostdateDebitAccount = 54
    case importedEventTimestampMustPostdateCreditAccount = 55
    case importedEventTimeoutMustBeZero = 56
    case debitAccountAlreadyClosed = 57
    case creditAccountAlreadyClosed = 58
    case overflowsDebitsPending = 59
    case overflowsCreditsPending = 60
    case overflowsDebitsPosted = 61
    case overflowsCreditsPosted = 62
    /// debits pending + debits posted + amount would overflow.
    case overflowsDebits = 63
    /// credits pending + credits posted + amount would overflow.
    case overflowsCredits = 64
    /// timestamp + timeout would overflow 64-bit nanoseconds.
    case overflowsTimeout = 65
    /// The debit account has `debitsMustNotExceedCredits` and not enough credits.
    case exceedsCredits = 66
    /// The credit account has `creditsMustNotExceedDebits` and not enough debits.
    case exceedsDebits = 67

    /// Codes that depend on state that may change; the id is burnt (see the type's doc).
    public var isTransient: Bool {
        switch self {
        case .debitAccountNotFound, .creditAccountNotFound, .pendingTransferNotFound,
             .debitAccountAlreadyClosed, .creditAccountAlreadyClosed,
             .overflowsDebitsPending, .overflowsCreditsPending, .overflowsDebitsPosted,
             .overflowsCreditsPosted, .overflowsDebits, .overflowsCredits,
             .exceedsCredits, .exceedsDebits:
            return true
        default:
            return false
        }
    }
}
