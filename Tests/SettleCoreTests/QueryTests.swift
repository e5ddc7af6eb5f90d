import SettleCore
import Testing

/// A fixture with history accounts 1 and 2 and plain account 3 on ledger 1, 4 on ledger 2, and six transfers:
///
/// | id  | debit | credit | code | userData128/64/32 |
/// |-----|-------|--------|------|-------------------|
/// | 100 | 1     | 2      | 1    | 1 / 10 / 100      |
/// | 101 | 2     | 1      | 2    | 1 / 20 / 100      |
/// | 102 | 1     | 3      | 1    | 2 / 10 / 200      |
/// | 103 | 3     | 1      | 2    | 2 / 20 / 200      |
/// | 104 | 2     | 3      | 1    | 1 / 10 / 200      |
/// | 105 | 1     | 2      | 2    | 1 / 10 / 100      |
///
/// each in its own batch, so their timestamps ascend with their ids.
private func queryFixture() -> (Fixture, timestamps: [UInt128: UInt64]) {
    let fixture = Fixture(accounts: [
        account(1, flags: .history, userData128: 7, userData64: 70, userData32: 700),
        account(2, code: 20, flags: .history, userData128: 7, userData64: 71),
        account(3, userData128: 8, userData64: 70),
        account(4, ledger: 2, code: 20, userData128: 7, userData64: 70, userData32: 700),
    ])
    let rows: [(UInt128, UInt128, UInt128, UInt16, UInt128, UInt64, UInt32)] = [
        (100, 1, 2, 1, 1, 10, 100), (101, 2, 1, 2, 1, 20, 100), (102, 1, 3, 1, 2, 10, 200),
        (103, 3, 1, 2, 2, 20, 200), (104, 2, 3, 1, 1, 10, 200), (105, 1, 2, 2, 1, 10, 100),
    ]
    var timestamps: [UInt128: UInt64] = [:]
    for (id, debit, credit, code, u128, u64, u32) in rows {
        let result = fixture.create(transfer(id, debit: debit, credit: credit, amount: id - 99, code: code,
                                             userData128: u128, userData64: u64, userData32: u32))
        #expect(result == .ok)
        timestamps[id] = fixture.lookupTransfer(id)?.timestamp
    }
    return (fixture, timestamps)
}

/// An account filter and the transfer ids it must return, in order.
struct AccountFilterCase: Sendable, CustomTestStringConvertible {
    let name: String
    let filter: @Sendable (_ timestamps: [UInt128: UInt64]) -> AccountFilter
    let expected: [UInt128]
    var testDescription: String { name }
}

let accountFilterCases: [AccountFilterCase] = [
    AccountFilterCase(name: "both sides", filter: { _ in AccountFilter(accountID: 1) }, expected: [100, 101, 102, 103, 105]),
    AccountFilterCase(name: "debits", filter: { _ in AccountFilter(accountID: 1, flags: .debits) }, expected: [100, 102, 105]),
    AccountFilterCase(name: "credits", filter: { _ in AccountFilter(accountID: 1, flags: .credits) }, expected: [101, 103]),
    AccountFilterCase(name: "neither side", filter: { _ in AccountFilter(accountID: 1, flags: []) }, expected: []),
    AccountFilterCase(name: "neither side, reversed", filter: { _ in AccountFilter(accountID: 1, flags: .reversed) }, expected: []),
    AccountFilterCase(name: "reversed", filter: { _ in AccountFilter(accountID: 1, flags: [.debits, .credits, .reversed]) },
                      expected: [105, 103, 102, 101, 100]),
    AccountFilterCase(name: "limit", filter: { _ in AccountFilter(accountID: 1, limit: 2) }, expected: [100, 101]),
    AccountFilterCase(name: "limit reversed", filter: { _ in AccountFilter(accountID: 1, limit: 2, flags: [.credits, .debits, .reversed]) },
                      expected: [105, 103]),
    AccountFilterCase(name: "limit 0", filter: { _ in AccountFilter(accountID: 1, limit: 0) }, expected: []),
    AccountFilterCase(name: "range inclusive", filter: { t in AccountFilter(accountID: 1, timestampMin: t[101]!, timestampMax: t[103]!) },
                      expected: [101, 102, 103]),
    AccountFilterCase(name: "min only", filter: { t in AccountFilter(accountID: 1, timestampMin: t[103]!) }, expected: [103, 105]),
    AccountFilterCase(name: "max only", filter: { t in AccountFilter(accountID: 1, timestampMax: t[101]!) }, expected: [100, 101]),
    AccountFilterCase(name: "range between records", filter: { t in AccountFilter(accountID: 1, timestampMin: t[101]! + 1, timestampMax: t[102]! - 1) },
                      expected: []),
    AccountFilterCase(name: "range reversed with limit", filter: { t in
        AccountFilter(accountID: 1, timestampMin: t[101]!, timestampMax: t[105]!, limit: 2, flags: [.debits, .credits, .reversed])
    }, expected: [105, 103]),
    AccountFilterCase(name: "min > max", filter: { t in AccountFilter(accountID: 1, timestampMin: t[103]!, timestampMax: t[101]!) }, expected: []),
    AccountFilterCase(name: "code", filter: { _ in AccountFilter(accountID: 1, code: 2) }, expected: [101, 103, 105]),
    AccountFilterCase(name: "userData128", filter: { _ in AccountFilter(accountID: 1, userData128: 2) }, expected: [102, 103]),
    AccountFilterCase(name: "userData64", filter: { _ in AccountFilter(accountID: 1, userData64: 20) }, expected: [101, 103]),
    AccountFilterCase(name: "userData32", filter: { _ in AccountFilter(accountID: 1, userData32: 100) }, expected: [100, 101, 105]),
    AccountFilterCase(name: "fields AND side", filter: { _ in AccountFilter(accountID: 1, userData128: 1, userData32: 100, code: 2, flags: .debits) },
                      expected: [105]),
    AccountFilterCase(name: "unknown account", filter: { _ in AccountFilter(accountID: 99) }, expected: []),
    AccountFilterCase(name: "account without transfers", filter: { _ in AccountFilter(accountID: 4) }, expected: []),
]

