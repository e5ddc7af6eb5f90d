/// A match before it becomes a report row (indices into the state's sorted inputs).
struct PendingMatch {
    var line: Int
    /// Ascending, which is ascending transfer id.
    var entries: [Int]
    var rule: MatchRule
    var difference: Int64
}

// Rules 1–3: a shared external reference.
extension MatchState {
    func keys(ofLine line: Int) -> ArraySlice<UInt64> { lineKeys[keyOffsets[line]..<keyOffsets[line + 1]] }

    /// Positions in `refKeys` holding `key`; empty when more transfers than `maxGroupSize` share
    /// it (a key that common says nothing about one payment, and scanning it is unbounded work).
    func referenceRange(_ key: UInt64) -> Range<Int> {
        let lower = lowerBound(refKeys, key)
        var upper = lower
        while upper < refKeys.count, refKeys[upper] == key {
            upper += 1
            if upper - lower > options.maxGroupSize { return lower..<lower }
        }
        return lower..<upper
    }

    /// Days between the line's date and the transfer's; 0 when the line has no date, so that
    /// ties then fall to the transfer id.
    func dateDistance(line: Int, entry: Int) -> Int {
        let d = lineDates[line]
        return d == MatchState.noDate ? 0 : abs(d - entries[entry].date.dayNumber)
    }

    func isWithinTolerance(_ difference: Int128) -> Bool {
        difference.magnitude <= UInt128(options.amountToleranceMinor)
    }

    /// The transfers' net amount in `direction`'s terms: same-direction amounts add, others subtract.
    func netAmount(_ group: [Int], direction: Direction) -> Int128 {
        group.reduce(0) { sum, e in
            sum + (entries[e].direction == direction ? Int128(entries[e].amount) : -Int128(entries[e].amount))
        }
    }

    /// True when `candidate` beats `best` for `line`: nearer date, then smaller transfer id.
    func isBetter(_ candidate: Int, than best: Int, line: Int) -> Bool {
        guard best >= 0 else { return true }
        let dc = dateDistance(line: line, entry: candidate), db = dateDistance(line: line, entry: best)
        return dc != db ? dc < db : candidate < best
    }

    mutating func record(line: Int, entries group: [Int], rule: MatchRule) {
        let difference = Int128(lineAmounts[line]) - netAmount(group, direction: lineDirections[line])
        let index = Int32(matches.count)
        matches.append(PendingMatch(line: line, entries: group.sorted(), rule: rule, difference: Int64(difference)))
        lineOutcome[line] = .matched
        lineMatch[line] = index
        for e in group {
            entryOutcome[e] = .matched
            entryMatch[e] = index
        }
    }

    /// Rule 1: one transfer with one of the line's keys, its direction, and its amount.
    mutating func matchByReference() {
        for line in lines.indices {
            var best = -1
            for key in keys(ofLine: line) {
                for p in referenceRange(key) {
                    let e = Int(refEntries[p])
                    guard entryOutcome[e] == .open, entries[e].direction == lineDirections[line],
                          isWithinTolerance(Int128(lineAmounts[line]) - Int128(entries[e].amount)) else { continue }
                    if isBetter(e, than: best, line: line) { best = e }
                }
            }
            if best >= 0 { record(line: line, entries: [best], rule: .reference) }
        }
    }

    /// Rule 2: a batched line whose every listed transaction finds its own transfer.
    mutating func matchBatches() {
        for line in lines.indices where lineOutcome[line] == .open && !lines[line].transactions.isEmpty
            && lines[line].transactions.count <= options.maxGroupSize {
            var held: [Int] = []
            for transaction in lines[line].transactions {
                guard let e = transferFor(transaction, of: line) else { break }
                entryOutcome[e] = .held
                held.append(e)
            }
            for e in held { entryOutcome[e] = .open }
            guard held.count == lines[line].transactions.count,
                  isWithinTolerance(Int128(lineAmounts[line]) - netAmount(held, direction: lineDirections[line]))
            else { continue }
            record(line: line, entries: held, rule: .oneToMany)
        }
    }

    /// The best open transfer for one transaction of a batched line: one of the transaction's
    /// keys, its direction (else the line's), its amount within tolerance when it states one.
    func transferFor(_ transaction: EntryTransaction, of line: Int) -> Int? {
        let direction = transaction.direction ?? lineDirections[line]
        var best = -1
        for text in [transaction.endToEndID, transaction.accountServicerReference] {
            guard let key = MatchState.referenceKey(text) else { continue }
            for p in referenceRange(key) {
                let e = Int(refEntries[p])
                guard entryOutcome[e] == .open, entries[e].direction == direction else { continue }
                if let amount = transaction.amount, !isWithinTolerance(Int128(amount) - Int128(entries[e].amount)) { continue }
                if isBetter(e, than: best, line: line) { best = e }
            }
        }
        return best >= 0 ? best : nil
    }

    /// Every open transfer carrying one of the line's keys, ascending.
    func openReferenceGroup(line: Int) -> [Int] {
        var group: [Int] = []
        for key in keys(ofLine: line) {
            for p in referenceRange(key) where entryOutcome[Int(refEntries[p])] == .open {
                group.append(Int(refEntries[p]))
            }
        }
        return group.sorted()
    }

    /// Rule 3: the transfers sharing the line's keys (a payout id on each) net to its amount.
    mutating func matchReferenceGroups() {
        for line in lines.indices where lineOutcome[line] == .open {
            let group = openReferenceGroup(line: line)
            guard group.count >= 2, group.count <= options.maxGroupSize,
                  isWithinTolerance(Int128(lineAmounts[line]) - netAmount(group, direction: lineDirections[line]))
            else { continue }
            record(line: line, entries: group, rule: .oneToMany)
        }
    }
}

/// The first index in `sorted` whose element is not less than `value`.
func lowerBound<T: Comparable>(_ sorted: [T], _ value: T, in range: Range<Int>? = nil) -> Int {
    var low = range?.lowerBound ?? 0, high = range?.upperBound ?? sorted.count
    while low < high {
        let mid = (low + high) / 2
        if sorted[mid] < value { low = mid + 1 } else { high = mid }
    }
    return low
}
