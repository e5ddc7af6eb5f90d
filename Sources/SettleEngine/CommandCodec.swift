import SettleCore

/// The body of a journal record: the group of commands committed together, with their
/// timestamps. Little-endian; events are the records' frozen 128-byte layout.
///
///     u32 commandCount
///     per command: u8 kind (1 accounts, 2 transfers, 3 expire, 4 register session),
///                  u8 tagged (0 or 1), 2 bytes zero, u32 eventCount, u64 tenant, u64 timestamp,
///                  if tagged: u64 session low, u64 session high, u64 request number,
///                  if kind 4: u64 session low, u64 session high,
///                  eventCount × 128 bytes
public enum CommandCodec {
    static let commandHeaderSize = 24

    public static func encode(_ commands: [TimestampedCommand]) -> [UInt8] {
        var size = 4
        for entry in commands { size += commandHeaderSize + 40 + entry.command.eventCount * 128 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        append(UInt32(commands.count), to: &bytes)
        for entry in commands {
            let (kind, tenant): (UInt8, UInt64) = switch entry.command {
            case .createAccounts(let tenant, _): (1, tenant.rawValue)
            case .createTransfers(let tenant, _): (2, tenant.rawValue)
            case .expirePending: (3, 0)
            case .registerSession(let tenant, _): (4, tenant.rawValue)
            }
            bytes.append(contentsOf: [kind, entry.tag == nil ? 0 : 1, 0, 0])
            append(UInt32(entry.command.eventCount), to: &bytes)
            append(tenant, to: &bytes)
            append(entry.timestamp, to: &bytes)
            if let tag = entry.tag {
                append(tag.session, to: &bytes)
                append(tag.request, to: &bytes)
            }
            switch entry.command {
            case .createAccounts(_, let events): events.withUnsafeBytes { bytes.append(contentsOf: $0) }
            case .createTransfers(_, let events): events.withUnsafeBytes { bytes.append(contentsOf: $0) }
            case .registerSession(_, let session): append(session, to: &bytes)
            case .expirePending: break
            }
        }
        return bytes
    }

    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let reason: String
        public var description: String { "journal body invalid at byte \(offset): \(reason)" }
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> [TimestampedCommand] {
        var reader = Reader(bytes: bytes)
        let count = Int(try reader.u32())
        guard count <= bytes.count / commandHeaderSize else { throw reader.error("command count \(count) too large") }
        var commands: [TimestampedCommand] = []
        commands.reserveCapacity(count)
        for _ in 0..<count {
            let flags = try reader.u32()
            let (kind, tagged) = (flags & 0xFF, (flags >> 8) & 0xFF)
            guard flags >> 16 == 0, tagged <= 1 else { throw reader.error("reserved command bits set: \(flags)") }
            let events = Int(try reader.u32())
            let tenant = TenantID(try reader.u64())
            let timestamp = try reader.u64()
            guard events <= StateMachine.batchEventsMax else { throw reader.error("\(events) events in one command") }
            let tag = tagged == 1 ? ClientTag(session: try reader.u128(), request: try reader.u64()) : nil
            let command: Command
            switch kind {
            case 1: command = .createAccounts(tenant, try reader.records(events))
            case 2: command = .createTransfers(tenant, try reader.records(events))
            case 3 where events == 0: command = .expirePending
            case 4 where events == 0: command = .registerSession(tenant, try reader.u128())
            default: throw reader.error("unknown command kind \(kind)")
            }
            commands.append(TimestampedCommand(command: command, timestamp: timestamp, tag: tag))
        }
        guard reader.offset == bytes.count else { throw reader.error("\(bytes.count - reader.offset) trailing bytes") }
        return commands
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        func error(_ reason: String) -> DecodeError { DecodeError(offset: offset, reason: reason) }

        mutating func take(_ count: Int) throws(DecodeError) -> Int {
            guard count <= bytes.count - offset else { throw error("truncated: \(count) bytes wanted") }
            defer { offset += count }
            return offset
        }

        mutating func u32() throws(DecodeError) -> UInt32 {
            let at = try take(4)
            return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        }

        mutating func u128() throws(DecodeError) -> UInt128 {
            let low = try u64()
            return UInt128(try u64()) << 64 | UInt128(low)
        }

        mutating func u64() throws(DecodeError) -> UInt64 {
            let at = try take(8)
            return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        }

        mutating func records<R>(_ count: Int) throws(DecodeError) -> [R] {
            precondition(MemoryLayout<R>.stride == 128)
            let at = try take(count * 128)
            return [R](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[at..<at + count * 128]))
                }
                initialized = count
            }
        }
    }
}
