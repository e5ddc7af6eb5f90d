import Foundation
import Glibc
import Testing
import SettleCore
import SettleEngine
import SettleStorage

/// Storage faults through the whole engine (`Engine.open` on a `SimulatedFileIO`): a failed
/// journal write costs only its request, a failed sync stops the partition without losing an
/// acknowledged write, and damage to durable data stops startup with an error naming the file
/// and the offset. `settle-sim --storage-faults` mixes the same faults at random.
@Suite("Engine storage faults")
struct EngineFaultTests {
    let tenant = TenantID(5)
    static let segmentDirectory = "/data/journal/0000000000"
    static let checkpointDirectory = "/data/checkpoints/0000000000"

    static func configuration(
        _ io: SimulatedFileIO, segmentBytes: Int = 64 << 10, checkpointJournalBytes: Int = 1 << 30
    ) -> EngineConfiguration {
        var configuration = EngineConfiguration(directory: "/data", partitionCount: 1)
        configuration.io = io
        configuration.segmentBytes = segmentBytes
        configuration.checkpointJournalBytes = checkpointJournalBytes
        configuration.memoryPoolChunks = 0
        return configuration
    }

    enum WriteFailure: CaseIterable { case diskFull, ioError, capacityReached }

    @Test(arguments: WriteFailure.allCases)
    func aFailedJournalWriteAppliesNothingAndTheNextWriteSucceeds(_ failure: WriteFailure) async throws {
        let io = SimulatedFileIO(seed: 11)
        let configuration = Self.configuration(io)
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        let before = try await engine.digest(of: tenant)
        switch failure {
        case .diskFull: io.injectFault(ENOSPC, on: .write)
        case .ioError: io.injectFault(EIO, on: .write)
        case .capacityReached: io.capacityBytes = usedBytes(io)
        }
        let batch = Command.createTransfers(tenant, [transfer(1), transfer(2, amount: 5)])
        let error = await #expect(throws: EngineError.self) { try await engine.submit(batch) }
        #expect(error?.code == .journalWriteFailed)
        #expect(error?.message.contains("nothing was applied") == true)
        #expect(try await engine.transfers([1, 2], of: tenant).isEmpty)
        #expect(try await engine.digest(of: tenant) == before)
        if failure == .capacityReached {
            let again = await #expect(throws: EngineError.self) { try await engine.submit(batch) }
            #expect(again?.code == .journalWriteFailed, "still full")
            io.capacityBytes = nil
        }
        // Space returns (an injected fault fails one call): the same batch goes through.
        let reply = try await engine.submit(batch)
        #expect(reply.transferResults == [.ok, .ok])
        #expect(engine.metrics[0].journalFailures >= 1)
        engine.shutdown()

        // The refused attempt left nothing that recovery could mistake for data.
        io.crash(.loseUnsynced)
        let reopened = try Engine.open(configuration)
        #expect(try await reopened.transfers([1, 2], of: tenant).map(\.amount) == [10, 5])
        #expect(try await reopened.account(2, of: tenant)?.creditsPosted == 15)
        reopened.shutdown()
    }

    @Test func aFailedSyncStopsThePartitionAndReopeningRecoversEveryAcknowledgedWrite() async throws {
        let io = SimulatedFileIO(seed: 12)
        let configuration = Self.configuration(io)
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        for id in 1...5 {
            #expect(try await engine.submit(.createTransfers(tenant, [transfer(id)])).transferResults == [.ok])
        }
        io.injectFault(EIO, on: .syncData)
        let error = await #expect(throws: EngineError.self) { try await engine.submit(.createTransfers(tenant, [transfer(100)])) }
        #expect(error?.code == .durabilityUnknown)
        for id in 101...103 {
            let later = await #expect(throws: EngineError.self) { try await engine.submit(.createTransfers(tenant, [transfer(id)])) }
            #expect(later?.code == .unavailable || later?.code == .durabilityUnknown, "\(String(describing: later))")
        }
        engine.shutdown()

        io.crash(.random)
        let reopened = try Engine.open(configuration)
        #expect(try await reopened.transfers(Array(1...5), of: tenant).count == 5)
        #expect(try await reopened.transfers([101, 102, 103], of: tenant).isEmpty)
        // Transfer 100's fate was unknown: present or not, but whole and counted once.
        let unknown = try await reopened.transfers([100], of: tenant).count
        #expect(try await reopened.account(2, of: tenant)?.creditsPosted == UInt128(10 * (5 + unknown)))
        #expect(try await reopened.read(tenant: tenant) { $0.audit().violations } == [])
        reopened.shutdown()
    }

    @Test func aCorruptRecordMidLogStopsStartupNamingTheSegmentAndOffset() async throws {
        let io = SimulatedFileIO(seed: 13)
        let configuration = Self.configuration(io)
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        for id in 1...5 { _ = try await engine.submit(.createTransfers(tenant, [transfer(id)])) }
        engine.shutdown()

        let segment = Self.segmentDirectory + "/00000000000000000001.wal"
        let bytes = try #require(io.contents(of: segment))
        let second = try #require(recordSize(bytes, at: 0))
        io.corrupt(segment, offset: UInt64(second + JournalRecordFormat.headerSize + 3), bit: 2)
        let error = #expect(throws: EngineError.self) { _ = try Engine.open(configuration) }
        #expect(error?.code == .recoveryFailed)
        #expect(error?.message.contains("path: \(segment), offset: \(second)") == true, "\(String(describing: error))")
    }

