extension StateMachine {
    /// Streams the whole state to `sink` in a deterministic order (tenants ascending, records
    /// in commit order). Pending-transfer expiry and every index are derived on load.
    public func writeSnapshot<Sink: SnapshotSink>(to sink: inout Sink) throws {
        try captureSnapshot().write(to: &sink)
    }

    /// A consistent image to write out later, possibly on another thread; see `SnapshotCapture`.
    public func captureSnapshot() -> SnapshotCapture {
        SnapshotCapture(lastTimestamp: lastTimestamp, ledgers: tenants.map { ledgers[$0]!.capture() })
    }

    /// Rebuilds a state machine from a snapshot written by `writeSnapshot`.
    public static func readSnapshot<Source: SnapshotSource>(
        from source: inout Source, memory: any RecordMemory = StandardRecordMemory()
    ) throws -> StateMachine {
        var reader = SnapshotReader(source: source)
        guard try reader.word() == SnapshotFormat.magic else { throw SnapshotFormatError(message: "bad magic") }
        let version = try reader.word()
        guard version == SnapshotFormat.version else {
            throw SnapshotFormatError(message: "format version \(version); this build reads \(SnapshotFormat.version)")
        }
        let sizes = try reader.word()
        guard sizes == UInt64(MemoryLayout<Account>.stride) << 32 | UInt64(MemoryLayout<Transfer>.stride) else {
            throw SnapshotFormatError(message: "record sizes \(sizes >> 32)/\(sizes & 0xFFFF_FFFF) differ from this build")
        }
        let machine = StateMachine(memory: memory)
        machine.lastTimestamp = try reader.word()
        let tenantCount = try reader.count("tenant")
        var previous: TenantID?
        for _ in 0..<tenantCount {
            let tenant = TenantID(try reader.word())
            guard previous.map({ $0 < tenant }) ?? true else {
                throw SnapshotFormatError(message: "tenants out of order at \(tenant)")
            }
            previous = tenant
            let ledger = Ledger(tenant: tenant, memory: memory)
            try ledger.readSnapshot(from: &reader, expiry: &machine.expiry)
            machine.ledgers[tenant] = ledger
        }
        guard try reader.word() == SnapshotFormat.end else { throw SnapshotFormatError(message: "missing end marker") }
        source = reader.source
        return machine
    }
}
