import Testing
@testable import SettleStorage

@Suite("FileJournal")
struct FileJournalTests {
    @Test(arguments: Disk.allCases)
    func appendSyncReopenRoundTrip(disk: Disk) throws {
        try disk.with { io, directory in
            let (journal, replayed) = try openJournal(io, directory: directory)
            #expect(replayed.isEmpty && journal.lastOp == 0 && journal.durableOp == 0)
            try appendSamples(journal, 1...100)
            #expect(journal.lastOp == 100 && journal.durableOp == 0)
            try journal.sync()
            #expect(journal.durableOp == 100)
            journal.close()

            let (reopened, all) = try openJournal(io, directory: directory)
            #expect(all == sampleRecords(1...100))
            #expect(reopened.recovery.lastOp == 100 && reopened.recovery.tornBytesTruncated == 0)
            try reopened.append(op: 101, timestamp: 1, body: [1])
            try reopened.sync()
            reopened.close()

            let (_, suffix) = try openJournal(io, directory: directory, replayAfter: 40)
            #expect(suffix.map(\.op) == Array(41...101))
        }
    }

    /// Group commit: any number of appends, one `fdatasync`.
    @Test func syncIsOneFdatasyncForTheWholeGroup() throws {
        let io = SimulatedFileIO()
        let (journal, _) = try openJournal(io)
        let before = io.counters
        try appendSamples(journal, 1...50)
        #expect(io.counters.syncData == before.syncData, "append must not sync")
        try journal.sync()
        #expect(io.counters.syncData == before.syncData + 1)
        try journal.sync()
        #expect(io.counters.syncData == before.syncData + 1, "nothing new to sync")
    }

    @Test(arguments: Disk.allCases)
    func segmentsRollAtTheConfiguredSize(disk: Disk) throws {
        try disk.with { io, directory in
            let (journal, _) = try openJournal(io, directory: directory, segmentSizeBytes: 256)
            try appendSamples(journal, 1...20, bodyLength: 60)  // 100-byte records: two per segment
            try journal.sync()
            let names = journal.segmentPaths.map { FilePath.name($0) }
            #expect(names.count == 10)
            #expect(names.first == "00000000000000000001.wal" && names.last == "00000000000000000019.wal")
            for path in journal.segmentPaths { #expect(try io.readWholeFile(path).count <= 256) }
            journal.close()
            let (_, replayed) = try openJournal(io, directory: directory, segmentSizeBytes: 256)
            #expect(replayed == sampleRecords(1...20, bodyLength: 60))
        }
    }

    @Test func recordLargerThanASegmentGetsOneOfItsOwn() throws {
        let io = SimulatedFileIO()
        let (journal, _) = try openJournal(io, segmentSizeBytes: 100)
        try appendSamples(journal, 1...3, bodyLength: 500)
        #expect(journal.segmentPaths.count == 3)
        try journal.sync()
        journal.close()
        #expect(try openJournal(io, segmentSizeBytes: 100).1 == sampleRecords(1...3, bodyLength: 500))
    }

    @Test(arguments: Disk.allCases)
    func removeSegmentsKeepsEveryOpAtOrAfterTheCut(disk: Disk) throws {
        try disk.with { io, directory in
            let (journal, _) = try openJournal(io, directory: directory, segmentSizeBytes: 256)
            try appendSamples(journal, 1...20, bodyLength: 60)  // segments start at 1, 3, 5, ... 19
            try journal.sync()
            #expect(try journal.removeSegments(before: 6) == 2, "segments 1-2 and 3-4 are wholly before op 6")
            #expect(FilePath.name(journal.segmentPaths[0]) == "00000000000000000005.wal")
            #expect(try journal.removeSegments(before: 6) == 0)
            #expect(try journal.removeSegments(before: 1_000) == 7, "the active segment always stays")
            #expect(journal.segmentPaths.count == 1)
            journal.close()

            let (_, replayed) = try openJournal(io, directory: directory, segmentSizeBytes: 256, replayAfter: 19)
            #expect(replayed.map(\.op) == [20])
            let error = #expect(throws: StorageError.self) {
                try openJournal(io, directory: directory, segmentSizeBytes: 256, replayAfter: 10)
            }
            #expect(error?.code == .missingSegment)
        }
    }

    @Test func replayVisitsOnlyDurableRecords() throws {
        let (journal, _) = try openJournal(SimulatedFileIO(), segmentSizeBytes: 256)
        try appendSamples(journal, 1...10, bodyLength: 60)
        try journal.sync()
        try appendSamples(journal, 11...12, bodyLength: 60)
        var seen: [JournalRecord] = []
        try journal.replay(after: 3) { seen.append($0) }
        #expect(seen == sampleRecords(4...10, bodyLength: 60))
        _ = try journal.removeSegments(before: 5)
        #expect(throws: StorageError.self) { try journal.replay(after: 0) { _ in } }
    }

    @Test func oversizedBodyIsRejectedAndChangesNothing() throws {
        let (journal, _) = try openJournal(SimulatedFileIO())
        let huge = [UInt8](repeating: 0, count: JournalRecordFormat.bodySizeMax + 1)
        let error = #expect(throws: StorageError.self) { try journal.append(op: 1, timestamp: 1, body: huge) }
        #expect(error?.code == .recordTooLarge)
        try journal.append(op: 1, timestamp: 1, body: [])
        #expect(journal.lastOp == 1)
    }

    @Test func closedJournalRefusesWrites() throws {
        let (journal, _) = try openJournal(SimulatedFileIO())
        journal.close()
        let error = #expect(throws: StorageError.self) { try journal.append(op: 1, timestamp: 1, body: []) }
        #expect(error?.code == .closed)
    }

    @Test func appendingAnOpOutOfOrderTraps() async {
        await #expect(processExitsWith: .failure) {
            let (journal, _) = try openJournal(SimulatedFileIO())
            try journal.append(op: 2, timestamp: 1, body: [])
        }
    }

    @Test func partitionsLiveInSeparateDirectories() throws {
        let io = SimulatedFileIO()
        let (one, _) = try openJournal(io, partition: 1)
        let (two, _) = try openJournal(io, partition: 2)
        try one.append(op: 1, timestamp: 1, body: [1])
        try two.append(op: 1, timestamp: 1, body: [2])
        try one.sync()
        try two.sync()
        #expect(one.directory == "/data/journal/0000000001" && two.directory == "/data/journal/0000000002")
        #expect(try openJournal(io, partition: 2).1.map(\.body) == [[2]])
    }
}
