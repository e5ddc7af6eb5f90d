import SettleCore
import Testing

@Suite("Balances, two-phase transfers and expiry")
struct TwoPhaseTests {
    @Test("a single-phase transfer moves posted balances")
    func singlePhase() throws {
        let fixture = Fixture()
        let batch = fixture.nextTimestamp(events: 2)
        #expect(fixture.createTransfers([transfer(100, amount: 10), transfer(101, debit: 2, credit: 1, amount: 3)], at: batch) == [.ok, .ok])
        #expect(fixture.balances(1) == Balances(debitsPosted: 10, creditsPosted: 3))
        #expect(fixture.balances(2) == Balances(debitsPosted: 3, creditsPosted: 10))
        let stored = try #require(fixture.lookupTransfer(100))
        #expect(stored == transfer(100, amount: 10, timestamp: batch - 1))
        #expect(fixture.lookupTransfer(101)?.timestamp == batch)
        #expect(fixture.status(100) == nil)
    }

    @Test("a pending transfer reserves pending balances")
    func pending() {
        let fixture = Fixture()
        #expect(fixture.create(transfer(100, amount: 10, flags: .pending)) == .ok)
        #expect(fixture.balances(1) == Balances(debitsPending: 10))
        #expect(fixture.balances(2) == Balances(creditsPending: 10))
        #expect(fixture.status(100) == .pending)
    }

