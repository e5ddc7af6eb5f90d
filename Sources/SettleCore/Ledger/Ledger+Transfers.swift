extension Ledger {
    func createTransfers(
        _ events: [Transfer], batchTimestamp: UInt64, expiry: inout ExpiryQueue
    ) -> [CreateTransferResult] {
        let importedBatch = events.first?.flags.contains(.imported) ?? false
        return events.withUnsafeBufferPointer { events in
            warmSink &+= transferIndex.warm(events.lazy.map(\.id))
            return runBatch(count: events.count, isLinked: { events[$0].flags.contains(.linked) }) { index in
                let result = createTransfer(
                    events[index],
                    timestamp: Self.eventTimestamp(index, count: events.count, batchTimestamp: batchTimestamp),
                    batchTimestamp: batchTimestamp, importedBatch: importedBatch, expiry: &expiry
                )
                if result.isTransient { burn(events[index].id) }
                return result
            }
        }
    }

    /// Validates in the precedence of `CreateTransferResult` and applies on success.
    @inline(__always)
    private func createTransfer(
        _ event: Transfer, timestamp engineTimestamp: UInt64, batchTimestamp: UInt64, importedBatch: Bool,
        expiry: inout ExpiryQueue
    ) -> CreateTransferResult {
        let flags = event.flags
        let isImported = flags.contains(.imported)
        if let invalid: CreateTransferResult = importedTimestampCheck(
            isImported: isImported, importedBatch: importedBatch, timestamp: event.timestamp, batchTimestamp: batchTimestamp
        ).result() { return invalid }
        if !flags.isSubset(of: .known) { return .reservedFlag }
        if event.id == 0 { return .idMustNotBeZero }
        if event.id == .max { return .idMustNotBeIntMax }
        if let slot = findTransfer(event.id) { return compareExisting(event, transfers[slot]) }
        if hasFailed(event.id) { return .idAlreadyFailed }
        if let invalid = validateShape(event) { return invalid }
        let timestamp = isImported ? event.timestamp : engineTimestamp
        if flags.contains(.postPendingTransfer) || flags.contains(.voidPendingTransfer) {
            return resolvePending(event, timestamp: timestamp)
        }
        return createSinglePhaseOrPending(event, timestamp: timestamp, expiry: &expiry)
    }

    /// Steps 7–12 of docs/LEDGER.md: rules that need no state.
    @inline(__always)
    private func validateShape(_ event: Transfer) -> CreateTransferResult? {
        let flags = event.flags
        let resolving = flags.intersection([.postPendingTransfer, .voidPendingTransfer])
        let phases = (flags.contains(.pending) ? 1 : 0) + (flags.contains(.postPendingTransfer) ? 1 : 0)
            + (flags.contains(.voidPendingTransfer) ? 1 : 0)
        if phases > 1 { return .flagsAreMutuallyExclusive }
        if !resolving.isEmpty && !flags.isDisjoint(with: [.balancingDebit, .balancingCredit, .closingDebit, .closingCredit]) {
            return .flagsAreMutuallyExclusive
        }
        if resolving.isEmpty {
            if event.debitAccountID == 0 { return .debitAccountIDMustNotBeZero }
            if event.debitAccountID == .max { return .debitAccountIDMustNotBeIntMax }
            if event.creditAccountID == 0 { return .creditAccountIDMustNotBeZero }
            if event.creditAccountID == .max { return .creditAccountIDMustNotBeIntMax }
            if event.debitAccountID == event.creditAccountID { return .accountsMustBeDifferent }
            if event.pendingID != 0 { return .pendingIDMustBeZero }
        } else {
            if event.pendingID == 0 { return .pendingIDMustNotBeZero }
            if event.pendingID == .max { return .pendingIDMustNotBeIntMax }
            if event.pendingID == event.id { return .pendingIDMustBeDifferent }
        }
        if event.timeoutSeconds != 0 && !flags.contains(.pending) { return .timeoutReservedForPendingTransfer }
        if !flags.isDisjoint(with: [.closingDebit, .closingCredit]) && !flags.contains(.pending) {
            return .closingTransferMustBePending
        }
        if resolving.isEmpty {
            if event.ledger == 0 { return .ledgerMustNotBeZero }
            if event.code == 0 { return .codeMustNotBeZero }
        }
        return nil
    }

    private func compareExisting(_ event: Transfer, _ stored: Transfer) -> CreateTransferResult {
        if event.flags != stored.flags { return .existsWithDifferentFlags }
        if event.pendingID != stored.pendingID { return .existsWithDifferentPendingID }
        if event.timeoutSeconds != stored.timeoutSeconds { return .existsWithDifferentTimeout }
        let isPost = event.flags.contains(.postPendingTransfer)
        let resolving = isPost || event.flags.contains(.voidPendingTransfer)
        // For posts and voids, zero (or amountMax for a post's amount) means "inherited".
        func differs<T: BinaryInteger>(_ given: T, _ stored: T) -> Bool {
            resolving ? (given != 0 && given != stored) : given != stored
        }
        if differs(event.debitAccountID, stored.debitAccountID) { return .existsWithDifferentDebitAccountID }
        if differs(event.creditAccountID, stored.creditAccountID) { return .existsWithDifferentCreditAccountID }
        let amountDiffers: Bool
        if isPost {
            amountDiffers = event.amount != Transfer.amountMax && event.amount != stored.amount
        } else if resolving {
            amountDiffers = event.amount != 0 && event.amount != stored.amount
        } else if !event.flags.isDisjoint(with: [.balancingDebit, .balancingCredit]) {
            amountDiffers = stored.amount > event.amount
        } else {
            amountDiffers = event.amount != stored.amount
        }
        if amountDiffers { return .existsWithDifferentAmount }
        if differs(event.userData128, stored.userData128) { return .existsWithDifferentUserData128 }
        if differs(event.userData64, stored.userData64) { return .existsWithDifferentUserData64 }
        if differs(event.userData32, stored.userData32) { return .existsWithDifferentUserData32 }
        if differs(event.ledger, stored.ledger) { return .existsWithDifferentLedger }
        if differs(event.code, stored.code) { return .existsWithDifferentCode }
        return .exists
    }

    /// Imported-event rules that need the accounts (step 15).
    @inline(__always)
    func importedAccountCheck(
        _ event: Transfer, timestamp: UInt64, debit: Account, credit: Account
    ) -> CreateTransferResult? {
        guard event.flags.contains(.imported) else { return nil }
        if timestamp <= lastTransferTimestamp { return .importedEventTimestampMustNotRegress }
        if timestamp <= debit.timestamp { return .importedEventTimestampMustPostdateDebitAccount }
        if timestamp <= credit.timestamp { return .importedEventTimestampMustPostdateCreditAccount }
        if event.timeoutSeconds != 0 { return .importedEventTimeoutMustBeZero }
        return nil
    }

    /// Appends a committed transfer and indexes it under both accounts.
    @inline(__always)
    func store(_ transfer: Transfer, debitSlot: Int, creditSlot: Int) -> Int {
        let slot = transfers.append(transfer)
        transferIndex.insert(transfer.id, slot: slot)
        link(account: debitSlot, transfer: slot, timestamp: transfer.timestamp)
        link(account: creditSlot, transfer: slot, timestamp: transfer.timestamp)
        lastTransferTimestamp = transfer.timestamp
        return slot
    }
}
