import SettleSeededRandom
import SettleMoney

/// Builds `ReconBenchmark` workloads one scenario at a time. Ordinary traffic is dated within
/// one year; whole-day payouts sit on their own days after it so nothing else shares them;
/// unmatched items have amounts no other item has, so each planted break stays exactly one.
struct WorkloadBuilder {
    static let maxScenarioSize = 6
    static let firstDay = CalendarDate(year: 2026, month: 1, day: 1)!.dayNumber

    var rng: SplitMix64
    var lines: [StatementLine] = []
    var entries: [LedgerEntry] = []
    var planted = ReconBenchmark.Planted()
    private var serial = 0
    private var nextDayTotalDay = WorkloadBuilder.firstDay + 1000

    init(seed: UInt64, capacity: Int) {
        rng = SplitMix64(seed: seed)
        lines.reserveCapacity(capacity)
        entries.reserveCapacity(capacity)
    }

    mutating func addScenario() {
        switch Int.random(in: 0..<1000, using: &rng) {
        case 0..<800, 900..<910: addReferencePair()
        case 800..<880: addAmountDatePair()
        case 880..<900: addPayout()
        case 910..<920: addBatch()
        case 920..<922: addDayTotal()
        case 922..<932: addStatementDuplicate()
        case 932..<937: addLedgerDuplicate()
        case 937..<947: addMismatch()
        case 947..<960: addUnmatchedEntry()
        default: addUnmatchedLine()  // one-to-many adds more transfers than lines: this evens it
        }
    }

    private mutating func reference(_ prefix: String) -> String {
        serial += 1
        return prefix + String(serial, radix: 16)
    }

    private mutating func amount() -> Int64 { Int64.random(in: 100...9_999_999, using: &rng) }
    private mutating func day() -> Int { WorkloadBuilder.firstDay + Int.random(in: 0..<365, using: &rng) }
    private mutating func direction() -> Direction { Int.random(in: 0..<10, using: &rng) < 8 ? .credit : .debit }

    /// A unique amount above every ordinary one, so an unmatched item cannot pair by amount.
    private mutating func uniqueAmount() -> Int64 {
        serial += 1
        return 10_000_000_000 + Int64(serial)
    }

    mutating func entry(_ amount: Int64, _ direction: Direction, day: Int, reference: String?) {
        let id = UInt128(rng.next()) << 64 | UInt128(rng.next())
        entries.append(LedgerEntry(transferID: id, amount: amount, direction: direction,
                                   date: CalendarDate(dayNumber: day), referenceKey: reference.map { ExternalReference.key($0) } ?? 0))
    }

    mutating func line(_ amount: Int64, _ direction: Direction, day: Int, reference: String?,
                       transactions: [EntryTransaction] = []) {
        lines.append(StatementLine(sourceLine: lines.count + 1, amount: amount, currency: "EUR", direction: direction,
                                   bookingDate: CalendarDate(dayNumber: day), valueDate: CalendarDate(dayNumber: day),
                                   reference: reference, transactions: transactions))
    }

    mutating func addReferencePair() {
        let (a, d, day, ref) = (amount(), direction(), day(), reference("psp_"))
        entry(a, d, day: day, reference: ref)
        line(a, d, day: day + Int.random(in: 0...2, using: &rng), reference: ref)
        planted.byReference += 1
    }

    mutating func addAmountDatePair() {
        let (a, d, day) = (amount(), direction(), day())
        entry(a, d, day: day, reference: nil)
        line(a, d, day: day + Int.random(in: -2...2, using: &rng), reference: nil)
        planted.byAmountDate += 1
    }

    mutating func addPayout() {
        let (payout, day) = (reference("po_"), day())
        let parts = (0..<Int.random(in: 2...4, using: &rng)).map { _ in amount() }
        for part in parts { entry(part, .credit, day: day, reference: payout) }
        line(parts.reduce(0, +), .credit, day: day + 2, reference: payout)
        planted.payouts += 1
    }

    mutating func addBatch() {
        let day = day()
        var transactions: [EntryTransaction] = []
        for _ in 0..<Int.random(in: 2...4, using: &rng) {
            let (a, ref) = (amount(), reference("e2e_"))
            entry(a, .debit, day: day, reference: ref)
            transactions.append(EntryTransaction(amount: a, direction: .debit, endToEndID: ref))
        }
        let total = transactions.reduce(0) { $0 + ($1.amount ?? 0) }
        line(total, .debit, day: day + 1, reference: transactions[0].endToEndID, transactions: transactions)
        planted.batches += 1
    }

    mutating func addDayTotal() {
        let day = nextDayTotalDay
        nextDayTotalDay += 10
        let parts = (0..<Int.random(in: 2...5, using: &rng)).map { _ in amount() }
        for part in parts { entry(part, .credit, day: day, reference: nil) }
        line(parts.reduce(0, +), .credit, day: day + 1, reference: nil)
        planted.dayTotals += 1
    }

    mutating func addStatementDuplicate() {
        let (a, d, day, ref) = (amount(), direction(), day(), reference("psp_"))
        entry(a, d, day: day, reference: ref)
        line(a, d, day: day, reference: ref)
        line(a, d, day: day + 1, reference: ref)
        planted.byReference += 1
        planted.statementDuplicates += 1
    }

    mutating func addLedgerDuplicate() {
        let (a, d, day, ref) = (amount(), direction(), day(), reference("psp_"))
        entry(a, d, day: day, reference: ref)
        entry(a, d, day: day, reference: ref)
        line(a, d, day: day, reference: ref)
        planted.byReference += 1
        planted.ledgerDuplicates += 1
    }

    mutating func addMismatch() {
        let (a, d, day, ref) = (amount(), direction(), day(), reference("psp_"))
        entry(a, d, day: day, reference: ref)
        line(a + Int64.random(in: 1...500, using: &rng), d, day: day, reference: ref)
        planted.mismatches += 1
    }

    mutating func addUnmatchedLine() {
        let (ref, day) = (reference("missing_"), day())
        line(uniqueAmount(), direction(), day: day, reference: ref)
        planted.unmatchedLines += 1
    }

    mutating func addUnmatchedEntry() {
        let (ref, day) = (reference("unsettled_"), day())
        entry(uniqueAmount(), direction(), day: day, reference: ref)
        planted.unmatchedEntries += 1
    }
}
