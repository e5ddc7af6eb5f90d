import SettleCore
import SettleMoney

/// Turns a step and what the ledger holds for its intent into one linked chain of transfers.
/// Pure: no I/O and no clock; `Payments` does the reads and the write.
struct StepPlanner {
    /// What the planner reads from the ledger for one step.
    struct Facts {
        var account: Account?
        /// The newest authorization-family transfer on the intent account: the live hold if it
        /// is pending and the account still has pending credits.
        var latestHold: Transfer?
        /// For `resolveDispute`: the transfer that opened the dispute.
        var disputeOpening: Transfer?
        /// The step's own first transfer, if an earlier request wrote it: the step is done.
        var earlier: Transfer?
        /// For a capture done before: its fee transfer (nil: it took no fee).
        var earlierFee: Transfer?
    }

    /// The id a step's first transfer has whatever the intent's state: how a retry is
    /// recognized before anything is planned.
    static func firstLegID(_ step: PaymentStep) -> UInt128 {
        switch step {
        case .authorize(let intent, _, _, _, _): return IntentLayout.authorizationID(intent: intent)
        case .capture(let intent, let key, _, _, _): return DerivedID.make(.capture, subject: intent, discriminator: key, leg: 0)
        case .cancel(let intent, let key): return DerivedID.make(.cancel, subject: intent, discriminator: key, leg: 0)
        case .refund(let intent, let key, _): return DerivedID.make(.refund, subject: intent, discriminator: key, leg: 0)
        case .openDispute(let intent, let key, _): return disputeOpeningID(intent, key)
        case .resolveDispute(let intent, let key, _): return DisputeIDs.resolution(openedBy: disputeOpeningID(intent, key))
        }
    }

    /// A capture's fee transfer, which a retry must name with the same fee.
    static func feeLegID(_ step: PaymentStep) -> UInt128? {
        guard case .capture(let intent, let key, _, _, _) = step else { return nil }
        return DerivedID.make(.capture, subject: intent, discriminator: key, leg: 3)
    }

    static func disputeOpeningID(_ intent: UInt128, _ key: StepKey) -> UInt128 {
        DerivedID.make(.disputeOpen, subject: intent, discriminator: key, leg: 0)
    }

    /// A chain ready to write, and how to recognize it if it was written before.
    struct Plan {
        var transfers: [Transfer]
        /// The amount the step moves; a retry with another amount is a reused key.
        var amount: UInt128
    }

    typealias Role = ChartOfAccounts.Role
    typealias Code = IntentLayout.TransferCode
    typealias Tag = IntentLayout.StepTag

    let now: UInt64

    func plan(_ step: PaymentStep, _ facts: Facts) -> Result<Plan, PaymentError> {
        precondition(facts.earlier == nil, "a step done before is answered, not planned")
        if case .authorize(let intent, let currency, let amount, let expires, _) = step {
            return authorize(intent, currency, amount, expires, facts.account)
        }
        guard let account = facts.account, let currency = Currency(ledger: account.ledger) else {
            return .failure(PaymentError(.intentNotFound, "no payment intent \(step.intent)"))
        }
        let context = Context(intent: step.intent, account: account, currency: currency)
        switch step {
        case .authorize: preconditionFailure("handled above")
        case .capture(_, let key, let amount, let fee, let final):
            return capture(context, key, amount, fee, final, facts.latestHold)
        case .cancel(_, let key):
            return cancel(context, key, facts.latestHold)
        case .refund(_, let key, let amount):
            return move(context, .refund, key, amount, tag: .refund, legs: [(nil, .customerFunds), (.merchantPayable, .processorClearing)])
        case .openDispute(_, let key, let amount):
            return move(context, .disputeOpen, key, amount, tag: .disputeOpen, legs: [(nil, .customerFunds), (.merchantPayable, .disputeReserve)])
        case .resolveDispute(_, _, let won):
            return resolve(context, won: won, opening: facts.disputeOpening)
        }
    }

