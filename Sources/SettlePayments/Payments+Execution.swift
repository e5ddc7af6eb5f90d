import SettleCore
import SettleMoney

extension Payments {
    /// Authorize creates the intent's account first; an account that exists with other fields
    /// means the id belongs to another intent.
    func createIntentAccounts(_ indices: [Int], _ steps: [PaymentStep], _ outcomes: inout [Result<StepOutcome, PaymentError>?]) async throws(PaymentError) {
        var accounts: [Account] = []
        var owners: [Int] = []
        for index in indices {
            let step = steps[index]
            guard case .authorize(let intent, let currency, let amount, _, let reference) = step else { continue }
            guard intent != 0, intent != .max else {
                outcomes[index] = .failure(PaymentError(.invalidRequest, "intent id: must not be 0 or 2^128-1"))
                continue
            }
            guard amount > 0 else {
                outcomes[index] = .failure(PaymentError(.invalidRequest, "amount: must be greater than 0"))
                continue
            }
            let referenceKey = reference.map(ExternalReference.key) ?? 0
            accounts.append(Account(id: IntentLayout.accountID(intent: intent), userData128: intent, userData64: referenceKey,
                                    ledger: currency.ledger, code: IntentLayout.intentAccountCode, flags: [.debitsMustNotExceedCredits]))
            accounts.append(Account(id: IntentLayout.authorizationAccountID(intent: intent), userData128: intent, userData64: referenceKey,
                                    ledger: currency.ledger, code: IntentLayout.authorizationAccountCode, flags: [.creditsMustNotExceedDebits]))
            owners += [index, index]
        }
        guard !accounts.isEmpty else { return }
        // A transfer to a missing account burns its id for good, so the chart is checked first.
        let charts = Set(accounts.map { ChartOfAccounts.accountID(.authorizations, Currency(ledger: $0.ledger)!) })
        let present = Set(try await lookupAccounts(Array(charts)).map(\.ledger))
        var creatable: [Account] = []
        var creators: [Int] = []
        for (account, index) in zip(accounts, owners) {
            guard present.contains(account.ledger) else {
                outcomes[index] = .failure(PaymentError(.chartMissing, "the chart of accounts for \(Currency(ledger: account.ledger)!) was not created (POST /v1/payments/chart)"))
                continue
            }
            creatable.append(account)
            creators.append(index)
        }
        (accounts, owners) = (creatable, creators)
        guard !accounts.isEmpty else { return }
        var results: [CreateAccountResult] = []
        for chunk in Self.chunks(accounts) { results += try await call { try await ledger.createAccounts(Array(chunk)) } }
        for (result, index) in zip(results, owners) where result != .ok && result != .exists {
            outcomes[index] = .failure(PaymentError(.intentExists, "intent \(steps[index].intent) exists with another currency or reference (\(result))"))
        }
    }

