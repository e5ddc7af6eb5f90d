/// Totals of one ledger (currency) in one tenant.
public struct LedgerTotals: Equatable, Sendable {
    public var accounts = 0
    public var debitsPending: UInt128 = 0
    public var debitsPosted: UInt128 = 0
    public var creditsPending: UInt128 = 0
    public var creditsPosted: UInt128 = 0
}

/// What `StateMachine.audit()` found: totals per (tenant, ledger) and every broken invariant.
public struct AuditReport: Sendable {
    public var tenants = 0
    public var accounts = 0
    public var transfers = 0
    /// Keyed by tenant then ledger; sorted when printed.
    public var totals: [TenantID: [UInt32: LedgerTotals]] = [:]
    /// Human-readable descriptions of broken invariants; empty when the state is sound.
    public var violations: [String] = []
}

extension StateMachine {
    /// Recomputes every account's balances from the transfers and checks the invariants of
    /// docs/LEDGER.md: double entry per ledger, balances equal to their transfers, limit
    /// flags, unique ids. O(accounts + transfers); for `settle verify` and tests.
    public func audit() -> AuditReport {
        var report = AuditReport()
        for tenant in tenants {
            ledgers[tenant]!.audit(into: &report)
        }
        report.tenants = ledgers.count
        return report
    }
}

extension Ledger {
    func audit(into report: inout AuditReport) {
        var expected = [Account](repeating: Account(id: 0, ledger: 0, code: 0), count: accounts.count)
        let ids = IDIndex()
        for slot in 0..<transfers.count {
            let transfer = transfers[slot]
            if ids.find(transfer.id, idAt: { transfers[$0].id }) != nil {
                report.violations.append("\(tenant): transfer id \(transfer.id) stored twice")
            }
            ids.insert(transfer.id, slot: slot)
            guard let debit = findAccount(transfer.debitAccountID), let credit = findAccount(transfer.creditAccountID) else {
                report.violations.append("\(tenant): transfer \(transfer.id) names a missing account")
                continue
            }
            // A void only releases its pending transfer's hold; its record carries the pending
            // amount (docs/LEDGER.md) but moves nothing.
            if transfer.flags.contains(.voidPendingTransfer) { continue }
            if transfer.flags.contains(.pending) {
                // A pending transfer holds its amount only while it is still pending.
                guard pendingStatuses[slot] == .pending else { continue }
                expected[debit].debitsPending &+= transfer.amount
                expected[credit].creditsPending &+= transfer.amount
            } else {
                expected[debit].debitsPosted &+= transfer.amount
                expected[credit].creditsPosted &+= transfer.amount
            }
        }
        var totals: [UInt32: LedgerTotals] = [:]
        for slot in 0..<accounts.count {
            let account = accounts[slot]
            let sums = expected[slot]
            if (account.debitsPending, account.debitsPosted, account.creditsPending, account.creditsPosted)
                != (sums.debitsPending, sums.debitsPosted, sums.creditsPending, sums.creditsPosted) {
                report.violations.append("\(tenant): account \(account.id) balances differ from its transfers")
            }
            if account.flags.contains(.debitsMustNotExceedCredits),
               Ledger.sum(account.debitsPending, account.debitsPosted, 0).map({ $0 > account.creditsPosted }) ?? true {
                report.violations.append("\(tenant): account \(account.id) debits exceed credits")
            }
            if account.flags.contains(.creditsMustNotExceedDebits),
               Ledger.sum(account.creditsPending, account.creditsPosted, 0).map({ $0 > account.debitsPosted }) ?? true {
                report.violations.append("\(tenant): account \(account.id) credits exceed debits")
            }
            totals[account.ledger, default: LedgerTotals()].add(account)
        }
        for ledger in totals.keys.sorted() {
            let t = totals[ledger]!
            if t.debitsPosted != t.creditsPosted || t.debitsPending != t.creditsPending {
                report.violations.append("\(tenant): ledger \(ledger) does not balance")
            }
        }
        report.totals[tenant] = totals
        report.accounts += accounts.count
        report.transfers += transfers.count
    }
}

extension LedgerTotals {
    mutating func add(_ account: Account) {
        accounts += 1
        // Wrapping: a ledger's total may exceed 2^128 - 1 even though no account does;
        // equality modulo 2^128 still detects any imbalance a single bug can cause.
        debitsPending &+= account.debitsPending
        debitsPosted &+= account.debitsPosted
        creditsPending &+= account.creditsPending
        creditsPosted &+= account.creditsPosted
    }
}
