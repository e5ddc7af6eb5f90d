import Testing
@testable import SettleStorage

/// Recovery: what `FileJournal.open` repairs (a torn tail) and what it refuses (everything else).
@Suite("Journal recovery")
struct RecoveryTests {
    static let directory = "/data/journal/0000000001"
    static func segmentPath(_ firstOp: UInt64) -> String {
        directory + "/" + JournalSegment.fileName(firstOp: firstOp)
    }

    /// A simulated disk holding exactly `segments` (first op → bytes), all durable.
    static func disk(_ segments: [UInt64: [UInt8]]) throws -> SimulatedFileIO {
        let io = SimulatedFileIO()
        for path in ["/data", "/data/journal", directory] { try io.createDirectory(path) }
        for (firstOp, bytes) in segments {
            let file = try io.openFile(segmentPath(firstOp), mode: .create)
            try io.write(file, at: 0, bytes)
            try io.syncData(file)
            io.close(file)
        }
        return io
    }

    static func encoded(_ ops: ClosedRange<UInt64>, partition: UInt32 = 1) -> [UInt8] {
        sampleRecords(ops).flatMap { record in
            var copy = record
            copy.partition = partition
            return JournalRecordFormat.encode(copy)
        }
    }

    @Test func tornTailIsCutAtEveryCutPointOfTheLastRecord() throws {
        let intact = Self.encoded(1...2)
        let last = Self.encoded(3...3)
        for cut in 1..<last.count {
            let io = try Self.disk([1: intact + last[..<cut]])
            let (journal, replayed) = try openJournal(io)
            #expect(replayed == sampleRecords(1...2), "cut \(cut)")
            #expect(journal.recovery.tornBytesTruncated == UInt64(cut), "cut \(cut)")
            #expect(journal.recovery.tornTailOffset == UInt64(intact.count))
            #expect(io.durableContents(of: Self.segmentPath(1)) == intact, "the cut is durable")
            try journal.append(op: 3, timestamp: 3000, body: sampleBody(op: 3))
            try journal.sync()
            journal.close()
            #expect(try openJournal(io).1 == sampleRecords(1...3), "cut \(cut)")
        }
    }

    @Test func tornTailOnTheRealFileSystemAtEveryCutPoint() throws {
        let intact = Self.encoded(1...2)
        let last = Self.encoded(3...3)
        let temporary = TemporaryDirectory()
        defer { temporary.remove() }
        let io = PosixFileIO()
        for cut in 1..<last.count {
            let data = temporary.path + "/cut\(cut)"
            try FileJournal.open(dataDirectory: data, partition: 1, io: io).close()
            let file = try io.openFile(data + "/journal/0000000001/" + JournalSegment.fileName(firstOp: 1), mode: .readWrite)
            try io.write(file, at: 0, intact + last[..<cut])
            io.close(file)
            let (journal, replayed) = try openJournal(io, directory: data)
            #expect(replayed.count == 2 && journal.recovery.tornBytesTruncated == UInt64(cut), "cut \(cut)")
            journal.close()
        }
    }

    @Test(arguments: [0, 8, 20, 32, 39, 40, 43])
    func damagedLastRecordIsATornTail(byte: Int) throws {
        let intact = Self.encoded(1...2)
        let io = try Self.disk([1: intact + Self.encoded(3...3)])
        io.corrupt(Self.segmentPath(1), offset: UInt64(intact.count + byte))
        let (journal, replayed) = try openJournal(io)
        #expect(replayed.count == 2 && journal.lastOp == 2)
        #expect(journal.recovery.tornBytesTruncated == UInt64(Self.encoded(3...3).count))
    }

    @Test func verifyModeReportsATornTailWithoutChangingIt() throws {
        let bytes = Self.encoded(1...2) + [0x53, 0x45]
        let io = try Self.disk([1: bytes])
        let error = #expect(throws: StorageError.self) { try openJournal(io, truncateTornTail: false) }
        #expect(error?.code == .tornTail && error?.offset == UInt64(bytes.count - 2))
        #expect(io.contents(of: Self.segmentPath(1)) == bytes)
    }