    struct Context {
        var intent: UInt128
        var account: Account
        var currency: Currency
        func chart(_ role: Role) -> UInt128 { ChartOfAccounts.accountID(role, currency) }
        func transfer(_ id: UInt128, _ debit: UInt128, _ credit: UInt128, _ amount: UInt128, _ code: Code, _ tag: Tag) -> Transfer {
            Transfer(id: id, debitAccountID: debit, creditAccountID: credit, amount: amount, userData128: intent,
                     userData64: account.userData64, userData32: tag.rawValue, ledger: account.ledger, code: code.rawValue, flags: [.linked])
        }
    }

    private func authorize(_ intent: UInt128, _ currency: Currency, _ amount: UInt128, _ expires: UInt32, _ account: Account?) -> Result<Plan, PaymentError> {
        guard amount > 0 else { return .failure(PaymentError(.invalidRequest, "amount: must be greater than 0")) }
        guard let account else { return .failure(PaymentError(.intentNotFound, "the intent account was not created")) }
        let hold = Transfer(id: IntentLayout.authorizationID(intent: intent), debitAccountID: ChartOfAccounts.accountID(.customerFunds, currency),
                            creditAccountID: account.id, amount: amount, userData128: intent, userData64: account.userData64,
                            userData32: Tag.authorize.rawValue, timeoutSeconds: expires, ledger: currency.ledger,
                            code: Code.authorization.rawValue, flags: [.pending, .linked])
        let limit = Transfer(id: DerivedID.make(.authorization, subject: intent, discriminator: .sequence(0), leg: 1),
                             debitAccountID: IntentLayout.authorizationAccountID(intent: intent),
                             creditAccountID: ChartOfAccounts.accountID(.authorizations, currency), amount: amount, userData128: intent,
                             userData64: account.userData64, userData32: Tag.authorize.rawValue, ledger: currency.ledger,
                             code: Code.authorizationLimit.rawValue)
        return .success(Plan(transfers: [hold, limit], amount: amount))
    }

    private func capture(_ c: Context, _ key: StepKey, _ requested: UInt128?, _ fee: UInt128, _ final: Bool, _ hold: Transfer?) -> Result<Plan, PaymentError> {
        guard let hold, hold.flags.contains(.pending), c.account.creditsPending > 0 else { return .failure(noHold(c, hold)) }
        let amount = requested ?? hold.amount
        guard amount > 0 else { return .failure(PaymentError(.invalidRequest, "amount: must be greater than 0")) }
        guard fee <= amount else { return .failure(PaymentError(.invalidRequest, "fee: \(fee) exceeds the captured amount \(amount)")) }
        func id(_ leg: UInt8) -> UInt128 { DerivedID.make(.capture, subject: c.intent, discriminator: key, leg: leg) }
        let tag: Tag = final ? .finalCapture : .capture
        var post = c.transfer(id(0), hold.debitAccountID, hold.creditAccountID, amount, .authorization, tag)
        post.pendingID = hold.id
        post.flags.insert(.postPendingTransfer)
        var chain = [post]
        // The ledger refuses a post above the hold (exceeds_pending_transfer_amount); the
        // remainder held again is that hold less the post.
        if !final, amount < hold.amount {
            var rest = c.transfer(id(1), hold.debitAccountID, hold.creditAccountID, hold.amount - amount, .authorization, tag)
            rest.flags.insert(.pending)
            rest.timeoutSeconds = remainingSeconds(hold)
            chain.append(rest)
        }
        // Used authorization: the intent's authorization account refuses more than it was
        // debited at authorize (credits_must_not_exceed_debits), whatever the holds say.
        chain.append(c.transfer(id(4), c.chart(.authorizations), IntentLayout.authorizationAccountID(intent: c.intent), amount,
                                .authorizationLimit, tag))
        chain.append(c.transfer(id(2), c.chart(.processorClearing), c.chart(.merchantPayable), amount, .capture, tag))
        if fee > 0 {
            chain.append(c.transfer(id(3), c.chart(.merchantPayable), c.chart(.platformRevenue), fee, .platformFee, tag))
        }
        chain[chain.count - 1].flags.remove(.linked)
        return .success(Plan(transfers: chain, amount: amount))
    }

