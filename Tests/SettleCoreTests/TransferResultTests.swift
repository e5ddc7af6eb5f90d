import SettleCore
import Testing

/// One row of the `createTransfers` result table: a setup that ends with the event under test.
struct TransferCase: Sendable, CustomTestStringConvertible {
    let expected: CreateTransferResult
    let note: String
    /// Runs on a fresh `Fixture` (accounts 1...4 on ledger 1, 7 on ledger 2) and returns the
    /// result under test.
    let run: @Sendable (Fixture) -> CreateTransferResult

    init(_ expected: CreateTransferResult, _ note: String, run: @escaping @Sendable (Fixture) -> CreateTransferResult) {
        self.expected = expected
        self.note = note
        self.run = run
    }

    var testDescription: String { "\(expected) (\(note))" }
}

/// Half of `UInt128.max`, rounded up: two of these overflow a balance.
let halfPlusOne: UInt128 = UInt128.max / 2 + 1

/// Creates pending transfer 100 (10 from account 1 to 2) and returns the result of `event`.
@discardableResult
private func afterPending100(_ f: Fixture, timeoutSeconds: UInt32 = 0, _ event: Transfer) -> CreateTransferResult {
    f.create(transfer(100, flags: .pending, timeoutSeconds: timeoutSeconds))
    return f.create(event)
}

/// Creates `stored`, then returns the result of resubmitting `retry` with the same id.
private func retry(_ f: Fixture, stored: Transfer = transfer(100), _ retry: Transfer) -> CreateTransferResult {
    f.create(stored)
    return f.create(retry)
}

/// Codes no event can provoke (none since imports regress per kind, as in TigerBeetle).
let unreachableTransferResults: Set<CreateTransferResult> = []

/// Every reachable `CreateTransferResult`, provoked from docs/LEDGER.md "createTransfers".
let transferCases: [TransferCase] = envelopeCases + idempotencyCases + validationCases + stateCases + twoPhaseCases + limitCases

private let envelopeCases: [TransferCase] = [
    TransferCase(.ok, "single-phase") { $0.create(transfer(100)) },
    TransferCase(.ok, "amount 0") { $0.create(transfer(100, amount: 0)) },
    TransferCase(.ok, "pending with timeout") { $0.create(transfer(100, flags: .pending, timeoutSeconds: 60)) },
    TransferCase(.ok, "imported") { f in f.create(transfer(100, flags: .imported, timestamp: f.importTimestamp())) },
    TransferCase(.linkedEventFailed, "first of a chain whose second fails") { f in
        f.createTransfers([transfer(100, flags: .linked), transfer(0)])[0]
    },
    TransferCase(.linkedEventChainOpen, "the batch ends inside a chain") { $0.create(transfer(100, flags: .linked)) },
    TransferCase(.importedEventExpected, "imported batch, plain event") { f in
        f.createTransfers([transfer(100, flags: .imported, timestamp: f.importTimestamp()), transfer(101)])[1]
    },
    TransferCase(.importedEventNotExpected, "plain batch, imported event") { f in
        f.createTransfers([transfer(100), transfer(101, flags: .imported, timestamp: f.importTimestamp())])[1]
    },
    TransferCase(.timestampMustBeZero, "plain event with a timestamp") { $0.create(transfer(100, timestamp: 1)) },
    TransferCase(.importedEventTimestampOutOfRange, "timestamp 0") { $0.create(transfer(100, flags: .imported)) },
    TransferCase(.importedEventTimestampOutOfRange, "timestamp 2^63") { f in
        f.create(transfer(100, flags: .imported, timestamp: 1 << 63))
    },
    TransferCase(.importedEventTimestampMustNotAdvance, "timestamp == batch timestamp") { f in
        let batch = f.nextTimestamp(events: 1)
        return f.create(transfer(100, flags: .imported, timestamp: batch), at: batch)
    },
    TransferCase(.reservedFlag, "unknown flag bit") { $0.create(transfer(100, flags: TransferFlags(rawValue: 1 << 15))) },
    TransferCase(.idMustNotBeZero, "") { $0.create(transfer(0)) },
    TransferCase(.idMustNotBeIntMax, "") { $0.create(transfer(.max)) },
]