    /// (posted amount in the event, amount posted).
    @Test(
        "a post moves the pending amount and posts the given amount",
        arguments: [(Transfer.amountMax, UInt128(10)), (10, 10), (4, 4), (0, 0)]
    )
    func postAmounts(eventAmount: UInt128, postedAmount: UInt128) throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending, timeoutSeconds: 60, userData64: 7))
        #expect(fixture.create(post(101, pending: 100, amount: eventAmount, userData32: 9)) == .ok)
        #expect(fixture.balances(1) == Balances(debitsPosted: postedAmount))
        #expect(fixture.balances(2) == Balances(creditsPosted: postedAmount))
        #expect(fixture.status(100) == .posted)
        // The record inherits accounts, ledger, code and unset user data from the pending transfer.
        let stored = try #require(fixture.lookupTransfer(101))
        #expect(stored.debitAccountID == 1 && stored.creditAccountID == 2)
        #expect(stored.ledger == 1 && stored.code == 1)
        #expect(stored.amount == postedAmount)
        #expect(stored.userData64 == 7 && stored.userData32 == 9)
        #expect(stored.timeoutSeconds == 0)
        #expect(stored.pendingID == 100)
        // Posted once, forever.
        #expect(fixture.create(post(102, pending: 100)) == .pendingTransferAlreadyPosted)
        #expect(fixture.create(void(103, pending: 100)) == .pendingTransferAlreadyPosted)
    }

    @Test("a post may name the pending transfer's own fields", arguments: [UInt128(10), 6])
    func postWithMatchingFields(amount: UInt128) {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending))
        let event = post(101, pending: 100, amount: amount, debit: 1, credit: 2, ledger: 1, code: 1)
        #expect(fixture.create(event) == .ok)
        #expect(fixture.balances(1) == Balances(debitsPosted: amount))
    }

    @Test("a void releases the hold", arguments: [UInt128(0), 10])
    func voidAmounts(amount: UInt128) throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending, userData128: 5))
        #expect(fixture.create(void(101, pending: 100, amount: amount)) == .ok)
        #expect(fixture.balances(1) == Balances())
        #expect(fixture.balances(2) == Balances())
        #expect(fixture.status(100) == .voided)
        let stored = try #require(fixture.lookupTransfer(101))
        #expect(stored.amount == 10)
        #expect(stored.userData128 == 5 && stored.debitAccountID == 1 && stored.creditAccountID == 2)
        #expect(fixture.create(post(102, pending: 100)) == .pendingTransferAlreadyVoided)
        #expect(fixture.create(void(103, pending: 100)) == .pendingTransferAlreadyVoided)
    }

    @Test("post and void do not check balance limits")
    func postIgnoresLimits() {
        let fixture = Fixture()
        fixture.createAccounts([account(5, flags: .debitsMustNotExceedCredits)])
        fixture.create(transfer(90, debit: 1, credit: 5, amount: 10))
        #expect(fixture.create(transfer(100, debit: 5, credit: 2, amount: 10, flags: .pending)) == .ok)
        // The hold already counts toward the limit; posting it does not fail the limit again.
        #expect(fixture.create(post(101, pending: 100)) == .ok)
        #expect(fixture.balances(5) == Balances(debitsPosted: 10, creditsPosted: 10))
    }

    // MARK: - Expiry

    @Test("expirePendingTransfers expires at exactly timestamp + timeout")
    func expiryByTick() throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending, timeoutSeconds: 2))
        let created = try #require(fixture.lookupTransfer(100)).timestamp
        let deadline = created + 2 * nanosPerSecond
        #expect(fixture.machine.nextExpiry() == deadline)
        let transferCount = fixture.machine.counts(tenant: defaultTenant).transfers

        fixture.expire(at: deadline - 1)
        #expect(fixture.status(100) == .pending)
        #expect(fixture.balances(1) == Balances(debitsPending: 10))

        fixture.expire(at: deadline)
        #expect(fixture.status(100) == .expired)
        #expect(fixture.balances(1) == Balances())
        #expect(fixture.balances(2) == Balances())
        #expect(fixture.machine.nextExpiry() == nil)
        // Expiry writes no transfer record.
        #expect(fixture.machine.counts(tenant: defaultTenant).transfers == transferCount)
        #expect(fixture.create(post(101, pending: 100)) == .pendingTransferExpired)
        #expect(fixture.create(void(102, pending: 100)) == .pendingTransferExpired)
        #expect(fixture.balances(1) == Balances())
    }

    @Test("the next batch's timestamp expires due transfers before its events run")
    func expiryByBatch() throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending, timeoutSeconds: 1))
        fixture.create(transfer(101, amount: 5, flags: .pending))
        let deadline = try #require(fixture.lookupTransfer(100)).timestamp + nanosPerSecond
        // The batch's events are dated before the deadline, but the batch timestamp is on it.
        let results = fixture.createTransfers([post(102, pending: 100), void(103, pending: 100)], at: deadline)
        #expect(results == [.pendingTransferExpired, .pendingTransferExpired])
        #expect(fixture.status(100) == .expired)
        #expect(fixture.status(101) == .pending)
        #expect(fixture.balances(1) == Balances(debitsPending: 5))
    }

    @Test("a batch before the deadline can still post")
    func postBeforeDeadline() throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending, timeoutSeconds: 1))
        let deadline = try #require(fixture.lookupTransfer(100)).timestamp + nanosPerSecond
        #expect(fixture.create(post(101, pending: 100), at: deadline - 1) == .ok)
        #expect(fixture.machine.nextExpiry() == nil)
        fixture.expire(at: deadline + 1)
        #expect(fixture.status(100) == .posted)
        #expect(fixture.balances(1) == Balances(debitsPosted: 10))
    }

    @Test("expiry covers every tenant and records no history")
    func expiryAcrossTenants() {
        let fixture = Fixture(accounts: [account(1, flags: .history), account(2)])
        let other = TenantID(2)
        fixture.createAccounts([account(1), account(2)], tenant: other)
        fixture.create(transfer(100, flags: .pending, timeoutSeconds: 1))
        fixture.create(transfer(100, flags: .pending, timeoutSeconds: 1), tenant: other)
        #expect(fixture.history(1).count == 1)
        fixture.expire(at: fixture.base + 10 * nanosPerSecond)
        #expect(fixture.status(100) == .expired)
        #expect(fixture.machine.pendingStatus(tenant: other, id: 100) == .expired)
        #expect(fixture.balances(1, tenant: other) == Balances())
        #expect(fixture.history(1).count == 1)
    }

    @Test("a pending transfer without timeout never expires")
    func noTimeout() {
        let fixture = Fixture()
        fixture.create(transfer(100, flags: .pending))
        fixture.expire(at: UInt64.max - 1)
        #expect(fixture.status(100) == .pending)
        #expect(fixture.machine.nextExpiry() == nil)
    }

    // MARK: - Closing

    @Test("closing transfers close accounts; voiding them reopens", arguments: [TransferFlags.closingDebit, .closingCredit, [.closingDebit, .closingCredit]])
    func closingAndVoid(closing: TransferFlags) {
        let fixture = Fixture()
        #expect(fixture.create(transfer(100, amount: 0, flags: closing.union(.pending))) == .ok)
        #expect(fixture.isClosed(1) == closing.contains(.closingDebit))
        #expect(fixture.isClosed(2) == closing.contains(.closingCredit))
        let expected: CreateTransferResult = closing.contains(.closingDebit) ? .debitAccountAlreadyClosed : .creditAccountAlreadyClosed
        #expect(fixture.create(transfer(101)) == expected)
        #expect(fixture.create(void(102, pending: 100)) == .ok)
        #expect(!fixture.isClosed(1) && !fixture.isClosed(2))
        #expect(fixture.create(transfer(103)) == .ok)
    }

    @Test("posting a closing transfer is allowed and keeps the account closed", arguments: [TransferFlags.closingDebit, .closingCredit])
    func closingPost(closing: TransferFlags) {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 4, flags: closing.union(.pending)))
        #expect(fixture.create(post(101, pending: 100)) == .ok)
        let closed: UInt128 = closing == .closingDebit ? 1 : 2
        #expect(fixture.isClosed(closed))
        #expect(fixture.balances(1) == Balances(debitsPosted: 4))
        #expect(fixture.balances(2) == Balances(creditsPosted: 4))
        #expect(fixture.create(transfer(102)) == (closing == .closingDebit ? .debitAccountAlreadyClosed : .creditAccountAlreadyClosed))
    }

    @Test("expiring a closing transfer reopens the account")
    func closingExpiry() throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 0, flags: [.pending, .closingCredit], timeoutSeconds: 1))
        #expect(fixture.isClosed(2))
        fixture.expire(at: try #require(fixture.lookupTransfer(100)).timestamp + nanosPerSecond)
        #expect(!fixture.isClosed(2))
        #expect(fixture.create(transfer(101)) == .ok)
    }

    @Test("other holds on a closed account can be voided but not posted")
    func holdsOnClosedAccount() {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 3, flags: .pending))
        fixture.create(transfer(101, amount: 4, flags: .pending))
        fixture.create(transfer(102, debit: 1, credit: 3, amount: 0, flags: [.pending, .closingDebit]))
        #expect(fixture.create(post(103, pending: 100)) == .debitAccountAlreadyClosed)
        #expect(fixture.create(void(104, pending: 101)) == .ok)
        #expect(fixture.balances(1) == Balances(debitsPending: 3))
    }

    // MARK: - Balancing

    @Test("balancingDebit clamps to the debit account's available credit")
    func balancingDebit() throws {
        let fixture = Fixture()
        fixture.create(transfer(90, debit: 2, credit: 1, amount: 100))
        fixture.create(transfer(91, debit: 1, credit: 3, amount: 30))
        fixture.create(transfer(92, debit: 1, credit: 3, amount: 20, flags: .pending))
        // Available: 100 - 30 - 20 = 50.
        #expect(fixture.create(transfer(100, debit: 1, credit: 4, amount: 1_000, flags: .balancingDebit)) == .ok)
        #expect(fixture.lookupTransfer(100)?.amount == 50)
        #expect(fixture.balances(1) == Balances(debitsPending: 20, debitsPosted: 80, creditsPosted: 100))
        // Nothing left: clamps to 0 (and still succeeds).
        #expect(fixture.create(transfer(101, debit: 1, credit: 4, amount: Transfer.amountMax, flags: .balancingDebit)) == .ok)
        #expect(fixture.lookupTransfer(101)?.amount == 0)
        // Below what the event asks: the event's amount stands.
        fixture.create(transfer(93, debit: 2, credit: 1, amount: 100))
        #expect(fixture.create(transfer(102, debit: 1, credit: 4, amount: 7, flags: .balancingDebit)) == .ok)
        #expect(fixture.lookupTransfer(102)?.amount == 7)
    }

    @Test("balancingDebit clamps to 0 when debits already exceed credits")
    func balancingDebitNegative() {
        let fixture = Fixture()
        fixture.create(transfer(90, debit: 1, credit: 2, amount: 5))
        #expect(fixture.create(transfer(100, debit: 1, credit: 3, amount: 9, flags: .balancingDebit)) == .ok)
        #expect(fixture.lookupTransfer(100)?.amount == 0)
        #expect(fixture.balances(1) == Balances(debitsPosted: 5))
    }

    @Test("balancingCredit clamps to the credit account's available debit")
    func balancingCredit() {
        let fixture = Fixture()
        fixture.create(transfer(90, debit: 2, credit: 3, amount: 40))
        fixture.create(transfer(91, debit: 1, credit: 2, amount: 15, flags: .pending))
        // Available on account 2: 40 - 0 - 15 = 25.
        #expect(fixture.create(transfer(100, debit: 4, credit: 2, amount: 100, flags: [.balancingCredit, .pending])) == .ok)
        #expect(fixture.lookupTransfer(100)?.amount == 25)
        #expect(fixture.balances(2) == Balances(debitsPosted: 40, creditsPending: 40))
    }

    @Test("both balancing flags clamp by both accounts")
    func balancingBoth() {
        let fixture = Fixture()
        fixture.create(transfer(90, debit: 3, credit: 1, amount: 30)) // account 1 may be debited 30
        fixture.create(transfer(91, debit: 2, credit: 4, amount: 12)) // account 2 may be credited 12
        #expect(fixture.create(transfer(100, debit: 1, credit: 2, amount: 100, flags: [.balancingDebit, .balancingCredit])) == .ok)
        #expect(fixture.lookupTransfer(100)?.amount == 12)
    }

    @Test("a balancing transfer passes the limit it balances against")
    func balancingWithLimit() {
        let fixture = Fixture()
        fixture.createAccounts([account(5, flags: .debitsMustNotExceedCredits)])
        fixture.create(transfer(90, debit: 1, credit: 5, amount: 8))
        #expect(fixture.create(transfer(100, debit: 5, credit: 2, amount: 50, flags: .balancingDebit)) == .ok)
        #expect(fixture.balances(5) == Balances(debitsPosted: 8, creditsPosted: 8))
        #expect(fixture.create(transfer(101, debit: 5, credit: 2, amount: 1)) == .exceedsCredits)
    }

    // MARK: - Limits

    @Test("debitsMustNotExceedCredits counts pending debits")
    func limitCountsPending() {
        let fixture = Fixture()
        fixture.createAccounts([account(5, flags: .debitsMustNotExceedCredits), account(6, flags: .creditsMustNotExceedDebits)])
        fixture.create(transfer(90, debit: 1, credit: 5, amount: 10))
        #expect(fixture.create(transfer(100, debit: 5, credit: 2, amount: 6, flags: .pending)) == .ok)
        #expect(fixture.create(transfer(101, debit: 5, credit: 2, amount: 5)) == .exceedsCredits)
        #expect(fixture.create(transfer(102, debit: 5, credit: 2, amount: 4)) == .ok)
        fixture.create(transfer(91, debit: 6, credit: 1, amount: 10))
        #expect(fixture.create(transfer(103, debit: 2, credit: 6, amount: 10, flags: .pending)) == .ok)
        #expect(fixture.create(transfer(104, debit: 2, credit: 6, amount: 1)) == .exceedsDebits)
    }
}
