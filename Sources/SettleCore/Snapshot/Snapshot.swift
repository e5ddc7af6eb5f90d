/// Receives a snapshot's bytes in order. Storage implements it (checksumming and writing),
/// so the core never performs I/O itself.
public protocol SnapshotSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Supplies exactly the requested number of bytes, or throws.
public protocol SnapshotSource {
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws
}

/// A snapshot whose bytes passed their checksum but do not describe a valid state: a bug or
/// a format mismatch, never something to skip.
public struct SnapshotFormatError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { "invalid snapshot: \(message)" }
}

/// Layout: little-endian 64-bit words and the records' native (frozen, 128-byte) layout.
/// Only the inputs-derived facts are stored; indexes, posting lists and the expiry queue are
/// rebuilt on load, so the format does not depend on the hash function.
enum SnapshotFormat {
    static let magic: UInt64 = 0x5041_4E53_4C54_5453  // "STTLSNAP"
    static let version: UInt64 = 1
    static let end: UInt64 = 0x444E_4550_414E_5320
    /// Refuses absurd counts before allocating for them.
    static let countMax: UInt64 = 1 << 34
}

struct SnapshotWriter<Sink: SnapshotSink> {
    var sink: Sink

    mutating func word(_ value: UInt64) throws {
        var little = value.littleEndian
        try withUnsafeBytes(of: &little) { try sink.write($0) }
    }

    mutating func id(_ value: UInt128) throws {
        try word(UInt64(truncatingIfNeeded: value))
        try word(UInt64(truncatingIfNeeded: value &>> 64))
    }

    mutating func raw(_ bytes: UnsafeRawBufferPointer) throws {
        try sink.write(bytes)
    }
}

struct SnapshotReader<Source: SnapshotSource> {
    var source: Source

    mutating func word() throws -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { try source.read(into: $0) }
        return UInt64(littleEndian: value)
    }

    mutating func count(_ what: String) throws -> Int {
        let value = try word()
        guard value <= SnapshotFormat.countMax else {
            throw SnapshotFormatError(message: "\(what) count \(value) is out of range")
        }
        return Int(value)
    }

    mutating func id() throws -> UInt128 {
        let low = try word()
        let high = try word()
        return UInt128(high) << 64 | UInt128(low)
    }

    mutating func raw(into buffer: UnsafeMutableRawBufferPointer) throws {
        try source.read(into: buffer)
    }
}