private let idempotencyCases: [TransferCase] = [
    TransferCase(.existsWithDifferentFlags, "") { retry($0, transfer(100, flags: .pending)) },
    TransferCase(.existsWithDifferentPendingID, "") { retry($0, transfer(100, pendingID: 5)) },
    TransferCase(.existsWithDifferentTimeout, "") { retry($0, transfer(100, timeoutSeconds: 5)) },
    TransferCase(.existsWithDifferentDebitAccountID, "") { retry($0, transfer(100, debit: 3)) },
    TransferCase(.existsWithDifferentCreditAccountID, "") { retry($0, transfer(100, credit: 3)) },
    TransferCase(.existsWithDifferentAmount, "") { retry($0, transfer(100, amount: 11)) },
    TransferCase(.existsWithDifferentUserData128, "") { retry($0, transfer(100, userData128: 1)) },
    TransferCase(.existsWithDifferentUserData64, "") { retry($0, transfer(100, userData64: 1)) },
    TransferCase(.existsWithDifferentUserData32, "") { retry($0, transfer(100, userData32: 1)) },
    TransferCase(.existsWithDifferentLedger, "") { retry($0, transfer(100, ledger: 2)) },
    TransferCase(.existsWithDifferentCode, "") { retry($0, transfer(100, code: 2)) },
    TransferCase(.exists, "identical retry") { retry($0, transfer(100)) },
    TransferCase(.idAlreadyFailed, "after debitAccountNotFound") { retry($0, stored: transfer(100, debit: 99), transfer(100)) },
]

private let validationCases: [TransferCase] = [
    TransferCase(.flagsAreMutuallyExclusive, "pending + post") { f in
        f.create(transfer(100, flags: [.pending, .postPendingTransfer], pendingID: 5))
    },
    TransferCase(.flagsAreMutuallyExclusive, "post + void") { $0.create(post(101, pending: 100, flags: .voidPendingTransfer)) },
    TransferCase(.flagsAreMutuallyExclusive, "pending + void") { $0.create(void(101, pending: 100, flags: .pending)) },
    TransferCase(.flagsAreMutuallyExclusive, "post + balancingDebit") { $0.create(post(101, pending: 100, flags: .balancingDebit)) },
    TransferCase(.flagsAreMutuallyExclusive, "post + balancingCredit") { $0.create(post(101, pending: 100, flags: .balancingCredit)) },
    TransferCase(.flagsAreMutuallyExclusive, "void + closingDebit") { $0.create(void(101, pending: 100, flags: .closingDebit)) },
    TransferCase(.flagsAreMutuallyExclusive, "void + closingCredit") { $0.create(void(101, pending: 100, flags: .closingCredit)) },
    TransferCase(.debitAccountIDMustNotBeZero, "") { $0.create(transfer(100, debit: 0)) },
    TransferCase(.debitAccountIDMustNotBeIntMax, "") { $0.create(transfer(100, debit: .max)) },
    TransferCase(.creditAccountIDMustNotBeZero, "") { $0.create(transfer(100, credit: 0)) },
    TransferCase(.creditAccountIDMustNotBeIntMax, "") { $0.create(transfer(100, credit: .max)) },
    TransferCase(.accountsMustBeDifferent, "") { $0.create(transfer(100, debit: 1, credit: 1)) },
    TransferCase(.pendingIDMustBeZero, "single-phase") { $0.create(transfer(100, pendingID: 5)) },
    TransferCase(.pendingIDMustBeZero, "pending") { $0.create(transfer(100, flags: .pending, pendingID: 5)) },
    TransferCase(.pendingIDMustNotBeZero, "post") { $0.create(post(101, pending: 0)) },
    TransferCase(.pendingIDMustNotBeZero, "void") { $0.create(void(101, pending: 0)) },
    TransferCase(.pendingIDMustNotBeIntMax, "") { $0.create(post(101, pending: .max)) },
    TransferCase(.pendingIDMustBeDifferent, "") { $0.create(post(101, pending: 101)) },
    TransferCase(.timeoutReservedForPendingTransfer, "single-phase") { $0.create(transfer(100, timeoutSeconds: 1)) },
    TransferCase(.timeoutReservedForPendingTransfer, "post") { f in
        var event = post(101, pending: 100)
        event.timeoutSeconds = 1
        return afterPending100(f, event)
    },
    TransferCase(.closingTransferMustBePending, "closingDebit") { $0.create(transfer(100, flags: .closingDebit)) },
    TransferCase(.closingTransferMustBePending, "closingCredit") { $0.create(transfer(100, flags: .closingCredit)) },
    TransferCase(.ledgerMustNotBeZero, "") { $0.create(transfer(100, ledger: 0)) },
    TransferCase(.codeMustNotBeZero, "") { $0.create(transfer(100, code: 0)) },
]