/// A query filter and the ids it must return, in order.
struct QueryFilterCase: Sendable, CustomTestStringConvertible {
    let name: String
    let filter: @Sendable (_ timestamps: [UInt128: UInt64]) -> QueryFilter
    let expected: [UInt128]
    var testDescription: String { name }
}

let transferQueryCases: [QueryFilterCase] = [
    QueryFilterCase(name: "everything", filter: { _ in QueryFilter() }, expected: [100, 101, 102, 103, 104, 105]),
    QueryFilterCase(name: "reversed", filter: { _ in QueryFilter(reversed: true) }, expected: [105, 104, 103, 102, 101, 100]),
    QueryFilterCase(name: "ledger 1", filter: { _ in QueryFilter(ledger: 1) }, expected: [100, 101, 102, 103, 104, 105]),
    QueryFilterCase(name: "ledger 2", filter: { _ in QueryFilter(ledger: 2) }, expected: []),
    QueryFilterCase(name: "code", filter: { _ in QueryFilter(code: 1) }, expected: [100, 102, 104]),
    QueryFilterCase(name: "userData128", filter: { _ in QueryFilter(userData128: 2) }, expected: [102, 103]),
    QueryFilterCase(name: "userData64", filter: { _ in QueryFilter(userData64: 10) }, expected: [100, 102, 104, 105]),
    QueryFilterCase(name: "userData32", filter: { _ in QueryFilter(userData32: 200) }, expected: [102, 103, 104]),
    QueryFilterCase(name: "AND of fields", filter: { _ in QueryFilter(userData128: 1, userData64: 10, userData32: 200, code: 1) }, expected: [104]),
    QueryFilterCase(name: "AND with no match", filter: { _ in QueryFilter(userData128: 2, userData64: 10, code: 2) }, expected: []),
    QueryFilterCase(name: "limit", filter: { _ in QueryFilter(code: 2, limit: 2) }, expected: [101, 103]),
    QueryFilterCase(name: "limit reversed", filter: { _ in QueryFilter(code: 2, limit: 2, reversed: true) }, expected: [105, 103]),
    QueryFilterCase(name: "limit 0", filter: { _ in QueryFilter(limit: 0) }, expected: []),
    QueryFilterCase(name: "range inclusive", filter: { t in QueryFilter(timestampMin: t[101]!, timestampMax: t[104]!) }, expected: [101, 102, 103, 104]),
    QueryFilterCase(name: "range and code, reversed", filter: { t in QueryFilter(code: 1, timestampMin: t[101]!, timestampMax: t[104]!, reversed: true) },
                    expected: [104, 102]),
    QueryFilterCase(name: "min only", filter: { t in QueryFilter(timestampMin: t[104]!) }, expected: [104, 105]),
    QueryFilterCase(name: "max only", filter: { t in QueryFilter(timestampMax: t[100]!) }, expected: [100]),
]

@Suite("Queries")
struct QueryTests {
    @Test("lookups keep the order asked and skip missing ids")
    func lookups() {
        let (fixture, _) = queryFixture()
        let m = fixture.machine
        #expect(m.lookupAccounts(tenant: defaultTenant, ids: [3, 99, 1, 0, 3]).map(\.id) == [3, 1, 3])
        #expect(m.lookupTransfers(tenant: defaultTenant, ids: [105, 1, 100, 104, .max]).map(\.id) == [105, 100, 104])
        #expect(m.lookupAccounts(tenant: defaultTenant, ids: []).isEmpty)
        #expect(m.lookupTransfers(tenant: TenantID(9), ids: [100]).isEmpty)
    }

