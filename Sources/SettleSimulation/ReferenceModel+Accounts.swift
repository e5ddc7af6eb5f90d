import SettleCore

extension ReferenceModel {
    /// The checks of docs/LEDGER.md "createAccounts", one `if` per rule in precedence order.
    /// On `ok` the account is committed to `state`.
    func createAccount(
        _ event: Account, eventTimestamp: UInt64, batchTimestamp: UInt64, batchImported: Bool,
        state: inout TenantState
    ) -> CreateAccountResult {
        let imported = event.flags.contains(.imported)
        // 2. Imported events.
        if batchImported && !imported { return .importedEventExpected }
        if !batchImported && imported { return .importedEventNotExpected }
        if !imported && event.timestamp != 0 { return .timestampMustBeZero }
        if imported && (event.timestamp == 0 || event.timestamp > Self.timestampMax) {
            return .importedEventTimestampOutOfRange
        }
        if imported && event.timestamp >= batchTimestamp { return .importedEventTimestampMustNotAdvance }
        // 3. Reserved.
        if event.reserved != 0 { return .reservedField }
        if !event.flags.subtracting(.known).isEmpty { return .reservedFlag }
        // 4. Id.
        if event.id == 0 { return .idMustNotBeZero }
        if event.id == UInt128.max { return .idMustNotBeIntMax }
        // 5. Existing id.
        if let stored = state.accounts[event.id] { return Self.compareExisting(event, stored) }
        // 6.-8. Fields.
        if event.flags.contains([.debitsMustNotExceedCredits, .creditsMustNotExceedDebits]) {
            return .flagsAreMutuallyExclusive
        }
        if event.debitsPending != 0 { return .debitsPendingMustBeZero }
        if event.debitsPosted != 0 { return .debitsPostedMustBeZero }
        if event.creditsPending != 0 { return .creditsPendingMustBeZero }
        if event.creditsPosted != 0 { return .creditsPostedMustBeZero }
        if event.ledger == 0 { return .ledgerMustNotBeZero }
        if event.code == 0 { return .codeMustNotBeZero }
        // 9. Imported events may not go back in time.
        if imported && event.timestamp <= state.lastAccountTimestamp { return .importedEventTimestampMustNotRegress }
        // 10. Commit, flags as given (`closed` included: the account is created closed).
        var account = event
        account.timestamp = imported ? event.timestamp : eventTimestamp
        state.accounts[account.id] = account
        state.accountOrder.append(account.id)
        state.lastAccountTimestamp = account.timestamp
        return .ok
    }

    /// Step 5: the first differing field of a retry, ignoring `closed` on both sides.
    static func compareExisting(_ event: Account, _ stored: Account) -> CreateAccountResult {
        if event.flags.subtracting(.closed) != stored.flags.subtracting(.closed) { return .existsWithDifferentFlags }
        if event.userData128 != stored.userData128 { return .existsWithDifferentUserData128 }
        if event.userData64 != stored.userData64 { return .existsWithDifferentUserData64 }
        if event.userData32 != stored.userData32 { return .existsWithDifferentUserData32 }
        if event.ledger != stored.ledger { return .existsWithDifferentLedger }
        if event.code != stored.code { return .existsWithDifferentCode }
        return .exists
    }
}
