extension FileJournal {
    /// Re-reads the segments and passes each durable record after `op` to `visit`, checking
    /// everything recovery checks. Records appended but not yet synced are not visited.
    public func replay(after op: UInt64, _ visit: (JournalRecord) -> Void) throws(StorageError) {
        guard op < durableOp else { return }
        guard segments[0].firstOp <= op + 1 else {
            throw StorageError(
                .missingSegment, "oldest segment starts at op \(segments[0].firstOp), replay needs op \(op + 1)",
                path: segments[0].path)
        }
        for (index, segment) in segments.enumerated() {
            let next = index + 1 < segments.count ? segments[index + 1] : nil
            if let next, next.firstOp <= op + 1 { continue }
            if segment.firstOp > durableOp { break }
            try replay(segment, next: next, after: op, visit)
        }
    }

    private func replay(
        _ segment: JournalSegment, next: JournalSegment?, after op: UInt64, _ visit: (JournalRecord) -> Void
    ) throws(StorageError) {
        var scanner = try SegmentScanner(io: io, path: segment.path)
        defer { scanner.close() }
        let scan = try scanner.scanRecords(
            firstOp: segment.firstOp, partition: partition, after: op, through: durableOp, visit: visit)
        let endOp = next.map { $0.firstOp } ?? durableOp + 1
        if let damage = scan.damage, scan.nextOp < endOp {
            throw damage.error(path: segment.path, offset: scan.endOffset, reason: "before the durable end of the log")
        }
        guard scan.nextOp >= min(endOp, durableOp + 1) else {
            throw StorageError(
                .opGap, "segment ends at op \(scan.nextOp - 1) but ops up to \(endOp - 1) belong in it",
                path: segment.path, offset: scan.endOffset)
        }
    }
}
