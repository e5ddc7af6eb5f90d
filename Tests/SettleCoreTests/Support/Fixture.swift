import SettleCore
import Testing

/// Nanoseconds in a second: `timeoutSeconds` is in seconds, timestamps in nanoseconds.
let nanosPerSecond: UInt64 = 1_000_000_000

/// The tenant every fixture writes to unless told otherwise.
let defaultTenant = TenantID(1)

/// An account on ledger 1 with code 10 unless told otherwise.
func account(
    _ id: UInt128, ledger: UInt32 = 1, code: UInt16 = 10, flags: AccountFlags = [],
    userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0, timestamp: UInt64 = 0
) -> Account {
    Account(
        id: id, userData128: userData128, userData64: userData64, userData32: userData32,
        ledger: ledger, code: code, flags: flags, timestamp: timestamp
    )
}

/// A transfer of 10 from account 1 to account 2 on ledger 1 with code 1 unless told otherwise.
func transfer(
    _ id: UInt128, debit: UInt128 = 1, credit: UInt128 = 2, amount: UInt128 = 10,
    ledger: UInt32 = 1, code: UInt16 = 1, flags: TransferFlags = [], pendingID: UInt128 = 0,
    timeoutSeconds: UInt32 = 0, userData128: UInt128 = 0, userData64: UInt64 = 0,
    userData32: UInt32 = 0, timestamp: UInt64 = 0
) -> Transfer {
    Transfer(
        id: id, debitAccountID: debit, creditAccountID: credit, amount: amount, pendingID: pendingID,
        userData128: userData128, userData64: userData64, userData32: userData32,
        timeoutSeconds: timeoutSeconds, ledger: ledger, code: code, flags: flags, timestamp: timestamp
    )
}

/// A post of pending transfer `pending`, inheriting every optional field (amountMax = in full).
func post(
    _ id: UInt128, pending: UInt128, amount: UInt128 = Transfer.amountMax, flags: TransferFlags = [],
    debit: UInt128 = 0, credit: UInt128 = 0, ledger: UInt32 = 0, code: UInt16 = 0,
    userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0
) -> Transfer {
    transfer(
        id, debit: debit, credit: credit, amount: amount, ledger: ledger, code: code,
        flags: flags.union(.postPendingTransfer), pendingID: pending,
        userData128: userData128, userData64: userData64, userData32: userData32
    )
}

/// A void of pending transfer `pending`, inheriting every optional field.
func void(
    _ id: UInt128, pending: UInt128, amount: UInt128 = 0, flags: TransferFlags = [],
    debit: UInt128 = 0, credit: UInt128 = 0, ledger: UInt32 = 0, code: UInt16 = 0,
    userData128: UInt128 = 0, userData64: UInt64 = 0, userData32: UInt32 = 0
) -> Transfer {
    transfer(
        id, debit: debit, credit: credit, amount: amount, ledger: ledger, code: code,
        flags: flags.union(.voidPendingTransfer), pendingID: pending,
        userData128: userData128, userData64: userData64, userData32: userData32
    )
}

/// The four balances of an account, comparable in one `#expect`.
struct Balances: Equatable, CustomStringConvertible {
    var debitsPending: UInt128 = 0
    var debitsPosted: UInt128 = 0
    var creditsPending: UInt128 = 0
    var creditsPosted: UInt128 = 0

    init(debitsPending: UInt128 = 0, debitsPosted: UInt128 = 0, creditsPending: UInt128 = 0, creditsPosted: UInt128 = 0) {
        self.debitsPending = debitsPending
        self.debitsPosted = debitsPosted
        self.creditsPending = creditsPending
        self.creditsPosted = creditsPosted
    }

    init(_ account: Account) {
        self.init(
            debitsPending: account.debitsPending, debitsPosted: account.debitsPosted,
            creditsPending: account.creditsPending, creditsPosted: account.creditsPosted
        )
    }

    init(_ balance: AccountBalance) {
        self.init(
            debitsPending: balance.debitsPending, debitsPosted: balance.debitsPosted,
            creditsPending: balance.creditsPending, creditsPosted: balance.creditsPosted
        )
    }

    var description: String {
        "dp=\(debitsPending) dP=\(debitsPosted) cp=\(creditsPending) cP=\(creditsPosted)"
    }
}

/// A `StateMachine` with an auto-incrementing batch clock and a default tenant.
///
/// Every batch gets the timestamp `base + importGap + eventCount`, where `base` is the machine's
/// last timestamp (or `start` before the first batch): batches are always monotonic, and the
/// `importGap` nanoseconds right after `base` are free for imported events (`importTimestamp`).
final class Fixture {
    static let start: UInt64 = 1_000 * nanosPerSecond
    static let importGap: UInt64 = 1_000

    /// Accounts 1...4 on ledger 1 and account 7 on ledger 2, all plain.
    static let standardAccounts: [Account] = [account(1), account(2), account(3), account(4), account(7, ledger: 2)]

