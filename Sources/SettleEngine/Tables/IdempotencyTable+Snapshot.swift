import SettleCore

/// Checkpoint form of the idempotency table, after the session table. Little-endian words,
/// entries oldest first (the order expiry needs, and deterministic):
///
///     magic, count, then per entry: tenant, fingerprint low, fingerprint high, key length,
///     reply kind, result count, failure count, op, timestamp, key padded to 8 bytes,
///     failures (index << 16 | code)
extension IdempotencyTable {
    static let magic: UInt64 = 0x5945_4B50_4D45_4449  // "IDEMPKEY"

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendWord(Self.magic)
        bytes.appendWord(UInt64(entries.count))
        for key in order[head...] {
            guard let entry = entries[key] else { continue }
            let reply = entry.reply
            for word in [key.tenant.rawValue, UInt64(truncatingIfNeeded: entry.fingerprint), UInt64(truncatingIfNeeded: entry.fingerprint >> 64),
                         UInt64(key.key.utf8.count), UInt64(reply.kind.rawValue), UInt64(reply.count), UInt64(reply.failures.count),
                         reply.op, reply.timestamp] {
                bytes.appendWord(word)
            }
            bytes.appendPadded(key.key.utf8)
            for failure in reply.failures { bytes.appendWord(failure) }
        }
        return bytes
    }

    static func decode<Source: SnapshotSource>(from source: inout Source, capacity: Int, retentionNanoseconds: UInt64) throws -> IdempotencyTable {
        var table = IdempotencyTable(capacity: capacity, retentionNanoseconds: retentionNanoseconds)
        guard try source.word() == magic else { throw SnapshotFormatError(message: "idempotency table: bad magic") }
        let count = try source.word()
        guard count <= UInt64(capacity) * 2 else { throw SnapshotFormatError(message: "idempotency table: \(count) keys") }
        for _ in 0..<count {
            let tenant = TenantID(try source.word())
            let low = try source.word()
            let fingerprint = UInt128(try source.word()) << 64 | UInt128(low)
            let keyLength = Int(try source.word())
            let (kindRaw, resultCount, failureCount) = (try source.word(), try source.word(), try source.word())
            let (op, timestamp) = (try source.word(), try source.word())
            let key = try source.paddedString(keyLength, limit: IdempotencyTag.keyBytesMax, what: "idempotency key")
            guard let kind = StoredReply.Kind(rawValue: UInt8(truncatingIfNeeded: kindRaw)), kindRaw <= 4,
                  resultCount <= UInt64(StateMachine.batchEventsMax), failureCount <= resultCount else {
                throw SnapshotFormatError(message: "idempotency key \(key): reply kind \(kindRaw), \(resultCount) results")
            }
            var failures: [UInt64] = []
            for _ in 0..<failureCount {
                let failure = try source.word()
                guard failure >> 16 < resultCount, validCode(UInt16(truncatingIfNeeded: failure), kind: kind) else {
                    throw SnapshotFormatError(message: "idempotency key \(key): bad result \(failure)")
                }
                failures.append(failure)
            }
            let reply = StoredReply(kind: kind, count: UInt32(resultCount), failures: failures, op: op, timestamp: timestamp)
            let entryKey = Key(tenant: tenant, key: key)
            table.entries[entryKey] = Entry(fingerprint: fingerprint, reply: reply)
            table.order.append(entryKey)
        }
        return table
    }

    private static func validCode(_ code: UInt16, kind: StoredReply.Kind) -> Bool {
        switch kind {
        case .accounts: CreateAccountResult(rawValue: code) != nil
        case .transfers: CreateTransferResult(rawValue: code) != nil
        case .none, .record: false
        }
    }
}
