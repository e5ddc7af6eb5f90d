extension Ledger {
    func createAccounts(_ events: [Account], batchTimestamp: UInt64) -> [CreateAccountResult] {
        let importedBatch = events.first?.flags.contains(.imported) ?? false
        return events.withUnsafeBufferPointer { events in
            runBatch(count: events.count, isLinked: { events[$0].flags.contains(.linked) }) { index in
                createAccount(
                    events[index],
                    timestamp: Self.eventTimestamp(index, count: events.count, batchTimestamp: batchTimestamp),
                    batchTimestamp: batchTimestamp, importedBatch: importedBatch
                )
            }
        }
    }

    /// Validates in the precedence of `CreateAccountResult` and applies on success.
    private func createAccount(
        _ event: Account, timestamp engineTimestamp: UInt64, batchTimestamp: UInt64, importedBatch: Bool
    ) -> CreateAccountResult {
        let isImported = event.flags.contains(.imported)
        if let invalid: CreateAccountResult = importedTimestampCheck(
            isImported: isImported, importedBatch: importedBatch, timestamp: event.timestamp, batchTimestamp: batchTimestamp
        ).result() { return invalid }
        if event.reserved != 0 { return .reservedField }
        if !event.flags.isSubset(of: .known) { return .reservedFlag }
        if event.id == 0 { return .idMustNotBeZero }
        if event.id == .max { return .idMustNotBeIntMax }
        if let slot = findAccount(event.id) { return compareExisting(event, accounts[slot]) }
        if event.flags.isSuperset(of: [.debitsMustNotExceedCredits, .creditsMustNotExceedDebits]) {
            return .flagsAreMutuallyExclusive
        }
        if event.debitsPending != 0 { return .debitsPendingMustBeZero }
        if event.debitsPosted != 0 { return .debitsPostedMustBeZero }
        if event.creditsPending != 0 { return .creditsPendingMustBeZero }
        if event.creditsPosted != 0 { return .creditsPostedMustBeZero }
        if event.ledger == 0 { return .ledgerMustNotBeZero }
        if event.code == 0 { return .codeMustNotBeZero }
        let timestamp = isImported ? event.timestamp : engineTimestamp
        if isImported && timestamp <= lastAccountTimestamp { return .importedEventTimestampMustNotRegress }

        var account = event
        account.timestamp = timestamp
        let slot = accounts.append(account)
        accountIndex.insert(account.id, slot: slot)
        accountTransferSlots.appendList()
        lastAccountTimestamp = timestamp
        return .ok
    }

    private func compareExisting(_ event: Account, _ stored: Account) -> CreateAccountResult {
        if event.flags.subtracting(.closed) != stored.flags.subtracting(.closed) { return .existsWithDifferentFlags }
        if event.userData128 != stored.userData128 { return .existsWithDifferentUserData128 }
        if event.userData64 != stored.userData64 { return .existsWithDifferentUserData64 }
        if event.userData32 != stored.userData32 { return .existsWithDifferentUserData32 }
        if event.ledger != stored.ledger { return .existsWithDifferentLedger }
        if event.code != stored.code { return .existsWithDifferentCode }
        return .exists
    }
}
