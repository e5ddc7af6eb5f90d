// Turning the matcher's state into the report, in the report's stable order.
extension MatchState {
    func report() -> ReconReport {
        var summary = ReconReport.Summary(lineCount: lines.count, entryCount: entries.count, options: options)
        let matched = matches.sorted { $0.line < $1.line }.map { m in
            summary.matched.add(lines[m.line].amount, lines[m.line].direction)
            summary.count(m.rule)
            return ReconReport.Match(sourceLine: lines[m.line].sourceLine, reference: lines[m.line].reference,
                                     direction: lines[m.line].direction, amount: lines[m.line].amount,
                                     date: date(ofLine: m.line), transferIDs: m.entries.map { entries[$0].transferID },
                                     rule: m.rule, difference: m.difference)
        }
        var unmatchedLines: [ReconReport.UnmatchedLine] = []
        for line in lines.indices where lineOutcome[line] == .open {
            summary.unmatchedLines.add(lines[line].amount, lines[line].direction)
            unmatchedLines.append(ReconReport.UnmatchedLine(
                sourceLine: lines[line].sourceLine, reference: lines[line].reference,
                direction: lines[line].direction, amount: lines[line].amount, date: date(ofLine: line)))
        }
        var unmatchedEntries: [ReconReport.UnmatchedEntry] = []
        for (e, entry) in entries.enumerated() where entryOutcome[e] == .open {
            summary.unmatchedEntries.add(entry.amount, entry.direction)
            unmatchedEntries.append(ReconReport.UnmatchedEntry(
                transferID: entry.transferID, direction: entry.direction, amount: entry.amount,
                date: entry.date, referenceKey: entry.referenceKey))
        }
        let duplicates = duplicateRows(&summary.duplicates)
        let mismatches = mismatches.sorted { $0.line < $1.line }.map { m in
            summary.amountMismatches.add(lines[m.line].amount, lines[m.line].direction)
            return ReconReport.AmountMismatch(
                sourceLine: lines[m.line].sourceLine, reference: lines[m.line].reference,
                direction: lines[m.line].direction, lineAmount: lines[m.line].amount, ledgerAmount: m.ledgerAmount,
                difference: Int128(lines[m.line].amount) - m.ledgerAmount,
                transferIDs: m.entries.map { entries[$0].transferID }, date: date(ofLine: m.line))
        }
        return ReconReport(summary: summary, matched: matched, unmatchedLines: unmatchedLines,
                           unmatchedEntries: unmatchedEntries, duplicates: duplicates, amountMismatches: mismatches)
    }

    func date(ofLine line: Int) -> CalendarDate? {
        lineDates[line] == MatchState.noDate ? nil : CalendarDate(dayNumber: lineDates[line])
    }

    /// By line, the statement-side row before ledger-side rows, then by transfer id.
    func duplicateRows(_ totals: inout ReconReport.Totals) -> [ReconReport.Duplicate] {
        duplicates.sorted { a, b in
            if a.line != b.line { return a.line < b.line }
            if a.side != b.side { return a.side == .statement }
            return a.entry < b.entry
        }.map { d in
            let original = matches[d.original]
            let isLedger = d.side == .ledger
            let amount = isLedger ? entries[d.entry].amount : lines[d.line].amount
            let direction = isLedger ? entries[d.entry].direction : lines[d.line].direction
            totals.add(amount, direction)
            return ReconReport.Duplicate(
                side: d.side, sourceLine: lines[d.line].sourceLine,
                transferID: isLedger ? entries[d.entry].transferID : nil,
                originalSourceLine: lines[original.line].sourceLine,
                originalTransferIDs: original.entries.map { entries[$0].transferID },
                reference: lines[d.line].reference, referenceKey: d.key, direction: direction, amount: amount,
                date: isLedger ? entries[d.entry].date : date(ofLine: d.line))
        }
    }
}

extension ReconReport.Summary {
    init(lineCount: Int, entryCount: Int, options: MatchOptions) {
        self.init(lineCount: lineCount, entryCount: entryCount, options: options, matched: .init(),
                  matchedByReference: 0, matchedByAmountDate: 0, matchedOneToMany: 0, unmatchedLines: .init(),
                  unmatchedEntries: .init(), duplicates: .init(), amountMismatches: .init())
    }

    mutating func count(_ rule: MatchRule) {
        switch rule {
        case .reference: matchedByReference += 1
        case .amountDate: matchedByAmountDate += 1
        case .oneToMany: matchedOneToMany += 1
        }
    }
}
