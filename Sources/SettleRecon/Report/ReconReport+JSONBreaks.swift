// JSON for the two break categories; see ReconReport+JSON.swift for the conventions.

extension ReconReport.Duplicate: Codable {
    enum CodingKeys: String, CodingKey {
        case side
        case sourceLine = "source_line"
        case transferID = "transfer_id"
        case originalSourceLine = "original_source_line"
        case originalTransferIDs = "original_transfer_ids"
        case reference
        case referenceKey = "reference_key"
        case direction, amount, date
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let transferID = try c.decodeIfPresent(String.self, forKey: .transferID)
        self.init(side: try c.decode(Side.self, forKey: .side),
                  sourceLine: try c.decode(Int.self, forKey: .sourceLine),
                  transferID: try transferID.map { text in
                      guard let id = UInt128(text) else {
                          throw DecodingError.dataCorruptedError(forKey: .transferID, in: c, debugDescription: "\(text) is not an id")
                      }
                      return id
                  },
                  originalSourceLine: try c.decode(Int.self, forKey: .originalSourceLine),
                  originalTransferIDs: try c.decodeDecimals(UInt128.self, forKey: .originalTransferIDs),
                  reference: try c.decodeIfPresent(String.self, forKey: .reference),
                  referenceKey: try c.decodeDecimal(UInt64.self, forKey: .referenceKey),
                  direction: try c.decode(Direction.self, forKey: .direction),
                  amount: try c.decodeDecimal(Int64.self, forKey: .amount),
                  date: try c.decodeIfPresent(CalendarDate.self, forKey: .date))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(side, forKey: .side)
        try c.encode(sourceLine, forKey: .sourceLine)
        try c.encode(transferID.map { String($0) }, forKey: .transferID)
        try c.encode(originalSourceLine, forKey: .originalSourceLine)
        try c.encodeDecimals(originalTransferIDs, forKey: .originalTransferIDs)
        try c.encode(reference, forKey: .reference)
        try c.encodeDecimal(referenceKey, forKey: .referenceKey)
        try c.encode(direction, forKey: .direction)
        try c.encodeDecimal(amount, forKey: .amount)
        try c.encode(date, forKey: .date)
    }
}

extension ReconReport.AmountMismatch: Codable {
    enum CodingKeys: String, CodingKey {
        case sourceLine = "source_line"
        case reference, direction
        case lineAmount = "line_amount"
        case ledgerAmount = "ledger_amount"
        case difference
        case transferIDs = "transfer_ids"
        case date
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sourceLine: try c.decode(Int.self, forKey: .sourceLine),
                  reference: try c.decodeIfPresent(String.self, forKey: .reference),
                  direction: try c.decode(Direction.self, forKey: .direction),
                  lineAmount: try c.decodeDecimal(Int64.self, forKey: .lineAmount),
                  ledgerAmount: try c.decodeDecimal(Int128.self, forKey: .ledgerAmount),
                  difference: try c.decodeDecimal(Int128.self, forKey: .difference),
                  transferIDs: try c.decodeDecimals(UInt128.self, forKey: .transferIDs),
                  date: try c.decodeIfPresent(CalendarDate.self, forKey: .date))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sourceLine, forKey: .sourceLine)
        try c.encode(reference, forKey: .reference)
        try c.encode(direction, forKey: .direction)
        try c.encodeDecimal(lineAmount, forKey: .lineAmount)
        try c.encodeDecimal(ledgerAmount, forKey: .ledgerAmount)
        try c.encodeDecimal(difference, forKey: .difference)
        try c.encodeDecimals(transferIDs, forKey: .transferIDs)
        try c.encode(date, forKey: .date)
    }
}
