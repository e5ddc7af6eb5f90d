/// How loosely the matcher pairs statement lines with ledger transfers. The defaults suit a
/// processor clearing account in one currency: exact amounts, three days between the ledger
/// posting and the processor's value date, batched payouts on.
public struct MatchOptions: Sendable, Codable, Hashable {
    /// The largest |line date − transfer date| in days that the amount-and-date pass and the
    /// day-total pass accept. Reference passes ignore dates except to break ties.
    public var dateWindowDays: Int
    /// The largest |line amount − ledger amount| in minor units still counted as equal (FX or
    /// fee rounding). 0 means exact. Applies to every rule, including group sums.
    public var amountToleranceMinor: Int64
    /// Whether one line may settle several transfers (batched payouts: by a shared reference,
    /// by the line's listed transactions, or by a whole day's transfers).
    public var oneToMany: Bool
    /// Whether the day-total rule runs (a line equal to the sum of all still-unmatched transfers
    /// of one day in the window). Needs `oneToMany`.
    public var matchDayTotals: Bool
    /// The most transfers one line can settle, and the most transfers sharing one reference
    /// key that reference matching looks at: a limit that bounds the work per line.
    public var maxGroupSize: Int

    /// Limits on the options, because the work per line grows with them: the day-total rule
    /// tries every day in the window, and the amount-and-date rule visits every distinct
    /// amount within the tolerance.
    public static let dateWindowDaysRange = 0...366
    public static let amountToleranceMinorRange: ClosedRange<Int64> = 0...10_000
    public static let maxGroupSizeRange = 1...1_000_000

    /// Whether every option is within its limit.
    public var isValid: Bool {
        MatchOptions.dateWindowDaysRange.contains(dateWindowDays)
            && MatchOptions.amountToleranceMinorRange.contains(amountToleranceMinor)
            && MatchOptions.maxGroupSizeRange.contains(maxGroupSize)
    }

    /// Traps on options outside their limits; API input goes through `init(from:)`, which throws.
    public init(dateWindowDays: Int = 3, amountToleranceMinor: Int64 = 0, oneToMany: Bool = true,
                matchDayTotals: Bool = true, maxGroupSize: Int = 10_000) {
        self.dateWindowDays = dateWindowDays
        self.amountToleranceMinor = amountToleranceMinor
        self.oneToMany = oneToMany
        self.matchDayTotals = matchDayTotals
        self.maxGroupSize = maxGroupSize
        precondition(isValid, "match options outside their limits")
    }

    enum CodingKeys: String, CodingKey {
        case dateWindowDays = "date_window_days"
        case amountToleranceMinor = "amount_tolerance_minor"
        case oneToMany = "one_to_many"
        case matchDayTotals = "match_day_totals"
        case maxGroupSize = "max_group_size"
    }

    /// Missing keys take their defaults, so an API caller sends only what it changes. The
    /// tolerance is an amount and, like every amount in the Settle API, a decimal string.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MatchOptions()
        dateWindowDays = try c.decodeIfPresent(Int.self, forKey: .dateWindowDays) ?? defaults.dateWindowDays
        oneToMany = try c.decodeIfPresent(Bool.self, forKey: .oneToMany) ?? defaults.oneToMany
        matchDayTotals = try c.decodeIfPresent(Bool.self, forKey: .matchDayTotals) ?? defaults.matchDayTotals
        maxGroupSize = try c.decodeIfPresent(Int.self, forKey: .maxGroupSize) ?? defaults.maxGroupSize
        amountToleranceMinor = defaults.amountToleranceMinor
        if let text = try c.decodeIfPresent(String.self, forKey: .amountToleranceMinor) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: .amountToleranceMinor, in: c,
                                                       debugDescription: "\(text) is not an integer")
            }
            amountToleranceMinor = value
        }
        guard isValid else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "date_window_days must be in 0...366, amount_tolerance_minor in 0...10000, max_group_size in 1...1000000"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dateWindowDays, forKey: .dateWindowDays)
        try c.encode(String(amountToleranceMinor), forKey: .amountToleranceMinor)
        try c.encode(oneToMany, forKey: .oneToMany)
        try c.encode(matchDayTotals, forKey: .matchDayTotals)
        try c.encode(maxGroupSize, forKey: .maxGroupSize)
    }
}
