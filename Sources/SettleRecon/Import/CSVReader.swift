/// An RFC 4180 tokenizer: records of fields, each record tagged with the physical line it starts
/// on (a quoted field may span lines, so records and lines differ).
///
/// Quoted fields may hold the delimiter, line breaks and doubled quotes (`""` is one `"`).
/// Records end in CRLF, LF or CR; the last needs no end. A UTF-8 byte-order mark is skipped,
/// and wholly empty lines are skipped (spreadsheets leave them at the end).
enum CSVReader {
    struct Record {
        var line: Int
        var fields: [String]
    }

    static func read(_ bytes: [UInt8], delimiter: UInt8) throws(StatementError) -> [Record] {
        var tokenizer = Tokenizer(bytes: bytes, delimiter: delimiter)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { tokenizer.index = 3 }
        var records: [Record] = []
        while let record = try tokenizer.nextRecord() {
            if record.fields.count == 1, record.fields[0].isEmpty, !tokenizer.lastRecordHadQuotes { continue }
            records.append(record)
        }
        return records
    }

    private struct Tokenizer {
        let bytes: [UInt8]
        let delimiter: UInt8
        var index = 0
        var line = 1
        var lastRecordHadQuotes = false

        init(bytes: [UInt8], delimiter: UInt8) {
            self.bytes = bytes
            self.delimiter = delimiter
        }

        /// Consumes a line ending at `index` if there is one (CRLF counts once).
        mutating func consumeLineEnd() -> Bool {
            guard index < bytes.count, bytes[index] == 0x0A || bytes[index] == 0x0D else { return false }
            if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            index += 1
            line += 1
            return true
        }

        mutating func nextRecord() throws(StatementError) -> Record? {
            guard index < bytes.count else { return nil }
            let start = line
            var fields: [String] = []
            lastRecordHadQuotes = false
            while true {
                fields.append(try nextField(recordLine: start))
                if index >= bytes.count || consumeLineEnd() { return Record(line: start, fields: fields) }
                index += 1  // the delimiter
            }
        }

        /// Reads one field and stops at the delimiter, a line end or the end of input.
        mutating func nextField(recordLine: Int) throws(StatementError) -> String {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                let start = index
                while index < bytes.count, bytes[index] != delimiter, bytes[index] != 0x0A, bytes[index] != 0x0D {
                    if bytes[index] == UInt8(ascii: "\"") {
                        throw StatementError(location: "line \(line)", message: "a quote inside an unquoted field")
                    }
                    index += 1
                }
                return String(decoding: bytes[start..<index], as: UTF8.self)
            }
            lastRecordHadQuotes = true
            index += 1
            var value: [UInt8] = []
            while true {
                guard index < bytes.count else {
                    throw StatementError(location: "line \(recordLine)", message: "a quoted field is never closed")
                }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        value.append(byte)
                        index += 2
                        continue
                    }
                    index += 1
                    guard index >= bytes.count || bytes[index] == delimiter || bytes[index] == 0x0A || bytes[index] == 0x0D else {
                        throw StatementError(location: "line \(line)", message: "text after a closing quote")
                    }
                    return String(decoding: value, as: UTF8.self)
                }
                if byte == 0x0A || (byte == 0x0D && !(index + 1 < bytes.count && bytes[index + 1] == 0x0A)) { line += 1 }
                value.append(byte)
                index += 1
            }
        }
    }
}
