import SettleCore

extension ReferenceModel {
    /// Steps 13-20 for a single-phase or pending transfer.
    func createSinglePhaseOrPending(_ event: Transfer, timestamp: UInt64, state: inout TenantState) -> CreateTransferResult {
        let flags = event.flags
        let isPending = flags.contains(.pending)
        guard let debit = state.accounts[event.debitAccountID] else { return .debitAccountNotFound }
        guard let credit = state.accounts[event.creditAccountID] else { return .creditAccountNotFound }
        if debit.ledger != credit.ledger { return .accountsMustHaveTheSameLedger }
        if event.ledger != debit.ledger { return .transferMustHaveTheSameLedgerAsAccounts }
        if flags.contains(.imported) {
            if let code = Self.checkImported(event, debit: debit, credit: credit, state: state) { return code }
        }
        if debit.flags.contains(.closed) { return .debitAccountAlreadyClosed }
        if credit.flags.contains(.closed) { return .creditAccountAlreadyClosed }
        // 17. Balancing clamps the amount.
        var amount = event.amount
        if injectedFault != .ignoreBalancingClamp {
            if flags.contains(.balancingDebit) {
                amount = Swift.min(amount, Self.remainder(debit.creditsPosted, minus: debit.debitsPosted, debit.debitsPending))
            }
            if flags.contains(.balancingCredit) {
                amount = Swift.min(amount, Self.remainder(credit.debitsPosted, minus: credit.creditsPosted, credit.creditsPending))
            }
        }
        // 18. Overflows: exact sums must not exceed UInt128.max.
        if isPending {
            if Self.overflows(debit.debitsPending, amount) { return .overflowsDebitsPending }
            if Self.overflows(credit.creditsPending, amount) { return .overflowsCreditsPending }
        } else {
            if Self.overflows(debit.debitsPosted, amount) { return .overflowsDebitsPosted }
            if Self.overflows(credit.creditsPosted, amount) { return .overflowsCreditsPosted }
        }
        if Self.overflows(debit.debitsPending, debit.debitsPosted, amount) { return .overflowsDebits }
        if Self.overflows(credit.creditsPending, credit.creditsPosted, amount) { return .overflowsCredits }
        if isPending && event.timeoutSeconds > 0 {
            let timeoutNanoseconds = UInt64(event.timeoutSeconds) * Self.nanosecondsPerSecond
            let (expiresAt, wrapped) = timestamp.addingReportingOverflow(timeoutNanoseconds)
            if wrapped || expiresAt > Self.timestampMax { return .overflowsTimeout }
        }
        // 19. Balance limits on pending + posted.
        if debit.flags.contains(.debitsMustNotExceedCredits)
            && debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted {
            return .exceedsCredits
        }
        if credit.flags.contains(.creditsMustNotExceedDebits)
            && credit.creditsPending + credit.creditsPosted + amount > credit.debitsPosted {
            return .exceedsDebits
        }
        // 20. Commit.
        if isPending {
            state.accounts[debit.id]!.debitsPending += amount
            state.accounts[credit.id]!.creditsPending += amount
            state.pendingStatus[event.id] = .pending
            if event.timeoutSeconds > 0 { state.timedPending.append(event.id) }
        } else {
            state.accounts[debit.id]!.debitsPosted += amount
            state.accounts[credit.id]!.creditsPosted += amount
        }
        if flags.contains(.closingDebit) { state.accounts[debit.id]!.flags.insert(.closed) }
        if flags.contains(.closingCredit) { state.accounts[credit.id]!.flags.insert(.closed) }
        var transfer = event
        transfer.amount = amount
        transfer.timestamp = timestamp
        commit(transfer, state: &state)
        return .ok
    }

