#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SettleStorage

@Suite("CheckpointStore")
struct CheckpointStoreTests {
    static func snapshot(_ op: UInt64) -> [UInt8] { sampleBody(op: op, length: 100 + Int(op)) }

    @Test(arguments: Disk.allCases)
    func roundTripKeepsTheNewestTwo(disk: Disk) throws {
        try disk.with { io, directory in
            let store = try CheckpointStore(dataDirectory: directory, partition: 3, io: io)
            #expect(try store.loadNewest() == nil)
            for op: UInt64 in [10, 20, 30] { try store.write(op: op, timestamp: op * 7, snapshot: Self.snapshot(op)) }
            #expect(try store.ops() == [20, 30])
            #expect(try store.loadNewest() == Checkpoint(partition: 3, op: 30, timestamp: 210, snapshot: Self.snapshot(30)))
            #expect(try store.load(op: 20).snapshot == Self.snapshot(20))
            #expect(try io.listDirectory(store.directory).allSatisfy { !$0.hasSuffix(".tmp") })
            let reopened = try CheckpointStore(dataDirectory: directory, partition: 3, io: io)
            #expect(try reopened.loadNewest()?.op == 30)
        }
    }

    @Test func headerIsFortyEightBytesAsDocumented() throws {
        let io = SimulatedFileIO()
        let store = try CheckpointStore(dataDirectory: "/data", partition: 3, io: io)
        try store.write(op: 5, timestamp: 9, snapshot: [0xAB])
        let bytes = try #require(io.contents(of: "/data/checkpoints/0000000003/00000000000000000005.checkpoint"))
        #expect(bytes.count == CheckpointFormat.headerSize + 1 && CheckpointFormat.headerSize == 48)
        #expect(Array(bytes[0..<8]) == Array("SETC".utf8) + [1, 0, 0, 0])
        #expect(Array(bytes[12..<16]) == [3, 0, 0, 0] && bytes[16] == 5 && bytes[24] == 9 && bytes[32] == 1)
        #expect(bytes[48] == 0xAB)
    }

    /// A corrupt newest checkpoint is an error naming file and offset, never a silent fallback
    /// to the older one (the journal before the newest may be gone).
    @Test func corruptNewestThrowsInsteadOfFallingBack() throws {
        let io = SimulatedFileIO()
        let store = try CheckpointStore(dataDirectory: "/data", partition: 1, io: io)
        try store.write(op: 1, timestamp: 1, snapshot: Self.snapshot(1))
        try store.write(op: 2, timestamp: 2, snapshot: Self.snapshot(2))
        io.corrupt(store.path(op: 2), offset: 60)
        let error = #expect(throws: StorageError.self) { try store.loadNewest() }
        #expect(error?.code == .corruption && error?.path == store.path(op: 2) && error?.offset == 0)
        #expect(error?.description.contains(store.path(op: 2)) == true)
        #expect(try store.load(op: 1).op == 1, "the older one stays available to an operator")
    }

    @Test func everyBitFlipAndTruncationIsDetected() throws {
        let io = SimulatedFileIO()
        let store = try CheckpointStore(dataDirectory: "/data", partition: 1, io: io)
        try store.write(op: 4, timestamp: 4, snapshot: [1, 2, 3, 4, 5])
        let path = store.path(op: 4)
        let good = try #require(io.contents(of: path))
        for bit in 0..<(good.count * 8) {
            io.corrupt(path, offset: UInt64(bit / 8), bit: UInt8(bit % 8))
            #expect(throws: StorageError.self, "bit \(bit)") { try store.load(op: 4) }
            io.corrupt(path, offset: UInt64(bit / 8), bit: UInt8(bit % 8))
        }
        for length in 0..<good.count {
            let file = try io.openFile(path, mode: .readWrite)
            try io.truncate(file, to: UInt64(length))
            let error = #expect(throws: StorageError.self, "length \(length)") { try store.load(op: 4) }
            #expect(error?.path == path)
            try io.write(file, at: 0, good)
            io.close(file)
        }
        #expect(try store.load(op: 4).snapshot == [1, 2, 3, 4, 5])
    }

    @Test func checkpointOfAnotherPartitionOrOpIsCorruption() throws {
        let io = SimulatedFileIO()
        let other = try CheckpointStore(dataDirectory: "/data", partition: 2, io: io)
        let store = try CheckpointStore(dataDirectory: "/data", partition: 1, io: io)
        try other.write(op: 7, timestamp: 7, snapshot: [7])
        try io.rename(other.path(op: 7), to: other.directory + "/00000000000000000008.checkpoint")
        let wrongOp = #expect(throws: StorageError.self) { try other.load(op: 8) }
        #expect(wrongOp?.code == .corruption && wrongOp?.offset == 16)
        try store.write(op: 1, timestamp: 1, snapshot: [])
        let bytes = try #require(io.contents(of: other.directory + "/00000000000000000008.checkpoint"))
        let file = try io.openFile(store.path(op: 9), mode: .create)
        try io.write(file, at: 0, bytes)
        io.close(file)
        let wrongPartition = #expect(throws: StorageError.self) { try store.load(op: 9) }
        #expect(wrongPartition?.code == .corruption && wrongPartition?.offset == 12)
    }

    /// A crash at any step of a write leaves the previous checkpoint or the new one, never an
    /// error; once `write` has returned, only the new one.
    @Test(arguments: [nil, .openFile, .write, .syncData, .rename, .removeFile, .syncDirectory] as [SimulatedFileIO.Operation?])
    func crashDuringWriteLeavesOldOrNew(failing operation: SimulatedFileIO.Operation?) throws {
        for seed in UInt64(0)..<30 {
            let io = SimulatedFileIO(seed: seed)
            let store = try CheckpointStore(dataDirectory: "/data", partition: 1, io: io)
            try store.write(op: 1, timestamp: 1, snapshot: Self.snapshot(1))
            try store.write(op: 2, timestamp: 2, snapshot: Self.snapshot(2))
            if let operation { io.injectFault(EIO, on: operation) }
            let succeeded = (try? store.write(op: 3, timestamp: 3, snapshot: Self.snapshot(3))) != nil
            io.crash(.random)
            let newest = try CheckpointStore(dataDirectory: "/data", partition: 1, io: io).loadNewest()
            #expect(newest?.op == 3 || (!succeeded && newest?.op == 2), "seed \(seed), fault \(String(describing: operation))")
        }
    }
}