private let stateCases: [TransferCase] = [
    TransferCase(.debitAccountNotFound, "") { $0.create(transfer(100, debit: 99)) },
    TransferCase(.creditAccountNotFound, "") { $0.create(transfer(100, credit: 99)) },
    TransferCase(.accountsMustHaveTheSameLedger, "") { $0.create(transfer(100, credit: 7)) },
    TransferCase(.transferMustHaveTheSameLedgerAsAccounts, "") { $0.create(transfer(100, ledger: 2)) },
    TransferCase(.importedEventTimestampMustPostdateDebitAccount, "before the accounts") { f in
        f.create(transfer(100, flags: .imported, timestamp: 5))
    },
    TransferCase(.importedEventTimestampMustPostdateCreditAccount, "after the debit, before the credit account") { f in
        let between = f.importTimestamp(2)
        f.create(account(20, flags: .imported, timestamp: f.importTimestamp(5)))
        return f.create(transfer(100, debit: 1, credit: 20, flags: .imported, timestamp: between))
    },
    TransferCase(.importedEventTimestampMustNotRegress, "before the newest transfer") { f in
        let early = f.importTimestamp(2)
        f.create(transfer(99))
        return f.create(transfer(100, flags: .imported, timestamp: early))
    },
    TransferCase(.importedEventTimestampMustNotRegress, "equal to an earlier event of the batch") { f in
        let t = f.importTimestamp()
        return f.createTransfers([transfer(100, flags: .imported, timestamp: t), transfer(101, flags: .imported, timestamp: t)])[1]
    },
    TransferCase(.importedEventTimeoutMustBeZero, "") { f in
        f.create(transfer(100, flags: [.imported, .pending], timeoutSeconds: 1, timestamp: f.importTimestamp()))
    },
    TransferCase(.debitAccountAlreadyClosed, "single-phase") { f in
        f.create(account(8, flags: .closed))
        return f.create(transfer(100, debit: 8))
    },
    TransferCase(.creditAccountAlreadyClosed, "single-phase") { f in
        f.create(account(8, flags: .closed))
        return f.create(transfer(100, credit: 8))
    },
    TransferCase(.debitAccountAlreadyClosed, "post after another pending closed the debit account") { f in
        f.create(transfer(100, flags: .pending))
        f.create(transfer(101, debit: 1, credit: 3, flags: [.pending, .closingDebit]))
        return f.create(post(102, pending: 100))
    },
    TransferCase(.creditAccountAlreadyClosed, "post after another pending closed the credit account") { f in
        f.create(transfer(100, flags: .pending))
        f.create(transfer(101, debit: 3, credit: 2, flags: [.pending, .closingCredit]))
        return f.create(post(102, pending: 100))
    },
]

