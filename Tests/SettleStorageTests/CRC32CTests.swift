import SettleSeededRandom
import Foundation
import Testing
@testable import SettleStorage

@Suite("CRC32C")
struct CRC32CTests {
    /// The check value of the CRC catalogue and the iSCSI (RFC 3720, B.4) test patterns.
    @Test(arguments: [
        (Array("123456789".utf8), UInt32(0xE306_9283)),
        ([UInt8](repeating: 0, count: 32), UInt32(0x8A91_36AA)),
        ([UInt8](repeating: 0xFF, count: 32), UInt32(0x62A8_AB43)),
        ((0..<32).map { UInt8($0) }, UInt32(0x46DD_794E)),
        ((0..<32).map { UInt8(31 - $0) }, UInt32(0x113F_DB5C)),
        ([], UInt32(0)),
    ])
    func standardVectors(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    @Test func incrementalEqualsOneShotAtEverySplit() {
        var generator = SeededGenerator(seed: 0xC0FFEE)
        let bytes = (0..<257).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            let first = CRC32C.checksum(Array(bytes[..<split]))
            let continued = Array(bytes[split...]).withUnsafeBytes { CRC32C.update(first, $0) }
            #expect(continued == whole, "split at \(split)")
            var running = CRC32C()
            running.update(Array(bytes[..<split]))
            running.update(Array(bytes[split...]))
            #expect(running.value == whole, "split at \(split)")
        }
    }

    /// Slicing-by-8 must agree with the bit-at-a-time definition at every length and alignment.
    @Test func matchesBitwiseReference() {
        var generator = SeededGenerator(seed: 42)
        let bytes = (0..<100).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        for start in 0..<9 {
            for end in start...bytes.count {
                let slice = Array(bytes[start..<end])
                #expect(CRC32C.checksum(slice) == bitwiseCRC32C(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    private func bitwiseCRC32C(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}

@Suite("CRC32C hardware path")
struct CRC32CHardwareTests {
    @Test(arguments: [0, 1, 7, 8, 9, 63, 64, 1000, 4097])
    func hardwareEqualsSoftware(length: Int) {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<length + 3).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBytes { all in
            // Misaligned starts exercise the hardware path's alignment prologue.
            for start in 0..<3 {
                let slice = UnsafeRawBufferPointer(rebasing: all[start..<start + length])
                #expect(CRC32C.update(0x1234_5678, slice) == CRC32C.updateInSoftware(0x1234_5678, slice))
            }
        }
    }

    @Test func hardwareIsUsedOnThisCPUWhenAvailable() throws {
        #if arch(x86_64)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        try #require(!flags.isEmpty, "no /proc/cpuinfo to compare with")
        #expect(CRC32C.usesHardware == flags.contains("sse4_2"))
        #endif
    }
}