    let machine: StateMachine
    let tenant: TenantID
    private let start: UInt64
    /// The size of the latest create batch and the default tenant's state right before it.
    private(set) var lastBatch: (count: Int, before: TenantState?) = (0, nil)

    init(
        tenant: TenantID = defaultTenant, machine: StateMachine = StateMachine(), start: UInt64 = Fixture.start,
        accounts: [Account] = Fixture.standardAccounts
    ) {
        self.tenant = tenant
        self.machine = machine
        self.start = start
        if !accounts.isEmpty {
            let results = createAccounts(accounts)
            #expect(results.allSatisfy { $0 == .ok }, "fixture accounts: \(results)")
        }
    }

    /// The newest timestamp of the machine, or the start time before the first batch.
    var base: UInt64 { max(machine.lastTimestamp, start) }

    /// The timestamp the next batch of `events` events will get.
    func nextTimestamp(events: Int) -> UInt64 { base + Self.importGap + UInt64(events) }

    /// A timestamp usable by an imported event of the next batch (after `base`, before the batch).
    func importTimestamp(_ offset: UInt64 = 1) -> UInt64 {
        precondition(offset >= 1 && offset < Self.importGap)
        return base + offset
    }

    @discardableResult
    func createAccounts(_ accounts: [Account], tenant: TenantID? = nil, at timestamp: UInt64? = nil) -> [CreateAccountResult] {
        do {
            let t = timestamp ?? nextTimestamp(events: accounts.count)
            lastBatch = (accounts.count, TenantState(self))
            return try machine.createAccounts(accounts, tenant: tenant ?? self.tenant, timestamp: t)
        } catch {
            Issue.record("unexpected batch error: \(error)")
            return []
        }
    }

    @discardableResult
    func createTransfers(_ transfers: [Transfer], tenant: TenantID? = nil, at timestamp: UInt64? = nil) -> [CreateTransferResult] {
        do {
            let t = timestamp ?? nextTimestamp(events: transfers.count)
            lastBatch = (transfers.count, TenantState(self))
            return try machine.createTransfers(transfers, tenant: tenant ?? self.tenant, timestamp: t)
        } catch {
            Issue.record("unexpected batch error: \(error)")
            return []
        }
    }

    /// Creates one account in its own batch and returns its result.
    @discardableResult
    func create(_ account: Account, tenant: TenantID? = nil, at timestamp: UInt64? = nil) -> CreateAccountResult {
        createAccounts([account], tenant: tenant, at: timestamp).first ?? .ok
    }

    /// Creates one transfer in its own batch and returns its result.
    @discardableResult
    func create(_ transfer: Transfer, tenant: TenantID? = nil, at timestamp: UInt64? = nil) -> CreateTransferResult {
        createTransfers([transfer], tenant: tenant, at: timestamp).first ?? .ok
    }

    /// Runs expiry at `timestamp` (a batch of zero events).
    func expire(at timestamp: UInt64) {
        do {
            try machine.expirePendingTransfers(timestamp: timestamp)
        } catch {
            Issue.record("unexpected batch error: \(error)")
        }
    }

    func lookupAccount(_ id: UInt128, tenant: TenantID? = nil) -> Account? {
        machine.lookupAccounts(tenant: tenant ?? self.tenant, ids: [id]).first
    }

    func lookupTransfer(_ id: UInt128, tenant: TenantID? = nil) -> Transfer? {
        machine.lookupTransfers(tenant: tenant ?? self.tenant, ids: [id]).first
    }

    /// The balances of account `id` (all zero when it does not exist).
    func balances(_ id: UInt128, tenant: TenantID? = nil) -> Balances {
        lookupAccount(id, tenant: tenant).map(Balances.init) ?? Balances()
    }

    func isClosed(_ id: UInt128) -> Bool {
        lookupAccount(id)?.flags.contains(.closed) ?? false
    }

    func status(_ id: UInt128) -> PendingStatus? {
        machine.pendingStatus(tenant: tenant, id: id)
    }

    func history(_ id: UInt128) -> [AccountBalance] {
        machine.accountBalances(tenant: tenant, filter: AccountFilter(accountID: id))
    }
}

/// Everything a write can change in the default tenant, apart from timestamps and burnt ids.
struct TenantState: Equatable {
    var accounts: [Account]
    var transferCount: Int
    var pendingStatuses: [PendingStatus?]

    init(_ fixture: Fixture) {
        accounts = fixture.machine.allAccounts(tenant: fixture.tenant)
        let transfers = fixture.machine.queryTransfers(tenant: fixture.tenant, filter: QueryFilter())
        transferCount = fixture.machine.counts(tenant: fixture.tenant).transfers
        pendingStatuses = transfers.map { fixture.machine.pendingStatus(tenant: fixture.tenant, id: $0.id) }
    }
}
