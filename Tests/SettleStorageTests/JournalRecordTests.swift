import Testing
@testable import SettleStorage

@Suite("Journal record format")
struct JournalRecordTests {
    static let sample = JournalRecord(partition: 7, op: 42, timestamp: 1_700_000_000_000_000_000, body: Array("batch".utf8))

    @Test func headerIsFortyBytes() {
        #expect(JournalRecordFormat.headerSize == 40)
        #expect(JournalRecordFormat.encode(Self.sample).count == 40 + 5)
    }

    @Test(arguments: [0, 1, 5, 4096])
    func roundTrip(bodyLength: Int) {
        let record = JournalRecord(partition: .max, op: .max, timestamp: .max, body: sampleBody(op: 3, length: bodyLength))
        let bytes = JournalRecordFormat.encode(record)
        #expect(JournalRecordFormat.decodeRecord(bytes) == record)
        #expect(JournalRecordFormat.decodeRecord(bytes + [1, 2, 3]) == record, "trailing bytes are the next record's")
    }

    /// The layout is a file format: pin it byte for byte so a refactor cannot change it silently.
    @Test func layoutIsLittleEndianAsDocumented() {
        let bytes = JournalRecordFormat.encode(Self.sample)
        #expect(Array(bytes[0..<4]) == Array("SETJ".utf8))
        #expect(Array(bytes[4..<8]) == [1, 0, 0, 0])
        #expect(Array(bytes[12..<16]) == [7, 0, 0, 0])
        #expect(Array(bytes[16..<24]) == [42, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[32..<40]) == [5, 0, 0, 0, 0, 0, 0, 0])
        var zeroed = bytes
        zeroed.replaceSubrange(8..<12, with: [0, 0, 0, 0])
        let stored = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        #expect(stored == CRC32C.checksum(zeroed))
    }

    @Test func everyTruncationIsIncomplete() {
        let bytes = JournalRecordFormat.encode(Self.sample)
        for length in 0..<bytes.count {
            let decoded = Array(bytes[..<length]).withUnsafeBytes { JournalRecordFormat.decode($0) }
            guard case .incomplete = decoded else {
                Issue.record("cut at \(length) decoded as \(decoded)")
                continue
            }
        }
    }

    @Test func everySingleBitFlipIsDetected() {
        let bytes = JournalRecordFormat.encode(Self.sample)
        for bit in 0..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
            let decoded = damaged.withUnsafeBytes { JournalRecordFormat.decode($0) }
            if case .record = decoded { Issue.record("flip of bit \(bit) went undetected") }
        }
    }

    @Test func classifiesDamage() {
        let bytes = JournalRecordFormat.encode(Self.sample)
        func decode(_ change: (inout [UInt8]) -> Void) -> JournalRecordFormat.Decoded {
            var copy = bytes
            change(&copy)
            return copy.withUnsafeBytes { JournalRecordFormat.decode($0) }
        }
        #expect(decode { $0[0] = 0 } == .invalid(.badMagic(0x4A54_4500)))
        #expect(decode { $0[4] = 2 } == .invalid(.unsupportedVersion(2)))
        #expect(decode { $0[35] = 0x10 } == .invalid(.bodyTooLarge(0x1000_0005)))
        #expect(decode { $0[33] = 1 } == .incomplete(needed: 40 + 256 + 5))
        guard case .invalid(.checksumMismatch) = decode({ $0[44] ^= 0x80 }) else {
            Issue.record("body flip not a checksum mismatch")
            return
        }
    }

    @Test func reservedBytesMustBeZeroEvenWithAValidChecksum() {
        var bytes = JournalRecordFormat.encode(Self.sample)
        bytes[37] = 1
        let checksum = bytes.withUnsafeBytes { JournalRecordFormat.checksum($0) }
        bytes.withUnsafeMutableBytes { $0.storeLE(checksum, at: 8) }
        #expect(bytes.withUnsafeBytes { JournalRecordFormat.decode($0) } == .invalid(.reservedNotZero))
    }
}
