import SettleCore

/// The body of a journal record: the group of commands committed together, with their
/// timestamps. Little-endian; events are the records' frozen 128-byte layout.
///
///     u32 commandCount
///     per command: u8 kind (1 accounts, 2 transfers, 3 expire, 4 register session,
///                  5 system record), u8 tag (0 none, 1 session, 2 idempotency key),
///                  2 bytes zero, u32 eventCount, u64 tenant, u64 timestamp,
///                  if tag 1: u64 session low, u64 session high, u64 request number,
///                  if tag 2: u64 fingerprint low, u64 fingerprint high, u64 key length,
///                            key padded to 8 bytes,
///                  if kind 4: u64 session low, u64 session high,
///                  if kind 5: u64 mode, u64 key length, u64 value length, key and value
///                             each padded to 8 bytes,
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
            case .putSystemRecord: (5, TenantID.system.rawValue)
            }
            let tagKind: UInt8 = switch entry.tag {
            case nil: 0
            case .session: 1
            case .idempotencyKey: 2
            }
            bytes.append(contentsOf: [kind, tagKind, 0, 0])
            append(UInt32(entry.command.eventCount), to: &bytes)
            append(tenant, to: &bytes)
            append(entry.timestamp, to: &bytes)
            switch entry.tag {
            case nil: break
            case .session(let tag):
                append(tag.session, to: &bytes)
                append(tag.request, to: &bytes)
            case .idempotencyKey(let tag):
                append(tag.fingerprint, to: &bytes)
                bytes.appendWord(UInt64(tag.key.utf8.count))
                bytes.appendPadded(tag.key.utf8)
            }
            switch entry.command {
            case .createAccounts(_, let events): events.withUnsafeBytes { bytes.append(contentsOf: $0) }
            case .createTransfers(_, let events): events.withUnsafeBytes { bytes.append(contentsOf: $0) }
            case .registerSession(_, let session): append(session, to: &bytes)
            case .putSystemRecord(let write):
                for word in [UInt64(write.mode.rawValue), UInt64(write.key.utf8.count), UInt64(write.value.count)] { bytes.appendWord(word) }
                bytes.appendPadded(write.key.utf8)
                bytes.appendPadded(write.value)
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
            guard flags >> 16 == 0, tagged <= 2 else { throw reader.error("reserved command bits set: \(flags)") }
            let events = Int(try reader.u32())
            let tenant = TenantID(try reader.u64())
            let timestamp = try reader.u64()
            guard events <= StateMachine.batchEventsMax else { throw reader.error("\(events) events in one command") }
            var tag: RequestTag?
            switch tagged {
            case 1: tag = .session(ClientTag(session: try reader.u128(), request: try reader.u64()))
            case 2:
                let fingerprint = try reader.u128()
                tag = .idempotencyKey(IdempotencyTag(key: try reader.string(limit: IdempotencyTag.keyBytesMax), fingerprint: fingerprint))
            default: tag = nil
            }
            let command: Command
            switch kind {
            case 1: command = .createAccounts(tenant, try reader.records(events))
            case 2: command = .createTransfers(tenant, try reader.records(events))
            case 3 where events == 0: command = .expirePending
            case 4 where events == 0: command = .registerSession(tenant, try reader.u128())
            case 5 where events == 0: command = .putSystemRecord(try reader.systemRecordWrite())
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

        /// A u64 length, then that many bytes padded to 8.
        mutating func padded(limit: Int) throws(DecodeError) -> [UInt8] {
            let length = try u64()
            guard length <= UInt64(limit) else { throw error("\(length) bytes where at most \(limit) are allowed") }
            let at = try take((Int(length) + 7) / 8 * 8)
            return Array(bytes[at..<at + Int(length)])
        }

        mutating func string(limit: Int) throws(DecodeError) -> String {
            guard let string = String(validating: try padded(limit: limit), as: UTF8.self) else { throw error("a key is not UTF-8") }
            return string
        }

        mutating func systemRecordWrite() throws(DecodeError) -> SystemRecordWrite {
            let raw = try u64()
            guard raw <= 255, let mode = SystemRecordWrite.Mode(rawValue: UInt8(raw)) else { throw error("system record mode \(raw)") }
            // Key length, value length, then both: read the lengths before either body.
            let keyLength = try u64()
            let valueLength = try u64()
            guard keyLength <= UInt64(SystemRecordWrite.keyBytesMax), valueLength <= UInt64(SystemRecordWrite.valueBytesMax) else {
                throw error("system record of \(keyLength) + \(valueLength) bytes")
            }
            let keyAt = try take((Int(keyLength) + 7) / 8 * 8)
            guard let key = String(validating: bytes[keyAt..<keyAt + Int(keyLength)], as: UTF8.self) else { throw error("a key is not UTF-8") }
            let valueAt = try take((Int(valueLength) + 7) / 8 * 8)
            return SystemRecordWrite(key: key, value: Array(bytes[valueAt..<valueAt + Int(valueLength)]), mode: mode)
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
