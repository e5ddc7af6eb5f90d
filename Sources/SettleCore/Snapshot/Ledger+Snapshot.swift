extension Ledger {
    /// Copies what can still change (accounts, statuses, burnt ids, histories) and pins the
    /// transfer records committed so far, which never change again.
    func capture() -> LedgerCapture {
        LedgerCapture(
            tenant: tenant, lastAccountTimestamp: lastAccountTimestamp, lastTransferTimestamp: lastTransferTimestamp,
            accounts: allAccounts(),
            transfers: transfers, transferCount: transfers.count, transferRuns: transfers.captureRuns(),
            pending: pendingStatuses.sorted { $0.key < $1.key }, failedIDs: failedIDs,
            histories: accountHistory.sorted { $0.key < $1.key }
        )
    }

    func readSnapshot<Source: SnapshotSource>(from reader: inout SnapshotReader<Source>, expiry: inout ExpiryQueue) throws {
        lastAccountTimestamp = try reader.word()
        lastTransferTimestamp = try reader.word()
        try accounts.appendRuns(total: reader.count("account")) { try reader.raw(into: $0) }
        accountIndex.reserve(accounts.count)
        for slot in 0..<accounts.count {
            let id = accounts[slot].id
            guard findAccount(id) == nil else { throw SnapshotFormatError(message: "account \(id) appears twice") }
            accountIndex.insert(id, slot: slot)
            accountTransferSlots.appendList()
        }
        try transfers.appendRuns(total: reader.count("transfer")) { try reader.raw(into: $0) }
        transferIndex.reserve(transfers.count)
        var block = 0
        while block < transfers.count {
            let end = min(block + 4096, transfers.count)
            // Overlap the index's cache misses for a block before inserting it.
            warmSink &+= transferIndex.warm((block..<end).lazy.map { self.transfers.pointer(at: $0).pointee.id })
            for slot in block..<end { try indexLoadedTransfer(at: slot) }
            block = end
        }
        try readPendingStatuses(from: &reader, expiry: &expiry)
        for _ in 0..<(try reader.count("failed id")) { burn(try reader.id()) }
        try readHistories(from: &reader)
    }

    private func indexLoadedTransfer(at slot: Int) throws {
        let transfer = transfers.pointer(at: slot).pointee
        guard findTransfer(transfer.id) == nil else {
            throw SnapshotFormatError(message: "transfer \(transfer.id) appears twice")
        }
        transferIndex.insert(transfer.id, slot: slot)
        guard let debit = findAccount(transfer.debitAccountID), let credit = findAccount(transfer.creditAccountID) else {
            throw SnapshotFormatError(message: "transfer \(transfer.id) names a missing account")
        }
        accountTransferSlots.append(UInt32(slot), to: debit)
        accountTransferSlots.append(UInt32(slot), to: credit)
    }

    private func readPendingStatuses<Source: SnapshotSource>(
        from reader: inout SnapshotReader<Source>, expiry: inout ExpiryQueue
    ) throws {
        for _ in 0..<(try reader.count("pending")) {
            let word = try reader.word()
            let slot = Int(word >> 8)
            guard slot < transfers.count, let status = PendingStatus(rawValue: UInt8(word & 0xFF)) else {
                throw SnapshotFormatError(message: "pending status word \(word) is invalid")
            }
            pendingStatuses[slot] = status
            let transfer = transfers[slot]
            if status == .pending && transfer.timeoutSeconds > 0 {
                let deadline = transfer.timestamp + UInt64(transfer.timeoutSeconds) * 1_000_000_000
                expiry.schedule(.init(deadline: deadline, tenant: tenant, timestamp: transfer.timestamp, slot: UInt32(slot)))
            }
        }
    }

    private func readHistories<Source: SnapshotSource>(from reader: inout SnapshotReader<Source>) throws {
        for _ in 0..<(try reader.count("history account")) {
            let slot = Int(try reader.word())
            let count = try reader.count("history entry")
            guard slot < accounts.count, accountTransferSlots.withList(slot, { $0.count }) == count else {
                throw SnapshotFormatError(message: "history of account slot \(slot) does not match its transfers")
            }
            var balances: [AccountBalance] = []
            balances.reserveCapacity(count)
            for _ in 0..<count {
                balances.append(AccountBalance(
                    debitsPending: try reader.id(), debitsPosted: try reader.id(),
                    creditsPending: try reader.id(), creditsPosted: try reader.id(), timestamp: try reader.word()
                ))
            }
            accountHistory[slot] = balances
        }
    }
}
