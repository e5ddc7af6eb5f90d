import SettleCore

/// Checkpoint form of the session table, written after the ledger's snapshot in the same
/// checkpoint body. Little-endian 64-bit words, sessions in key order, so equal tables give
/// equal bytes:
///
///     magic, count, then per session: tenant, session low, session high, last request,
///     last used op, last fingerprint, reply kind (0 none, 1 accounts, 2 transfers, 3 no results, 4 record),
///     if a reply: op, timestamp, result count, results as 16-bit codes padded to 8 bytes
extension SessionTable {
    static let magic: UInt64 = 0x3253_4E4F_4953_5345  // "ESSIONS2": with fingerprints

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        CommandCodec.append(Self.magic, to: &bytes)
        CommandCodec.append(UInt64(entries.count), to: &bytes)
        for (key, entry) in entries.sorted(by: { $0.key < $1.key }) {
            for word in [key.tenant.rawValue, UInt64(truncatingIfNeeded: key.session), UInt64(truncatingIfNeeded: key.session >> 64),
                         entry.lastRequest, entry.lastUsedOp, entry.lastFingerprint] {
                CommandCodec.append(word, to: &bytes)
            }
            guard let reply = entry.lastReply?.reply else {
                CommandCodec.append(UInt64(0), to: &bytes)
                continue
            }
            let codes: [UInt16]
            let kind: UInt64
            switch reply.results {
            case .accounts(let results): (kind, codes) = (1, results.map(\.rawValue))
            case .transfers(let results): (kind, codes) = (2, results.map(\.rawValue))
            case .none: (kind, codes) = (3, [])
            case .record(let written): (kind, codes) = (4, [written ? 1 : 0])
            }
            for word in [kind, reply.op, reply.timestamp, UInt64(codes.count)] { CommandCodec.append(word, to: &bytes) }
            for code in codes { CommandCodec.append(code, to: &bytes) }
            bytes.append(contentsOf: [UInt8](repeating: 0, count: (8 - codes.count * 2 % 8) % 8))
        }
        return bytes
    }

    public static func decode<Source: SnapshotSource>(from source: inout Source, capacity: Int) throws -> SessionTable {
        var table = SessionTable(capacity: capacity)
        guard try word(&source) == magic else { throw SnapshotFormatError(message: "session table: bad magic") }
        let count = try word(&source)
        guard count <= UInt64(capacity) else { throw SnapshotFormatError(message: "session table: \(count) sessions") }
        for _ in 0..<count {
            let tenant = TenantID(try word(&source))
            let low = try word(&source)
            let key = Key(tenant: tenant, session: UInt128(try word(&source)) << 64 | UInt128(low))
            var entry = Entry(lastRequest: try word(&source), lastReply: nil, lastUsedOp: try word(&source))
            entry.lastFingerprint = try word(&source)
            let kind = try word(&source)
            if kind != 0 {
                let (op, timestamp, resultCount) = (try word(&source), try word(&source), Int(try word(&source)))
                guard resultCount <= StateMachine.batchEventsMax else {
                    throw SnapshotFormatError(message: "session table: \(resultCount) results")
                }
                var raw = [UInt8](repeating: 0, count: (resultCount * 2 + 7) / 8 * 8)
                try raw.withUnsafeMutableBytes { try source.read(into: $0) }
                let codes = (0..<resultCount).map { UInt16(raw[2 * $0]) | UInt16(raw[2 * $0 + 1]) << 8 }
                entry.lastReply = StoredReply(WriteReply(results: try results(kind: kind, codes: codes), op: op, timestamp: timestamp))
            }
            table.entries[key] = entry
        }
        return table
    }

    private static func results(kind: UInt64, codes: [UInt16]) throws -> WriteReply.Results {
        switch kind {
        case 1:
            let results = codes.compactMap(CreateAccountResult.init(rawValue:))
            guard results.count == codes.count else { throw SnapshotFormatError(message: "session table: unknown account result") }
            return .accounts(results)
        case 2:
            let results = codes.compactMap(CreateTransferResult.init(rawValue:))
            guard results.count == codes.count else { throw SnapshotFormatError(message: "session table: unknown transfer result") }
            return .transfers(results)
        case 3 where codes.isEmpty:
            return .none
        case 4 where codes.count == 1 && codes[0] <= 1:
            return .record(written: codes[0] == 1)
        default:
            throw SnapshotFormatError(message: "session table: reply kind \(kind)")
        }
    }

    private static func word<Source: SnapshotSource>(_ source: inout Source) throws -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { try source.read(into: $0) }
        return UInt64(littleEndian: value)
    }
}