    @Test("accountTransfers", arguments: accountFilterCases)
    func accountTransfers(_ row: AccountFilterCase) {
        let (fixture, timestamps) = queryFixture()
        let before = fixture.machine.digest()
        let found = fixture.machine.accountTransfers(tenant: defaultTenant, filter: row.filter(timestamps))
        #expect(found.map(\.id) == row.expected)
        #expect(fixture.machine.digest() == before)
    }

    @Test("accountBalances follows accountTransfers", arguments: accountFilterCases)
    func accountBalances(_ row: AccountFilterCase) throws {
        let (fixture, timestamps) = queryFixture()
        let filter = row.filter(timestamps)
        let balances = fixture.machine.accountBalances(tenant: defaultTenant, filter: filter)
        let transfers = fixture.machine.accountTransfers(tenant: defaultTenant, filter: filter)
        #expect(balances.map(\.timestamp) == transfers.map(\.timestamp))
    }

    @Test("accountBalances are the balances as of each transfer")
    func balancesSnapshots() {
        let (fixture, timestamps) = queryFixture()
        let filter = AccountFilter(accountID: 2, timestampMin: timestamps[101]!, flags: [.debits, .credits, .reversed])
        // Account 2: +1 credit (100), +2 debit (101), +5 debit (104), +6 credit (105).
        #expect(fixture.machine.accountBalances(tenant: defaultTenant, filter: filter).map(Balances.init) == [
            Balances(debitsPosted: 7, creditsPosted: 7),
            Balances(debitsPosted: 7, creditsPosted: 1),
            Balances(debitsPosted: 2, creditsPosted: 1),
        ])
        #expect(fixture.machine.accountBalances(tenant: defaultTenant, filter: AccountFilter(accountID: 4)).isEmpty)
        // Account 3 has transfers but no history flag.
        #expect(fixture.machine.accountTransfers(tenant: defaultTenant, filter: AccountFilter(accountID: 3)).count == 3)
        #expect(fixture.machine.accountBalances(tenant: defaultTenant, filter: AccountFilter(accountID: 3)).isEmpty)
    }

    @Test("queryTransfers", arguments: transferQueryCases)
    func queryTransfers(_ row: QueryFilterCase) {
        let (fixture, timestamps) = queryFixture()
        #expect(fixture.machine.queryTransfers(tenant: defaultTenant, filter: row.filter(timestamps)).map(\.id) == row.expected)
    }

    @Test("queryAccounts matches every non-zero field")
    func queryAccounts() throws {
        let (fixture, _) = queryFixture()
        let m = fixture.machine
        func ids(_ filter: QueryFilter) -> [UInt128] { m.queryAccounts(tenant: defaultTenant, filter: filter).map(\.id) }
        #expect(ids(QueryFilter()) == [1, 2, 3, 4])
        #expect(ids(QueryFilter(reversed: true)) == [4, 3, 2, 1])
        #expect(ids(QueryFilter(ledger: 2)) == [4])
        #expect(ids(QueryFilter(code: 20)) == [2, 4])
        #expect(ids(QueryFilter(userData128: 7)) == [1, 2, 4])
        #expect(ids(QueryFilter(userData64: 70)) == [1, 3, 4])
        #expect(ids(QueryFilter(userData32: 700)) == [1, 4])
        #expect(ids(QueryFilter(userData128: 7, userData64: 70, ledger: 1)) == [1])
        #expect(ids(QueryFilter(userData128: 7, code: 20, limit: 1)) == [2])
        #expect(ids(QueryFilter(userData128: 7, limit: 2, reversed: true)) == [4, 2])
        #expect(ids(QueryFilter(limit: 0)) == [])
        let t2 = try #require(fixture.lookupAccount(2)).timestamp
        let t3 = try #require(fixture.lookupAccount(3)).timestamp
        #expect(ids(QueryFilter(timestampMin: t2, timestampMax: t3)) == [2, 3])
        #expect(ids(QueryFilter(timestampMin: t3)) == [3, 4])
        #expect(ids(QueryFilter(timestampMax: t2)) == [1, 2])
    }

    @Test("queries see closed flags and balances as they are now")
    func queriesSeeCurrentState() {
        let (fixture, _) = queryFixture()
        fixture.create(transfer(106, debit: 3, credit: 2, amount: 0, flags: [.pending, .closingDebit]))
        let found = fixture.machine.queryAccounts(tenant: defaultTenant, filter: QueryFilter(userData64: 70, ledger: 1))
        #expect(found.map(\.id) == [1, 3])
        #expect(found.last?.flags.contains(.closed) == true)
        #expect(found.first.map(Balances.init) == fixture.balances(1))
    }
}
