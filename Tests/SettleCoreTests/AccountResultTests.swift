import SettleCore
import Testing

/// One row of the `createAccounts` result table: a setup that ends with the event under test.
struct AccountCase: Sendable, CustomTestStringConvertible {
    let expected: CreateAccountResult
    let note: String
    /// Runs on a fresh `Fixture` (accounts 1...4, 7 exist) and returns the result under test.
    let run: @Sendable (Fixture) -> CreateAccountResult

    init(_ expected: CreateAccountResult, _ note: String, run: @escaping @Sendable (Fixture) -> CreateAccountResult) {
        self.expected = expected
        self.note = note
        self.run = run
    }

    var testDescription: String { "\(expected) (\(note))" }
}

/// Every `CreateAccountResult`, provoked from docs/LEDGER.md "createAccounts".
let accountCases: [AccountCase] = [
    AccountCase(.ok, "new account") { $0.create(account(10)) },
    AccountCase(.ok, "created closed") { $0.create(account(10, flags: .closed)) },
    AccountCase(.linkedEventFailed, "first of a chain whose second fails") { f in
        f.createAccounts([account(10, flags: .linked), account(0)])[0]
    },
    AccountCase(.linkedEventChainOpen, "the batch ends inside a chain") { $0.create(account(10, flags: .linked)) },
    AccountCase(.importedEventExpected, "imported batch, plain event") { f in
        f.createAccounts([account(10, flags: .imported, timestamp: f.importTimestamp()), account(11)])[1]
    },
    AccountCase(.importedEventNotExpected, "plain batch, imported event") { f in
        f.createAccounts([account(10), account(11, flags: .imported, timestamp: f.importTimestamp())])[1]
    },
    AccountCase(.timestampMustBeZero, "plain event with a timestamp") { $0.create(account(10, timestamp: 1)) },
    AccountCase(.importedEventTimestampOutOfRange, "timestamp 0") { $0.create(account(10, flags: .imported)) },
    AccountCase(.importedEventTimestampOutOfRange, "timestamp 2^63") { f in
        f.create(account(10, flags: .imported, timestamp: 1 << 63))
    },
    AccountCase(.importedEventTimestampMustNotAdvance, "timestamp == batch timestamp") { f in
        let batch = f.nextTimestamp(events: 1)
        return f.create(account(10, flags: .imported, timestamp: batch), at: batch)
    },
    AccountCase(.reservedField, "reserved != 0") { f in
        var a = account(10)
        a.reserved = 1
        return f.create(a)
    },
    AccountCase(.reservedFlag, "unknown flag bit") { $0.create(account(10, flags: AccountFlags(rawValue: 1 << 15))) },
    AccountCase(.idMustNotBeZero, "id 0") { $0.create(account(0)) },
    AccountCase(.idMustNotBeIntMax, "id UInt128.max") { $0.create(account(.max)) },
    AccountCase(.existsWithDifferentFlags, "history added") { $0.create(account(1, flags: .history)) },
    AccountCase(.existsWithDifferentUserData128, "") { $0.create(account(1, userData128: 1)) },
    AccountCase(.existsWithDifferentUserData64, "") { $0.create(account(1, userData64: 1)) },
    AccountCase(.existsWithDifferentUserData32, "") { $0.create(account(1, userData32: 1)) },
    AccountCase(.existsWithDifferentLedger, "") { $0.create(account(1, ledger: 2)) },
    AccountCase(.existsWithDifferentCode, "") { $0.create(account(1, code: 11)) },
    AccountCase(.exists, "identical retry") { $0.create(account(1)) },
    AccountCase(.exists, "closed bit ignored on the event") { $0.create(account(1, flags: .closed)) },
    AccountCase(.exists, "closed bit ignored on the stored account") { f in
        f.create(account(10, flags: .closed))
        return f.create(account(10))
    },
    AccountCase(.flagsAreMutuallyExclusive, "both balance limits") { f in
        f.create(account(10, flags: [.debitsMustNotExceedCredits, .creditsMustNotExceedDebits]))
    },
    AccountCase(.debitsPendingMustBeZero, "") { f in
        var a = account(10)
        a.debitsPending = 1
        return f.create(a)
    },
    AccountCase(.debitsPostedMustBeZero, "") { f in
        var a = account(10)
        a.debitsPosted = 1
        return f.create(a)
    },
    AccountCase(.creditsPendingMustBeZero, "") { f in
        var a = account(10)
        a.creditsPending = 1
        return f.create(a)
    },
    AccountCase(.creditsPostedMustBeZero, "") { f in
        var a = account(10)
        a.creditsPosted = 1
        return f.create(a)
    },
    AccountCase(.ledgerMustNotBeZero, "") { $0.create(account(10, ledger: 0)) },
    AccountCase(.codeMustNotBeZero, "") { $0.create(account(10, code: 0)) },
    AccountCase(.importedEventTimestampMustNotRegress, "before the tenant's newest record") { f in
        f.create(account(10, flags: .imported, timestamp: 5))
    },
    AccountCase(.importedEventTimestampMustNotRegress, "equal to an earlier event of the batch") { f in
        let t = f.importTimestamp()
        return f.createAccounts([account(10, flags: .imported, timestamp: t), account(11, flags: .imported, timestamp: t)])[1]
    },
]

