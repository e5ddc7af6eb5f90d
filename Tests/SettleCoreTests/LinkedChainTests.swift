import SettleCore
import Testing

@Suite("Linked chains")
struct LinkedChainTests {
    @Test("a chain that fails rolls back balances and transfers")
    func rollbackBalances() {
        let fixture = Fixture(accounts: [account(1, flags: .history), account(2), account(3)])
        let before = TenantState(fixture)
        let results = fixture.createTransfers([
            transfer(100, debit: 1, credit: 2, amount: 10, flags: .linked),
            transfer(101, debit: 2, credit: 3, amount: 5, flags: [.linked, .pending]),
            transfer(102, debit: 99, credit: 3),
        ])
        #expect(results == [.linkedEventFailed, .linkedEventFailed, .debitAccountNotFound])
        #expect(TenantState(fixture) == before)
        #expect(fixture.machine.lookupTransfers(tenant: defaultTenant, ids: [100, 101, 102]).isEmpty)
        #expect(fixture.history(1).isEmpty)
        #expect(fixture.machine.nextExpiry() == nil)
        // The rolled-back ids are free again.
        #expect(fixture.create(transfer(100, debit: 2, credit: 3, amount: 1)) == .ok)
    }

    @Test("a chain that fails rolls back created accounts; their ids stay usable")
    func rollbackAccounts() {
        let fixture = Fixture(accounts: [])
        let results = fixture.createAccounts([account(10, flags: .linked), account(11, flags: .linked), account(12, code: 0)])
        #expect(results == [.linkedEventFailed, .linkedEventFailed, .codeMustNotBeZero])
        #expect(fixture.machine.allAccounts(tenant: defaultTenant).isEmpty)
        #expect(fixture.createAccounts([account(10, ledger: 2), account(11, code: 3)]) == [.ok, .ok])
        #expect(fixture.lookupAccount(10)?.ledger == 2)
    }

