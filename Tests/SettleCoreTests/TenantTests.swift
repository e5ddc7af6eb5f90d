import SettleCore
import Testing

@Suite("Tenants")
struct TenantTests {
    static let a = TenantID(1)
    static let b = TenantID(2)

    /// Both tenants hold accounts 1 and 2 and transfer 100, with different fields.
    private func twoTenants() -> Fixture {
        let fixture = Fixture(tenant: Self.a, accounts: [account(1, userData64: 1), account(2, userData64: 1)])
        #expect(fixture.createAccounts([account(1, ledger: 5, userData64: 2), account(2, ledger: 5, userData64: 2)], tenant: Self.b) == [.ok, .ok])
        #expect(fixture.create(transfer(100, amount: 10), tenant: Self.a) == .ok)
        #expect(fixture.create(transfer(100, amount: 3, ledger: 5, flags: .pending), tenant: Self.b) == .ok)
        return fixture
    }

    @Test("the same ids in two tenants are different records")
    func sameIDs() {
        let fixture = twoTenants()
        let m = fixture.machine
        #expect(m.lookupAccounts(tenant: Self.a, ids: [1]).map(\.userData64) == [1])
        #expect(m.lookupAccounts(tenant: Self.b, ids: [1]).map(\.userData64) == [2])
        #expect(m.lookupTransfers(tenant: Self.a, ids: [100]).map(\.amount) == [10])
        #expect(m.lookupTransfers(tenant: Self.b, ids: [100]).map(\.amount) == [3])
        #expect(fixture.balances(1, tenant: Self.a) == Balances(debitsPosted: 10))
        #expect(fixture.balances(1, tenant: Self.b) == Balances(debitsPending: 3))
        #expect(m.tenants == [Self.a, Self.b])
    }

    @Test("queries see only their own tenant")
    func queriesAreScoped() {
        let fixture = twoTenants()
        let m = fixture.machine
        #expect(m.queryAccounts(tenant: Self.b, filter: QueryFilter()).map(\.ledger) == [5, 5])
        #expect(m.queryTransfers(tenant: Self.a, filter: QueryFilter()).map(\.amount) == [10])
        #expect(m.accountTransfers(tenant: Self.b, filter: AccountFilter(accountID: 1)).map(\.amount) == [3])
        #expect(m.allAccounts(tenant: Self.a).map(\.ledger) == [1, 1])
        #expect(m.queryAccounts(tenant: TenantID(3), filter: QueryFilter()).isEmpty)
        #expect(m.counts(tenant: TenantID(3)).accounts == 0 && m.counts(tenant: TenantID(3)).transfers == 0)
    }

    @Test("a transfer cannot reach another tenant's accounts")
    func transfersAreScoped() {
        let fixture = twoTenants()
        fixture.createAccounts([account(3)], tenant: Self.a)
        fixture.createAccounts([account(4, ledger: 5)], tenant: Self.b)
        #expect(fixture.create(transfer(200, debit: 1, credit: 3), tenant: Self.b) == .creditAccountNotFound)
        #expect(fixture.create(transfer(201, debit: 4, credit: 1, ledger: 5), tenant: Self.a) == .debitAccountNotFound)
        #expect(fixture.create(transfer(202), tenant: TenantID(3)) == .debitAccountNotFound)
        #expect(fixture.create(post(203, pending: 100), tenant: Self.a) == .pendingTransferNotPending)
        #expect(fixture.create(post(204, pending: 100), tenant: TenantID(3)) == .pendingTransferNotFound)
        #expect(fixture.balances(1, tenant: Self.b) == Balances(debitsPending: 3))
        #expect(fixture.balances(3, tenant: Self.a) == Balances())
    }

    @Test("idempotency and burnt ids are per tenant")
    func idempotencyIsScoped() {
        let fixture = twoTenants()
        let c = TenantID(3)
        fixture.createAccounts([account(1), account(2)], tenant: c)
        // Same id, different fields: a new record in tenant c, not existsWithDifferent*.
        #expect(fixture.create(transfer(100, amount: 77), tenant: c) == .ok)
        #expect(fixture.create(account(1, ledger: 9), tenant: c) == .existsWithDifferentLedger)
        #expect(fixture.create(transfer(300, debit: 99), tenant: Self.a) == .debitAccountNotFound)
        #expect(fixture.create(transfer(300), tenant: Self.a) == .idAlreadyFailed)
        #expect(fixture.create(transfer(300), tenant: c) == .ok)
    }

    @Test("imported timestamps regress against their own tenant only")
    func importedIsScoped() {
        let fixture = twoTenants()
        let c = TenantID(3)
        // Tenant c has no records: any timestamp before the batch is fine, even one older
        // than the other tenants' records.
        #expect(fixture.create(account(1, flags: .imported, timestamp: 1), tenant: c) == .ok)
        #expect(fixture.create(account(3, flags: .imported, timestamp: 2), tenant: Self.a) == .importedEventTimestampMustNotRegress)
    }

    @Test("a tenant comes into existence with its first write")
    func tenantCreation() throws {
        let fixture = Fixture(accounts: [])
        #expect(fixture.machine.tenants.isEmpty)
        _ = fixture.machine.lookupAccounts(tenant: TenantID(8), ids: [1])
        _ = fixture.machine.queryTransfers(tenant: TenantID(8), filter: QueryFilter())
        #expect(fixture.machine.tenants.isEmpty)
        _ = try fixture.machine.createAccounts([account(1)], tenant: TenantID(9), timestamp: fixture.nextTimestamp(events: 1))
        #expect(fixture.machine.tenants == [TenantID(9)])
    }
}