private let twoPhaseCases: [TransferCase] = [
    TransferCase(.ok, "post in full") { afterPending100($0, post(101, pending: 100)) },
    TransferCase(.ok, "void") { afterPending100($0, void(101, pending: 100)) },
    TransferCase(.pendingTransferNotFound, "") { $0.create(post(101, pending: 999)) },
    TransferCase(.pendingTransferNotPending, "") { retry($0, post(101, pending: 100)) },
    TransferCase(.pendingTransferHasDifferentDebitAccountID, "") { afterPending100($0, post(101, pending: 100, debit: 3)) },
    TransferCase(.pendingTransferHasDifferentCreditAccountID, "") { afterPending100($0, post(101, pending: 100, credit: 3)) },
    TransferCase(.pendingTransferHasDifferentLedger, "") { afterPending100($0, post(101, pending: 100, ledger: 2)) },
    TransferCase(.pendingTransferHasDifferentCode, "") { afterPending100($0, void(101, pending: 100, code: 2)) },
    TransferCase(.exceedsPendingTransferAmount, "") { afterPending100($0, post(101, pending: 100, amount: 11)) },
    TransferCase(.pendingTransferHasDifferentAmount, "") { afterPending100($0, void(101, pending: 100, amount: 5)) },
    TransferCase(.pendingTransferAlreadyPosted, "") { f in
        afterPending100(f, post(101, pending: 100))
        return f.create(post(102, pending: 100))
    },
    TransferCase(.pendingTransferAlreadyVoided, "") { f in
        afterPending100(f, void(101, pending: 100))
        return f.create(post(102, pending: 100))
    },
    TransferCase(.pendingTransferExpired, "post") { f in
        f.create(transfer(100, flags: .pending, timeoutSeconds: 1))
        f.expire(at: f.lookupTransfer(100)!.timestamp + nanosPerSecond)
        return f.create(post(101, pending: 100))
    },
    TransferCase(.pendingTransferExpired, "void") { f in
        f.create(transfer(100, flags: .pending, timeoutSeconds: 1))
        f.expire(at: f.lookupTransfer(100)!.timestamp + nanosPerSecond)
        return f.create(void(101, pending: 100))
    },
]

private let limitCases: [TransferCase] = [
    TransferCase(.overflowsDebitsPending, "") { f in
        f.create(transfer(100, amount: .max - 5, flags: .pending))
        return f.create(transfer(101, debit: 1, credit: 3, flags: .pending))
    },
    TransferCase(.overflowsCreditsPending, "") { f in
        f.create(transfer(100, amount: .max - 5, flags: .pending))
        return f.create(transfer(101, debit: 3, credit: 2, flags: .pending))
    },
    TransferCase(.overflowsDebitsPosted, "") { f in
        f.create(transfer(100, amount: .max - 5))
        return f.create(transfer(101, debit: 1, credit: 3))
    },
    TransferCase(.overflowsCreditsPosted, "") { f in
        f.create(transfer(100, amount: .max - 5))
        return f.create(transfer(101, debit: 3, credit: 2))
    },
    TransferCase(.overflowsDebits, "pending + posted + amount") { f in
        f.create(transfer(100, amount: halfPlusOne, flags: .pending))
        return f.create(transfer(101, debit: 1, credit: 3, amount: halfPlusOne))
    },
    TransferCase(.overflowsCredits, "pending + posted + amount") { f in
        f.create(transfer(100, amount: halfPlusOne, flags: .pending))
        return f.create(transfer(101, debit: 3, credit: 2, amount: halfPlusOne))
    },
    TransferCase(.overflowsTimeout, "expiresAt > 2^63 - 1") { _ in
        let late = Fixture(start: UInt64(Int64.max) - 1_000_000)
        return late.create(transfer(100, flags: .pending, timeoutSeconds: 1))
    },
    TransferCase(.exceedsCredits, "") { f in
        f.create(account(5, flags: .debitsMustNotExceedCredits))
        return f.create(transfer(100, debit: 5, credit: 2, amount: 1))
    },
    TransferCase(.exceedsDebits, "") { f in
        f.create(account(6, flags: .creditsMustNotExceedDebits))
        return f.create(transfer(100, debit: 1, credit: 6, amount: 1))
    },
]

