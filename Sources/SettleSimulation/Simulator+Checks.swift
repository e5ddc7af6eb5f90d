import SettleCore

extension Simulator {
    /// After every batch: time, tenants, every account of every tenant, the next expiry, and
    /// the invariants of docs/LEDGER.md.
    func checkAfterBatch() throws(SimulationFailure) {
        if stateMachine.lastTimestamp != model.lastTimestamp {
            throw failure("lastTimestamp", model.lastTimestamp, stateMachine.lastTimestamp)
        }
        if stateMachine.tenants != model.tenants { throw failure("tenants", model.tenants, stateMachine.tenants) }
        for tenant in WorkloadGenerator.tenants {
            try compareLists("allAccounts(tenant: \(tenant))", model.allAccounts(tenant: tenant), stateMachine.allAccounts(tenant: tenant))
            let (expected, actual) = (model.counts(tenant: tenant), stateMachine.counts(tenant: tenant))
            if expected != actual { throw failure("counts(tenant: \(tenant))", expected, actual) }
        }
        if stateMachine.nextExpiry() != model.nextExpiry() {
            throw failure("nextExpiry()", model.nextExpiry() as Any, stateMachine.nextExpiry() as Any)
        }
        // Other tenants' accounts were just proven unchanged; their invariants still hold.
        for tenant in touchedTenants { try checkInvariants(tenant) }
    }

    /// Per ledger Σ debits = Σ credits (posted and pending); every account's balances are the
    /// sums over the transfers that touch it; limit flags hold on posted + pending. Checked on
    /// the model's records, which the caller has just proven equal to the state machine's
    /// accounts (and `compareAllRecords` to its transfers).
    func checkInvariants(_ tenant: TenantID) throws(SimulationFailure) {
        let accounts = model.allAccounts(tenant: tenant)
        var totals: [UInt32: [WideSum]] = [:]  // ledger → debitsPosted, creditsPosted, debitsPending, creditsPending
        for account in accounts {
            var sums = totals[account.ledger] ?? [WideSum](repeating: WideSum(), count: 4)
            sums[0].add(account.debitsPosted)
            sums[1].add(account.creditsPosted)
            sums[2].add(account.debitsPending)
            sums[3].add(account.creditsPending)
            totals[account.ledger] = sums
        }
        for ledger in totals.keys.sorted() {
            let sums = totals[ledger]!
            if sums[0] != sums[1] { throw failure("\(tenant) ledger \(ledger): Σ debitsPosted = Σ creditsPosted", sums[0], sums[1]) }
            if sums[2] != sums[3] { throw failure("\(tenant) ledger \(ledger): Σ debitsPending = Σ creditsPending", sums[2], sums[3]) }
        }
        var fromTransfers: [UInt128: Balances] = [:]
        fromTransfers.reserveCapacity(accounts.count)
        let state = model.tenantStates[tenant] ?? ReferenceModel.TenantState()
        for transfer in state.transfers {
            let flags = transfer.flags
            var debit = fromTransfers[transfer.debitAccountID] ?? Balances()
            var credit = fromTransfers[transfer.creditAccountID] ?? Balances()
            if flags.contains(.pending) {
                if state.pendingStatus[transfer.id] == .pending {
                    debit.debitsPending &+= transfer.amount
                    credit.creditsPending &+= transfer.amount
                }
            } else if !flags.contains(.voidPendingTransfer) {
                // Single-phase, or a post (whose record holds the posted amount).
                debit.debitsPosted &+= transfer.amount
                credit.creditsPosted &+= transfer.amount
            }
            fromTransfers[transfer.debitAccountID] = debit
            fromTransfers[transfer.creditAccountID] = credit
        }
        for account in accounts {
            let sums = fromTransfers[account.id] ?? Balances()
            if sums != Balances(account) {
                throw failure("\(tenant) account \(account.id): balances = sums over its transfers", sums, Balances(account))
            }
            if account.flags.contains(.debitsMustNotExceedCredits)
                && (ReferenceModel.overflows(account.debitsPending, account.debitsPosted)
                    || account.debitsPending + account.debitsPosted > account.creditsPosted) {
                throw failure("\(tenant) account \(account.id): debitsMustNotExceedCredits holds", "holds", account)
            }
            if account.flags.contains(.creditsMustNotExceedDebits)
                && (ReferenceModel.overflows(account.creditsPending, account.creditsPosted)
                    || account.creditsPending + account.creditsPosted > account.debitsPosted) {
                throw failure("\(tenant) account \(account.id): creditsMustNotExceedDebits holds", "holds", account)
            }
        }
    }