    @Test func corruptionFollowedByAValidRecordIsRefusedWithPathAndOffset() throws {
        let first = Self.encoded(1...1)
        let io = try Self.disk([1: Self.encoded(1...3)])
        io.corrupt(Self.segmentPath(1), offset: UInt64(first.count + 41), bit: 2)
        let damaged = io.contents(of: Self.segmentPath(1))
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .corruption)
        #expect(error?.path == Self.segmentPath(1) && error?.offset == UInt64(first.count))
        #expect(error?.description.contains("offset: \(first.count)") == true)
        #expect(error?.description.contains(Self.segmentPath(1)) == true)
        #expect(io.contents(of: Self.segmentPath(1)) == damaged, "refusal changes nothing")
    }

    @Test func damageAtTheEndOfANonLastSegmentIsCorruption() throws {
        let segment = Self.encoded(1...2)
        let io = try Self.disk([1: segment, 3: Self.encoded(3...4)])
        io.corrupt(Self.segmentPath(1), offset: UInt64(segment.count - 1))
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .corruption && error?.path == Self.segmentPath(1))
        #expect(error?.offset == UInt64(Self.encoded(1...1).count))
    }

    @Test func shortNonLastSegmentIsCorruption() throws {
        let io = try Self.disk([1: Self.encoded(1...2) + [1, 2, 3], 3: Self.encoded(3...3)])
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .corruption && error?.offset == UInt64(Self.encoded(1...2).count))
    }

    @Test func badMagicMidLogIsRefused() throws {
        let io = try Self.disk([1: Self.encoded(1...3)])
        io.corrupt(Self.segmentPath(1), offset: 0)
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .badMagic && error?.offset == 0)
    }

    @Test func newerFormatVersionIsRefusedEvenAtTheTail() throws {
        var record = Self.encoded(2...2)
        record[4] = 2
        let checksum = record.withUnsafeBytes { JournalRecordFormat.checksum($0) }
        record.withUnsafeMutableBytes { $0.storeLE(checksum, at: 8) }
        let io = try Self.disk([1: Self.encoded(1...1) + record])
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .unsupportedVersion, "never truncate what a newer Settle wrote")
    }

    @Test func missingMiddleSegmentIsRefused() throws {
        let io = try Self.disk([1: Self.encoded(1...2), 5: Self.encoded(5...6)])
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .missingSegment && error?.path == Self.segmentPath(5))
    }

    @Test func opGapInsideASegmentIsRefused() throws {
        let io = try Self.disk([1: Self.encoded(1...2) + Self.encoded(4...4)])
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .opGap && error?.offset == UInt64(Self.encoded(1...2).count))
    }

    @Test func segmentWhoseFirstRecordDisagreesWithItsNameIsRefused() throws {
        let io = try Self.disk([1: Self.encoded(1...2), 3: Self.encoded(4...4)])
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .missingSegment || error?.code == .opGap)
        #expect(error?.path == Self.segmentPath(3) && error?.offset == 0)
    }

    @Test func recordOfAnotherPartitionIsCorruption() throws {
        let io = try Self.disk([1: Self.encoded(1...1) + Self.encoded(2...2, partition: 9)])
        let error = #expect(throws: StorageError.self) { try openJournal(io) }
        #expect(error?.code == .corruption && error?.offset == UInt64(Self.encoded(1...1).count))
    }

    @Test func journalMustCoverEveryOpAfterTheCheckpoint() throws {
        let io = try Self.disk([3: Self.encoded(3...4)])
        #expect(try openJournal(io, replayAfter: 2).1.map(\.op) == [3, 4])
        #expect(try openJournal(io, replayAfter: 4).1.isEmpty)
        let missing = #expect(throws: StorageError.self) { try openJournal(io, replayAfter: 1) }
        #expect(missing?.code == .missingSegment)
        let beyond = #expect(throws: StorageError.self) { try openJournal(io, replayAfter: 5) }
        #expect(beyond?.code == .opGap)
        let empty = #expect(throws: StorageError.self) { try openJournal(SimulatedFileIO(), replayAfter: 1) }
        #expect(empty?.code == .missingSegment)
    }
}
