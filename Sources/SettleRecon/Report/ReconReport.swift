import SettleMoney

/// Which rule paired a statement line with its transfers.
public enum MatchRule: String, Sendable, Codable, Hashable, CaseIterable {
    /// The line and one transfer share an external reference key, direction and amount.
    case reference
    /// No shared reference: same direction and amount, dates within the window.
    case amountDate = "amount_date"
    /// One line settles several transfers (a batched payout).
    case oneToMany = "one_to_many"
}

/// The outcome of reconciling one statement's lines against a clearing account's transfers.
///
/// Every input line appears in exactly one of `matched`, `unmatchedLines`, `duplicates`
/// (statement side) or `amountMismatches`; every transfer in exactly one of `matched`,
/// `unmatchedEntries`, `duplicates` (ledger side) or `amountMismatches`. Lists are ordered by
/// source line, then transfer id, so equal inputs in any order give an equal report.
public struct ReconReport: Sendable, Hashable, Codable {
    /// Counts and totals of every list below, and the options used.
    public var summary: Summary
    /// By source line.
    public var matched: [Match]
    /// By source line.
    public var unmatchedLines: [UnmatchedLine]
    /// By transfer id.
    public var unmatchedEntries: [UnmatchedEntry]
    /// By source line (for a ledger-side duplicate, its original's line), statement side first,
    /// then by transfer id.
    public var duplicates: [Duplicate]
    /// By source line.
    public var amountMismatches: [AmountMismatch]

    public init(summary: Summary, matched: [Match], unmatchedLines: [UnmatchedLine],
                unmatchedEntries: [UnmatchedEntry], duplicates: [Duplicate], amountMismatches: [AmountMismatch]) {
        self.summary = summary
        self.matched = matched
        self.unmatchedLines = unmatchedLines
        self.unmatchedEntries = unmatchedEntries
        self.duplicates = duplicates
        self.amountMismatches = amountMismatches
    }

    enum CodingKeys: String, CodingKey {
        case summary, matched
        case unmatchedLines = "unmatched_lines"
        case unmatchedEntries = "unmatched_entries"
        case duplicates
        case amountMismatches = "amount_mismatches"
    }

    /// A count with its credit and debit totals, in minor units (128-bit so no sum overflows).
    public struct Totals: Sendable, Hashable {
        /// Items in the category (a one-to-many match counts once).
        public var count: Int = 0
        /// Sums of credit and of debit amounts.
        public var creditMinor: Int128 = 0
        public var debitMinor: Int128 = 0

        public init(count: Int = 0, creditMinor: Int128 = 0, debitMinor: Int128 = 0) {
            self.count = count
            self.creditMinor = creditMinor
            self.debitMinor = debitMinor
        }

        mutating func add(_ amount: Int64, _ direction: Direction) {
            count += 1
            if direction == .credit { creditMinor += Int128(amount) } else { debitMinor += Int128(amount) }
        }
    }

    /// Counts and totals per category, and the options that produced them, so a report read
    /// later says how it was made.
    public struct Summary: Sendable, Hashable, Codable {
        /// Inputs: statement lines and ledger transfers.
        public var lineCount: Int
        public var entryCount: Int
        /// The options the report was made with.
        public var options: MatchOptions
        /// Matched lines, totalled over the line amounts.
        public var matched: Totals
        /// How many matches each rule made.
        public var matchedByReference: Int
        public var matchedByAmountDate: Int
        public var matchedOneToMany: Int
        /// Unmatched lines, totalled over their amounts.
        public var unmatchedLines: Totals
        /// Unmatched transfers, totalled over their amounts.
        public var unmatchedEntries: Totals
        /// Statement-side and ledger-side duplicates, totalled over the duplicated amount.
        public var duplicates: Totals
        /// Mismatches, totalled over the line amounts.
        public var amountMismatches: Totals

        enum CodingKeys: String, CodingKey {
            case lineCount = "line_count"
            case entryCount = "entry_count"
            case options, matched
            case matchedByReference = "matched_by_reference"
            case matchedByAmountDate = "matched_by_amount_date"
            case matchedOneToMany = "matched_one_to_many"
            case unmatchedLines = "unmatched_lines"
            case unmatchedEntries = "unmatched_entries"
            case duplicates
            case amountMismatches = "amount_mismatches"
        }
    }

    /// A line and the transfers it settles.
    public struct Match: Sendable, Hashable {
        /// The line's position in its statement file.
        public var sourceLine: Int
        /// The line's `reference`, as the statement wrote it.
        public var reference: String?
        public var direction: Direction
        /// The line's amount.
        public var amount: Int64
        /// The line's value date, else its booking date.
        public var date: CalendarDate?
        /// Ascending.
        public var transferIDs: [UInt128]
        public var rule: MatchRule
        /// Line amount − the transfers' net amount in the line's direction; nonzero only within
        /// the tolerance.
        public var difference: Int64
    }

    /// A statement line no rule paired with a transfer: money the ledger does not know about.
    public struct UnmatchedLine: Sendable, Hashable {
        public var sourceLine: Int
        public var reference: String?
        public var direction: Direction
        public var amount: Int64
        public var date: CalendarDate?
    }

    /// A transfer no line settled: money the processor has not (yet) reported.
    public struct UnmatchedEntry: Sendable, Hashable {
        public var transferID: UInt128
        public var direction: Direction
        public var amount: Int64
        public var date: CalendarDate
        /// 0 when the transfer carries no external reference.
        public var referenceKey: UInt64
    }

    /// The same payment twice on one side: the double-charge signal.
    public struct Duplicate: Sendable, Hashable {
        public enum Side: String, Sendable, Codable, Hashable {
            /// The statement has an extra line (the processor charged or paid twice; the ledger
            /// recorded it once). `sourceLine` is the extra line.
            case statement
            /// The ledger has an extra transfer (recorded twice, charged once). `transferID` is
            /// the extra transfer.
            case ledger
        }

        public var side: Side
        /// Statement side: the extra line. Ledger side: the line the original transfer matched.
        public var sourceLine: Int
        /// Ledger side: the extra transfer; nil on the statement side.
        public var transferID: UInt128?
        /// Statement side: the matched line this one repeats. Ledger side: equal to `sourceLine`.
        public var originalSourceLine: Int
        /// The transfers the original line matched (ascending).
        public var originalTransferIDs: [UInt128]
        /// The reference text of the line named by `sourceLine`.
        public var reference: String?
        public var referenceKey: UInt64
        public var direction: Direction
        public var amount: Int64
        /// The extra line's date (statement side) or the extra transfer's date (ledger side).
        public var date: CalendarDate?
    }

    /// A line and transfers that share a reference but not the amount.
    public struct AmountMismatch: Sendable, Hashable {
        public var sourceLine: Int
        public var reference: String?
        public var direction: Direction
        public var lineAmount: Int64
        /// The transfers' net amount in the line's direction (negative when they move money
        /// the other way); 128-bit because it sums a group.
        public var ledgerAmount: Int128
        /// `lineAmount − ledgerAmount`.
        public var difference: Int128
        /// Ascending.
        public var transferIDs: [UInt128]
        public var date: CalendarDate?
    }
}
