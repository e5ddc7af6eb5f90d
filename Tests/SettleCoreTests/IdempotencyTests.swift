import SettleCore
import Testing

/// A resubmission of a stored post or void and the code it must get.
struct RetryCase: Sendable, CustomTestStringConvertible {
    let event: Transfer
    let expected: CreateTransferResult
    var testDescription: String { "\(expected): amount \(event.amount), ud \(event.userData128)/\(event.userData64)/\(event.userData32)" }
}

/// Pending 100 (10 from 1 to 2, ledger 1, code 1, userData 7/8/9) posted in full by 101, which
/// was submitted with every optional field zero (inherited).
let postRetries: [RetryCase] = [
    RetryCase(event: post(101, pending: 100), expected: .exists),
    RetryCase(event: post(101, pending: 100, amount: 10, debit: 1, credit: 2, ledger: 1, code: 1,
                          userData128: 7, userData64: 8, userData32: 9), expected: .exists),
    RetryCase(event: post(101, pending: 100, amount: 9), expected: .existsWithDifferentAmount),
    RetryCase(event: post(101, pending: 100, debit: 3), expected: .existsWithDifferentDebitAccountID),
    RetryCase(event: post(101, pending: 100, credit: 3), expected: .existsWithDifferentCreditAccountID),
    RetryCase(event: post(101, pending: 100, userData128: 1), expected: .existsWithDifferentUserData128),
    RetryCase(event: post(101, pending: 100, userData64: 1), expected: .existsWithDifferentUserData64),
    RetryCase(event: post(101, pending: 100, userData32: 1), expected: .existsWithDifferentUserData32),
    RetryCase(event: post(101, pending: 100, ledger: 2), expected: .existsWithDifferentLedger),
    RetryCase(event: post(101, pending: 100, code: 2), expected: .existsWithDifferentCode),
    RetryCase(event: post(101, pending: 55), expected: .existsWithDifferentPendingID),
    RetryCase(event: void(101, pending: 100), expected: .existsWithDifferentFlags),
    RetryCase(event: { var e = post(101, pending: 100); e.timeoutSeconds = 5; return e }(), expected: .existsWithDifferentTimeout),
]

/// The same pending transfer voided by 101, submitted with every optional field zero.
let voidRetries: [RetryCase] = [
    RetryCase(event: void(101, pending: 100), expected: .exists),
    RetryCase(event: void(101, pending: 100, amount: 10), expected: .exists),
    RetryCase(event: void(101, pending: 100, debit: 1, credit: 2, ledger: 1, code: 1,
                          userData128: 7, userData64: 8, userData32: 9), expected: .exists),
    RetryCase(event: void(101, pending: 100, amount: 3), expected: .existsWithDifferentAmount),
    RetryCase(event: void(101, pending: 100, debit: 4), expected: .existsWithDifferentDebitAccountID),
    RetryCase(event: void(101, pending: 100, userData64: 2), expected: .existsWithDifferentUserData64),
    RetryCase(event: void(101, pending: 100, code: 5), expected: .existsWithDifferentCode),
]

@Suite("Idempotency")
struct IdempotencyTests {
    private func pendingFixture() -> Fixture {
        let fixture = Fixture()
        let pending = transfer(100, amount: 10, flags: .pending, userData128: 7, userData64: 8, userData32: 9)
        #expect(fixture.create(pending) == .ok)
        return fixture
    }

    @Test("retrying a post compares only the fields it gave", arguments: postRetries)
    func postRetry(_ row: RetryCase) {
        let fixture = pendingFixture()
        #expect(fixture.create(post(101, pending: 100)) == .ok)
        let before = TenantState(fixture)
        #expect(fixture.create(row.event) == row.expected)
        #expect(TenantState(fixture) == before)
    }

    @Test("retrying a void compares only the fields it gave", arguments: voidRetries)
    func voidRetry(_ row: RetryCase) {
        let fixture = pendingFixture()
        #expect(fixture.create(void(101, pending: 100)) == .ok)
        let before = TenantState(fixture)
        #expect(fixture.create(row.event) == row.expected)
        #expect(TenantState(fixture) == before)
    }

    @Test("a partial post's amount must match exactly; amountMax matches it")
    func partialPostRetry() {
        let fixture = pendingFixture()
        #expect(fixture.create(post(101, pending: 100, amount: 4)) == .ok)
        #expect(fixture.create(post(101, pending: 100, amount: 4)) == .exists)
        #expect(fixture.create(post(101, pending: 100)) == .exists)
        #expect(fixture.create(post(101, pending: 100, amount: 10)) == .existsWithDifferentAmount)
        #expect(fixture.create(post(101, pending: 100, amount: 3)) == .existsWithDifferentAmount)
    }