    @Test("a chain that fails rolls back posts, voids and closing")
    func rollbackPendingStatus() {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending))
        fixture.create(transfer(101, debit: 3, credit: 4, amount: 0, flags: [.pending, .closingDebit]))
        #expect(fixture.isClosed(3))
        let before = TenantState(fixture)
        let results = fixture.createTransfers([
            post(102, pending: 100, amount: 4, flags: .linked),
            void(103, pending: 101, flags: .linked),
            transfer(104, debit: 1, credit: 4, amount: 0, flags: [.pending, .closingCredit, .linked]),
            transfer(105, ledger: 0),
        ])
        #expect(results == [.linkedEventFailed, .linkedEventFailed, .linkedEventFailed, .ledgerMustNotBeZero])
        #expect(TenantState(fixture) == before)
        #expect(fixture.status(100) == .pending)
        #expect(fixture.status(101) == .pending)
        #expect(fixture.isClosed(3) && !fixture.isClosed(4))
        // The rolled-back post did not use up the pending transfer.
        #expect(fixture.create(post(106, pending: 100)) == .ok)
        #expect(fixture.balances(1) == Balances(debitsPosted: 10))
    }

    @Test("a rolled-back timed pending transfer leaves no expiry behind")
    func rollbackLeavesNoExpiry() throws {
        let fixture = Fixture()
        let batch = fixture.nextTimestamp(events: 2)
        let results = fixture.createTransfers(
            [transfer(100, amount: 10, flags: [.pending, .linked], timeoutSeconds: 1), transfer(101, code: 0)], at: batch
        )
        #expect(results == [.linkedEventFailed, .codeMustNotBeZero])
        // The rolled-back event's timestamp was consumed but nothing was committed at it, so
        // an imported pending transfer (which never expires: its timeout is 0) may take it.
        let rolledBack = batch - 1
        #expect(fixture.create(transfer(200, amount: 7, flags: [.imported, .pending], timestamp: rolledBack)) == .ok)
        fixture.expire(at: rolledBack + 2 * nanosPerSecond)
        #expect(fixture.status(200) == .pending)
        #expect(fixture.balances(1) == Balances(debitsPending: 7))
        #expect(fixture.machine.nextExpiry() == nil)
    }

    @Test("a chain that posts and then voids the same pending transfer fails whole")
    func postThenVoidInChain() throws {
        let fixture = Fixture()
        fixture.create(transfer(100, amount: 10, flags: .pending, timeoutSeconds: 5))
        let deadline = try #require(fixture.lookupTransfer(100)).timestamp + 5 * nanosPerSecond
        let results = fixture.createTransfers([post(101, pending: 100, flags: .linked), void(102, pending: 100)])
        #expect(results == [.linkedEventFailed, .pendingTransferAlreadyPosted])
        #expect(fixture.status(100) == .pending)
        #expect(fixture.balances(1) == Balances(debitsPending: 10))
        // The rolled-back post did not take the transfer out of the expiry schedule.
        #expect(fixture.machine.nextExpiry() == deadline)
        fixture.expire(at: deadline)
        #expect(fixture.status(100) == .expired)
        #expect(fixture.balances(1) == Balances())
    }

    @Test("later events of a chain see the earlier ones")
    func chainSeesItsOwnWrites() {
        let fixture = Fixture()
        fixture.createAccounts([account(5, flags: .debitsMustNotExceedCredits)])
        let results = fixture.createTransfers([
            transfer(100, debit: 1, credit: 5, amount: 10, flags: .linked),
            transfer(101, debit: 5, credit: 2, amount: 10, flags: [.linked, .pending]),
            post(102, pending: 101),
        ])
        #expect(results == [.ok, .ok, .ok])
        #expect(fixture.balances(5) == Balances(debitsPosted: 10, creditsPosted: 10))
    }

    @Test("events after the failing one are not evaluated")
    func laterEventsNotEvaluated() {
        let fixture = Fixture()
        let results = fixture.createTransfers([
            transfer(100, flags: .linked),
            transfer(0, flags: .linked),
            transfer(101, flags: TransferFlags(rawValue: 1 << 15)),
        ])
        #expect(results == [.linkedEventFailed, .idMustNotBeZero, .linkedEventFailed])
    }

    @Test("chains are independent of each other and of unlinked events")
    func independentChains() {
        let fixture = Fixture()
        let results = fixture.createTransfers([
            transfer(100, flags: .linked), transfer(101),
            transfer(102, code: 0),
            transfer(103),
            transfer(104, flags: .linked), transfer(105, debit: 99),
            transfer(106, amount: 1),
        ])
        #expect(results == [.ok, .ok, .codeMustNotBeZero, .ok, .linkedEventFailed, .debitAccountNotFound, .ok])
        #expect(fixture.balances(1) == Balances(debitsPosted: 31))
    }

    @Test("a chain still open at the end of the batch is not applied", arguments: [1, 2, 3])
    func chainOpen(length: Int) {
        let fixture = Fixture()
        let events = (0..<length).map { transfer(UInt128(100 + $0), flags: .linked) }
        let results = fixture.createTransfers([transfer(99)] + events)
        let expected: [CreateTransferResult] = [.ok] + Array(repeating: .linkedEventFailed, count: length - 1) + [.linkedEventChainOpen]
        #expect(results == expected)
        #expect(fixture.balances(1) == Balances(debitsPosted: 10))
        #expect(fixture.lookupTransfer(100) == nil)
    }

    @Test("an open chain of accounts is not applied")
    func accountChainOpen() {
        let fixture = Fixture(accounts: [])
        #expect(fixture.createAccounts([account(10), account(11, flags: .linked), account(12, flags: .linked)]) == [.ok, .linkedEventFailed, .linkedEventChainOpen])
        #expect(fixture.machine.allAccounts(tenant: defaultTenant).map(\.id) == [10])
    }

    @Test("exists does not break a chain")
    func existsInChain() {
        let fixture = Fixture()
        // The retry must be identical, `linked` flag included, to answer `exists`.
        #expect(fixture.createTransfers([transfer(100, flags: .linked), transfer(101)]) == [.ok, .ok])
        #expect(fixture.createTransfers([transfer(100, flags: .linked), transfer(102)]) == [.exists, .ok])
        #expect(fixture.createTransfers([transfer(103, flags: .linked), transfer(101)]) == [.ok, .exists])
        #expect(fixture.createAccounts([account(10, flags: .linked), account(11)]) == [.ok, .ok])
        #expect(fixture.createAccounts([account(10, flags: .linked), account(12)]) == [.exists, .ok])
        #expect(fixture.balances(1) == Balances(debitsPosted: 40))
        #expect(fixture.lookupAccount(12) != nil)
    }

    @Test("an unlinked retry of a linked event differs in flags")
    func linkedFlagIsCompared() {
        let fixture = Fixture()
        fixture.createTransfers([transfer(100, flags: .linked), transfer(101)])
        #expect(fixture.create(transfer(100)) == .existsWithDifferentFlags)
    }

    @Test("a transient failure inside a chain burns that id, not the rolled-back ones")
    func idAlreadyFailedInChain() {
        let fixture = Fixture()
        #expect(fixture.createTransfers([transfer(100, flags: .linked), transfer(101, debit: 99)]) == [.linkedEventFailed, .debitAccountNotFound])
        #expect(fixture.create(transfer(101)) == .idAlreadyFailed)
        #expect(fixture.create(transfer(100)) == .ok)
        // And within one chain a retry of the burnt id fails the chain.
        #expect(fixture.createTransfers([transfer(102, flags: .linked), transfer(101)]) == [.linkedEventFailed, .idAlreadyFailed])
    }

    @Test("a failed chain still consumes its events' timestamps")
    func timestampsConsumed() {
        let fixture = Fixture()
        let batch = fixture.nextTimestamp(events: 3)
        let results = fixture.createTransfers([transfer(100, flags: .linked), transfer(101, ledger: 0), transfer(102)], at: batch)
        #expect(results == [.linkedEventFailed, .ledgerMustNotBeZero, .ok])
        #expect(fixture.lookupTransfer(102)?.timestamp == batch)
    }

    @Test("a failed chain of imported events gives back its timestamps")
    func importedRollback() {
        let fixture = Fixture()
        let t1 = fixture.importTimestamp(1)
        let t2 = fixture.importTimestamp(2)
        let results = fixture.createTransfers([
            transfer(100, flags: [.imported, .linked], timestamp: t1),
            transfer(101, ledger: 0, flags: .imported, timestamp: t2),
        ])
        #expect(results == [.linkedEventFailed, .ledgerMustNotBeZero])
        // The tenant's newest record is still an account, so t1 does not regress.
        #expect(fixture.create(transfer(102, flags: .imported, timestamp: t1)) == .ok)
        #expect(fixture.lookupTransfer(102)?.timestamp == t1)
    }
}
