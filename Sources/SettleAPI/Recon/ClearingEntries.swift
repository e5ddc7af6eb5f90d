import SettleCore
import SettleMoney
import SettlePayments
import SettleRecon

/// The transfers on a tenant's processor clearing account, as the matcher sees them.
enum ClearingEntries {
    /// A debit of the clearing account (a capture: the processor owes us more) is money the
    /// processor's statement shows coming in, a credit; a credit (refund, lost dispute) is a
    /// debit on the statement.
    static func entry(_ transfer: Transfer, clearing: UInt128) -> LedgerEntry? {
        guard transfer.amount <= UInt128(Int64.max) else { return nil }
        return LedgerEntry(transferID: transfer.id, amount: Int64(transfer.amount),
                           direction: transfer.debitAccountID == clearing ? .credit : .debit,
                           date: CalendarDate(ledgerTimestamp: transfer.timestamp), referenceKey: transfer.userData64)
    }

    /// Every transfer on the clearing account of `currency` between two ledger timestamps
    /// (inclusive; 0 is unbounded), a batch at a time.
    static func read(_ ledger: any PaymentsLedger, currency: Currency, from: UInt64, to: UInt64) async throws -> [LedgerEntry] {
        let clearing = ChartOfAccounts.accountID(.processorClearing, currency)
        var entries: [LedgerEntry] = []
        var cursor = from
        while true {
            let page = try await ledger.accountTransfers(AccountFilter(accountID: clearing, timestampMin: cursor, timestampMax: to))
            entries += page.compactMap { entry($0, clearing: clearing) }
            guard page.count == StateMachine.batchEventsMax, let last = page.last else { return entries }
            cursor = last.timestamp + 1
        }
    }
}
