/// How far a scan of one segment got.
struct SegmentScanResult {
    /// The op after the last valid record read.
    var nextOp: UInt64
    /// Where the scan stopped: the segment's end, the first byte of damage, or the record
    /// past `through`.
    var endOffset: UInt64
    /// Why the bytes at `endOffset` are not a valid record, if they are not.
    var damage: JournalRecordFormat.Decoded?
}

extension SegmentScanner {
    /// Reads records from the start of the segment, checking that they belong to `partition`
    /// and number consecutively from `firstOp`; passes those with op in `after+1 ... through`
    /// to `visit`. Stops at the end, at the first damaged bytes (returned, not thrown: only
    /// the caller knows whether they are a torn tail), or after op `through`.
    /// - Throws: `.corruption` for a record of another partition, `.opGap` for a wrong op.
    mutating func scanRecords(
        firstOp: UInt64, partition: UInt32, after: UInt64, through limit: UInt64,
        visit: (JournalRecord) -> Void
    ) throws(StorageError) -> SegmentScanResult {
        var op = firstOp
        var offset: UInt64 = 0
        while true {
            let expected = op
            let step = try step(at: offset) { header in
                header.op == expected && header.partition == partition && header.op > after && header.op <= limit
            }
            switch step {
            case .end:
                return SegmentScanResult(nextOp: op, endOffset: offset, damage: nil)
            case .damaged(let damage):
                return SegmentScanResult(nextOp: op, endOffset: offset, damage: damage)
            case .record(let header, let body):
                try check(header, expectedOp: op, partition: partition, offset: offset)
                if header.op > limit { return SegmentScanResult(nextOp: op, endOffset: offset, damage: nil) }
                if let body {
                    visit(JournalRecord(partition: partition, op: header.op, timestamp: header.timestamp, body: body))
                }
                op += 1
                offset += UInt64(header.recordSize)
            }
        }
    }

    private func check(_ header: JournalRecordHeader, expectedOp: UInt64, partition: UInt32, offset: UInt64) throws(StorageError) {
        guard header.partition == partition else {
            throw StorageError(
                .corruption, "record of partition \(header.partition) in the journal of partition \(partition)",
                path: file.path, offset: offset)
        }
        guard header.op == expectedOp else {
            throw StorageError(.opGap, "record holds op \(header.op) where op \(expectedOp) was expected", path: file.path, offset: offset)
        }
    }
}

extension JournalRecordFormat.Decoded {
    /// What is wrong, in a few words.
    var summary: String {
        switch self {
        case .record: "valid record"
        case .incomplete(let needed): "record cut short (needs \(needed) bytes)"
        case .invalid(.badMagic(let magic)): "bad magic 0x\(String(magic, radix: 16))"
        case .invalid(.unsupportedVersion(let version)): "unsupported format version \(version)"
        case .invalid(.bodyTooLarge(let length)): "body length \(length) over the maximum"
        case .invalid(.checksumMismatch(let stored, let computed)):
            "CRC32C mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16)))"
        case .invalid(.reservedNotZero): "reserved header bytes set (newer format?)"
        }
    }

    /// Whether a crash mid-write can explain these bytes. A newer version or reserved bits
    /// come with a valid magic and, for reserved bits, a valid checksum: written on purpose,
    /// by a newer Settle, so never truncated as if torn.
    var mayBeTorn: Bool {
        switch self {
        case .invalid(.unsupportedVersion), .invalid(.reservedNotZero): false
        default: true
        }
    }

    /// The error for damage that is not a torn tail.
    func error(path: String, offset: UInt64, reason: String) -> StorageError {
        let code: StorageError.Code
        switch self {
        case .invalid(.badMagic): code = .badMagic
        case .invalid(.unsupportedVersion), .invalid(.reservedNotZero): code = .unsupportedVersion
        default: code = .corruption
        }
        return StorageError(code, "\(summary) \(reason)", path: path, offset: offset)
    }
}
