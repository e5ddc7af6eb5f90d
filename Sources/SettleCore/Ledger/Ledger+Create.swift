extension Ledger {
    /// Steps 13–20 for single-phase and pending transfers (docs/LEDGER.md).
    @inline(__always)
    func createSinglePhaseOrPending(
        _ event: Transfer, timestamp: UInt64, expiry: inout ExpiryQueue
    ) -> CreateTransferResult {
        guard let debitSlot = findAccount(event.debitAccountID) else { return .debitAccountNotFound }
        guard let creditSlot = findAccount(event.creditAccountID) else { return .creditAccountNotFound }
        let debitPointer = accounts.pointer(at: debitSlot)
        let creditPointer = accounts.pointer(at: creditSlot)
        let debit = debitPointer.pointee
        let credit = creditPointer.pointee
        if debit.ledger != credit.ledger { return .accountsMustHaveTheSameLedger }
        if event.ledger != debit.ledger { return .transferMustHaveTheSameLedgerAsAccounts }
        if let invalid = importedAccountCheck(event, timestamp: timestamp, debit: debit, credit: credit) { return invalid }
        if debit.flags.contains(.closed) { return .debitAccountAlreadyClosed }
        if credit.flags.contains(.closed) { return .creditAccountAlreadyClosed }

        let flags = event.flags
        var amount = event.amount
        if flags.contains(.balancingDebit) {
            amount = min(amount, Self.headroom(debit.creditsPosted, minus: debit.debitsPosted, debit.debitsPending))
        }
        if flags.contains(.balancingCredit) {
            amount = min(amount, Self.headroom(credit.debitsPosted, minus: credit.creditsPosted, credit.creditsPending))
        }
        let isPending = flags.contains(.pending)
        if isPending {
            if debit.debitsPending.addingReportingOverflow(amount).overflow { return .overflowsDebitsPending }
            if credit.creditsPending.addingReportingOverflow(amount).overflow { return .overflowsCreditsPending }
        } else {
            if debit.debitsPosted.addingReportingOverflow(amount).overflow { return .overflowsDebitsPosted }
            if credit.creditsPosted.addingReportingOverflow(amount).overflow { return .overflowsCreditsPosted }
        }
        guard let debitsTotal = Self.sum(debit.debitsPending, debit.debitsPosted, amount) else { return .overflowsDebits }
        guard let creditsTotal = Self.sum(credit.creditsPending, credit.creditsPosted, amount) else { return .overflowsCredits }
        var deadline: UInt64 = 0
        if isPending && event.timeoutSeconds > 0 {
            let (timeout, overflow) = UInt64(event.timeoutSeconds).multipliedReportingOverflow(by: 1_000_000_000)
            let (end, overflow2) = timestamp.addingReportingOverflow(timeout)
            if overflow || overflow2 || end > UInt64(Int64.max) { return .overflowsTimeout }
            deadline = end
        }
        if debit.flags.contains(.debitsMustNotExceedCredits) && debitsTotal > debit.creditsPosted { return .exceedsCredits }
        if credit.flags.contains(.creditsMustNotExceedDebits) && creditsTotal > credit.debitsPosted { return .exceedsDebits }

        willModifyAccount(debitSlot)
        willModifyAccount(creditSlot)
        if isPending {
            debitPointer.pointee.debitsPending += amount
            creditPointer.pointee.creditsPending += amount
        } else {
            debitPointer.pointee.debitsPosted += amount
            creditPointer.pointee.creditsPosted += amount
        }
        if flags.contains(.closingDebit) { debitPointer.pointee.flags.insert(.closed) }
        if flags.contains(.closingCredit) { creditPointer.pointee.flags.insert(.closed) }

        var transfer = event
        transfer.amount = amount
        transfer.timestamp = timestamp
        let slot = store(transfer, debitSlot: debitSlot, creditSlot: creditSlot)
        if isPending {
            pendingStatuses[slot] = .pending
            if deadline > 0 {
                expiry.schedule(.init(deadline: deadline, tenant: tenant, timestamp: timestamp, slot: UInt32(slot)))
            }
        }
        return .ok
    }

    /// `total - a - b`, or 0 when that would be negative (or `a + b` overflows).
    @inline(__always)
    static func headroom(_ total: UInt128, minus a: UInt128, _ b: UInt128) -> UInt128 {
        let (used, overflow) = a.addingReportingOverflow(b)
        if overflow || used >= total { return 0 }
        return total - used
    }

    @inline(__always)
    static func sum(_ a: UInt128, _ b: UInt128, _ c: UInt128) -> UInt128? {
        let (ab, o1) = a.addingReportingOverflow(b)
        let (abc, o2) = ab.addingReportingOverflow(c)
        return o1 || o2 ? nil : abc
    }
}
