import SettleSeededRandom
import SettleMoney

/// A seeded, realistic reconciliation workload and a timer around `Matcher.reconcile`, for
/// `settle bench recon` and for tests that plant known breaks in generated data.
public enum ReconBenchmark {
    /// What the generator planted, so a test can check the report finds exactly that.
    public struct Planted: Sendable, Hashable {
        public var byReference = 0
        public var byAmountDate = 0
        /// Payouts whose transfers carry the payout id, batches listing their transactions, and
        /// whole-day payouts.
        public var payouts = 0, batches = 0, dayTotals = 0
        public var statementDuplicates = 0, ledgerDuplicates = 0, mismatches = 0
        public var unmatchedLines = 0, unmatchedEntries = 0
    }

    /// Generated inputs for `Matcher.reconcile`, and what was planted in them.
    public struct Workload: Sendable {
        public var lines: [StatementLine]
        public var entries: [LedgerEntry]
        public var planted: Planted
    }

    /// `count` lines and `count` entries, the same for the same seed on every platform. The mix
    /// per scenario: 81% reference matches, 8% amount and date only, 2% payouts by a shared
    /// payout id, 1% batched lines, 0.2% whole-day payouts, 1% statement duplicates, 0.5%
    /// ledger duplicates, 1% amount mismatches, 1.3% transfers
    /// and 4% lines unmatched; the side that ends short is filled with unmatched items.
    public static func generate(count: Int, seed: UInt64) -> Workload {
        var g = WorkloadBuilder(seed: seed, capacity: count)
        while g.lines.count + WorkloadBuilder.maxScenarioSize <= count,
              g.entries.count + WorkloadBuilder.maxScenarioSize <= count {
            g.addScenario()
        }
        while g.lines.count < count { g.addUnmatchedLine() }
        while g.entries.count < count { g.addUnmatchedEntry() }
        return Workload(lines: g.lines, entries: g.entries, planted: g.planted)
    }

    /// Generates `count` × `count` from `seed`, then times `Matcher.reconcile` alone.
    public static func run(count: Int, seed: UInt64,
                           options: MatchOptions = MatchOptions()) -> (summary: ReconReport.Summary, seconds: Double) {
        let workload = generate(count: count, seed: seed)
        let clock = ContinuousClock()
        let start = clock.now
        let report = Matcher.reconcile(lines: workload.lines, entries: workload.entries, options: options)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (report.summary, seconds)
    }
}
