/// Reads one journal segment front to back, record by record, checking each.
///
/// Reads go through a window of at least 1 MiB, so replay costs one `pread` per megabyte,
/// not one per record. The scanner never repairs anything; `FileJournal` decides whether
/// damage is a torn tail or corruption.
struct SegmentScanner {
    /// What lies at an offset of the segment.
    enum Step {
        /// A valid record; `body` is nil when the caller did not ask for it.
        case record(JournalRecordHeader, body: [UInt8]?)
        /// The segment ends exactly here.
        case end
        /// Not a valid record: bad bytes (`.invalid`) or a record cut off by the end of the file.
        case damaged(JournalRecordFormat.Decoded)
    }

    static let windowBytes = 1 << 20

    let io: any FileIO
    let file: FileIOHandle
    let size: UInt64
    private var window: [UInt8] = []
    private var windowStart: UInt64 = 0

    init(io: any FileIO, path: String) throws(StorageError) {
        self.io = io
        file = try io.openFile(path, mode: .readOnly)
        do {
            size = try io.size(of: file)
        } catch {
            io.close(file)
            throw error
        }
    }

    func close() { io.close(file) }

    /// The record at `offset`; reads its body only if `wantBody` says so.
    mutating func step(at offset: UInt64, wantBody: (JournalRecordHeader) -> Bool) throws(StorageError) -> Step {
        if offset >= size { return .end }
        var decoded = try withBytes(at: offset, count: JournalRecordFormat.headerSize) { JournalRecordFormat.decode($0) }
        if case .incomplete(let needed) = decoded, needed > JournalRecordFormat.headerSize, offset + UInt64(needed) <= size {
            decoded = try withBytes(at: offset, count: needed) { JournalRecordFormat.decode($0) }
        }
        guard case .record(let header) = decoded else { return .damaged(decoded) }
        guard wantBody(header) else { return .record(header, body: nil) }
        let body = try withBytes(at: offset, count: header.recordSize) {
            Array($0[JournalRecordFormat.headerSize...])
        }
        return .record(header, body: body)
    }

    /// Whether a complete, valid record of `partition` starts anywhere after `offset`: the test
    /// that tells a torn tail (nothing valid follows) from corruption (something does).
    /// Reads the rest of the segment into memory (at most a segment plus one record).
    func hasValidRecord(after offset: UInt64, partition: UInt32) throws(StorageError) -> Bool {
        guard offset + 1 < size else { return false }
        let rest = try io.read(file, at: offset + 1, count: Int(size - offset - 1))
        let magic = withUnsafeBytes(of: JournalRecordFormat.magic.littleEndian) { Array($0) }
        return rest.withUnsafeBytes { raw in
            var start = 0
            while start + JournalRecordFormat.headerSize <= raw.count {
                if raw[start] == magic[0], raw[start + 1] == magic[1], raw[start + 2] == magic[2], raw[start + 3] == magic[3],
                   case .record(let header) = JournalRecordFormat.decode(UnsafeRawBufferPointer(rebasing: raw[start...])),
                   header.partition == partition {
                    return true
                }
                start += 1
            }
            return false
        }
    }

    /// Calls `body` with the bytes `[offset, offset + count)`, fewer if the file ends first.
    private mutating func withBytes<R>(
        at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(StorageError) -> R {
        let wanted = Int(min(UInt64(count), size - offset))
        if offset < windowStart || offset + UInt64(wanted) > windowStart + UInt64(window.count) {
            let length = Int(min(UInt64(max(wanted, Self.windowBytes)), size - offset))
            window = try io.read(file, at: offset, count: length)
            windowStart = offset
        }
        let start = Int(offset - windowStart)
        let available = min(wanted, window.count - start)
        return window.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + available)])) }
    }
}