    @Test("a post that set user data must be retried with it or with zero")
    func postGivenUserData() {
        let fixture = pendingFixture()
        #expect(fixture.create(post(101, pending: 100, userData64: 5)) == .ok)
        #expect(fixture.lookupTransfer(101)?.userData64 == 5)
        #expect(fixture.create(post(101, pending: 100, userData64: 5)) == .exists)
        #expect(fixture.create(post(101, pending: 100)) == .exists)
        #expect(fixture.create(post(101, pending: 100, userData64: 8)) == .existsWithDifferentUserData64)
    }

    /// (event amount of the retry, expected): the stored balancing transfer moved 30 of 100.
    @Test(
        "a balancing transfer's amount is a cap",
        arguments: [
            (UInt128(100), CreateTransferResult.exists), (Transfer.amountMax, .exists), (30, .exists),
            (31, .exists), (29, .existsWithDifferentAmount), (0, .existsWithDifferentAmount),
        ]
    )
    func balancingCap(amount: UInt128, expected: CreateTransferResult) {
        let fixture = Fixture()
        fixture.create(transfer(90, debit: 2, credit: 1, amount: 30))
        #expect(fixture.create(transfer(100, debit: 1, credit: 3, amount: 100, flags: .balancingDebit)) == .ok)
        #expect(fixture.lookupTransfer(100)?.amount == 30)
        // More credit arrives: a retry must still not move anything.
        fixture.create(transfer(91, debit: 2, credit: 1, amount: 50))
        #expect(fixture.create(transfer(100, debit: 1, credit: 3, amount: amount, flags: .balancingDebit)) == expected)
        #expect(fixture.balances(1) == Balances(debitsPosted: 30, creditsPosted: 80))
    }

    @Test("a retried single-phase transfer is applied once")
    func appliedOnce() {
        let fixture = Fixture()
        let event = transfer(100, amount: 10)
        #expect(fixture.createTransfers([event, event]) == [.ok, .exists])
        #expect(fixture.create(event) == .exists)
        #expect(fixture.balances(1) == Balances(debitsPosted: 10))
        #expect(fixture.machine.counts(tenant: defaultTenant).transfers == 1)
    }

    @Test("an exists for a pending transfer still answers after it was posted")
    func pendingRetryAfterPost() {
        let fixture = pendingFixture()
        fixture.create(post(101, pending: 100))
        let pending = transfer(100, amount: 10, flags: .pending, userData128: 7, userData64: 8, userData32: 9)
        #expect(fixture.create(pending) == .exists)
        #expect(fixture.balances(1) == Balances(debitsPosted: 10))
    }

    @Test(
        "an id that failed with a transient code is burnt",
        arguments: [
            (transfer(100, debit: 99), CreateTransferResult.debitAccountNotFound),
            (transfer(100, credit: 99), .creditAccountNotFound),
            (post(100, pending: 999), .pendingTransferNotFound),
            (transfer(100, debit: 8), .debitAccountAlreadyClosed),
            (transfer(100, debit: 5), .exceedsCredits),
        ]
    )
    func idAlreadyFailed(failing: Transfer, code: CreateTransferResult) {
        let fixture = Fixture()
        fixture.createAccounts([account(5, flags: .debitsMustNotExceedCredits), account(8, flags: .closed)])
        #expect(fixture.create(failing) == code)
        #expect(fixture.create(transfer(100)) == .idAlreadyFailed)
        #expect(fixture.create(failing) == .idAlreadyFailed)
        #expect(fixture.lookupTransfer(100) == nil)
        #expect(fixture.balances(1) == Balances())
    }

    @Test("an id that failed with a permanent code may be used again")
    func permanentFailureNotBurnt() {
        let fixture = Fixture()
        #expect(fixture.create(transfer(100, ledger: 0)) == .ledgerMustNotBeZero)
        #expect(fixture.create(transfer(100, ledger: 2)) == .transferMustHaveTheSameLedgerAsAccounts)
        #expect(fixture.create(transfer(100, flags: .closingDebit)) == .closingTransferMustBePending)
        #expect(fixture.create(transfer(100)) == .ok)
    }

    @Test("an existing transfer answers exists, not idAlreadyFailed")
    func existsBeforeFailed() {
        let fixture = Fixture()
        fixture.create(transfer(100))
        #expect(fixture.create(transfer(100)) == .exists)
    }
}
