import SettleMoney
import Testing
@testable import SettleRecon

@Suite struct GeneratedBreaksTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func reportHoldsExactlyWhatTheGeneratorPlanted(seed: UInt64) {
        let w = ReconBenchmark.generate(count: 20_000, seed: seed)
        let r = Matcher.reconcile(lines: w.lines, entries: w.entries, options: MatchOptions())
        let p = w.planted
        #expect(w.lines.count == 20_000 && w.entries.count == 20_000)
        #expect(r.summary.matchedByReference == p.byReference)
        #expect(r.summary.matchedByAmountDate == p.byAmountDate)
        #expect(r.summary.matchedOneToMany == p.payouts + p.batches + p.dayTotals)
        #expect(r.duplicates.filter { $0.side == .statement }.count == p.statementDuplicates)
        #expect(r.duplicates.filter { $0.side == .ledger }.count == p.ledgerDuplicates)
        #expect(r.amountMismatches.count == p.mismatches)
        #expect(r.unmatchedLines.count == p.unmatchedLines)
        #expect(r.unmatchedEntries.count == p.unmatchedEntries)
        #expect(p.payouts > 0 && p.batches > 0 && p.dayTotals > 0 && p.statementDuplicates > 0 && p.ledgerDuplicates > 0)
        #expect(isPartition(r, lines: w.lines, entries: w.entries))
    }

    /// Plant one break of each kind into clean generated data and find exactly those.
    @Test func plantedBreaksAreFoundAndNothingElse() {
        var w = ReconBenchmark.generate(count: 2_000, seed: 11)
        let clean = Matcher.reconcile(lines: w.lines, entries: w.entries, options: MatchOptions())
        // Three reference matches to break: a double charge, a settlement that never came, a wrong amount.
        let pairs = clean.matched.filter { $0.rule == .reference }.prefix(3)
        let (charged, missing, changed) = (pairs[pairs.startIndex], pairs[pairs.startIndex + 1], pairs[pairs.startIndex + 2])
        let next = (w.lines.map(\.sourceLine).max() ?? 0) + 1
        var copy = w.lines.first { $0.sourceLine == charged.sourceLine }!
        copy.sourceLine = next
        w.lines.append(copy)
        w.lines.removeAll { $0.sourceLine == missing.sourceLine }
        let i = w.lines.firstIndex { $0.sourceLine == changed.sourceLine }!
        w.lines[i].amount += 1

        let r = Matcher.reconcile(lines: w.lines, entries: w.entries, options: MatchOptions())
        #expect(r.duplicates.count == clean.duplicates.count + 1)
        #expect(r.duplicates.contains { $0.sourceLine == next && $0.originalSourceLine == charged.sourceLine
                                         && $0.originalTransferIDs == charged.transferIDs })
        #expect(r.unmatchedEntries.count == clean.unmatchedEntries.count + 1)
        #expect(r.unmatchedEntries.contains { [$0.transferID] == missing.transferIDs })
        #expect(r.amountMismatches.count == clean.amountMismatches.count + 1)
        #expect(r.amountMismatches.contains { $0.sourceLine == changed.sourceLine && $0.difference == 1 })
        #expect(r.matched.count == clean.matched.count - 2)
        #expect(r.unmatchedLines == clean.unmatchedLines)
    }
}
