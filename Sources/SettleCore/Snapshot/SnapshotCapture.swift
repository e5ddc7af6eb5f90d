/// A consistent image of a `StateMachine` taken between two batches, that can be written out
/// on another thread while the writer goes on committing.
///
/// Taking it costs O(accounts + pending + burnt ids), not O(transfers): transfer records below
/// the captured count are immutable (the store only appends, a rollback only removes records
/// of the chain in flight, and chunks are freed only when the store is), so they are read in
/// place. The capture holds the stores strongly to keep that memory alive; that is why it is
/// `@unchecked Sendable`.
public struct SnapshotCapture: @unchecked Sendable {
    let lastTimestamp: UInt64
    let ledgers: [LedgerCapture]

    /// The timestamp of the last batch the capture includes.
    public var timestamp: UInt64 { lastTimestamp }

    /// The exact length `write(to:)` produces, known before writing (a checkpoint header
    /// carries it ahead of the body).
    public var byteCount: Int {
        8 * 6 + ledgers.reduce(0) { $0 + 8 + $1.byteCount }
    }

    /// Streams the snapshot; the bytes equal what `writeSnapshot` would have produced at the
    /// moment of capture.
    public func write<Sink: SnapshotSink>(to sink: inout Sink) throws {
        precondition(UInt16(1).littleEndian == 1, "snapshots assume a little-endian machine")
        var writer = SnapshotWriter(sink: sink)
        try writer.word(SnapshotFormat.magic)
        try writer.word(SnapshotFormat.version)
        try writer.word(UInt64(MemoryLayout<Account>.stride) << 32 | UInt64(MemoryLayout<Transfer>.stride))
        try writer.word(lastTimestamp)
        try writer.word(UInt64(ledgers.count))
        for ledger in ledgers {
            try writer.word(ledger.tenant.rawValue)
            try ledger.write(to: &writer)
        }
        try writer.word(SnapshotFormat.end)
        sink = writer.sink
    }
}

struct LedgerCapture {
    let tenant: TenantID
    let lastAccountTimestamp: UInt64
    let lastTransferTimestamp: UInt64
    let accounts: [Account]
    /// Keeps the pinned runs' memory alive.
    let transfers: RecordStore<Transfer>
    let transferCount: Int
    let transferRuns: [CapturedRun]
    let pending: [(key: Int, value: PendingStatus)]
    let failedIDs: [UInt128]
    let histories: [(key: Int, value: [AccountBalance])]

    var byteCount: Int {
        let records = accounts.count * MemoryLayout<Account>.stride + transferCount * MemoryLayout<Transfer>.stride
        let history = histories.reduce(0) { $0 + 16 + $1.value.count * 72 }
        return 8 * 7 + records + pending.count * 8 + failedIDs.count * 16 + history
    }

    func write<Sink: SnapshotSink>(to writer: inout SnapshotWriter<Sink>) throws {
        try writer.word(lastAccountTimestamp)
        try writer.word(lastTransferTimestamp)
        try writer.word(UInt64(accounts.count))
        try accounts.withUnsafeBytes { try writer.raw($0) }
        try writer.word(UInt64(transferCount))
        for run in transferRuns { try run.withBytes { try writer.raw($0) } }
        try writer.word(UInt64(pending.count))
        for (slot, status) in pending {
            try writer.word(UInt64(slot) << 8 | UInt64(status.rawValue))
        }
        try writer.word(UInt64(failedIDs.count))
        for id in failedIDs { try writer.id(id) }
        try writer.word(UInt64(histories.count))
        for (slot, balances) in histories {
            try writer.word(UInt64(slot))
            try writer.word(UInt64(balances.count))
            // Field by field: the struct's tail padding must not leak into the bytes.
            for balance in balances {
                for value in [balance.debitsPending, balance.debitsPosted, balance.creditsPending, balance.creditsPosted] {
                    try writer.id(value)
                }
                try writer.word(balance.timestamp)
            }
        }
    }
}
