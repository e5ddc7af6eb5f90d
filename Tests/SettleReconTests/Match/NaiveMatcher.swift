import SettleMoney
@testable import SettleRecon

/// The outcome of a reconciliation reduced to what the rules decide, so the matcher and the
/// naive model can be compared without caring how either builds its report.
struct Outcomes: Equatable, CustomStringConvertible {
    var matched: [String] = []
    var unmatchedLines: [Int] = []
    var unmatchedEntries: [UInt128] = []
    var duplicates: [String] = []
    var mismatches: [String] = []

    init() {}

    init(_ report: ReconReport) {
        matched = report.matched.map { "\($0.sourceLine) \($0.rule.rawValue) \($0.transferIDs) \($0.difference)" }
        unmatchedLines = report.unmatchedLines.map(\.sourceLine)
        unmatchedEntries = report.unmatchedEntries.map(\.transferID)
        duplicates = report.duplicates.map { "\($0.side.rawValue) \($0.sourceLine) \($0.transferID.map { String($0) } ?? "-") of \($0.originalSourceLine) \($0.originalTransferIDs)" }
        mismatches = report.amountMismatches.map { "\($0.sourceLine) \($0.transferIDs) \($0.ledgerAmount)" }
    }

    var description: String {
        "matched \(matched)\nunmatchedLines \(unmatchedLines)\nunmatchedEntries \(unmatchedEntries)\nduplicates \(duplicates)\nmismatches \(mismatches)"
    }
}

/// A deliberately plain model of the documented rules: every rule scans every line against
/// every transfer (O(n·m) and worse), no indexes, no skip links. It models `maxGroupSize` only
/// as "large enough", so differential tests keep groups small.
struct NaiveMatcher {
    enum State { case open, matched, duplicate, mismatch }

    let lines: [StatementLine]
    let entries: [LedgerEntry]
    let options: MatchOptions
    var lineState: [State]
    var entryState: [State]
    var matchOf: [Int: (line: Int, entries: [Int], rule: MatchRule)] = [:]  // by line index
    var lineOfEntry: [Int: Int] = [:]
    var out = Outcomes()

    static func outcomes(lines: [StatementLine], entries: [LedgerEntry], options: MatchOptions) -> Outcomes {
        var model = NaiveMatcher(lines: lines.sorted { $0.sourceLine < $1.sourceLine },
                                 entries: entries.sorted { $0.transferID < $1.transferID }, options: options,
                                 lineState: Array(repeating: .open, count: lines.count),
                                 entryState: Array(repeating: .open, count: entries.count))
        model.run()
        return model.out
    }

    static func key(_ text: String?) -> UInt64? {
        guard let text, text != "NOTPROVIDED", !text.allSatisfy({ $0 == " " }) else { return nil }
        return ExternalReference.key(text)
    }

    func keys(_ l: Int) -> Set<UInt64> {
        let line = lines[l]
        var texts = [line.reference, line.endToEndID, line.accountServicerReference]
        for t in line.transactions { texts += [t.endToEndID, t.accountServicerReference] }
        return Set(texts.compactMap(NaiveMatcher.key))
    }

    func day(_ l: Int) -> Int? { (lines[l].valueDate ?? lines[l].bookingDate)?.dayNumber }
    func distance(_ l: Int, _ e: Int) -> Int { day(l).map { abs($0 - entries[e].date.dayNumber) } ?? 0 }
    func close(_ a: Int64, _ b: Int64) -> Bool { abs(a - b) <= options.amountToleranceMinor }
    func net(_ group: [Int], _ d: Direction) -> Int64 {
        group.reduce(0) { $0 + (entries[$1].direction == d ? entries[$1].amount : -entries[$1].amount) }
    }

    /// The candidate nearest in date, then with the smallest transfer id.
    func best(_ l: Int, _ candidates: [Int]) -> Int? {
        candidates.min { (distance(l, $0), entries[$0].transferID) < (distance(l, $1), entries[$1].transferID) }
    }

    mutating func match(_ l: Int, _ group: [Int], _ rule: MatchRule) {
        lineState[l] = .matched
        let sorted = group.sorted()
        for e in sorted { entryState[e] = .matched; lineOfEntry[e] = l }
        matchOf[l] = (l, sorted, rule)
    }

    func openEntries(where keep: (Int) -> Bool) -> [Int] {
        entries.indices.filter { entryState[$0] == .open && keep($0) }
    }

    mutating func run() {
        for l in lines.indices {
            let ks = keys(l)
            if let e = best(l, openEntries { ks.contains(entries[$0].referenceKey) && entries[$0].direction == lines[l].direction
                                             && close(entries[$0].amount, lines[l].amount) }) {
                match(l, [e], .reference)
            }
        }
        if options.oneToMany {
            for l in lines.indices where lineState[l] == .open && !lines[l].transactions.isEmpty { batch(l) }
            for l in lines.indices where lineState[l] == .open {
                let ks = keys(l)
                let group = openEntries { ks.contains(entries[$0].referenceKey) }
                if group.count >= 2 && close(net(group, lines[l].direction), lines[l].amount) { match(l, group, .oneToMany) }
            }
        }
        duplicatesAndMismatches()
        amountAndDate()
        if options.oneToMany && options.matchDayTotals { dayTotals() }
        finish()
    }

