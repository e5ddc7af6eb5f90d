import SettleCore
import SettleMoney

/// Payment intents on one tenant's ledger.
///
/// Every step is one linked chain of transfers with ids derived from (intent, step, key, leg),
/// so a retried or duplicated step finds its transfers already written and returns the
/// original outcome, while a concurrent step that changed the intent first makes the chain
/// fail as a whole and the step is planned again. What the ledger refuses (a capture above
/// the hold, a refund above what is left) is refused by the ledger, not only here.
public struct Payments: Sendable {
    public let ledger: any PaymentsLedger
    /// Wall-clock nanoseconds, for the remaining lifetime of a re-held authorization.
    public let clock: @Sendable () -> UInt64
    /// How many times a step is planned again after other steps changed its intent first.
    public var attemptsMax = 8

    public init(ledger: any PaymentsLedger, clock: @escaping @Sendable () -> UInt64) {
        self.ledger = ledger
        self.clock = clock
    }

    /// Creates the chart of accounts for `currencies`; accounts that exist are left as they are.
    public func createChart(_ currencies: [Currency]) async throws(PaymentError) {
        let accounts = currencies.flatMap(ChartOfAccounts.accounts(for:))
        let results = try await call { try await ledger.createAccounts(accounts) }
        if let bad = results.enumerated().first(where: { $0.element != .ok && $0.element != .exists }) {
            throw PaymentError(.ledger, "chart account \(accounts[bad.offset].id): \(bad.element)")
        }
    }

    /// Runs one step.
    public func run(_ step: PaymentStep) async throws(PaymentError) -> StepOutcome {
        try await run([step])[0].get()
    }

    /// Runs steps together: one read and one write for all steps on distinct intents, so the
    /// cost per step falls with the batch size. Steps on the same intent run in the order
    /// given, each seeing the ones before it, as separate requests would.
    public func run(_ steps: [PaymentStep]) async throws(PaymentError) -> [Result<StepOutcome, PaymentError>] {
        var outcomes = [Result<StepOutcome, PaymentError>?](repeating: nil, count: steps.count)
        var earlier: [UInt128: Int] = [:]
        var waves: [[Int]] = []
        for (index, step) in steps.enumerated() {
            let wave = earlier[step.intent, default: 0]
            earlier[step.intent] = wave + 1
            if wave == waves.count { waves.append([]) }
            waves[wave].append(index)
        }
        for wave in waves { try await run(wave, of: steps, into: &outcomes) }
        return outcomes.map { $0! }
    }

    /// Steps on distinct intents.
    private func run(_ indices: [Int], of steps: [PaymentStep], into outcomes: inout [Result<StepOutcome, PaymentError>?]) async throws(PaymentError) {
        try await createIntentAccounts(indices, steps, &outcomes)
        var open = indices.filter { outcomes[$0] == nil }
        var attempt = 0
        while !open.isEmpty {
            attempt += 1
            let facts = try await readFacts(open.map { steps[$0] })
            let planner = StepPlanner(now: clock())
            var chains: [(index: Int, plan: StepPlanner.Plan)] = []
            for (position, index) in open.enumerated() {
                if let earlier = facts[position].earlier {
                    outcomes[index] = Self.recognize(steps[index], earlier, fee: facts[position].earlierFee)
                    continue
                }
                switch planner.plan(steps[index], facts[position]) {
                case .success(let plan): chains.append((index, plan))
                case .failure(let error): outcomes[index] = .failure(error)
                }
            }
            open = try await write(chains, steps, &outcomes, lastAttempt: attempt >= attemptsMax)
        }
    }

    /// Reads one intent.
    public func intent(_ id: UInt128) async throws(PaymentError) -> PaymentIntent {
        let accountID = IntentLayout.accountID(intent: id)
        guard let account = try await call({ try await ledger.lookupAccounts([accountID]) }).first else {
            throw PaymentError(.intentNotFound, "no payment intent \(id)")
        }
        return try await derive(account)
    }

    /// Intents in creation order after `after` (an intent account timestamp; 0 from the start),
    /// optionally only those with `status`, at most `limit`; `next` is the cursor of the next
    /// page, nil when there is none (it looks one intent ahead to know).
    public func intents(status: PaymentIntent.Status?, after: UInt64, limit: Int) async throws(PaymentError) -> (intents: [PaymentIntent], next: UInt64?) {
        var found: [(intent: PaymentIntent, timestamp: UInt64)] = []
        var cursor = after
        scan: while true {
            let filter = QueryFilter(code: IntentLayout.intentAccountCode, timestampMin: cursor + 1, limit: 512)
            let accounts = try await call { try await ledger.queryAccounts(filter) }
            for account in accounts {
                cursor = account.timestamp
                let intent = try await derive(account)
                guard status == nil || intent.status == status else { continue }
                found.append((intent, account.timestamp))
                if found.count > limit { break scan }
            }
            if accounts.count < 512 { break }
        }
        guard found.count > limit else { return (found.map(\.intent), nil) }
        return (found.prefix(limit).map(\.intent), found[limit - 1].timestamp)
    }

    private func derive(_ account: Account) async throws(PaymentError) -> PaymentIntent {
        let transfers = try await call { try await ledger.queryTransfers(QueryFilter(userData128: account.userData128, ledger: account.ledger)) }
        guard let intent = PaymentIntent(account: account, transfers: transfers) else {
            throw PaymentError(.intentNotFound, "intent \(account.userData128) has no authorization (an authorize that did not finish: retry it)")
        }
        return intent
    }
}

/// Runs a ledger call, keeping its error as the cause.
func call<T>(_ body: () async throws -> T) async throws(PaymentError) -> T {
    do {
        return try await body()
    } catch let error as PaymentError {
        throw error
    } catch {
        throw PaymentError(.ledger, "the ledger refused the request: \(error)", underlying: error)
    }
}
