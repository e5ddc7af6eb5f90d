import SettleSeededRandom
import SettleCore
import SettleStorage

/// Random reads compared between the model and the state machine: lookups (known, unknown and
/// other tenants' ids, repeated ids), account transfers and balances, queries, pending status.
extension Simulator {
    func compareRandomQueries() throws(SimulationFailure) {
        let tenant = WorkloadGenerator.tenants[below(WorkloadGenerator.tenants.count)]
        let accounts = model.allAccounts(tenant: tenant)
        let transferIDs = generator.plans[tenant]!.transferIDs

        let accountIDs = (0..<(1 + below(6))).map { _ in randomID(known: accounts.map(\.id)) }
        try compareQuery("lookupAccounts(tenant: \(tenant), ids: \(accountIDs))",
                         model.lookupAccounts(tenant: tenant, ids: accountIDs), stateMachine.lookupAccounts(tenant: tenant, ids: accountIDs))

        let ids = (0..<(1 + below(6))).map { _ in randomID(known: transferIDs) }
        try compareQuery("lookupTransfers(tenant: \(tenant), ids: \(ids))",
                         model.lookupTransfers(tenant: tenant, ids: ids), stateMachine.lookupTransfers(tenant: tenant, ids: ids))

        for id in ids + generator.plans[tenant]!.recentPending.suffix(8).map(\.id) {
            let expected = model.pendingStatus(tenant: tenant, id: id)
            let actual = stateMachine.pendingStatus(tenant: tenant, id: id)
            summary.queriesCompared += 1
            if expected != actual { throw failure("pendingStatus(tenant: \(tenant), id: \(id))", expected as Any, actual as Any) }
        }

        let historyAccounts = accounts.filter { $0.flags.contains(.history) }
        let accountID = chance(30) ? randomID(known: []) : (chance(50) ? pick(historyAccounts) : pick(accounts))?.id ?? 1
        let accountFilter = randomAccountFilter(accountID: accountID, tenant: tenant, transferIDs: transferIDs)
        try compareQuery("accountTransfers(tenant: \(tenant), \(accountFilter))",
                         model.accountTransfers(tenant: tenant, filter: accountFilter),
                         stateMachine.accountTransfers(tenant: tenant, filter: accountFilter))
        try compareQuery("accountBalances(tenant: \(tenant), \(accountFilter))",
                         model.accountBalances(tenant: tenant, filter: accountFilter),
                         stateMachine.accountBalances(tenant: tenant, filter: accountFilter))

        let accountQuery = randomQueryFilter(timestamps: accounts.map(\.timestamp))
        try compareQuery("queryAccounts(tenant: \(tenant), \(accountQuery))",
                         model.queryAccounts(tenant: tenant, filter: accountQuery),
                         stateMachine.queryAccounts(tenant: tenant, filter: accountQuery))
        let transferQuery = randomQueryFilter(timestamps: randomTransferTimestamps(tenant: tenant, ids: transferIDs))
        try compareQuery("queryTransfers(tenant: \(tenant), \(transferQuery))",
                         model.queryTransfers(tenant: tenant, filter: transferQuery),
                         stateMachine.queryTransfers(tenant: tenant, filter: transferQuery))
    }

    private func compareQuery<T: Equatable>(_ what: String, _ expected: [T], _ actual: [T]) throws(SimulationFailure) {
        summary.queriesCompared += 1
        try compareLists(what, expected, actual)
    }

    private func randomAccountFilter(accountID: UInt128, tenant: TenantID, transferIDs: [UInt128]) -> AccountFilter {
        let (minimum, maximum) = randomRange(randomTransferTimestamps(tenant: tenant, ids: transferIDs))
        var flags: AccountFilterFlags = []
        if chance(800) { flags.insert(.debits) }
        if chance(800) { flags.insert(.credits) }
        if chance(400) { flags.insert(.reversed) }
        return AccountFilter(
            accountID: accountID, userData128: filterValue(), userData64: filterValue(), userData32: filterValue(),
            code: filterValue(), timestampMin: minimum, timestampMax: maximum, limit: randomLimit(), flags: flags
        )
    }

    private func randomQueryFilter(timestamps: [UInt64]) -> QueryFilter {
        let (minimum, maximum) = randomRange(timestamps)
        let ledgers: [UInt32] = [0, 0, 1, 2, WorkloadGenerator.whaleLedger, 7]
        return QueryFilter(
            userData128: filterValue(), userData64: filterValue(), userData32: filterValue(),
            ledger: ledgers[below(ledgers.count)], code: filterValue(),
            timestampMin: minimum, timestampMax: maximum, limit: randomLimit(), reversed: chance(400)
        )
    }

    /// Usually 0 (any); sometimes a value the workload uses (0...3) or one it never uses.
    private func filterValue<T: FixedWidthInteger>() -> T {
        chance(700) ? 0 : T(below(5))
    }

    private func randomLimit() -> UInt32 {
        switch below(100) {
        case ..<5: 0
        case ..<50: 1 + UInt32(below(10))
        case ..<80: UInt32(StateMachine.batchEventsMax)
        default: .max
        }
    }

    /// Inclusive bounds, often exactly on a record's timestamp; 0 = unbounded; sometimes min > max.
    private func randomRange(_ timestamps: [UInt64]) -> (UInt64, UInt64) {
        func bound() -> UInt64 {
            guard chance(600), let timestamp = pick(timestamps) else { return 0 }
            return switch below(3) {
            case 0: timestamp
            case 1: timestamp - 1
            default: timestamp + 1
            }
        }
        return (bound(), bound())
    }

    private func randomTransferTimestamps(tenant: TenantID, ids: [UInt128]) -> [UInt64] {
        (0..<4).compactMap { _ in pick(ids).flatMap { model.transfer(tenant: tenant, id: $0)?.timestamp } }
    }

    /// A known id (often), an id of another tenant or an unknown one.
    private func randomID(known: [UInt128]) -> UInt128 {
        if chance(700), let id = pick(known) { return id }
        if chance(50) { return chance(500) ? 0 : .max }
        return chance(500) ? UInt128(1 + below(1_000)) : UInt128(queryRNG.next()) << 64 | UInt128(queryRNG.next())
    }

    private func below(_ bound: Int) -> Int { Int(queryRNG.next() % UInt64(bound)) }
    private func chance(_ permille: Int) -> Bool { below(1000) < permille }
    private func pick<T>(_ array: [T]) -> T? { array.isEmpty ? nil : array[below(array.count)] }
}
