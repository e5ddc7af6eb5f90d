// The report as one CSV table for spreadsheets and scripts.

extension ReconReport {
    /// The CSV columns, in order.
    public static let csvHeader = [
        "category", "side", "rule", "source_line", "original_source_line", "transfer_ids", "original_transfer_ids",
        "reference", "reference_key", "direction", "amount_minor", "ledger_amount_minor", "difference_minor", "date",
    ]

    /// One row per item, categories in report order (`matched`, `unmatched_line`,
    /// `unmatched_entry`, `duplicate`, `amount_mismatch`), with a header row; RFC 4180: CRLF line
    /// ends, and any field holding a comma, quote, CR or LF quoted with its quotes doubled.
    /// Amounts are minor units so the file stays exact; several transfer ids are separated by
    /// spaces. Empty cells mean "not applicable to this category".
    public func csv() -> String {
        var out = ReconReport.csvRow(ReconReport.csvHeader)
        for m in matched {
            out += ReconReport.csvRow(["matched", "", m.rule.rawValue, String(m.sourceLine), "", Self.ids(m.transferIDs), "",
                                       m.reference ?? "", "", m.direction.rawValue, String(m.amount),
                                       String(Int128(m.amount) - Int128(m.difference)), String(m.difference),
                                       m.date?.description ?? ""])
        }
        for l in unmatchedLines {
            out += ReconReport.csvRow(["unmatched_line", "", "", String(l.sourceLine), "", "", "", l.reference ?? "", "",
                                       l.direction.rawValue, String(l.amount), "", "", l.date?.description ?? ""])
        }
        for e in unmatchedEntries {
            out += ReconReport.csvRow(["unmatched_entry", "", "", "", "", String(e.transferID), "", "",
                                       String(e.referenceKey), e.direction.rawValue, "", String(e.amount), "",
                                       e.date.description])
        }
        for d in duplicates {
            out += ReconReport.csvRow(["duplicate", d.side.rawValue, "", String(d.sourceLine), String(d.originalSourceLine),
                                       d.transferID.map { String($0) } ?? "", Self.ids(d.originalTransferIDs),
                                       d.reference ?? "", String(d.referenceKey), d.direction.rawValue,
                                       String(d.amount), "", "", d.date?.description ?? ""])
        }
        for x in amountMismatches {
            out += ReconReport.csvRow(["amount_mismatch", "", "", String(x.sourceLine), "", Self.ids(x.transferIDs), "",
                                       x.reference ?? "", "", x.direction.rawValue, String(x.lineAmount),
                                       String(x.ledgerAmount), String(x.difference), x.date?.description ?? ""])
        }
        return out
    }

    /// Transfer ids in one cell or column, space-separated.
    static func ids(_ ids: [UInt128]) -> String { ids.map { String($0) }.joined(separator: " ") }

    static func csvRow(_ fields: [String]) -> String {
        fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    /// RFC 4180 quoting, as the statement writer quotes its fields.
    static func csvField(_ text: String) -> String { StatementWriter.csvField(text, delimiter: ",") }
}