/// Pairs of broken rules: the code declared first in `CreateTransferResult` wins.
let transferPrecedenceCases: [TransferCase] = [
    TransferCase(.linkedEventChainOpen, "beats id 0") { $0.create(transfer(0, flags: .linked)) },
    TransferCase(.importedEventNotExpected, "beats a bad imported timestamp") { f in
        f.createTransfers([transfer(100), transfer(101, flags: .imported)])[1]
    },
    TransferCase(.timestampMustBeZero, "beats reservedFlag") { f in
        f.create(transfer(100, flags: TransferFlags(rawValue: 1 << 15), timestamp: 3))
    },
    TransferCase(.importedEventTimestampOutOfRange, "beats mustNotAdvance") { f in
        f.create(transfer(100, flags: .imported, timestamp: .max))
    },
    TransferCase(.reservedFlag, "beats id 0") { $0.create(transfer(0, flags: TransferFlags(rawValue: 1 << 15))) },
    TransferCase(.idMustNotBeZero, "beats flagsAreMutuallyExclusive") { f in
        f.create(transfer(0, flags: [.pending, .voidPendingTransfer]))
    },
    TransferCase(.existsWithDifferentFlags, "beats a different amount and code") { f in
        retry(f, transfer(100, amount: 11, code: 2, flags: .pending))
    },
    TransferCase(.existsWithDifferentFlags, "an existing id beats flagsAreMutuallyExclusive") { f in
        retry(f, transfer(100, flags: [.pending, .postPendingTransfer]))
    },
    TransferCase(.existsWithDifferentPendingID, "beats timeout") { f in
        retry(f, transfer(100, pendingID: 5, timeoutSeconds: 5))
    },
    TransferCase(.existsWithDifferentDebitAccountID, "beats credit account") { f in
        retry(f, transfer(100, debit: 3, credit: 4))
    },
    TransferCase(.existsWithDifferentAmount, "beats user data, ledger and code") { f in
        retry(f, transfer(100, amount: 11, ledger: 2, code: 2, userData128: 1, userData64: 1, userData32: 1))
    },
    TransferCase(.existsWithDifferentUserData32, "beats ledger") { f in
        retry(f, transfer(100, ledger: 2, userData32: 1))
    },
    TransferCase(.existsWithDifferentLedger, "beats code") { f in retry(f, transfer(100, ledger: 2, code: 2)) },
    TransferCase(.idAlreadyFailed, "beats flagsAreMutuallyExclusive") { f in
        retry(f, stored: transfer(100, debit: 99), transfer(100, flags: [.pending, .postPendingTransfer]))
    },
    TransferCase(.flagsAreMutuallyExclusive, "beats accounts 0 and ledger 0") { f in
        f.create(transfer(100, debit: 0, credit: 0, ledger: 0, flags: [.pending, .voidPendingTransfer]))
    },
    TransferCase(.debitAccountIDMustNotBeZero, "beats credit 0") { $0.create(transfer(100, debit: 0, credit: 0)) },
    TransferCase(.creditAccountIDMustNotBeIntMax, "beats ledger 0") { $0.create(transfer(100, credit: .max, ledger: 0)) },
    TransferCase(.accountsMustBeDifferent, "beats pendingIDMustBeZero") { f in
        f.create(transfer(100, debit: 1, credit: 1, pendingID: 5))
    },
    TransferCase(.pendingIDMustBeZero, "beats timeoutReserved") { $0.create(transfer(100, pendingID: 5, timeoutSeconds: 1)) },
    TransferCase(.pendingIDMustNotBeZero, "beats timeoutReserved") { f in
        var event = post(101, pending: 0)
        event.timeoutSeconds = 1
        return f.create(event)
    },
    TransferCase(.timeoutReservedForPendingTransfer, "beats closingTransferMustBePending") { f in
        f.create(transfer(100, flags: .closingDebit, timeoutSeconds: 1))
    },
    TransferCase(.closingTransferMustBePending, "beats ledger 0") { $0.create(transfer(100, ledger: 0, flags: .closingCredit)) },
    TransferCase(.ledgerMustNotBeZero, "beats code 0 and missing accounts") { f in
        f.create(transfer(100, debit: 98, credit: 99, ledger: 0, code: 0))
    },
    TransferCase(.codeMustNotBeZero, "beats a missing account") { $0.create(transfer(100, debit: 99, code: 0)) },
    TransferCase(.debitAccountNotFound, "beats creditAccountNotFound") { $0.create(transfer(100, debit: 98, credit: 99)) },
    TransferCase(.accountsMustHaveTheSameLedger, "beats transferMustHaveTheSameLedgerAsAccounts") { f in
        f.create(transfer(100, credit: 7, ledger: 3))
    },
    TransferCase(.transferMustHaveTheSameLedgerAsAccounts, "beats a closed account") { f in
        f.create(account(8, flags: .closed))
        return f.create(transfer(100, debit: 8, ledger: 2))
    },
    TransferCase(.importedEventTimestampMustNotRegress, "beats a closed account") { f in
        f.create(account(8, flags: .closed))
        let early = f.importTimestamp()
        f.create(transfer(99))
        return f.create(transfer(100, debit: 8, flags: .imported, timestamp: early))
    },
    TransferCase(.importedEventTimestampMustPostdateDebitAccount, "beats a closed account") { f in
        f.create(account(8, flags: .closed))
        return f.create(transfer(100, debit: 8, flags: .imported, timestamp: 5))
    },
    TransferCase(.importedEventTimeoutMustBeZero, "beats a closed account") { f in
        f.create(account(8, flags: .closed))
        return f.create(transfer(100, debit: 8, flags: [.imported, .pending], timeoutSeconds: 1, timestamp: f.importTimestamp()))
    },
    TransferCase(.debitAccountAlreadyClosed, "beats credit closed and exceedsCredits") { f in
        f.createAccounts([account(8, flags: [.closed, .debitsMustNotExceedCredits]), account(9, flags: .closed)])
        return f.create(transfer(100, debit: 8, credit: 9))
    },
    TransferCase(.creditAccountAlreadyClosed, "beats an overflow") { f in
        f.create(account(8, flags: .closed))
        f.create(transfer(100, amount: .max))
        return f.create(transfer(101, debit: 1, credit: 8))
    },
    TransferCase(.overflowsDebitsPending, "beats overflowsCreditsPending") { f in
        f.create(transfer(100, amount: .max, flags: .pending))
        return f.create(transfer(101, amount: 1, flags: .pending))
    },
    TransferCase(.overflowsDebitsPosted, "beats overflowsCreditsPosted and overflowsDebits") { f in
        f.create(transfer(100, amount: .max))
        return f.create(transfer(101, amount: 1))
    },
    TransferCase(.overflowsCredits, "beats exceedsCredits") { f in
        f.create(account(5, flags: .debitsMustNotExceedCredits))
        f.create(transfer(100, debit: 3, credit: 2, amount: halfPlusOne, flags: .pending))
        return f.create(transfer(101, debit: 5, credit: 2, amount: halfPlusOne))
    },
    TransferCase(.exceedsCredits, "beats exceedsDebits") { f in
        f.createAccounts([account(5, flags: .debitsMustNotExceedCredits), account(6, flags: .creditsMustNotExceedDebits)])
        return f.create(transfer(100, debit: 5, credit: 6, amount: 1))
    },
    TransferCase(.pendingTransferNotFound, "beats given fields that would differ") { f in
        f.create(post(101, pending: 999, debit: 3, ledger: 9))
    },
    TransferCase(.pendingTransferHasDifferentDebitAccountID, "beats credit, ledger, code and amount") { f in
        afterPending100(f, post(101, pending: 100, amount: 11, debit: 3, credit: 4, ledger: 2, code: 2))
    },
    TransferCase(.pendingTransferHasDifferentLedger, "beats code") { f in
        afterPending100(f, post(101, pending: 100, ledger: 2, code: 2))
    },
    TransferCase(.exceedsPendingTransferAmount, "beats alreadyPosted") { f in
        afterPending100(f, post(101, pending: 100))
        return f.create(post(102, pending: 100, amount: 11))
    },
    TransferCase(.pendingTransferHasDifferentAmount, "beats alreadyVoided") { f in
        afterPending100(f, void(101, pending: 100))
        return f.create(void(102, pending: 100, amount: 3))
    },
    TransferCase(.pendingTransferAlreadyPosted, "beats a closed account") { f in
        afterPending100(f, post(101, pending: 100))
        f.create(transfer(102, debit: 1, credit: 3, flags: [.pending, .closingDebit]))
        return f.create(void(103, pending: 100))
    },
]

