import SettleSeededRandom
import Foundation
import SettleMoney
import Testing
@testable import SettleRecon

/// Small random statements built to collide: few amounts, few references, few days, both
/// directions, batched lines, missing dates and placeholders.
struct RandomCase {
    var lines: [StatementLine] = []
    var entries: [LedgerEntry] = []
    var options = MatchOptions()

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let refs = ["r1", "r2", "r3", "r4", "po1", "po2", "NOTPROVIDED", " "]
        let amounts: [Int64] = [100, 101, 150, 200, 250, 300, 350, 450]
        func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
        func maybeRef() -> String? { Int.random(in: 0..<3, using: &rng) == 0 ? nil : pick(refs) }
        options = MatchOptions(dateWindowDays: pick([0, 1, 3]), amountToleranceMinor: pick([0, 0, 1, 50]),
                               oneToMany: Int.random(in: 0..<5, using: &rng) != 0,
                               matchDayTotals: Bool.random(using: &rng))
        var ids = Array(UInt128(1)...UInt128(60))
        ids.shuffle(using: &rng)
        for i in 0..<Int.random(in: 0...25, using: &rng) {
            let direction: Direction = Int.random(in: 0..<4, using: &rng) == 0 ? .debit : .credit
            entries.append(LedgerEntry(transferID: ids[i], amount: pick(amounts), direction: direction,
                                       date: CalendarDate(dayNumber: baseDay + Int.random(in: 0..<8, using: &rng)),
                                       referenceKey: maybeRef().map { ExternalReference.key($0) } ?? 0))
        }
        var sourceLines = Array(1...60)
        sourceLines.shuffle(using: &rng)
        for i in 0..<Int.random(in: 0...25, using: &rng) {
            let direction: Direction = Int.random(in: 0..<4, using: &rng) == 0 ? .debit : .credit
            var transactions: [EntryTransaction] = []
            if Int.random(in: 0..<6, using: &rng) == 0 {
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    transactions.append(EntryTransaction(amount: Bool.random(using: &rng) ? pick(amounts) : nil,
                                                         direction: Bool.random(using: &rng) ? direction : nil,
                                                         endToEndID: maybeRef(), accountServicerReference: maybeRef()))
                }
            }
            let amount = transactions.isEmpty || Bool.random(using: &rng)
                ? pick(amounts) + pick([0, 0, 100, 200]) : transactions.reduce(0) { $0 + ($1.amount ?? 0) }
            let day: CalendarDate? = Int.random(in: 0..<8, using: &rng) == 0 ? nil : CalendarDate(dayNumber: baseDay + Int.random(in: 0..<8, using: &rng))
            lines.append(StatementLine(sourceLine: sourceLines[i], amount: amount, currency: "EUR", direction: direction,
                                       bookingDate: day, reference: maybeRef(),
                                       accountServicerReference: Int.random(in: 0..<4, using: &rng) == 0 ? maybeRef() : nil,
                                       endToEndID: Int.random(in: 0..<4, using: &rng) == 0 ? maybeRef() : nil,
                                       transactions: transactions))
        }
    }
}

@Suite struct MatcherDifferentialTests {
    /// Replay one failing case with `MATCH_SEED=<seed> swift test --filter MatcherDifferential`.
    static var seeds: [UInt64] {
        if let text = Environment.value("MATCH_SEED"), let seed = UInt64(text) { return [seed] }
        let start = UInt64.random(in: 0..<(1 << 40))
        return (0..<1500).map { start + $0 }
    }

    @Test func matcherAgreesWithTheNaiveModel() {
        var failures = 0
        for seed in MatcherDifferentialTests.seeds where failures < 3 {
            let c = RandomCase(seed: seed)
            let report = Matcher.reconcile(lines: c.lines, entries: c.entries, options: c.options)
            let expected = NaiveMatcher.outcomes(lines: c.lines, entries: c.entries, options: c.options)
            let actual = Outcomes(report)
            #expect(actual == expected, "replay with MATCH_SEED=\(seed)\nmatcher:\n\(actual)\nmodel:\n\(expected)")
            #expect(isPartition(report, lines: c.lines, entries: c.entries), "replay with MATCH_SEED=\(seed)")
            if actual != expected { failures += 1 }
        }
    }

    @Test func shuffledInputsGiveTheIdenticalReport() {
        var rng = SplitMix64(seed: 7)
        for seed in UInt64(0)..<300 {
            let c = RandomCase(seed: seed)
            let report = Matcher.reconcile(lines: c.lines, entries: c.entries, options: c.options)
            let shuffled = Matcher.reconcile(lines: c.lines.shuffled(using: &rng), entries: c.entries.shuffled(using: &rng),
                                             options: c.options)
            #expect(report == shuffled, "seed \(seed)")
        }
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name]
    }
}
