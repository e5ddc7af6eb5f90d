/// The one door statements come in by: bytes of a camt.053/054, BAI2 or CSV file in, normalized
/// `Statement`s out, or a `StatementError` and nothing at all. A file never half-imports: every
/// parser checks the whole file before it returns.
public enum StatementImporter {
    /// Parses a statement file.
    ///
    /// - Parameters:
    ///   - bytes: the file as stored; a UTF-8 byte-order mark and any line endings are accepted.
    ///   - format: the format, or nil to detect it: an XML document is camt.053 or camt.054 by
    ///     its namespace, a file starting with `01,` is BAI2, anything else is CSV.
    ///   - csvMapping: how to read a CSV file's columns; required for CSV, ignored otherwise.
    /// - Returns: one statement per `Stmt`/`Ntfctn` (camt), per account report (BAI2 `03`), or
    ///   one for the whole file (CSV).
    /// - Throws: `StatementError` naming the element path or physical line at fault.
    public static func parse(_ bytes: [UInt8], format: Statement.Format? = nil,
                             csvMapping: CSVMapping? = nil) throws(StatementError) -> [Statement] {
        switch format ?? detect(bytes) {
        case .camt053, .camt054:
            return try CamtParser.parse(bytes, expecting: format)
        case .bai2:
            return try BAI2Parser.parse(bytes)
        case .csv:
            guard let csvMapping else {
                throw StatementError(location: "line 1", message: "a CSV statement needs a CSVMapping to say which column is which")
            }
            return try CSVStatementParser.parse(bytes, mapping: csvMapping)
        }
    }

    /// The format a file looks like, from its first meaningful bytes; camt.053 stands for
    /// "some XML" until the namespace is read.
    static func detect(_ bytes: [UInt8]) -> Statement.Format {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        body = body.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if body.first == UInt8(ascii: "<") { return .camt053 }
        if body.starts(with: Array("01,".utf8)) { return .bai2 }
        return .csv
    }

    /// A stable content identity of imported statements, as 32 lowercase hex digits, so that the
    /// same statement imported twice is recognized whatever the file is called.
    ///
    /// It is FNV-1a with 128-bit state over a canonical, length-prefixed encoding of every field
    /// of every statement and line in order, except `sourceLine` (so re-exported files with other
    /// line breaks or comments still agree). Same content, same digest, on every platform and in
    /// every process (Swift's `Hasher` is seeded per process, so it is not used). It detects
    /// re-imports; it is not a cryptographic hash and does not resist a forger.
    public static func digest(of statements: [Statement]) -> String {
        var hasher = StableHasher()
        hasher.combine(statements.count)
        for statement in statements { hasher.combine(statement) }
        return hasher.hexDigest
    }
}
