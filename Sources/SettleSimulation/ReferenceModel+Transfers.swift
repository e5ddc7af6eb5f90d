import SettleCore

extension ReferenceModel {
    /// The checks of docs/LEDGER.md "createTransfers", one `if` per rule in precedence order.
    /// On `ok` the transfer is committed to `state`.
    func createTransfer(
        _ event: Transfer, eventTimestamp: UInt64, batchTimestamp: UInt64, batchImported: Bool,
        state: inout TenantState
    ) -> CreateTransferResult {
        let flags = event.flags
        let imported = flags.contains(.imported)
        let isPostOrVoid = flags.contains(.postPendingTransfer) || flags.contains(.voidPendingTransfer)
        // 2. Imported events.
        if batchImported && !imported { return .importedEventExpected }
        if !batchImported && imported { return .importedEventNotExpected }
        if !imported && event.timestamp != 0 { return .timestampMustBeZero }
        if imported && (event.timestamp == 0 || event.timestamp > Self.timestampMax) {
            return .importedEventTimestampOutOfRange
        }
        if imported && event.timestamp >= batchTimestamp { return .importedEventTimestampMustNotAdvance }
        // 3.-4. Flags and id.
        if !flags.subtracting(.known).isEmpty { return .reservedFlag }
        if event.id == 0 { return .idMustNotBeZero }
        if event.id == UInt128.max { return .idMustNotBeIntMax }
        // 5.-6. Retries.
        if let stored = state.transfer(event.id) { return Self.compareExisting(event, stored) }
        if state.failedIDs.contains(event.id) { return .idAlreadyFailed }
        // 7.-12. The event on its own.
        if let code = Self.validateFields(event, isPostOrVoid: isPostOrVoid) { return code }
        let timestamp = imported ? event.timestamp : eventTimestamp
        if isPostOrVoid {
            return postOrVoid(event, timestamp: timestamp, state: &state)
        }
        return createSinglePhaseOrPending(event, timestamp: timestamp, state: &state)
    }

    /// Steps 7-12: rules that look at the event alone.
    static func validateFields(_ event: Transfer, isPostOrVoid: Bool) -> CreateTransferResult? {
        let flags = event.flags
        let phaseFlags = [flags.contains(.pending), flags.contains(.postPendingTransfer), flags.contains(.voidPendingTransfer)]
        if phaseFlags.filter({ $0 }).count > 1 { return .flagsAreMutuallyExclusive }
        let balancingOrClosing: TransferFlags = [.balancingDebit, .balancingCredit, .closingDebit, .closingCredit]
        if isPostOrVoid && !flags.intersection(balancingOrClosing).isEmpty { return .flagsAreMutuallyExclusive }
        if !isPostOrVoid {
            if event.debitAccountID == 0 { return .debitAccountIDMustNotBeZero }
            if event.debitAccountID == UInt128.max { return .debitAccountIDMustNotBeIntMax }
            if event.creditAccountID == 0 { return .creditAccountIDMustNotBeZero }
            if event.creditAccountID == UInt128.max { return .creditAccountIDMustNotBeIntMax }
            if event.debitAccountID == event.creditAccountID { return .accountsMustBeDifferent }
            if event.pendingID != 0 { return .pendingIDMustBeZero }
        } else {
            if event.pendingID == 0 { return .pendingIDMustNotBeZero }
            if event.pendingID == UInt128.max { return .pendingIDMustNotBeIntMax }
            if event.pendingID == event.id { return .pendingIDMustBeDifferent }
        }
        if event.timeoutSeconds != 0 && !flags.contains(.pending) { return .timeoutReservedForPendingTransfer }
        let closing = flags.contains(.closingDebit) || flags.contains(.closingCredit)
        if closing && !flags.contains(.pending) { return .closingTransferMustBePending }
        if !isPostOrVoid {
            if event.ledger == 0 { return .ledgerMustNotBeZero }
            if event.code == 0 { return .codeMustNotBeZero }
        }
        return nil
    }

    /// Step 5: the first differing field of a retry. Fields a post/void leaves zero were
    /// inherited and match anything; a balancing event's amount is a cap.
    static func compareExisting(_ event: Transfer, _ stored: Transfer) -> CreateTransferResult {
        let isPost = event.flags.contains(.postPendingTransfer)
        let isVoid = event.flags.contains(.voidPendingTransfer)
        let isPostOrVoid = isPost || isVoid
        /// Whether a field of the event is compared: always, or for post/void only when given.
        func given<T: BinaryInteger>(_ value: T) -> Bool { !isPostOrVoid || value != 0 }
        if event.flags != stored.flags { return .existsWithDifferentFlags }
        if event.pendingID != stored.pendingID { return .existsWithDifferentPendingID }
        if event.timeoutSeconds != stored.timeoutSeconds { return .existsWithDifferentTimeout }
        if given(event.debitAccountID) && event.debitAccountID != stored.debitAccountID {
            return .existsWithDifferentDebitAccountID
        }
        if given(event.creditAccountID) && event.creditAccountID != stored.creditAccountID {
            return .existsWithDifferentCreditAccountID
        }
        if amountDiffers(event, stored, isPost: isPost, isVoid: isVoid) { return .existsWithDifferentAmount }
        if given(event.userData128) && event.userData128 != stored.userData128 { return .existsWithDifferentUserData128 }
        if given(event.userData64) && event.userData64 != stored.userData64 { return .existsWithDifferentUserData64 }
        if given(event.userData32) && event.userData32 != stored.userData32 { return .existsWithDifferentUserData32 }
        if given(event.ledger) && event.ledger != stored.ledger { return .existsWithDifferentLedger }
        if given(event.code) && event.code != stored.code { return .existsWithDifferentCode }
        return .exists
    }

    private static func amountDiffers(_ event: Transfer, _ stored: Transfer, isPost: Bool, isVoid: Bool) -> Bool {
        if isPost && event.amount == Transfer.amountMax { return false }
        if isVoid && event.amount == 0 { return false }
        let balancing = event.flags.contains(.balancingDebit) || event.flags.contains(.balancingCredit)
        if balancing { return stored.amount > event.amount }
        return event.amount != stored.amount
    }
}
