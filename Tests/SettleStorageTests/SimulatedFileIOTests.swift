#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SettleStorage

@Suite("SimulatedFileIO")
struct SimulatedFileIOTests {
    /// A durable file "/d/f" holding `base`, with its directory entry synced.
    private func durableFile(_ io: SimulatedFileIO, base: [UInt8]) throws -> FileIOHandle {
        try io.createDirectory("/d")
        try io.syncDirectory("/")
        let file = try io.openFile("/d/f", mode: .create)
        try io.write(file, at: 0, base)
        try io.syncData(file)
        try io.syncDirectory("/d")
        return file
    }

    @Test(arguments: [SimulatedFileIO.CrashMode.random, .loseUnsynced, .keepUnsynced])
    func syncedDataSurvivesEveryCrash(mode: SimulatedFileIO.CrashMode) throws {
        let io = SimulatedFileIO(seed: 1)
        let file = try durableFile(io, base: [1, 2, 3])
        try io.write(file, at: 3, [4, 5])
        io.crash(mode)
        let survived = try #require(io.contents(of: "/d/f"))
        #expect(Array(survived.prefix(3)) == [1, 2, 3])
        #expect(survived == (mode == .keepUnsynced ? [1, 2, 3, 4, 5] : mode == .loseUnsynced ? [1, 2, 3] : survived))
    }

    /// Unsynced appends may be lost or torn, but what survives is always a prefix of what was
    /// written: later bytes never survive without the earlier ones.
    @Test func unsyncedAppendsSurviveAsAPrefixNeverReordered() throws {
        var outcomes: Set<Int> = []
        for seed in UInt64(0)..<200 {
            let io = SimulatedFileIO(seed: seed)
            let file = try durableFile(io, base: [0xAA])
            var expected: [UInt8] = [0xAA]
            for chunk in 1...4 {
                let bytes = [UInt8](repeating: UInt8(chunk), count: 10)
                try io.write(file, at: UInt64(expected.count), bytes)
                expected += bytes
            }
            io.crash(.random)
            let survived = try #require(io.contents(of: "/d/f"), "seed \(seed)")
            #expect(survived.count >= 1 && Array(expected.prefix(survived.count)) == survived, "seed \(seed)")
            outcomes.insert(survived.count)
        }
        #expect(outcomes.count > 10, "crashes should tear at many different bytes")
    }

    @Test func sameSeedSameCrash() throws {
        func run() throws -> [UInt8]? {
            let io = SimulatedFileIO(seed: 99)
            let file = try durableFile(io, base: [])
            for i in 0..<20 { try io.write(file, at: UInt64(i * 8), [UInt8](repeating: UInt8(i), count: 8)) }
            io.crash()
            return io.contents(of: "/d/f")
        }
        #expect(try run() == run())
    }

    @Test func unsyncedCreateIsLostAndSyncedCreateSurvives() throws {
        let io = SimulatedFileIO()
        try io.createDirectory("/d")
        try io.syncDirectory("/")
        let file = try io.openFile("/d/lost", mode: .create)
        try io.write(file, at: 0, [1])
        try io.syncData(file)
        io.crash(.loseUnsynced)
        #expect(!io.exists("/d/lost"), "entry was never made durable by a directory fsync")

        let kept = try io.openFile("/d/kept", mode: .create)
        try io.syncDirectory("/d")
        io.crash(.loseUnsynced)
        #expect(io.contents(of: "/d/kept") == [])
        #expect(throws: StorageError.self) { try io.write(kept, at: 0, [1]) }
    }

    @Test func renameIsAtomicAcrossCrashes() throws {
        for seed in UInt64(0)..<50 {
            let io = SimulatedFileIO(seed: seed)
            let file = try durableFile(io, base: [7])
            io.close(file)
            try io.rename("/d/f", to: "/d/g")
            io.crash(.random)
            #expect(io.exists("/d/f") != io.exists("/d/g"), "seed \(seed)")
        }
    }

    @Test func corruptFlipsOneBitDurably() throws {
        let io = SimulatedFileIO()
        _ = try durableFile(io, base: [0, 0, 0])
        io.corrupt("/d/f", offset: 1, bit: 3)
        io.crash(.loseUnsynced)
        #expect(io.contents(of: "/d/f") == [0, 8, 0])
    }

    @Test func injectedFaultsFireOnceWithTheirErrno() throws {
        let io = SimulatedFileIO()
        let file = try durableFile(io, base: [])
        io.injectFault(EIO, on: .syncData)
        let error = #expect(throws: StorageError.self) { try io.syncData(file) }
        #expect(error?.code == .ioFailure && error?.errno == EIO && error?.systemCall == "fdatasync")
        #expect(error?.path == "/d/f")
        try io.syncData(file)

        io.injectFault(ENOSPC, on: .write, path: "/d/f")
        let full = #expect(throws: StorageError.self) { try io.write(file, at: 0, [1, 2, 3, 4]) }
        #expect(full?.code == .diskFull)
        try io.write(file, at: 0, [1, 2, 3, 4])
    }

    @Test func capacityLimitWritesWhatFitsThenENOSPC() throws {
        let io = SimulatedFileIO()
        let file = try durableFile(io, base: [])
        io.capacityBytes = 6
        try io.write(file, at: 0, [1, 2, 3, 4])
        let error = #expect(throws: StorageError.self) { try io.write(file, at: 4, [5, 6, 7, 8]) }
        #expect(error?.code == .diskFull && error?.offset == 6)
        #expect(io.contents(of: "/d/f") == [1, 2, 3, 4, 5, 6])
        try io.write(file, at: 0, [9, 9])
        io.capacityBytes = nil
        try io.write(file, at: 6, [7])
    }
}