    /// Everything the planner needs for `steps`, in at most three batched reads.
    func readFacts(_ steps: [PaymentStep]) async throws(PaymentError) -> [StepPlanner.Facts] {
        let accountIDs = steps.map { IntentLayout.accountID(intent: $0.intent) }
        let accounts = Dictionary(try await lookupAccounts(Array(Set(accountIDs))).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let firstLegs = steps.map(StepPlanner.firstLegID)
        let openings = steps.compactMap { step -> UInt128? in
            guard case .resolveDispute(let intent, let key, _) = step else { return nil }
            return StepPlanner.disputeOpeningID(intent, key)
        }
        let fees = steps.compactMap(StepPlanner.feeLegID)
        let known = Dictionary(try await lookupTransfers(Array(Set(firstLegs + openings + fees))).map { ($0.id, $0) },
                               uniquingKeysWith: { a, _ in a })
        var facts: [StepPlanner.Facts] = []
        var holdQueries: [(position: Int, filter: AccountFilter)] = []
        for (position, (step, accountID)) in zip(steps, accountIDs).enumerated() {
            var fact = StepPlanner.Facts(account: accounts[accountID], earlier: known[firstLegs[position]],
                                         earlierFee: StepPlanner.feeLegID(step).flatMap { known[$0] })
            switch step {
            case .capture, .cancel:
                if fact.account != nil, fact.earlier == nil { holdQueries.append((position, Self.latestHoldFilter(accountID))) }
            case .resolveDispute(let intent, let key, _):
                fact.disputeOpening = known[StepPlanner.disputeOpeningID(intent, key)]
            default: break
            }
            facts.append(fact)
        }
        if !holdQueries.isEmpty {
            var holds: [[Transfer]] = []
            for chunk in Self.chunks(holdQueries.map(\.filter)) { holds += try await call { try await ledger.accountTransfers(Array(chunk)) } }
            for (query, answer) in zip(holdQueries, holds) { facts[query.position].latestHold = answer.first }
        }
        return facts
    }

    /// The newest authorization-family transfer on the intent account.
    static func latestHoldFilter(_ account: UInt128) -> AccountFilter {
        AccountFilter(accountID: account, code: IntentLayout.TransferCode.authorization.rawValue, limit: 1, flags: [.credits, .reversed])
    }

    /// Writes the planned chains in as few batches as fit, then sorts each out: done, done
    /// before (a retry), refused, or planned again because another step changed the intent
    /// first. Returns the steps to plan again.
    func write(_ chains: [(index: Int, plan: StepPlanner.Plan)], _ steps: [PaymentStep],
               _ outcomes: inout [Result<StepOutcome, PaymentError>?], lastAttempt: Bool) async throws(PaymentError) -> [Int] {
        var failed: [(index: Int, plan: StepPlanner.Plan, result: CreateTransferResult)] = []
        for batch in Self.batches(chains) {
            let transfers = batch.flatMap(\.plan.transfers)
            let write = try await call { try await ledger.createTransfers(transfers) }
            var offset = 0
            for chain in batch {
                let results = write.results[offset..<offset + chain.plan.transfers.count]
                offset += chain.plan.transfers.count
                if results.allSatisfy({ $0 == .ok }) {
                    outcomes[chain.index] = .success(StepOutcome(intent: steps[chain.index].intent, applied: true, amount: chain.plan.amount,
                                                                 transferIDs: chain.plan.transfers.map(\.id), commitOp: write.op))
                } else {
                    let cause = results.first { $0 != .ok && $0 != .linkedEventFailed } ?? .linkedEventFailed
                    failed.append((chain.index, chain.plan, cause))
                }
            }
        }
        return try await settleFailures(failed, steps, &outcomes, lastAttempt: lastAttempt)
    }

    private func settleFailures(_ failed: [(index: Int, plan: StepPlanner.Plan, result: CreateTransferResult)], _ steps: [PaymentStep],
                                _ outcomes: inout [Result<StepOutcome, PaymentError>?], lastAttempt: Bool) async throws(PaymentError) -> [Int] {
        guard !failed.isEmpty else { return [] }
        let firstLegs = failed.map { $0.plan.transfers[0].id } + failed.compactMap { StepPlanner.feeLegID(steps[$0.index]) }
        let existing = Dictionary(try await lookupTransfers(firstLegs).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var retry: [Int] = []
        for (index, plan, result) in failed {
            let step = steps[index]
            if let earlier = existing[plan.transfers[0].id] {
                outcomes[index] = Self.recognize(step, earlier, fee: StepPlanner.feeLegID(step).flatMap { existing[$0] })
            } else if let error = Self.refusal(step, result) {
                outcomes[index] = .failure(error)
            } else if lastAttempt {
                outcomes[index] = .failure(PaymentError(.contention, "intent \(step.intent) kept changing; \(step.name) was not applied"))
            } else {
                retry.append(index)
            }
        }
        return retry
    }

    /// A step whose first transfer exists was applied before: by this same request (a retry
    /// or a duplicate), or by another request that used the same key for something else.
    static func recognize(_ step: PaymentStep, _ earlier: Transfer, fee earlierFee: Transfer? = nil) -> Result<StepOutcome, PaymentError> {
        let sameRequest: Bool
        switch step {
        case .resolveDispute(_, _, let won):
            guard earlier.code == (won ? IntentLayout.TransferCode.disputeWon : .disputeLost).rawValue else {
                return .failure(PaymentError(.disputeAlreadyResolved, "the dispute was already resolved as \(won ? "lost" : "won")"))
            }
            sameRequest = true
        case .capture(_, _, let amount, let fee, let final):
            sameRequest = (amount == nil || earlier.amount == amount) && (earlier.userData32 == IntentLayout.StepTag.finalCapture.rawValue) == final
                && (earlierFee?.amount ?? 0) == fee
        case .cancel:
            sameRequest = true
        case .refund(_, _, let amount), .openDispute(_, _, let amount):
            sameRequest = amount == nil || earlier.amount == amount
        case .authorize(_, _, let amount, let expires, _):
            sameRequest = earlier.amount == amount && earlier.timeoutSeconds == expires
            if !sameRequest { return .failure(PaymentError(.intentExists, "intent \(step.intent) was authorized with another amount or expiry")) }
        }
        guard sameRequest else {
            return .failure(PaymentError(.stepKeyReused, "this \(step.name) key was used before for a different request (amount \(earlier.amount))"))
        }
        return .success(StepOutcome(intent: step.intent, applied: false, amount: earlier.amount, transferIDs: [earlier.id], commitOp: 0))
    }

    /// The ledger's reason, in the step's words; nil when the intent changed under the step
    /// (another capture or cancel resolved the hold first) and planning again may succeed.
    static func refusal(_ step: PaymentStep, _ result: CreateTransferResult) -> PaymentError? {
        switch result {
        case .pendingTransferAlreadyPosted, .pendingTransferAlreadyVoided, .pendingTransferNotPending, .linkedEventFailed:
            return nil
        case .idAlreadyFailed:
            return PaymentError(.stepRefusedBefore, "this \(step.name) was refused before under the same key; the refusal is final, so use a new key")
        case .exceedsPendingTransferAmount, .exceedsDebits:
            return PaymentError(.captureExceedsAuthorization, "the capture exceeds what is still authorized")
        case .pendingTransferExpired:
            return PaymentError(.authorizationExpired, "the authorization of intent \(step.intent) expired")
        case .exceedsCredits:
            if case .openDispute = step { return PaymentError(.disputeExceedsCaptured, "the dispute exceeds what was captured and not refunded") }
            return PaymentError(.refundExceedsCaptured, "the refund exceeds what was captured and not yet refunded or disputed")
        case .debitAccountNotFound, .creditAccountNotFound:
            return PaymentError(.chartMissing, "the chart of accounts for this currency was not created (POST /v1/payments/chart)")
        case .existsWithDifferentAmount, .existsWithDifferentPendingID, .existsWithDifferentFlags, .existsWithDifferentTimeout,
             .existsWithDifferentDebitAccountID, .existsWithDifferentCreditAccountID, .existsWithDifferentCode,
             .existsWithDifferentUserData32, .existsWithDifferentUserData64, .existsWithDifferentUserData128, .exists:
            return nil  // a later leg exists: the first-leg lookup decides
        default:
            return PaymentError(.invalidRequest, "the ledger refused the \(step.name): \(result)")
        }
    }

    /// A ledger call takes at most a batch of ids; a batch of steps may need more.
    static func chunks<T>(_ items: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: StateMachine.batchEventsMax).map { items[$0..<min($0 + StateMachine.batchEventsMax, items.count)] }
    }

    func lookupAccounts(_ ids: [UInt128]) async throws(PaymentError) -> [Account] {
        var found: [Account] = []
        for chunk in Self.chunks(ids) { found += try await call { try await ledger.lookupAccounts(Array(chunk)) } }
        return found
    }

    func lookupTransfers(_ ids: [UInt128]) async throws(PaymentError) -> [Transfer] {
        var found: [Transfer] = []
        for chunk in Self.chunks(ids) { found += try await call { try await ledger.lookupTransfers(Array(chunk)) } }
        return found
    }

    /// Chains packed into ledger batches without splitting one.
    static func batches(_ chains: [(index: Int, plan: StepPlanner.Plan)]) -> [[(index: Int, plan: StepPlanner.Plan)]] {
        var batches: [[(index: Int, plan: StepPlanner.Plan)]] = [[]]
        var size = 0
        for chain in chains {
            if size + chain.plan.transfers.count > StateMachine.batchEventsMax {
                batches.append([])
                size = 0
            }
            batches[batches.count - 1].append(chain)
            size += chain.plan.transfers.count
        }
        return batches.filter { !$0.isEmpty }
    }
}
