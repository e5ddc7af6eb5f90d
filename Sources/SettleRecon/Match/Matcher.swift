import SettleMoney

/// Reconciles a statement's lines against the transfers on the clearing account it reports.
///
/// Rules run in this order, each over what earlier rules left open, each greedy in source-line
/// order, and each breaking ties by date distance to the line, then by the smaller transfer id:
///
/// 1. **Reference** (1:1): a transfer whose reference key is one of the line's keys, in the
///    line's direction, amount within tolerance.
/// 2. **Batch** (one-to-many): a line listing transactions where every transaction's
///    reference finds its own transfer (same direction, amount within tolerance when stated)
///    and the transfers' net sum equals the line within tolerance.
/// 3. **Reference group** (one-to-many): all open transfers carrying any of the line's keys
///    (either direction, at least two) net to the line amount within tolerance.
/// 4. **Duplicates**: an open line with a key, direction and exact amount of a line matched by
///    rules 1–3 repeats it; an open transfer with the key, direction and exact amount of a
///    transfer matched by rules 1–3 repeats that one.
/// 5. **Amount mismatch**: an open line that still shares a key with open transfers is paired
///    with all of them and reported with both amounts.
/// 6. **Amount and date** (1:1): same direction, amount within tolerance, dates within the
///    window; the closest date wins, then the smaller transfer id.
/// 7. **Day total** (one-to-many): all open transfers of one day in the window (same direction,
///    at least two) sum to the line within tolerance; nearest day first, earlier day on a tie.
///
/// Reference rules run before amount-and-date because a shared reference is stronger evidence
/// than an equal amount, and the mismatch rule must see the batches first or it would report
/// every payout as a mismatch against one of its transfers.
public enum Matcher {
    /// Deterministic: the report depends only on the multiset of inputs, never on their order.
    /// About O((n + m) log(n + m)) for realistic data: rules 1–5 scan at most
    /// `options.maxGroupSize` transfers per reference key, rule 6 does two binary searches per
    /// distinct amount within the tolerance, rule 7 one per day in the window.
    ///
    /// Lines should have distinct `sourceLine`s (one statement's lines); the transfers one
    /// account in the lines' currency, which the caller selects.
    public static func reconcile(lines: [StatementLine], entries: [LedgerEntry],
                                 options: MatchOptions = MatchOptions()) -> ReconReport {
        var state = MatchState(lines: lines, entries: entries, options: options)
        state.matchByReference()
        if options.oneToMany {
            state.matchBatches()
            state.matchReferenceGroups()
        }
        state.findDuplicateLines()
        state.findDuplicateEntries()
        state.findMismatches()
        state.matchByAmountAndDate()
        if options.oneToMany && options.matchDayTotals { state.matchDayTotals() }
        return state.report()
    }
}

/// Where an input stands as the rules run.
enum Outcome: UInt8 {
    case open, matched, duplicate, mismatch, held
}

/// The matcher's working state: inputs in canonical order, their keys, what each became.
struct MatchState {
    let options: MatchOptions
    /// Sorted by source line (then by content, so equal positions still sort the same).
    let lines: [StatementLine]
    /// The lines' amounts and directions apart from the lines, so hot loops touch no strings.
    let lineAmounts: [Int64]
    let lineDirections: [Direction]
    /// Day numbers; `MatchState.noDate` for a line with neither value nor booking date.
    let lineDates: [Int]
    /// Keys of line i are `lineKeys[keyOffsets[i]..<keyOffsets[i + 1]]`, ascending, unique.
    let keyOffsets: [Int]
    let lineKeys: [UInt64]
    /// Sorted by transfer id.
    let entries: [LedgerEntry]
    /// Transfers with a reference, sorted by (key, transfer id): `refKeys[p]` is the key of
    /// `entries[refEntries[p]]`.
    let refKeys: [UInt64]
    let refEntries: [Int32]

    var lineOutcome: [Outcome]
    var entryOutcome: [Outcome]
    /// For a matched entry, the index in `matches` of its match; else -1.
    var entryMatch: [Int32]
    /// For a matched line, the index in `matches` of its match; else -1.
    var lineMatch: [Int32]
    var matches: [PendingMatch] = []
    var duplicates: [PendingDuplicate] = []
    var mismatches: [PendingMismatch] = []

