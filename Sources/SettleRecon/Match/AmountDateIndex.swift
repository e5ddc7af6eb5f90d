/// Open transfers of one direction sorted by (amount, date, transfer id), with skip links past
/// the ones already matched, so that finding the nearest-dated open transfer of an amount is
/// two binary searches and near-constant skipping instead of a scan.
///
/// The skip links are a union-find over positions with path compression: `next[i]` leads to
/// the first open position ≥ i, `previous[i + 1]` to the last open position ≤ i.
struct AmountDateIndex {
    /// Distinct amounts, ascending; bucket b holds positions `bucketStart[b]..<bucketStart[b + 1]`.
    private var amounts: [Int64] = []
    private var bucketStart: [Int] = []
    /// Entry index (into the matcher's sorted entries) at each position.
    private(set) var order: [Int] = []
    private var dates: [Int] = []
    private var next: [Int32] = []
    private var previous: [Int32] = []

    init(entries: [LedgerEntry], candidates: [Int]) {
        order = candidates.sorted {
            let a = entries[$0], b = entries[$1]
            if a.amount != b.amount { return a.amount < b.amount }
            if a.date != b.date { return a.date < b.date }
            return $0 < $1
        }
        dates = order.map { entries[$0].date.dayNumber }
        for (p, e) in order.enumerated() where p == 0 || entries[order[p - 1]].amount != entries[e].amount {
            amounts.append(entries[e].amount)
            bucketStart.append(p)
        }
        bucketStart.append(order.count)
        next = (0...order.count).map { Int32($0) }
        previous = next
    }

    /// The open position nearest in date to `day` among amounts within `tolerance` of
    /// `amount`, at most `window` days away; ties go to the smaller entry index.
    mutating func nearest(amount: Int64, tolerance: Int64, day: Int, window: Int) -> Int? {
        let (high, overflow) = amount.addingReportingOverflow(tolerance)
        let (low, underflow) = amount.subtractingReportingOverflow(tolerance)
        var b = lowerBound(amounts, underflow ? Int64.min : low)
        var best = -1, bestDistance = Int.max
        while b < amounts.count, overflow || amounts[b] <= high {
            if let (p, distance) = nearestInBucket(b, day: day, window: window),
               distance < bestDistance || (distance == bestDistance && order[p] < order[best]) {
                best = p
                bestDistance = distance
            }
            b += 1
        }
        return best >= 0 ? best : nil
    }

    private mutating func nearestInBucket(_ b: Int, day: Int, window: Int) -> (Int, Int)? {
        let start = bucketStart[b], end = bucketStart[b + 1]
        let p = lowerBound(dates, day, in: start..<end)
        var best: (Int, Int)? = nil
        let after = firstOpen(atOrAfter: p)
        if after < end, dates[after] - day <= window { best = (after, dates[after] - day) }
        let before = p > start ? lastOpen(atOrBefore: p - 1) : -1
        if before >= start, day - dates[before] <= window {
            // The smallest entry index of that earlier day is its first open position.
            let first = firstOpen(atOrAfter: lowerBound(dates, dates[before], in: start..<(before + 1)))
            let distance = day - dates[first]
            if best == nil || distance < best!.1 || (distance == best!.1 && order[first] < order[best!.0]) {
                best = (first, distance)
            }
        }
        return best
    }

    mutating func remove(_ p: Int) {
        next[p] = Int32(p + 1)
        previous[p + 1] = Int32(p)
    }

    private mutating func firstOpen(atOrAfter i: Int) -> Int {
        AmountDateIndex.find(i, in: &next)
    }

    /// -1 when there is none.
    private mutating func lastOpen(atOrBefore i: Int) -> Int {
        AmountDateIndex.find(i + 1, in: &previous) - 1
    }

    private static func find(_ i: Int, in links: inout [Int32]) -> Int {
        var root = i
        while Int(links[root]) != root { root = Int(links[root]) }
        var j = i
        while j != root {
            let n = Int(links[j])
            links[j] = Int32(root)
            j = n
        }
        return root
    }
}

// Rule 6: same amount, nearby date.
extension MatchState {
    mutating func matchByAmountAndDate() {
        var indexes = [Direction.credit, .debit].map { direction in
            AmountDateIndex(entries: entries, candidates: entries.indices.filter {
                entryOutcome[$0] == .open && entries[$0].direction == direction
            })
        }
        for line in lines.indices where lineOutcome[line] == .open && lineDates[line] != MatchState.noDate {
            let d = lineDirections[line] == .credit ? 0 : 1
            guard let p = indexes[d].nearest(amount: lineAmounts[line], tolerance: options.amountToleranceMinor,
                                             day: lineDates[line], window: options.dateWindowDays) else { continue }
            record(line: line, entries: [indexes[d].order[p]], rule: .amountDate)
            indexes[d].remove(p)
        }
    }
}