    enum CheckpointSpot: CaseIterable { case headerOp, snapshotStart, snapshotMiddle, lastByte }

    @Test(arguments: CheckpointSpot.allCases)
    func aCorruptNewestCheckpointStopsStartupNamingIt(_ spot: CheckpointSpot) async throws {
        let io = SimulatedFileIO(seed: 14)
        let configuration = Self.configuration(io, segmentBytes: 4 << 10, checkpointJournalBytes: 4 << 10)
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...8)))
        for round in 0..<30 {
            let batch = (0..<10).map { transfer(round * 100 + $0 + 1, from: $0 % 8 + 1, to: ($0 + 1) % 8 + 1, amount: 1) }
            _ = try await engine.submit(.createTransfers(tenant, batch))
        }
        engine.shutdown()

        let names = try io.listDirectory(Self.checkpointDirectory).filter { $0.hasSuffix(".checkpoint") }
        let newest = Self.checkpointDirectory + "/" + (try #require(names.last))
        let size = try #require(io.contents(of: newest)).count
        let offset: Int
        switch spot {
        case .headerOp: offset = 16
        case .snapshotStart: offset = 48
        case .snapshotMiddle: offset = size / 2
        case .lastByte: offset = size - 1
        }
        io.corrupt(newest, offset: UInt64(offset), bit: 5)
        let error = #expect(throws: EngineError.self) { _ = try Engine.open(configuration) }
        #expect(error?.code == .recoveryFailed)
        #expect(error?.message.contains("path: \(newest), offset: ") == true, "\(String(describing: error))")
    }

    @Test func aMissingSegmentStopsStartupNamingIt() async throws {
        let io = SimulatedFileIO(seed: 15)
        let configuration = Self.configuration(io, segmentBytes: 1 << 10)
        let engine = try Engine.open(configuration)
        _ = try await engine.submit(.createAccounts(tenant, accounts(1...2)))
        for id in 1...40 { _ = try await engine.submit(.createTransfers(tenant, [transfer(id), transfer(1_000 + id)])) }
        engine.shutdown()

        let segments = try io.listDirectory(Self.segmentDirectory).map { Self.segmentDirectory + "/" + $0 }
        try #require(segments.count >= 3)
        try io.removeFile(segments[1])
        let error = #expect(throws: EngineError.self) { _ = try Engine.open(configuration) }
        #expect(error?.code == .recoveryFailed)
        #expect(error?.message.contains("path: \(segments[2]), offset: 0") == true, "\(String(describing: error))")
        #expect(error?.message.contains("missing") == true)
    }

    /// A sync that fails inside an append (the roll to a new segment) poisons the journal: the
    /// pipeline must stop at that very request, not refuse every later one while serving on.
    @Test func aFailedSyncInsideASegmentRollStopsThePipeline() throws {
        let io = SimulatedFileIO(seed: 16)
        let configuration = Self.configuration(io, segmentBytes: 4 << 10)
        let pipeline = try CommitPipeline(partition: 0, configuration: configuration, backgroundCheckpoints: false)
        _ = pipeline.commit([.createAccounts(tenant, accounts(1...2))], wallClock: 1)
        var id = 1
        while try #require(io.contents(of: Self.segmentDirectory + "/00000000000000000001.wal")).count < 3_000 {
            _ = pipeline.commit([.createTransfers(tenant, [transfer(id)])], wallClock: 1)
            id += 1
        }
        io.injectFault(ENOSPC, on: .write)  // leaves an unsynced cut in the segment
        #expect(pipeline.commit([.createTransfers(tenant, [transfer(9_000)])], wallClock: 1).first?.code == .journalWriteFailed)
        io.injectFault(EIO, on: .syncData)  // the roll's sync of the old segment fails
        let large = Command.createTransfers(tenant, (0..<20).map { transfer(10_000 + $0) })
        #expect(pipeline.commit([large], wallClock: 1).first?.code == .durabilityUnknown)
        #expect(pipeline.fatalError?.code == .durabilityUnknown)
        #expect(pipeline.commit([large], wallClock: 1).first?.code == .durabilityUnknown)
        #expect(pipeline.machine.lookupTransfers(tenant: tenant, ids: [9_000, 10_000]).isEmpty)
    }
}

/// Bytes of every file on the simulated disk.
func usedBytes(_ io: SimulatedFileIO, _ path: String = "/") -> Int {
    guard let names = try? io.listDirectory(path) else { return io.contents(of: path)?.count ?? 0 }
    return names.reduce(0) { $0 + usedBytes(io, path == "/" ? "/" + $1 : path + "/" + $1) }
}

/// The size of the valid journal record at `offset`, if there is one.
func recordSize(_ bytes: [UInt8], at offset: Int) -> Int? {
    bytes.withUnsafeBytes { raw in
        guard case .record(let header) = JournalRecordFormat.decode(UnsafeRawBufferPointer(rebasing: raw[offset...])) else { return nil }
        return header.recordSize
    }
}

extension Result<WriteReply, EngineError> {
    var code: EngineError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
