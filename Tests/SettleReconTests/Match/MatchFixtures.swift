import SettleMoney
@testable import SettleRecon

/// Day 0 of the fixtures: 2026-03-02.
let baseDay = CalendarDate(year: 2026, month: 3, day: 2)!.dayNumber

func line(_ sourceLine: Int, _ amount: Int64, _ direction: Direction = .credit, day: Int? = 0, ref: String? = nil,
          endToEnd: String? = nil, transactions: [EntryTransaction] = []) -> StatementLine {
    StatementLine(sourceLine: sourceLine, amount: amount, currency: "EUR", direction: direction,
                  bookingDate: day.map { CalendarDate(dayNumber: baseDay + $0) }, reference: ref, endToEndID: endToEnd,
                  transactions: transactions)
}

func entry(_ id: UInt128, _ amount: Int64, _ direction: Direction = .credit, day: Int = 0, ref: String? = nil) -> LedgerEntry {
    LedgerEntry(transferID: id, amount: amount, direction: direction, date: CalendarDate(dayNumber: baseDay + day),
                referenceKey: ref.map { ExternalReference.key($0) } ?? 0)
}

func reconcile(_ lines: [StatementLine], _ entries: [LedgerEntry], _ options: MatchOptions = MatchOptions()) -> ReconReport {
    Matcher.reconcile(lines: lines, entries: entries, options: options)
}

/// Every line and transfer appears in exactly one category: the report's central invariant.
func isPartition(_ report: ReconReport, lines: [StatementLine], entries: [LedgerEntry]) -> Bool {
    var lineCounts: [Int: Int] = [:], entryCounts: [UInt128: Int] = [:]
    for m in report.matched {
        lineCounts[m.sourceLine, default: 0] += 1
        for id in m.transferIDs { entryCounts[id, default: 0] += 1 }
    }
    for l in report.unmatchedLines { lineCounts[l.sourceLine, default: 0] += 1 }
    for e in report.unmatchedEntries { entryCounts[e.transferID, default: 0] += 1 }
    for d in report.duplicates {
        if let id = d.transferID { entryCounts[id, default: 0] += 1 } else { lineCounts[d.sourceLine, default: 0] += 1 }
    }
    for x in report.amountMismatches {
        lineCounts[x.sourceLine, default: 0] += 1
        for id in x.transferIDs { entryCounts[id, default: 0] += 1 }
    }
    return lineCounts.count == lines.count && lineCounts.values.allSatisfy { $0 == 1 }
        && entryCounts.count == entries.count && entryCounts.values.allSatisfy { $0 == 1 }
}
