import SettleCore
import Testing

@Suite("Imported events")
struct ImportedTests {
    @Test("imported accounts and transfers keep their own timestamps")
    func importedTimestamps() throws {
        let fixture = Fixture(accounts: [])
        let t = fixture.base
        let accounts = [account(1, flags: [.imported, .history], timestamp: t + 10), account(2, flags: .imported, timestamp: t + 20)]
        #expect(fixture.createAccounts(accounts) == [.ok, .ok])
        #expect(fixture.lookupAccount(1)?.timestamp == t + 10)
        #expect(fixture.lookupAccount(2)?.timestamp == t + 20)
        #expect(fixture.lookupAccount(1)?.flags == [.imported, .history])

        let u = fixture.base
        let transfers = [
            transfer(100, amount: 7, flags: .imported, timestamp: u + 5),
            transfer(101, amount: 3, flags: [.imported, .pending], timestamp: u + 6),
        ]
        #expect(fixture.createTransfers(transfers) == [.ok, .ok])
        #expect(fixture.lookupTransfer(100)?.timestamp == u + 5)
        #expect(fixture.lookupTransfer(101)?.timestamp == u + 6)
        #expect(fixture.balances(1) == Balances(debitsPending: 3, debitsPosted: 7))
        #expect(fixture.history(1).map(\.timestamp) == [u + 5, u + 6])
    }

    @Test("an imported post resolves an imported pending transfer")
    func importedPost() {
        let fixture = Fixture()
        let t = fixture.importTimestamp()
        #expect(fixture.create(transfer(100, amount: 9, flags: [.imported, .pending], timestamp: t)) == .ok)
        var event = post(101, pending: 100, flags: .imported)
        event.timestamp = fixture.importTimestamp()
        #expect(fixture.create(event) == .ok)
        #expect(fixture.lookupTransfer(101)?.timestamp == event.timestamp)
        #expect(fixture.balances(2) == Balances(creditsPosted: 9))
    }

    @Test("the first event decides whether the batch is imported, even when it fails")
    func firstEventDecides() {
        let fixture = Fixture()
        let t = fixture.importTimestamp()
        #expect(fixture.createTransfers([transfer(0, flags: .imported, timestamp: t), transfer(101)]) == [.idMustNotBeZero, .importedEventExpected])
        #expect(fixture.createAccounts([account(0), account(10, flags: .imported, timestamp: fixture.importTimestamp())]) == [.idMustNotBeZero, .importedEventNotExpected])
    }

    @Test("plain batches after an import use engine timestamps")
    func plainAfterImport() {
        let fixture = Fixture()
        fixture.create(transfer(100, flags: .imported, timestamp: fixture.importTimestamp()))
        let batch = fixture.nextTimestamp(events: 1)
        #expect(fixture.create(transfer(101), at: batch) == .ok)
        #expect(fixture.lookupTransfer(101)?.timestamp == batch)
    }

    @Test("imports regress per kind: an account may predate the newest transfer, not the newest account")
    func importedAccountAfterTransfer() {
        let fixture = Fixture()
        let early = fixture.importTimestamp()
        fixture.create(transfer(100))
        #expect(fixture.create(account(10, flags: .imported, timestamp: early)) == .ok)
        let earlier = fixture.importTimestamp()
        fixture.create(account(11))
        #expect(fixture.create(account(12, flags: .imported, timestamp: earlier)) == .importedEventTimestampMustNotRegress)
    }
}

@Suite("Balance history")
struct HistoryTests {
    @Test("a history account records its balances after every transfer")
    func snapshots() throws {
        let fixture = Fixture(accounts: [account(1, flags: .history), account(2), account(3, flags: .history)])
        fixture.create(transfer(100, debit: 1, credit: 2, amount: 10))
        fixture.create(transfer(101, debit: 2, credit: 1, amount: 4, flags: .pending))
        fixture.create(transfer(102, debit: 1, credit: 2, amount: 6, flags: .pending))
        fixture.create(post(103, pending: 101, amount: 3))
        fixture.create(void(104, pending: 102))
        fixture.create(transfer(105, debit: 2, credit: 3, amount: 1)) // does not touch account 1

        let history = fixture.history(1)
        let timestamps = fixture.machine.lookupTransfers(tenant: defaultTenant, ids: [100, 101, 102, 103, 104]).map(\.timestamp)
        #expect(history.map(\.timestamp) == timestamps)
        #expect(history.map(Balances.init) == [
            Balances(debitsPosted: 10),
            Balances(debitsPosted: 10, creditsPending: 4),
            Balances(debitsPending: 6, debitsPosted: 10, creditsPending: 4),
            Balances(debitsPending: 6, debitsPosted: 10, creditsPosted: 3),
            Balances(debitsPosted: 10, creditsPosted: 3),
        ])
        #expect(history.last.map(Balances.init) == fixture.balances(1))
        #expect(fixture.history(3).map(Balances.init) == [Balances(creditsPosted: 1)])
    }

    @Test("an account without history has no snapshots")
    func noHistory() {
        let fixture = Fixture()
        fixture.create(transfer(100))
        #expect(fixture.history(1).isEmpty)
        #expect(fixture.history(2).isEmpty)
        #expect(fixture.history(99).isEmpty)
    }

    @Test("failed transfers record no snapshot")
    func failuresRecordNothing() {
        let fixture = Fixture(accounts: [account(1, flags: [.history, .debitsMustNotExceedCredits]), account(2)])
        #expect(fixture.create(transfer(100)) == .exceedsCredits)
        #expect(fixture.createTransfers([transfer(101, debit: 2, credit: 1, flags: .linked), transfer(102, code: 0)]) == [.linkedEventFailed, .codeMustNotBeZero])
        #expect(fixture.history(1).isEmpty)
    }
}
