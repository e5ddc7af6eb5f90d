import SettleMoney

// The report as a page a person reads: no scripts, no external assets, so it can be mailed,
// archived or opened offline as it is.

extension ReconReport {
    /// A self-contained HTML page: the summary table, then one section per category, the breaks
    /// before the (long) list of matches, since the breaks are what a reader acts on. Amounts
    /// are formatted with `currencyExponent` fraction digits; every text from a statement is
    /// escaped, so a reference such as `<script>` shows as text and never runs.
    public func html(title: String, currencyExponent: Int = 2) -> String {
        let money = { (units: Int64) in MinorUnits.format(units, exponent: currencyExponent) }
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(ReconReport.escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}\
        th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\
        th{background:#f3f3f3}</style></head><body>
        <h1>\(ReconReport.escape(title))</h1>

        """
        page += summaryTable(currencyExponent: currencyExponent)
        page += ReconReport.section("Unmatched statement lines", ["Line", "Reference", "Direction", "Amount", "Date"],
                                    unmatchedLines.map { l in [String(l.sourceLine), l.reference ?? "", l.direction.rawValue,
                                                               money(l.amount), l.date?.description ?? ""] })
        page += ReconReport.section("Unmatched ledger transfers", ["Transfer", "Direction", "Amount", "Date", "Reference key"],
                                    unmatchedEntries.map { e in [String(e.transferID), e.direction.rawValue, money(e.amount),
                                                                 e.date.description, String(e.referenceKey)] })
        page += ReconReport.section("Duplicates", ["Side", "Line", "Extra transfer", "Repeats line", "Original transfers",
                                                   "Reference", "Direction", "Amount", "Date"],
                                    duplicates.map { d in [d.side.rawValue, String(d.sourceLine), d.transferID.map { String($0) } ?? "",
                                                           String(d.originalSourceLine), ReconReport.ids(d.originalTransferIDs), d.reference ?? "",
                                                           d.direction.rawValue, money(d.amount), d.date?.description ?? ""] })
        page += ReconReport.section("Amount mismatches", ["Line", "Reference", "Direction", "Statement", "Ledger", "Difference",
                                                          "Transfers", "Date"],
                                    amountMismatches.map { x in [String(x.sourceLine), x.reference ?? "", x.direction.rawValue,
                                                                 money(x.lineAmount), MinorUnits.format(x.ledgerAmount, exponent: currencyExponent),
                                                                 MinorUnits.format(x.difference, exponent: currencyExponent), ReconReport.ids(x.transferIDs),
                                                                 x.date?.description ?? ""] })
        page += ReconReport.section("Matched", ["Line", "Reference", "Direction", "Amount", "Date", "Transfers", "Rule", "Difference"],
                                    matched.map { m in [String(m.sourceLine), m.reference ?? "", m.direction.rawValue, money(m.amount),
                                                        m.date?.description ?? "", ReconReport.ids(m.transferIDs), m.rule.rawValue, money(m.difference)] })
        return page + "</body></html>\n"
    }

    private func summaryTable(currencyExponent: Int) -> String {
        let rows: [(String, Totals)] = [
            ("Matched", summary.matched), ("Unmatched statement lines", summary.unmatchedLines),
            ("Unmatched ledger transfers", summary.unmatchedEntries), ("Duplicates", summary.duplicates),
            ("Amount mismatches", summary.amountMismatches),
        ]
        let o = summary.options
        let caption = "\(summary.lineCount) statement lines, \(summary.entryCount) ledger transfers. Matched by reference "
            + "\(summary.matchedByReference), by amount and date \(summary.matchedByAmountDate), one to many "
            + "\(summary.matchedOneToMany). Window \(o.dateWindowDays) days, tolerance "
            + "\(MinorUnits.format(o.amountToleranceMinor, exponent: currencyExponent)), one to many "
            + (o.oneToMany ? "on" : "off") + ", day totals " + (o.matchDayTotals ? "on" : "off") + "."
        return "<h2>Summary</h2>\n<p>\(ReconReport.escape(caption))</p>\n"
            + ReconReport.table(["Category", "Count", "Credits", "Debits"], rows.map { name, t in
                [name, String(t.count), MinorUnits.format(t.creditMinor, exponent: currencyExponent),
                 MinorUnits.format(t.debitMinor, exponent: currencyExponent)]
            }, numericFrom: 1)
    }

    static func section(_ heading: String, _ header: [String], _ rows: [[String]]) -> String {
        "<h2>\(escape(heading)) (\(rows.count))</h2>\n" + (rows.isEmpty ? "<p>None.</p>\n" : table(header, rows, numericFrom: nil))
    }

    static func table(_ header: [String], _ rows: [[String]], numericFrom: Int?) -> String {
        var out = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                out += numericFrom.map { i >= $0 } ?? false ? "<td class=\"n\">" : "<td>"
                out += escape(cell) + "</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// Escapes the five characters that are markup in text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
