// The report as the Settle API returns it: snake_case keys, and 128-bit ids, reference keys
// and every amount as decimal strings (JSON numbers lose precision past 2^53 in most clients).

extension KeyedEncodingContainer {
    mutating func encodeDecimal(_ value: some BinaryInteger, forKey key: Key) throws {
        try encode(String(value), forKey: key)
    }

    mutating func encodeDecimals(_ values: [some BinaryInteger], forKey key: Key) throws {
        try encode(values.map { String($0) }, forKey: key)
    }
}

extension KeyedDecodingContainer {
    func decodeDecimal<T: FixedWidthInteger>(_ type: T.Type, forKey key: Key) throws -> T {
        let text = try decode(String.self, forKey: key)
        guard let value = T(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(text) is not a decimal integer")
        }
        return value
    }

    func decodeDecimals<T: FixedWidthInteger>(_ type: T.Type, forKey key: Key) throws -> [T] {
        try decode([String].self, forKey: key).map { text in
            guard let value = T(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(text) is not a decimal integer")
            }
            return value
        }
    }
}

extension ReconReport.Totals: Codable {
    enum CodingKeys: String, CodingKey {
        case count
        case creditMinor = "credit_minor"
        case debitMinor = "debit_minor"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(count: try c.decode(Int.self, forKey: .count),
                  creditMinor: try c.decodeDecimal(Int128.self, forKey: .creditMinor),
                  debitMinor: try c.decodeDecimal(Int128.self, forKey: .debitMinor))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encodeDecimal(creditMinor, forKey: .creditMinor)
        try c.encodeDecimal(debitMinor, forKey: .debitMinor)
    }
}

extension ReconReport.Match: Codable {
    enum CodingKeys: String, CodingKey {
        case sourceLine = "source_line"
        case reference, direction, amount, date
        case transferIDs = "transfer_ids"
        case rule, difference
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sourceLine: try c.decode(Int.self, forKey: .sourceLine),
                  reference: try c.decodeIfPresent(String.self, forKey: .reference),
                  direction: try c.decode(Direction.self, forKey: .direction),
                  amount: try c.decodeDecimal(Int64.self, forKey: .amount),
                  date: try c.decodeIfPresent(CalendarDate.self, forKey: .date),
                  transferIDs: try c.decodeDecimals(UInt128.self, forKey: .transferIDs),
                  rule: try c.decode(MatchRule.self, forKey: .rule),
                  difference: try c.decodeDecimal(Int64.self, forKey: .difference))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sourceLine, forKey: .sourceLine)
        try c.encode(reference, forKey: .reference)
        try c.encode(direction, forKey: .direction)
        try c.encodeDecimal(amount, forKey: .amount)
        try c.encode(date, forKey: .date)
        try c.encodeDecimals(transferIDs, forKey: .transferIDs)
        try c.encode(rule, forKey: .rule)
        try c.encodeDecimal(difference, forKey: .difference)
    }
}

extension ReconReport.UnmatchedLine: Codable {
    enum CodingKeys: String, CodingKey {
        case sourceLine = "source_line"
        case reference, direction, amount, date
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sourceLine: try c.decode(Int.self, forKey: .sourceLine),
                  reference: try c.decodeIfPresent(String.self, forKey: .reference),
                  direction: try c.decode(Direction.self, forKey: .direction),
                  amount: try c.decodeDecimal(Int64.self, forKey: .amount),
                  date: try c.decodeIfPresent(CalendarDate.self, forKey: .date))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sourceLine, forKey: .sourceLine)
        try c.encode(reference, forKey: .reference)
        try c.encode(direction, forKey: .direction)
        try c.encodeDecimal(amount, forKey: .amount)
        try c.encode(date, forKey: .date)
    }
}

extension ReconReport.UnmatchedEntry: Codable {
    enum CodingKeys: String, CodingKey {
        case transferID = "transfer_id"
        case direction, amount, date
        case referenceKey = "reference_key"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(transferID: try c.decodeDecimal(UInt128.self, forKey: .transferID),
                  direction: try c.decode(Direction.self, forKey: .direction),
                  amount: try c.decodeDecimal(Int64.self, forKey: .amount),
                  date: try c.decode(CalendarDate.self, forKey: .date),
                  referenceKey: try c.decodeDecimal(UInt64.self, forKey: .referenceKey))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeDecimal(transferID, forKey: .transferID)
        try c.encode(direction, forKey: .direction)
        try c.encodeDecimal(amount, forKey: .amount)
        try c.encode(date, forKey: .date)
        try c.encodeDecimal(referenceKey, forKey: .referenceKey)
    }
}