    static let noDate = Int.min

    init(lines: [StatementLine], entries: [LedgerEntry], options: MatchOptions) {
        self.options = options
        self.lines = lines.sorted(by: MatchState.lineOrder)
        self.entries = entries.sorted(by: MatchState.entryOrder)
        lineAmounts = self.lines.map(\.amount)
        lineDirections = self.lines.map(\.direction)
        lineDates = self.lines.map { ($0.valueDate ?? $0.bookingDate)?.dayNumber ?? MatchState.noDate }
        (keyOffsets, lineKeys) = MatchState.collectKeys(self.lines, maxTransactions: options.maxGroupSize)
        (refKeys, refEntries) = MatchState.referenceIndex(self.entries)
        lineOutcome = Array(repeating: .open, count: lines.count)
        entryOutcome = Array(repeating: .open, count: entries.count)
        entryMatch = Array(repeating: -1, count: entries.count)
        lineMatch = Array(repeating: -1, count: lines.count)
        matches.reserveCapacity(lines.count)
    }

    /// Total order on lines: source position first, then content, so that the report does not
    /// depend on input order even when two lines claim the same position.
    static func lineOrder(_ a: StatementLine, _ b: StatementLine) -> Bool {
        if a.sourceLine != b.sourceLine { return a.sourceLine < b.sourceLine }
        if a.amount != b.amount { return a.amount < b.amount }
        if a.direction != b.direction { return a.direction == .credit }
        let da = (a.valueDate ?? a.bookingDate)?.dayNumber ?? noDate
        let db = (b.valueDate ?? b.bookingDate)?.dayNumber ?? noDate
        if da != db { return da < db }
        for (x, y) in [(a.reference, b.reference), (a.endToEndID, b.endToEndID),
                       (a.accountServicerReference, b.accountServicerReference)] where x != y {
            return (x ?? "") < (y ?? "")
        }
        return a.transactions.count < b.transactions.count
    }

    static func entryOrder(_ a: LedgerEntry, _ b: LedgerEntry) -> Bool {
        if a.transferID != b.transferID { return a.transferID < b.transferID }
        if a.amount != b.amount { return a.amount < b.amount }
        if a.direction != b.direction { return a.direction == .credit }
        if a.date != b.date { return a.date < b.date }
        return a.referenceKey < b.referenceKey
    }

    /// A reference text counts unless it is blank or camt.053's `NOTPROVIDED` placeholder.
    static func referenceKey(_ text: String?) -> UInt64? {
        guard let text, text != CamtParser.notProvided, text.utf8.contains(where: { $0 != 0x20 }) else { return nil }
        return ExternalReference.key(text)
    }

    static func collectKeys(_ lines: [StatementLine], maxTransactions: Int) -> ([Int], [UInt64]) {
        var offsets = [0]
        offsets.reserveCapacity(lines.count + 1)
        var keys: [UInt64] = []
        keys.reserveCapacity(lines.count * 2)
        var scratch: [UInt64] = []
        for line in lines {
            scratch.removeAll(keepingCapacity: true)
            for text in [line.reference, line.endToEndID, line.accountServicerReference] {
                if let key = referenceKey(text) { scratch.append(key) }
            }
            if line.transactions.count <= maxTransactions {
                for t in line.transactions {
                    if let key = referenceKey(t.endToEndID) { scratch.append(key) }
                    if let key = referenceKey(t.accountServicerReference) { scratch.append(key) }
                }
            }
            scratch.sort()
            var last: UInt64? = nil
            for key in scratch where key != last {
                keys.append(key)
                last = key
            }
            offsets.append(keys.count)
        }
        return (offsets, keys)
    }

    static func referenceIndex(_ entries: [LedgerEntry]) -> ([UInt64], [Int32]) {
        var pairs: [(key: UInt64, entry: Int32)] = []
        pairs.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() where e.referenceKey != 0 { pairs.append((e.referenceKey, Int32(i))) }
        pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.entry < $1.entry }
        return (pairs.map(\.key), pairs.map(\.entry))
    }
}
