import SettleRecon

extension MarketplaceDay.Outcome {
    /// Where a reconciliation's breaks differ from what was planted; empty when the report holds
    /// exactly the planted breaks and matched everything else.
    public func problems() -> [String] {
        reconciliations.flatMap { reconciliation in
            let report = reconciliation.report
            var problems: [String] = []
            func expect(_ what: String, _ found: [String?], _ planted: String) {
                if found != [planted] { problems.append("\(reconciliation.format.rawValue): \(what) \(found.map { $0 ?? "?" }), planted \(planted)") }
            }
            expect("duplicates", report.duplicates.map(\.reference), planted.duplicatedCharge)
            expect("amount mismatches", report.amountMismatches.map(\.reference), planted.shortSettlement)
            expect("unmatched statement lines", report.unmatchedLines.map(\.reference), planted.unknownLine)
            if report.unmatchedEntries.count != 1 {
                problems.append("\(reconciliation.format.rawValue): \(report.unmatchedEntries.count) unmatched ledger transfers, planted 1 (\(planted.missingSettlement))")
            }
            if reconciliation.format == .camt053, report.summary.matchedOneToMany != 1 {
                problems.append("camt053: \(report.summary.matchedOneToMany) one-to-many matches, the batched payout should be 1")
            }
            return problems
        }
    }
}