    /// Every transfer record (no id twice), every pending status, and the whole history of
    /// some `history` accounts (all of them when `everyHistory`).
    func compareAllRecords(everyHistory: Bool) throws(SimulationFailure) {
        let everything = QueryFilter(limit: .max)
        for tenant in WorkloadGenerator.tenants {
            let transfers = stateMachine.queryTransfers(tenant: tenant, filter: everything)
            try compareLists("queryTransfers(tenant: \(tenant), everything)", model.queryTransfers(tenant: tenant, filter: everything), transfers)
            if Set(transfers.map(\.id)).count != transfers.count {
                throw failure("\(tenant): no id maps to two transfers", "unique ids", "duplicate ids")
            }
            for transfer in transfers where transfer.flags.contains(.pending) {
                let expected = model.pendingStatus(tenant: tenant, id: transfer.id)
                let actual = stateMachine.pendingStatus(tenant: tenant, id: transfer.id)
                if expected != actual {
                    throw failure("pendingStatus(tenant: \(tenant), id: \(transfer.id))", expected as Any, actual as Any)
                }
            }
            var historyAccounts = model.allAccounts(tenant: tenant).filter { $0.flags.contains(.history) }
            if !everyHistory && historyAccounts.count > 6 {
                historyAccounts = (0..<6).map { _ in historyAccounts[Int(queryRNG.next() % UInt64(historyAccounts.count))] }
            }
            for account in historyAccounts {
                let filter = AccountFilter(accountID: account.id, limit: .max)
                try compareLists(
                    "accountBalances(tenant: \(tenant), \(filter))",
                    model.accountBalances(tenant: tenant, filter: filter), stateMachine.accountBalances(tenant: tenant, filter: filter)
                )
            }
        }
    }

    /// Fails at the first index where the lists differ, showing both elements.
    func compareLists<T: Equatable>(_ what: String, _ expected: [T], _ actual: [T]) throws(SimulationFailure) {
        for index in 0..<Swift.min(expected.count, actual.count) where expected[index] != actual[index] {
            throw failure("\(what) [\(index)]", expected[index], actual[index])
        }
        if expected.count != actual.count {
            let shorter = Swift.min(expected.count, actual.count)
            throw failure(
                "\(what): \(expected.count) vs \(actual.count) results, first extra at [\(shorter)]",
                expected.count > shorter ? "\(expected[shorter])" : "nothing", actual.count > shorter ? "\(actual[shorter])" : "nothing"
            )
        }
    }
}

/// An exact sum of `UInt128` values (a carry count above the low 128 bits).
struct WideSum: Equatable, CustomStringConvertible {
    var carries: UInt64 = 0
    var low: UInt128 = 0
    mutating func add(_ value: UInt128) {
        let (sum, overflow) = low.addingReportingOverflow(value)
        low = sum
        if overflow { carries += 1 }
    }
    var description: String { carries == 0 ? "\(low)" : "\(carries)·2^128 + \(low)" }
}

/// An account's four balances.
struct Balances: Equatable {
    var debitsPending: UInt128 = 0
    var debitsPosted: UInt128 = 0
    var creditsPending: UInt128 = 0
    var creditsPosted: UInt128 = 0
    init() {}
    init(_ account: Account) {
        debitsPending = account.debitsPending
        debitsPosted = account.debitsPosted
        creditsPending = account.creditsPending
        creditsPosted = account.creditsPosted
    }
}
