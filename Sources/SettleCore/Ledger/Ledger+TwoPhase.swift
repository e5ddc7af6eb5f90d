extension Ledger {
    /// Steps 13–20 for posts and voids of a pending transfer (docs/LEDGER.md).
    func resolvePending(_ event: Transfer, timestamp: UInt64) -> CreateTransferResult {
        guard let pendingSlot = findTransfer(event.pendingID) else { return .pendingTransferNotFound }
        let pending = transfers[pendingSlot]
        guard pending.flags.contains(.pending), let status = pendingStatuses[pendingSlot] else {
            return .pendingTransferNotPending
        }
        if event.debitAccountID != 0 && event.debitAccountID != pending.debitAccountID {
            return .pendingTransferHasDifferentDebitAccountID
        }
        if event.creditAccountID != 0 && event.creditAccountID != pending.creditAccountID {
            return .pendingTransferHasDifferentCreditAccountID
        }
        if event.ledger != 0 && event.ledger != pending.ledger { return .pendingTransferHasDifferentLedger }
        if event.code != 0 && event.code != pending.code { return .pendingTransferHasDifferentCode }
        let isPost = event.flags.contains(.postPendingTransfer)
        if isPost {
            if event.amount != Transfer.amountMax && event.amount > pending.amount { return .exceedsPendingTransferAmount }
        } else if event.amount != 0 && event.amount != pending.amount {
            return .pendingTransferHasDifferentAmount
        }
        switch status {
        case .pending: break
        case .posted: return .pendingTransferAlreadyPosted
        case .voided: return .pendingTransferAlreadyVoided
        case .expired: return .pendingTransferExpired
        }
        guard let debitSlot = findAccount(pending.debitAccountID), let creditSlot = findAccount(pending.creditAccountID) else {
            preconditionFailure("pending transfer \(pending.id) names an account that does not exist")
        }
        let debitPointer = accounts.pointer(at: debitSlot)
        let creditPointer = accounts.pointer(at: creditSlot)
        if let invalid = importedAccountCheck(event, timestamp: timestamp, debit: debitPointer.pointee, credit: creditPointer.pointee) {
            return invalid
        }
        let posted = isPost ? (event.amount == Transfer.amountMax ? pending.amount : event.amount) : 0
        if isPost {
            if debitPointer.pointee.flags.contains(.closed) && !pending.flags.contains(.closingDebit) {
                return .debitAccountAlreadyClosed
            }
            if creditPointer.pointee.flags.contains(.closed) && !pending.flags.contains(.closingCredit) {
                return .creditAccountAlreadyClosed
            }
            if debitPointer.pointee.debitsPosted.addingReportingOverflow(posted).overflow { return .overflowsDebitsPosted }
            if creditPointer.pointee.creditsPosted.addingReportingOverflow(posted).overflow { return .overflowsCreditsPosted }
        }

        willModifyAccount(debitSlot)
        willModifyAccount(creditSlot)
        release(pending, debit: debitPointer, credit: creditPointer, reopen: !isPost)
        debitPointer.pointee.debitsPosted += posted
        creditPointer.pointee.creditsPosted += posted
        if undo != nil { undo!.pending.append((pendingSlot, .pending)) }
        pendingStatuses[pendingSlot] = isPost ? .posted : .voided

        let transfer = Transfer(
            id: event.id, debitAccountID: pending.debitAccountID, creditAccountID: pending.creditAccountID,
            amount: isPost ? posted : pending.amount, pendingID: pending.id,
            userData128: event.userData128 != 0 ? event.userData128 : pending.userData128,
            userData64: event.userData64 != 0 ? event.userData64 : pending.userData64,
            userData32: event.userData32 != 0 ? event.userData32 : pending.userData32,
            timeoutSeconds: 0, ledger: pending.ledger, code: pending.code, flags: event.flags, timestamp: timestamp
        )
        _ = store(transfer, debitSlot: debitSlot, creditSlot: creditSlot)
        return .ok
    }

    /// Takes a pending transfer's hold off both accounts; a void or expiry also reopens the
    /// accounts a closing transfer closed.
    @inline(__always)
    private func release(
        _ pending: Transfer, debit: UnsafeMutablePointer<Account>, credit: UnsafeMutablePointer<Account>, reopen: Bool
    ) {
        debit.pointee.debitsPending -= pending.amount
        credit.pointee.creditsPending -= pending.amount
        if reopen {
            if pending.flags.contains(.closingDebit) { debit.pointee.flags.remove(.closed) }
            if pending.flags.contains(.closingCredit) { credit.pointee.flags.remove(.closed) }
        }
    }

    /// True when `slot` still holds the pending transfer stamped `timestamp` and it is pending.
    ///
    /// A rolled-back chain leaves its entries in the queue, and the slot may be refilled by an
    /// imported pending transfer dated at the rolled-back event's (consumed, never committed)
    /// timestamp. Imported transfers have no timeout and engine timestamps are never reused, so
    /// requiring a timeout identifies the scheduled transfer.
    func isStillPending(slot: Int, timestamp: UInt64) -> Bool {
        slot < transfers.count && transfers[slot].timestamp == timestamp && transfers[slot].timeoutSeconds != 0
            && pendingStatuses[slot] == .pending
    }

    /// Expires the pending transfer at `slot` if it is still the one scheduled and still pending.
    func expire(slot: Int, timestamp: UInt64) {
        guard isStillPending(slot: slot, timestamp: timestamp) else { return }
        precondition(undo == nil, "expiry runs between batches, never inside a chain")
        let pending = transfers[slot]
        guard let debitSlot = findAccount(pending.debitAccountID), let creditSlot = findAccount(pending.creditAccountID) else {
            preconditionFailure("pending transfer \(pending.id) names an account that does not exist")
        }
        release(pending, debit: accounts.pointer(at: debitSlot), credit: accounts.pointer(at: creditSlot), reopen: true)
        pendingStatuses[slot] = .expired
    }
}