    mutating func batch(_ l: Int) {
        var held: [Int] = []
        for t in lines[l].transactions {
            let ks = Set([t.endToEndID, t.accountServicerReference].compactMap(NaiveMatcher.key))
            let d = t.direction ?? lines[l].direction
            guard let e = best(l, openEntries { e in
                !held.contains(e) && ks.contains(entries[e].referenceKey) && entries[e].direction == d
                    && (t.amount.map { close($0, entries[e].amount) } ?? true)
            }) else { return }
            held.append(e)
        }
        if close(net(held, lines[l].direction), lines[l].amount) { match(l, held, .oneToMany) }
    }

    mutating func duplicatesAndMismatches() {
        for l in lines.indices where lineState[l] == .open {
            let ks = keys(l)
            let originals = lines.indices.filter { o in
                lineState[o] == .matched && lines[o].direction == lines[l].direction && lines[o].amount == lines[l].amount
                    && !keys(o).isDisjoint(with: ks)
            }
            if let o = originals.first {
                lineState[l] = .duplicate
                out.duplicates.append("statement \(lines[l].sourceLine) - of \(lines[o].sourceLine) \(ids(matchOf[o]!.entries))")
            }
        }
        for e in entries.indices where entryState[e] == .open && entries[e].referenceKey != 0 {
            if let f = entries.indices.first(where: { f in
                entryState[f] == .matched && entries[f].referenceKey == entries[e].referenceKey
                    && entries[f].direction == entries[e].direction && entries[f].amount == entries[e].amount
            }) {
                entryState[e] = .duplicate
                let o = lineOfEntry[f]!
                out.duplicates.append("ledger \(lines[o].sourceLine) \(entries[e].transferID) of \(lines[o].sourceLine) \(ids(matchOf[o]!.entries))")
            }
        }
        for l in lines.indices where lineState[l] == .open {
            let ks = keys(l)
            let group = openEntries { ks.contains(entries[$0].referenceKey) }
            guard !group.isEmpty else { continue }
            lineState[l] = .mismatch
            for e in group { entryState[e] = .mismatch }
            out.mismatches.append("\(lines[l].sourceLine) \(ids(group)) \(net(group, lines[l].direction))")
        }
    }

    func ids(_ group: [Int]) -> [UInt128] { group.sorted().map { entries[$0].transferID } }

    mutating func amountAndDate() {
        for l in lines.indices where lineState[l] == .open {
            guard let d = day(l) else { continue }
            if let e = best(l, openEntries { entries[$0].direction == lines[l].direction && close(entries[$0].amount, lines[l].amount)
                                             && abs(entries[$0].date.dayNumber - d) <= options.dateWindowDays }) {
                match(l, [e], .amountDate)
            }
        }
    }

    mutating func dayTotals() {
        for l in lines.indices where lineState[l] == .open {
            guard let d = day(l) else { continue }
            var offsets = [0]
            if options.dateWindowDays > 0 { for k in 1...options.dateWindowDays { offsets += [-k, k] } }
            for offset in offsets {
                let group = openEntries { entries[$0].direction == lines[l].direction && entries[$0].date.dayNumber == d + offset }
                if group.count >= 2 && close(group.reduce(0) { $0 + entries[$1].amount }, lines[l].amount) {
                    match(l, group, .oneToMany)
                    break
                }
            }
        }
    }

    mutating func finish() {
        // Report order: matched by line; duplicates by line, statement side first, then transfer id.
        out.matched = lines.indices.compactMap { l in
            matchOf[l].map { m in "\(lines[l].sourceLine) \(m.rule.rawValue) \(ids(m.entries)) \(lines[l].amount - net(m.entries, lines[l].direction))" }
        }
        out.unmatchedLines = lines.indices.filter { lineState[$0] == .open }.map { lines[$0].sourceLine }
        out.unmatchedEntries = entries.indices.filter { entryState[$0] == .open }.map { entries[$0].transferID }
        out.duplicates.sort { a, b in
            let (la, lb) = (Int(a.split(separator: " ")[1])!, Int(b.split(separator: " ")[1])!)
            if la != lb { return la < lb }
            if a.hasPrefix("statement") != b.hasPrefix("statement") { return a.hasPrefix("statement") }
            return UInt128(a.split(separator: " ")[2]) ?? 0 < UInt128(b.split(separator: " ")[2]) ?? 0
        }
        out.mismatches.sort { Int($0.split(separator: " ")[0])! < Int($1.split(separator: " ")[0])! }
    }
}
