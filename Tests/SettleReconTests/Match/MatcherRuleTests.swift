import SettleMoney
import Testing
@testable import SettleRecon

@Suite struct MatcherRuleTests {
    @Test func referenceMatchesDespiteDistantDateAndEqualAmountsElsewhere() {
        let r = reconcile([line(1, 500, day: 30, ref: "psp_1")], [entry(9, 500), entry(7, 500, ref: "psp_1")])
        #expect(r.matched.map(\.transferIDs) == [[7]])
        #expect(r.matched.first?.rule == .reference)
        #expect(r.unmatchedEntries.map(\.transferID) == [9])
    }

    @Test func referenceUsesEndToEndIDAndIgnoresNotProvided() {
        let r = reconcile([line(1, 500, ref: "NOTPROVIDED", endToEnd: "e2e-1")], [entry(3, 500, day: 9, ref: "e2e-1")])
        #expect(r.matched.first?.rule == .reference)
        let none = reconcile([line(1, 500, day: nil, ref: "NOTPROVIDED")], [entry(3, 500, ref: "NOTPROVIDED")])
        #expect(none.matched.isEmpty && none.unmatchedLines.count == 1 && none.unmatchedEntries.count == 1)
    }

    @Test func referenceNeedsTheSameDirection() {
        let r = reconcile([line(1, 500, .credit, day: nil, ref: "x")], [entry(1, 500, .debit, ref: "x")])
        #expect(r.matched.isEmpty)
        #expect(r.amountMismatches.first?.ledgerAmount == -500)
    }

    @Test func referenceTieGoesToNearestDateThenSmallestID() {
        let r = reconcile([line(1, 500, day: 5, ref: "x"), line(2, 500, day: 5, ref: "x"), line(3, 500, day: 5, ref: "x")],
                          [entry(4, 500, day: 2, ref: "x"), entry(3, 500, day: 7, ref: "x"), entry(2, 500, day: 4, ref: "x")])
        #expect(r.matched.map(\.transferIDs) == [[2], [3], [4]])
    }