    /// The re-held remainder keeps the original expiry, rounded up to whole seconds.
    private func remainingSeconds(_ hold: Transfer) -> UInt32 {
        guard hold.timeoutSeconds > 0 else { return 0 }
        let deadline = hold.timestamp + UInt64(hold.timeoutSeconds) * 1_000_000_000
        guard deadline > now else { return 1 }  // the ledger will refuse the expired post
        return UInt32(min((deadline - now + 999_999_999) / 1_000_000_000, UInt64(UInt32.max)))
    }

    private func cancel(_ c: Context, _ key: StepKey, _ hold: Transfer?) -> Result<Plan, PaymentError> {
        guard let hold, hold.flags.contains(.pending), c.account.creditsPending > 0 else { return .failure(noHold(c, hold)) }
        var void = c.transfer(DerivedID.make(.cancel, subject: c.intent, discriminator: key, leg: 0),
                              hold.debitAccountID, hold.creditAccountID, hold.amount, .authorization, .cancel)
        void.pendingID = hold.id
        void.flags = [.voidPendingTransfer]
        return .success(Plan(transfers: [void], amount: hold.amount))
    }

    private func noHold(_ c: Context, _ hold: Transfer?) -> PaymentError {
        guard let hold else { return PaymentError(.intentNotFound, "intent \(c.intent) has no authorization") }
        if hold.flags.contains(.voidPendingTransfer) {
            return PaymentError(.intentCanceled, "intent \(c.intent) was canceled")
        }
        if hold.flags.contains(.pending) {
            return PaymentError(.authorizationExpired, "the authorization of intent \(c.intent) expired")
        }
        return PaymentError(.nothingToCapture, "intent \(c.intent) has nothing left to capture")
    }

    /// Refund and dispute: the first leg debits the intent account (the ledger refuses it beyond
    /// what is left), the second moves the money between chart accounts.
    private func move(_ c: Context, _ kind: DerivedID.Kind, _ key: StepKey, _ requested: UInt128?, tag: Tag,
                      legs: [(Role?, Role)]) -> Result<Plan, PaymentError> {
        let amount = requested ?? (c.account.creditsPosted - c.account.debitsPosted - c.account.debitsPending)
        guard amount > 0 else {
            return .failure(requested == nil ? PaymentError(kind == .refund ? .refundExceedsCaptured : .disputeExceedsCaptured,
                                                            "intent \(c.intent) has nothing left to \(kind == .refund ? "refund" : "dispute")")
                                             : PaymentError(.invalidRequest, "amount: must be greater than 0"))
        }
        let code: Code = kind == .refund ? .refund : .disputeOpened
        var chain = legs.enumerated().map { leg, accounts in
            c.transfer(DerivedID.make(kind, subject: c.intent, discriminator: key, leg: UInt8(leg)),
                       accounts.0.map(c.chart) ?? c.account.id, c.chart(accounts.1), amount, code, tag)
        }
        chain[chain.count - 1].flags.remove(.linked)
        return .success(Plan(transfers: chain, amount: amount))
    }

    private func resolve(_ c: Context, won: Bool, opening: Transfer?) -> Result<Plan, PaymentError> {
        guard let opening else { return .failure(PaymentError(.disputeNotFound, "intent \(c.intent) has no dispute under this key")) }
        let amount = opening.amount
        let resolutionID = DisputeIDs.resolution(openedBy: opening.id)
        var chain: [Transfer]
        if won {
            chain = [c.transfer(resolutionID, c.chart(.customerFunds), c.account.id, amount, .disputeWon, .disputeWon),
                     c.transfer(DerivedID.make(.disputeWon, subject: opening.id, discriminator: .sequence(0), leg: 1),
                                c.chart(.disputeReserve), c.chart(.merchantPayable), amount, .disputeWon, .disputeWon)]
        } else {
            chain = [c.transfer(resolutionID, c.chart(.disputeReserve), c.chart(.processorClearing), amount, .disputeLost, .disputeLost)]
        }
        chain[chain.count - 1].flags.remove(.linked)
        return .success(Plan(transfers: chain, amount: amount))
    }
}