    /// Steps 13-20 for a post or void of `event.pendingID`.
    func postOrVoid(_ event: Transfer, timestamp: UInt64, state: inout TenantState) -> CreateTransferResult {
        let isPost = event.flags.contains(.postPendingTransfer)
        guard let pending = state.transfer(event.pendingID) else { return .pendingTransferNotFound }
        if !pending.flags.contains(.pending) { return .pendingTransferNotPending }
        if event.debitAccountID != 0 && event.debitAccountID != pending.debitAccountID {
            return .pendingTransferHasDifferentDebitAccountID
        }
        if event.creditAccountID != 0 && event.creditAccountID != pending.creditAccountID {
            return .pendingTransferHasDifferentCreditAccountID
        }
        if event.ledger != 0 && event.ledger != pending.ledger { return .pendingTransferHasDifferentLedger }
        if event.code != 0 && event.code != pending.code { return .pendingTransferHasDifferentCode }
        if isPost && event.amount != Transfer.amountMax && event.amount > pending.amount {
            return .exceedsPendingTransferAmount
        }
        if !isPost && event.amount != 0 && event.amount != pending.amount { return .pendingTransferHasDifferentAmount }
        switch state.pendingStatus[pending.id]! {
        case .pending: break
        case .posted: return .pendingTransferAlreadyPosted
        case .voided: return .pendingTransferAlreadyVoided
        case .expired: return .pendingTransferExpired
        }
        let debit = state.accounts[pending.debitAccountID]!
        let credit = state.accounts[pending.creditAccountID]!
        if event.flags.contains(.imported) {
            if let code = Self.checkImported(event, debit: debit, credit: credit, state: state) { return code }
        }
        let postedAmount = event.amount == Transfer.amountMax ? pending.amount : event.amount
        if isPost {
            // Voids are always allowed: they only release holds.
            if debit.flags.contains(.closed) && !pending.flags.contains(.closingDebit) { return .debitAccountAlreadyClosed }
            if credit.flags.contains(.closed) && !pending.flags.contains(.closingCredit) { return .creditAccountAlreadyClosed }
            if Self.overflows(debit.debitsPosted, postedAmount) { return .overflowsDebitsPosted }
            if Self.overflows(credit.creditsPosted, postedAmount) { return .overflowsCreditsPosted }
        }
        // 20. Commit.
        state.accounts[debit.id]!.debitsPending -= pending.amount
        state.accounts[credit.id]!.creditsPending -= pending.amount
        if isPost {
            state.accounts[debit.id]!.debitsPosted += postedAmount
            state.accounts[credit.id]!.creditsPosted += postedAmount
            state.pendingStatus[pending.id] = .posted
        } else {
            if pending.flags.contains(.closingDebit) { state.accounts[debit.id]!.flags.remove(.closed) }
            if pending.flags.contains(.closingCredit) { state.accounts[credit.id]!.flags.remove(.closed) }
            state.pendingStatus[pending.id] = .voided
        }
        var transfer = event
        transfer.debitAccountID = pending.debitAccountID
        transfer.creditAccountID = pending.creditAccountID
        transfer.ledger = pending.ledger
        transfer.code = pending.code
        if transfer.userData128 == 0 { transfer.userData128 = pending.userData128 }
        if transfer.userData64 == 0 { transfer.userData64 = pending.userData64 }
        if transfer.userData32 == 0 { transfer.userData32 = pending.userData32 }
        transfer.timeoutSeconds = 0
        transfer.amount = isPost ? postedAmount : pending.amount
        transfer.timestamp = timestamp
        commit(transfer, state: &state)
        return .ok
    }

    /// Step 15 (single-phase / pending) and step 17 (post / void) for imported events.
    static func checkImported(_ event: Transfer, debit: Account, credit: Account, state: TenantState) -> CreateTransferResult? {
        if event.timestamp <= state.lastTransferTimestamp { return .importedEventTimestampMustNotRegress }
        if event.timestamp <= debit.timestamp { return .importedEventTimestampMustPostdateDebitAccount }
        if event.timestamp <= credit.timestamp { return .importedEventTimestampMustPostdateCreditAccount }
        if event.timeoutSeconds != 0 { return .importedEventTimeoutMustBeZero }
        return nil
    }

    /// Stores the record (balances already updated) and the history snapshots it produces.
    private func commit(_ transfer: Transfer, state: inout TenantState) {
        state.transferSlots[transfer.id] = state.transfers.count
        state.transfers.append(transfer)
        state.lastTransferTimestamp = transfer.timestamp
        for id in [transfer.debitAccountID, transfer.creditAccountID] {
            let account = state.accounts[id]!
            guard account.flags.contains(.history) else { continue }
            state.history[id, default: [:]][transfer.timestamp] = AccountBalance(
                debitsPending: account.debitsPending, debitsPosted: account.debitsPosted,
                creditsPending: account.creditsPending, creditsPosted: account.creditsPosted,
                timestamp: transfer.timestamp
            )
        }
    }

    /// `a - b - c`, or 0 when that is negative.
    static func remainder(_ a: UInt128, minus b: UInt128, _ c: UInt128) -> UInt128 {
        guard a >= b else { return 0 }
        let rest = a - b
        return rest >= c ? rest - c : 0
    }

    /// Whether the exact sum exceeds `UInt128.max`.
    static func overflows(_ values: UInt128...) -> Bool {
        var sum: UInt128 = 0
        for value in values {
            let (next, overflow) = sum.addingReportingOverflow(value)
            if overflow { return true }
            sum = next
        }
        return false
    }
}
