#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SettleStorage

/// Write and sync failures: the journal stays consistent, or refuses to go on.
@Suite("Journal faults")
struct JournalFaultTests {
    @Test func diskFullLeavesTheJournalConsistentAndAppendsResumeWhenSpaceReturns() throws {
        let io = SimulatedFileIO(seed: 3)
        let (journal, _) = try openJournal(io)
        try appendSamples(journal, 1...5)
        try journal.sync()
        let goodSize = try #require(io.contents(of: journal.segmentPaths[0])).count
        io.capacityBytes = goodSize + 30
        var op: UInt64 = 6
        var failure: StorageError?
        while failure == nil {
            do { try journal.append(op: op, timestamp: op, body: sampleBody(op: op, length: 20)); op += 1 } catch { failure = error }
        }
        #expect(failure?.code == .diskFull && failure?.errno == ENOSPC)
        #expect(failure?.message.contains("cut back") == true)
        #expect(journal.lastOp == op - 1)
        let expectedSize = goodSize + Int(op - 6) * 60
        #expect(io.contents(of: journal.segmentPaths[0])?.count == expectedSize, "no partial record left behind")

        io.capacityBytes = nil
        try journal.append(op: op, timestamp: op, body: sampleBody(op: op, length: 20))
        try journal.sync()
        journal.close()
        let (reopened, replayed) = try openJournal(io)
        #expect(replayed.map(\.op) == Array(1...op) && reopened.recovery.tornBytesTruncated == 0)
    }

    @Test(arguments: [EIO, ENOSPC])
    func failedWriteIsCutBackAndTheSameOpCanBeRetried(errno: Int32) throws {
        let io = SimulatedFileIO(seed: 11)
        let (journal, _) = try openJournal(io)
        try appendSamples(journal, 1...3)
        io.injectFault(errno, on: .write)
        let error = #expect(throws: StorageError.self) { try appendSamples(journal, 4...4) }
        #expect(error?.errno == errno && error?.path == journal.segmentPaths[0])
        #expect(journal.lastOp == 3)
        try appendSamples(journal, 4...5)
        try journal.sync()
        journal.close()
        #expect(try openJournal(io).1 == sampleRecords(1...5))
    }

    @Test func failedSyncPoisonsTheJournalUntilReopened() throws {
        let io = SimulatedFileIO()
        let (journal, _) = try openJournal(io)
        try appendSamples(journal, 1...3)
        io.injectFault(EIO, on: .syncData)
        let first = #expect(throws: StorageError.self) { try journal.sync() }
        #expect(first?.code == .ioFailure && first?.errno == EIO && first?.systemCall == "fdatasync")
        #expect(journal.durableOp == 0, "nothing may be acknowledged")
        for attempt in [{ try journal.sync() }, { try appendSamples(journal, 4...4) }, { _ = try journal.removeSegments(before: 2) }] {
            let error = #expect(throws: StorageError.self) { try attempt() }
            #expect(error?.code == .poisoned)
            #expect(error?.description.contains("fdatasync") == true, "names the original failure")
        }
        journal.close()
        let (reopened, replayed) = try openJournal(io)
        #expect(replayed.count == 3 && reopened.durableOp == 3)
        #expect(io.durableContents(of: reopened.segmentPaths[0]) == io.contents(of: reopened.segmentPaths[0]), "open re-syncs")
    }

    @Test(arguments: [SimulatedFileIO.Operation.syncData, .syncDirectory])
    func failedSyncWhileRollingPoisons(operation: SimulatedFileIO.Operation) throws {
        let io = SimulatedFileIO()
        let (journal, _) = try openJournal(io, segmentSizeBytes: 100)
        try appendSamples(journal, 1...1, bodyLength: 40)
        io.injectFault(EIO, on: operation)
        #expect(throws: StorageError.self) { try appendSamples(journal, 2...2, bodyLength: 40) }
        let error = #expect(throws: StorageError.self) { try appendSamples(journal, 2...2, bodyLength: 40) }
        #expect(error?.code == .poisoned)
    }

    @Test func failedSegmentCreationIsRetriedByTheNextAppend() throws {
        let io = SimulatedFileIO()
        let (journal, _) = try openJournal(io, segmentSizeBytes: 100)
        try appendSamples(journal, 1...1, bodyLength: 40)
        io.injectFault(ENOSPC, on: .openFile)
        let error = #expect(throws: StorageError.self) { try appendSamples(journal, 2...2, bodyLength: 40) }
        #expect(error?.code == .diskFull && journal.lastOp == 1 && journal.segmentPaths.count == 1)
        try appendSamples(journal, 2...3, bodyLength: 40)
        try journal.sync()
        #expect(journal.segmentPaths.count == 3)
    }

    @Test func failedCutBackPoisons() throws {
        let io = SimulatedFileIO()
        let (journal, _) = try openJournal(io)
        io.injectFault(EIO, on: .write)
        io.injectFault(EIO, on: .truncate)
        let error = #expect(throws: StorageError.self) { try appendSamples(journal, 1...1) }
        #expect(error?.message.contains("poisoned") == true)
        #expect((#expect(throws: StorageError.self) { try journal.sync() })?.code == .poisoned)
    }
}
