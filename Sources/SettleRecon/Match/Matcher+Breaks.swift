/// A duplicate before it becomes a report row.
struct PendingDuplicate {
    var side: ReconReport.Duplicate.Side
    /// Statement side: the extra line. Ledger side: the line the original transfer matched.
    var line: Int
    /// Ledger side: the extra transfer; -1 on the statement side.
    var entry: Int
    /// The match the duplicate repeats.
    var original: Int
    var key: UInt64
}

/// A mismatch before it becomes a report row.
struct PendingMismatch {
    var line: Int
    var entries: [Int]
    var ledgerAmount: Int128
}

// Rules 4 and 5: what shares a reference with a match, or with a transfer, but does not match.
extension MatchState {
    /// Every line's keys as (key, line), sorted, for finding the lines that carry a key.
    func lineKeyIndex() -> (keys: [UInt64], lines: [Int32]) {
        var pairs: [(key: UInt64, line: Int32)] = []
        pairs.reserveCapacity(lineKeys.count)
        for line in lines.indices {
            for key in keys(ofLine: line) { pairs.append((key, Int32(line))) }
        }
        pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.line < $1.line }
        return (pairs.map(\.key), pairs.map(\.line))
    }

    /// Rule 4, statement side: an open line with the key, direction and exact amount of a
    /// matched line is the processor charging (or paying) the same payment twice. It points at
    /// the earliest such line and the transfers that line matched.
    mutating func findDuplicateLines() {
        let index = lineKeyIndex()
        for line in lines.indices where lineOutcome[line] == .open {
            var original = -1
            var sharedKey: UInt64 = 0
            for key in keys(ofLine: line) {
                var p = lowerBound(index.keys, key)
                let end = min(index.keys.count, p + options.maxGroupSize)
                while p < end, index.keys[p] == key {
                    let other = Int(index.lines[p])
                    p += 1
                    guard lineOutcome[other] == .matched, lineDirections[other] == lineDirections[line],
                          lineAmounts[other] == lineAmounts[line], original < 0 || other < original else { continue }
                    original = other
                    sharedKey = key
                }
            }
            guard original >= 0 else { continue }
            lineOutcome[line] = .duplicate
            duplicates.append(PendingDuplicate(side: .statement, line: line, entry: -1,
                                               original: Int(lineMatch[original]), key: sharedKey))
        }
    }

    /// Rule 4, ledger side: an open transfer with the key, direction and exact amount of a
    /// matched transfer is the ledger recording one payment twice. It points at the matched
    /// transfer with the smallest id and that transfer's line.
    mutating func findDuplicateEntries() {
        for e in entries.indices where entryOutcome[e] == .open && entries[e].referenceKey != 0 {
            // Ascending transfer ids, so the first hit is the smallest.
            for p in referenceRange(entries[e].referenceKey) {
                let other = Int(refEntries[p])
                guard entryOutcome[other] == .matched, entries[other].direction == entries[e].direction,
                      entries[other].amount == entries[e].amount else { continue }
                let match = Int(entryMatch[other])
                entryOutcome[e] = .duplicate
                duplicates.append(PendingDuplicate(side: .ledger, line: matches[match].line, entry: e,
                                                   original: match, key: entries[e].referenceKey))
                break
            }
        }
    }

    /// Rule 5: an open line that shares a key with open transfers (which then neither equal it
    /// one to one nor net to it as a group) is a mismatch with all of them.
    mutating func findMismatches() {
        for line in lines.indices where lineOutcome[line] == .open {
            let group = openReferenceGroup(line: line)
            guard !group.isEmpty, group.count <= options.maxGroupSize else { continue }
            lineOutcome[line] = .mismatch
            for e in group { entryOutcome[e] = .mismatch }
            mismatches.append(PendingMismatch(line: line, entries: group,
                                              ledgerAmount: netAmount(group, direction: lineDirections[line])))
        }
    }
}
