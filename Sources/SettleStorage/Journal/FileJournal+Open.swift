extension FileJournal {
    /// Opens (or creates) the journal of `partition` under `dataDirectory`, recovers it, and
    /// passes every record after `replayAfter` to `visit`, in op order, for replay.
    ///
    /// Recovery reads every segment in order and checks every record (checksum, partition,
    /// consecutive ops, segment names). A torn record at the very end of the last segment —
    /// one that is short or fails its checksum with no valid record after it — is what a
    /// crash mid-write leaves; it is cut off (and reported in `recovery`), or thrown as
    /// `.tornTail` if `options.truncateTornTail` is false. Anything else is refused with an
    /// error naming the file and byte offset; data is never skipped silently. If `open`
    /// throws, discard whatever `visit` received.
    ///
    /// Finally the last segment is synced, so records that survived a process crash only in
    /// the page cache are durable before the engine replies about them.
    ///
    /// - Parameter replayAfter: the op of the checkpoint the engine loaded (0 for none). The
    ///   log must hold every op after it: a missing start throws `.missingSegment`, an end
    ///   before it throws `.opGap`.
    /// - Complexity: reads the whole journal once.
    public static func open(
        dataDirectory: String, partition: UInt32, io: any FileIO = PosixFileIO(),
        options: FileJournalOptions = FileJournalOptions(), replayAfter: UInt64 = 0,
        visit: (JournalRecord) -> Void = { _ in }
    ) throws(StorageError) -> FileJournal {
        let directory = JournalSegment.directory(dataDirectory: dataDirectory, partition: partition)
        try prepareDirectories(dataDirectory: dataDirectory, directory: directory, io: io)
        var segments = try listSegments(directory: directory, io: io)
        var recovery = JournalRecovery(segmentCount: segments.count)
        if segments.isEmpty {
            guard replayAfter == 0 else {
                throw StorageError(.missingSegment, "journal is empty but replay must start after op \(replayAfter)", path: directory)
            }
            segments = [JournalSegment(firstOp: 1, directory: directory)]
            let file = try createSegmentFile(segments[0], io: io, directory: directory)
            return FileJournal(
                partition: partition, directory: directory, io: io, options: options,
                segments: segments, active: file, activeSize: 0, recovery: recovery)
        }
        let context = RecoveryContext(io: io, partition: partition, options: options, replayAfter: replayAfter)
        try context.recover(segments, into: &recovery, visit: visit)
        let (file, size) = try openActiveSegment(segments[segments.count - 1], io: io, directory: directory)
        return FileJournal(
            partition: partition, directory: directory, io: io, options: options,
            segments: segments, active: file, activeSize: size, recovery: recovery)
    }

    /// Opens the last segment for appending and makes its (recovered) contents durable.
    private static func openActiveSegment(
        _ segment: JournalSegment, io: any FileIO, directory: String
    ) throws(StorageError) -> (FileIOHandle, UInt64) {
        let file = try io.openFile(segment.path, mode: .readWrite)
        do {
            let size = try io.size(of: file)
            try io.syncData(file)
            try io.syncDirectory(directory)
            return (file, size)
        } catch {
            io.close(file)
            throw error
        }
    }
}

/// The state of one recovery pass over a journal's segments.
struct RecoveryContext {
    let io: any FileIO
    let partition: UInt32
    let options: FileJournalOptions
    let replayAfter: UInt64

    /// Checks and replays `segments`, repairing a torn tail; fills in `recovery`.
    func recover(
        _ segments: [JournalSegment], into recovery: inout JournalRecovery, visit: (JournalRecord) -> Void
    ) throws(StorageError) {
        let first = segments[0]
        guard first.firstOp <= replayAfter + 1 else {
            throw StorageError(
                .missingSegment, "oldest segment starts at op \(first.firstOp) but replay must start at op \(replayAfter + 1)",
                path: first.path)
        }
        recovery.firstOp = first.firstOp
        var nextOp = first.firstOp
        for (index, segment) in segments.enumerated() {
            try checkContinuity(segment, expectedOp: nextOp, previous: index > 0 ? segments[index - 1] : nil)
            nextOp = try recover(segment, isLast: index == segments.count - 1, into: &recovery, visit: visit)
        }
        recovery.lastOp = nextOp - 1
        guard recovery.lastOp >= replayAfter else {
            throw StorageError(
                .opGap, "journal ends at op \(recovery.lastOp), before op \(replayAfter) that replay starts after",
                path: segments[segments.count - 1].path)
        }
    }

    /// A segment's name must continue the op sequence exactly where the previous one ended.
    private func checkContinuity(_ segment: JournalSegment, expectedOp: UInt64, previous: JournalSegment?) throws(StorageError) {
        guard let previous, segment.firstOp != expectedOp else { return }
        if segment.firstOp > expectedOp {
            throw StorageError(
                .missingSegment, "ops \(expectedOp)...\(segment.firstOp - 1) are missing between \(previous.path) and this segment",
                path: segment.path, offset: 0)
        }
        throw StorageError(
            .corruption, "segment starts at op \(segment.firstOp) but \(previous.path) already holds ops up to \(expectedOp - 1)",
            path: segment.path, offset: 0)
    }

    /// Scans one segment; returns the op after its last valid record.
    private func recover(
        _ segment: JournalSegment, isLast: Bool, into recovery: inout JournalRecovery, visit: (JournalRecord) -> Void
    ) throws(StorageError) -> UInt64 {
        var scanner = try SegmentScanner(io: io, path: segment.path)
        defer { scanner.close() }
        let scan = try scanner.scanRecords(
            firstOp: segment.firstOp, partition: partition, after: replayAfter, through: .max
        ) { record in
            recovery.replayedCount += 1
            visit(record)
        }
        guard let damage = scan.damage else { return scan.nextOp }
        if !isLast {
            throw damage.error(path: segment.path, offset: scan.endOffset, reason: "in a segment that is not the last")
        }
        if !damage.mayBeTorn {
            throw damage.error(path: segment.path, offset: scan.endOffset, reason: "at the end of the log")
        }
        if try scanner.hasValidRecord(after: scan.endOffset, partition: partition) {
            throw damage.error(path: segment.path, offset: scan.endOffset, reason: "with a valid record after it")
        }
        guard options.truncateTornTail else {
            throw StorageError(.tornTail, "log ends in a torn record (\(damage.summary))", path: segment.path, offset: scan.endOffset)
        }
        try cutTornTail(segment, at: scan.endOffset)
        recovery.tornBytesTruncated = scanner.size - scan.endOffset
        recovery.tornTailPath = segment.path
        recovery.tornTailOffset = scan.endOffset
        return scan.nextOp
    }

    private func cutTornTail(_ segment: JournalSegment, at offset: UInt64) throws(StorageError) {
        let file = try io.openFile(segment.path, mode: .readWrite)
        defer { io.close(file) }
        try io.truncate(file, to: offset)
        try io.syncData(file)
    }
}