@Suite("createTransfers result codes")
struct TransferResultTests {
    @Test("every result code is provoked", arguments: transferCases)
    func provokes(_ row: TransferCase) {
        let fixture = Fixture()
        #expect(row.run(fixture) == row.expected)
    }

    @Test("the table covers every CreateTransferResult case")
    func tableCoversAllCases() {
        let covered = Set(transferCases.map(\.expected))
        let missing = CreateTransferResult.allCases.filter { !covered.contains($0) && !unreachableTransferResults.contains($0) }
        #expect(missing.isEmpty, "no test provokes: \(missing)")
        #expect(covered.isDisjoint(with: unreachableTransferResults), "provoked after all; remove it from the unreachable list")
    }

    @Test("an event breaking two rules gets the code declared first", arguments: transferPrecedenceCases)
    func precedence(_ row: TransferCase) {
        let fixture = Fixture()
        #expect(row.run(fixture) == row.expected)
    }

    /// LEDGER.md: a timestamp greater than the tenant's newest record's is greater than both
    /// accounts' timestamps, so the postdate codes can never be returned; an imported transfer
    /// dated at an account's creation gets `importedEventTimestampMustNotRegress`.
    @Test("imports regress per kind: a transfer may predate the newest account, not the newest transfer")
    func importsRegressPerKind() throws {
        let fixture = Fixture(accounts: [])
        let t1 = fixture.importTimestamp(1)
        let t2 = fixture.importTimestamp(2)
        #expect(fixture.createAccounts([account(1, flags: .imported, timestamp: t1), account(2, flags: .imported, timestamp: t2)]) == [.ok, .ok])
        #expect(fixture.create(transfer(100, flags: .imported, timestamp: t2)) == .importedEventTimestampMustPostdateCreditAccount)
        #expect(fixture.create(transfer(101, debit: 2, credit: 1, flags: .imported, timestamp: t1)) == .importedEventTimestampMustPostdateDebitAccount)
        #expect(fixture.create(transfer(102, debit: 1, credit: 2, flags: .imported, timestamp: t1 + 1)) == .importedEventTimestampMustPostdateCreditAccount)
    }

    @Test("the transient codes are exactly those LEDGER.md lists")
    func transientCodes() {
        let transient: Set<CreateTransferResult> = [
            .debitAccountNotFound, .creditAccountNotFound, .pendingTransferNotFound,
            .debitAccountAlreadyClosed, .creditAccountAlreadyClosed,
            .overflowsDebitsPending, .overflowsCreditsPending, .overflowsDebitsPosted, .overflowsCreditsPosted,
            .overflowsDebits, .overflowsCredits, .exceedsCredits, .exceedsDebits,
        ]
        for code in CreateTransferResult.allCases {
            #expect(code.isTransient == transient.contains(code), "\(code)")
        }
    }

    @Test(
        "a failed event changes no account and stores no transfer",
        arguments: transferCases.filter { ![.ok, .exists].contains($0.expected) }
    )
    func failuresDoNotWrite(_ row: TransferCase) {
        let fixture = Fixture()
        _ = row.run(fixture)
        // Only a batch of one event is wholly the event under test.
        guard fixture.lastBatch.count == 1 else { return }
        #expect(TenantState(fixture) == fixture.lastBatch.before)
    }

}