/// Pairs of broken rules: the code declared first in `CreateAccountResult` wins.
let accountPrecedenceCases: [AccountCase] = [
    AccountCase(.linkedEventChainOpen, "chain open beats reservedFlag") { f in
        f.create(account(10, flags: [.linked, AccountFlags(rawValue: 1 << 15)]))
    },
    AccountCase(.timestampMustBeZero, "timestamp beats reservedField and id 0") { f in
        var a = account(0, timestamp: 9)
        a.reserved = 1
        return f.create(a)
    },
    AccountCase(.importedEventTimestampOutOfRange, "beats mustNotAdvance") { f in
        f.create(account(10, flags: .imported, timestamp: UInt64.max))
    },
    AccountCase(.reservedField, "beats reservedFlag") { f in
        var a = account(10, flags: AccountFlags(rawValue: 1 << 15))
        a.reserved = 1
        return f.create(a)
    },
    AccountCase(.reservedFlag, "beats id 0") { $0.create(account(0, flags: AccountFlags(rawValue: 1 << 15))) },
    AccountCase(.idMustNotBeZero, "beats ledger and code 0") { $0.create(account(0, ledger: 0, code: 0)) },
    AccountCase(.existsWithDifferentFlags, "beats different user data and code") { f in
        f.create(account(1, code: 99, flags: .history, userData64: 3))
    },
    AccountCase(.existsWithDifferentUserData128, "beats the smaller user data and ledger") { f in
        f.create(account(1, ledger: 2, userData128: 1, userData64: 1, userData32: 1))
    },
    AccountCase(.existsWithDifferentLedger, "beats code") { $0.create(account(1, ledger: 2, code: 99)) },
    AccountCase(.existsWithDifferentFlags, "an existing id beats flagsAreMutuallyExclusive") { f in
        f.create(account(1, flags: [.debitsMustNotExceedCredits, .creditsMustNotExceedDebits]))
    },
    AccountCase(.flagsAreMutuallyExclusive, "beats balances and ledger 0") { f in
        var a = account(10, ledger: 0, flags: [.debitsMustNotExceedCredits, .creditsMustNotExceedDebits])
        a.creditsPosted = 1
        return f.create(a)
    },
    AccountCase(.debitsPendingMustBeZero, "beats the other balances") { f in
        var a = account(10)
        a.debitsPending = 1
        a.creditsPosted = 1
        return f.create(a)
    },
    AccountCase(.creditsPostedMustBeZero, "beats ledger 0") { f in
        var a = account(10, ledger: 0)
        a.creditsPosted = 1
        return f.create(a)
    },
    AccountCase(.ledgerMustNotBeZero, "beats code 0") { $0.create(account(10, ledger: 0, code: 0)) },
    AccountCase(.codeMustNotBeZero, "beats importedEventTimestampMustNotRegress") { f in
        f.create(account(10, code: 0, flags: .imported, timestamp: 5))
    },
]

@Suite("createAccounts result codes")
struct AccountResultTests {
    @Test("every result code is provoked", arguments: accountCases)
    func provokes(_ row: AccountCase) {
        let fixture = Fixture()
        #expect(row.run(fixture) == row.expected)
    }

    @Test("the table covers every CreateAccountResult case")
    func tableCoversAllCases() {
        let covered = Set(accountCases.map(\.expected))
        let missing = CreateAccountResult.allCases.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "no test provokes: \(missing)")
    }

    @Test("an event breaking two rules gets the code declared first", arguments: accountPrecedenceCases)
    func precedence(_ row: AccountCase) {
        let fixture = Fixture()
        #expect(row.run(fixture) == row.expected)
    }

    @Test("a failed event stores nothing and an exists changes nothing")
    func failuresDoNotWrite() {
        let fixture = Fixture()
        let before = fixture.machine.counts(tenant: defaultTenant)
        fixture.create(account(10, ledger: 0))
        fixture.create(account(1, code: 99))
        #expect(fixture.lookupAccount(10) == nil)
        #expect(fixture.lookupAccount(1)?.code == 10)
        #expect(fixture.machine.counts(tenant: defaultTenant).accounts == before.accounts)
    }

    @Test("an account is stored with its fields, flags and the event's timestamp")
    func storedFields() throws {
        let fixture = Fixture()
        let batch = fixture.nextTimestamp(events: 2)
        let results = fixture.createAccounts(
            [account(10, ledger: 3, code: 4, flags: .history, userData128: 5, userData64: 6, userData32: 7),
             account(11, flags: .closed)],
            at: batch
        )
        #expect(results == [.ok, .ok])
        let stored = try #require(fixture.lookupAccount(10))
        #expect(stored == account(10, ledger: 3, code: 4, flags: .history, userData128: 5, userData64: 6, userData32: 7, timestamp: batch - 1))
        #expect(fixture.lookupAccount(11)?.timestamp == batch)
        #expect(fixture.isClosed(11))
    }

    @Test("a failing event still consumes its timestamp")
    func failedEventsConsumeTimestamps() {
        let fixture = Fixture()
        let batch = fixture.nextTimestamp(events: 3)
        #expect(fixture.createAccounts([account(0), account(10), account(11, code: 0)], at: batch) == [.idMustNotBeZero, .ok, .codeMustNotBeZero])
        #expect(fixture.lookupAccount(10)?.timestamp == batch - 1)
    }
}
