/// The outcome of one `createAccounts` event.
///
/// Precedence: when an event breaks several rules, the case declared **first** here is the one
/// returned. The validation code checks in exactly this order; `SettleCoreTests` provokes every
/// case. Raw values are the stable wire numbers and never change meaning.
@frozen
public enum CreateAccountResult: UInt16, CaseIterable, Sendable {
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
    case reservedField = 8
    case reservedFlag = 9
    case idMustNotBeZero = 10
    case idMustNotBeIntMax = 11
    /// The id exists; `flags` differ (the `closed` bit, which changes over time, is ignored).
    case existsWithDifferentFlags = 12
    case existsWithDifferentUserData128 = 13
    case existsWithDifferentUserData64 = 14
    case existsWithDifferentUserData32 = 15
    case existsWithDifferentLedger = 16
    case existsWithDifferentCode = 17
    /// The identical account exists already: the retry is a no-op.
    case exists = 18
    /// `debitsMustNotExceedCredits` and `creditsMustNotExceedDebits` together.
    case flagsAreMutuallyExclusive = 19
    case debitsPendingMustBeZero = 20
    case debitsPostedMustBeZero = 21
    case creditsPendingMustBeZero = 22
    case creditsPostedMustBeZero = 23
    case ledgerMustNotBeZero = 24
    case codeMustNotBeZero = 25
    /// An imported timestamp must be later than every timestamp the tenant already has.
    case importedEventTimestampMustNotRegress = 26
}