    @Test(arguments: [(Int64(10), true), (Int64(11), false)])
    func toleranceBoundOnReference(delta: Int64, matches: Bool) {
        let r = reconcile([line(1, 1000 + delta, ref: "x")], [entry(1, 1000, ref: "x")], MatchOptions(amountToleranceMinor: 10))
        #expect(r.matched.count == (matches ? 1 : 0))
        #expect(r.amountMismatches.count == (matches ? 0 : 1))
        if matches { #expect(r.matched[0].difference == delta) } else { #expect(r.amountMismatches[0].difference == 1011 - 1000) }
    }

    @Test func amountMismatchReportsBothAmounts() {
        let r = reconcile([line(4, 1200, ref: "x")], [entry(8, 1000, ref: "x")])
        #expect(r.amountMismatches == [ReconReport.AmountMismatch(
            sourceLine: 4, reference: "x", direction: .credit, lineAmount: 1200, ledgerAmount: 1000, difference: 200,
            transferIDs: [8], date: CalendarDate(dayNumber: baseDay))])
        #expect(r.unmatchedLines.isEmpty && r.unmatchedEntries.isEmpty)
    }

    @Test func statementDuplicatePointsAtTheMatchedLineAndTransfer() {
        let r = reconcile([line(1, 700, ref: "x"), line(2, 700, day: 1, ref: "x")], [entry(5, 700, ref: "x")])
        #expect(r.matched.map(\.sourceLine) == [1])
        #expect(r.duplicates.count == 1)
        let d = r.duplicates[0]
        #expect(d.side == .statement && d.sourceLine == 2 && d.originalSourceLine == 1 && d.originalTransferIDs == [5])
        #expect(d.transferID == nil && d.amount == 700 && d.referenceKey == ExternalReference.key("x"))
        #expect(r.unmatchedLines.isEmpty)
        #expect(r.summary.duplicates == .init(count: 1, creditMinor: 700, debitMinor: 0))
    }

    @Test func ledgerDuplicatePointsAtTheMatchedTransfer() {
        let r = reconcile([line(1, 700, ref: "x")], [entry(5, 700, ref: "x"), entry(6, 700, ref: "x")])
        #expect(r.matched.map(\.transferIDs) == [[5]])
        #expect(r.duplicates.map(\.side) == [.ledger])
        #expect(r.duplicates.first?.transferID == 6 && r.duplicates.first?.originalTransferIDs == [5])
        #expect(r.unmatchedEntries.isEmpty)
    }

    @Test func differentAmountSameReferenceIsNotADuplicate() {
        let r = reconcile([line(1, 700, ref: "x"), line(2, 70, ref: "x")], [entry(5, 700, ref: "x")])
        #expect(r.duplicates.isEmpty)
        #expect(r.unmatchedLines.map(\.sourceLine) == [2])
    }

    @Test(arguments: [(3, true), (4, false), (-3, true), (-4, false)])
    func dateWindowBound(offset: Int, matches: Bool) {
        let r = reconcile([line(1, 900, day: offset)], [entry(1, 900)])
        #expect(r.matched.map(\.rule) == (matches ? [.amountDate] : []))
    }

    @Test(arguments: [(Int64(5), true), (Int64(6), false)])
    func toleranceBoundOnAmountAndDate(delta: Int64, matches: Bool) {
        let r = reconcile([line(1, 900 - delta)], [entry(1, 900)], MatchOptions(amountToleranceMinor: 5))
        #expect(r.matched.count == (matches ? 1 : 0))
    }

    @Test func amountAndDatePicksNearestDateThenSmallestID() {
        let r = reconcile([line(1, 900, day: 10)], [entry(1, 900, day: 12), entry(5, 900, day: 9), entry(3, 900, day: 11)])
        #expect(r.matched.map(\.transferIDs) == [[3]])
        let tie = reconcile([line(1, 900, day: 10)], [entry(8, 900, day: 9), entry(6, 900, day: 11), entry(7, 900, day: 11)])
        #expect(tie.matched.map(\.transferIDs) == [[6]])
    }

    @Test func amountAndDateNeedsALineDate() {
        let r = reconcile([line(1, 900, day: nil)], [entry(1, 900)])
        #expect(r.matched.isEmpty)
    }

    @Test func payoutByReferenceSettlesEveryTransferCarryingIt() {
        let r = reconcile([line(1, 250, day: 2, ref: "po_1")],
                          [entry(1, 100, ref: "po_1"), entry(2, 200, ref: "po_1"), entry(3, 50, .debit, ref: "po_1"), entry(4, 250)])
        #expect(r.matched.map(\.transferIDs) == [[1, 2, 3]])
        #expect(r.matched.first?.rule == .oneToMany)
        #expect(r.unmatchedEntries.map(\.transferID) == [4])
    }

    @Test func payoutWhoseSumDiffersIsAMismatchWithTheWholeGroup() {
        let r = reconcile([line(1, 290, ref: "po_1")], [entry(1, 100, ref: "po_1"), entry(2, 200, ref: "po_1")])
        #expect(r.amountMismatches.map(\.transferIDs) == [[1, 2]])
        #expect(r.amountMismatches.first?.difference == -10)
    }

    @Test func batchedLineMatchesEachTransaction() {
        let txs = [EntryTransaction(amount: 100, endToEndID: "a"), EntryTransaction(amount: 200, endToEndID: "b")]
        let r = reconcile([line(1, 300, ref: "a", transactions: txs)],
                          [entry(1, 200, ref: "b"), entry(2, 100, ref: "a"), entry(3, 100, day: 9, ref: "a")])
        #expect(r.matched.map(\.transferIDs) == [[1, 2]])
        #expect(r.matched.first?.rule == .oneToMany)
        #expect(r.duplicates.map(\.transferID) == [3])  // the ledger booked "a" twice
    }

    @Test func oneToManyOffLeavesPayoutsToTheOtherRules() {
        let r = reconcile([line(1, 300, ref: "po")], [entry(1, 100, ref: "po"), entry(2, 200, ref: "po")],
                          MatchOptions(oneToMany: false))
        #expect(r.matched.isEmpty)
        #expect(r.amountMismatches.count == 1)
    }

    @Test func dayTotalMatchesAWholeDayNearestFirst() {
        let entries = [entry(1, 100, day: 0), entry(2, 200, day: 0), entry(3, 120, day: 2), entry(4, 180, day: 2), entry(5, 1, .debit, day: 2)]
        let r = reconcile([line(1, 300, day: 1)], entries)
        // Days 0 and 2 are both one day away and both sum to 300: the earlier one wins.
        #expect(r.matched.map(\.transferIDs) == [[1, 2]])
        #expect(r.unmatchedEntries.map(\.transferID) == [3, 4, 5])
        let off = reconcile([line(1, 300, day: 1)], entries, MatchOptions(matchDayTotals: false))
        #expect(off.matched.isEmpty)
    }

    @Test func dayTotalDoesNotTakeASubsetOfADay() {
        let r = reconcile([line(1, 300)], [entry(1, 100), entry(2, 200), entry(3, 50)])
        #expect(r.matched.isEmpty)
    }

    @Test func maxGroupSizeBoundsOneToMany() {
        let entries = (1...3).map { entry(UInt128($0), 100, ref: "po") }
        #expect(reconcile([line(1, 300, ref: "po")], entries, MatchOptions(maxGroupSize: 3)).matched.count == 1)
        let r = reconcile([line(1, 300, ref: "po")], entries, MatchOptions(maxGroupSize: 2))
        #expect(r.matched.isEmpty && r.unmatchedLines.count == 1 && r.unmatchedEntries.count == 3)
    }

    @Test func unmatchedOnBothSides() {
        let r = reconcile([line(2, 10), line(1, 20, .debit)], [entry(9, 30), entry(8, 40, .debit)])
        #expect(r.unmatchedLines.map(\.sourceLine) == [1, 2])
        #expect(r.unmatchedEntries.map(\.transferID) == [8, 9])
        #expect(r.summary.unmatchedLines == .init(count: 2, creditMinor: 10, debitMinor: 20))
        #expect(r.summary.unmatchedEntries == .init(count: 2, creditMinor: 30, debitMinor: 40))
    }
}
