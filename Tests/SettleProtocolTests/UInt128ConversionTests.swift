import SettleCore
import SettleProtocol
import SwiftProtobuf
import Testing

/// Values that catch a swapped, truncated or shifted half.
let uint128Boundaries: [UInt128] = [
    0, 1, UInt128(UInt64.max), UInt128(UInt64.max) + 1, UInt128(1) << 127, UInt128.max - 1, UInt128.max,
    UInt128(0x0123_4567_89AB_CDEF) << 64 | UInt128(0xFEDC_BA98_7654_3210),
]

@Suite struct UInt128ConversionTests {
    @Test(arguments: uint128Boundaries)
    func roundTripsThroughTheWire(value: UInt128) throws {
        let message = Settle_V1_UInt128(value)
        #expect(message.lo == UInt64(truncatingIfNeeded: value))
        #expect(message.hi == UInt64(truncatingIfNeeded: value >> 64))
        let decoded = try Settle_V1_UInt128(serializedBytes: try message.serializedBytes() as [UInt8])
        #expect(UInt128(decoded) == value)
    }

    /// The halves are fixed64 (wire type 1, 8 little-endian bytes), as the .proto promises.
    @Test func encodesAsTwoFixed64() throws {
        let value = UInt128(0x1122_3344_5566_7788) << 64 | UInt128(0x99AA_BBCC_DDEE_FF00)
        let bytes: [UInt8] = try Settle_V1_UInt128(value).serializedBytes()
        #expect(bytes == [0x09, 0x00, 0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99,
                          0x11, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
    }

    /// proto3 leaves zero fields out, so a zero id costs nothing.
    @Test func zeroEncodesAsNothing() throws {
        let bytes: [UInt8] = try Settle_V1_UInt128(0).serializedBytes()
        #expect(bytes.isEmpty)
    }
}

/// Serializes and parses `message`, as the server and client do.
func throughTheWire<M: SwiftProtobuf.Message>(_ message: M) throws -> M {
    try M(serializedBytes: try message.serializedBytes() as [UInt8])
}
