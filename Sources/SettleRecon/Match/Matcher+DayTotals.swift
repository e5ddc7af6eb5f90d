/// Open transfers grouped by day, for one direction: the data rule 7 needs.
struct DayGroups {
    /// Distinct days, ascending; group g holds `members[start[g]..<start[g + 1]]`.
    var days: [Int] = []
    var start: [Int] = []
    var members: [Int] = []
    var sums: [Int128] = []
    /// Cleared when a group is matched as a whole.
    var isOpen: [Bool] = []

    init(entries: [LedgerEntry], candidates: [Int]) {
        members = candidates.sorted {
            entries[$0].date != entries[$1].date ? entries[$0].date < entries[$1].date : $0 < $1
        }
        for (p, e) in members.enumerated() {
            let day = entries[e].date.dayNumber
            if days.last != day {
                days.append(day)
                start.append(p)
                sums.append(0)
            }
            sums[sums.count - 1] += Int128(entries[e].amount)
        }
        start.append(members.count)
        isOpen = Array(repeating: true, count: days.count)
    }

    func group(day: Int) -> Int? {
        let g = lowerBound(days, day)
        return g < days.count && days[g] == day && isOpen[g] ? g : nil
    }

    func count(_ g: Int) -> Int { start[g + 1] - start[g] }
}

// Rule 7: one line settles a whole day of transfers (a daily payout without references).
extension MatchState {
    /// Only whole days are tried: all still-open transfers of one direction and one day, at
    /// least two and at most `maxGroupSize`, summing to the line within tolerance. Subsets of a
    /// day are not searched (that is subset-sum, NP-hard, and a coincidental subset would be a
    /// false match); days nearer the line's date are tried first, the earlier day on a tie.
    mutating func matchDayTotals() {
        var groups = [Direction.credit, .debit].map { direction in
            DayGroups(entries: entries, candidates: entries.indices.filter {
                entryOutcome[$0] == .open && entries[$0].direction == direction
            })
        }
        for line in lines.indices where lineOutcome[line] == .open && lineDates[line] != MatchState.noDate {
            let d = lineDirections[line] == .credit ? 0 : 1
            for offset in MatchState.dayOffsets(window: options.dateWindowDays) {
                guard let g = groups[d].group(day: lineDates[line] + offset),
                      groups[d].count(g) >= 2, groups[d].count(g) <= options.maxGroupSize,
                      isWithinTolerance(Int128(lineAmounts[line]) - groups[d].sums[g]) else { continue }
                let members = Array(groups[d].members[groups[d].start[g]..<groups[d].start[g + 1]])
                record(line: line, entries: members, rule: .oneToMany)
                groups[d].isOpen[g] = false
                break
            }
        }
    }

    /// 0, −1, +1, −2, +2, … ±window.
    static func dayOffsets(window: Int) -> [Int] {
        var offsets = [0]
        for k in stride(from: 1, through: window, by: 1) { offsets += [-k, k] }
        return offsets
    }
}
