/// One tenant's accounts and transfers with their indexes. Internal: reached only through
/// `StateMachine`, which owns one `Ledger` per tenant.
final class Ledger {
    let tenant: TenantID
    let accounts: RecordStore<Account>
    let accountIndex: IDIndex
    let transfers: RecordStore<Transfer>
    let transferIndex: IDIndex
    /// Status of every pending transfer, by transfer slot. Only looked up, never iterated.
    var pendingStatuses: [Int: PendingStatus] = [:]
    /// Ids burnt by a transient failure, in the order they failed.
    var failedIDs: [UInt128] = []
    let failedIndex = IDIndex()
    /// Keeps `IDIndex.warm`'s loads alive.
    var warmSink: UInt64 = 0
    /// Per account slot: the slots of the transfers touching it, in timestamp order.
    let accountTransferSlots = PostingLists()
    /// Per `history` account slot: one snapshot per entry of `accountTransferSlots[slot]`.
    var accountHistory: [Int: [AccountBalance]] = [:]
    /// The newest committed account's and transfer's timestamps in this tenant: imported
    /// events must not regress behind the newest of their own kind (as in TigerBeetle), which
    /// is what lets an imported transfer predate an account and fail `...MustPostdate...`.
    var lastAccountTimestamp: UInt64 = 0
    var lastTransferTimestamp: UInt64 = 0
    /// Non-nil while a linked chain is being applied.
    var undo: UndoLog?

    init(tenant: TenantID, memory: any RecordMemory) {
        self.tenant = tenant
        accounts = RecordStore(memory: memory)
        transfers = RecordStore(memory: memory)
        accountIndex = IDIndex(memory: memory)
        transferIndex = IDIndex(memory: memory)
    }

    @inline(__always)
    func findAccount(_ id: UInt128) -> Int? {
        accountIndex.find(id) { accounts.pointer(at: $0).pointee.id }
    }

    @inline(__always)
    func findTransfer(_ id: UInt128) -> Int? {
        transferIndex.find(id) { transfers.pointer(at: $0).pointee.id }
    }

    @inline(__always)
    func hasFailed(_ id: UInt128) -> Bool {
        failedIndex.count > 0 && failedIndex.find(id) { failedIDs[$0] } != nil
    }

    func burn(_ id: UInt128) {
        failedIndex.insert(id, slot: failedIDs.count)
        failedIDs.append(id)
    }

    /// Saves an account record before a change, when inside a linked chain.
    @inline(__always)
    func willModifyAccount(_ slot: Int) {
        if undo != nil { undo!.accounts.append((slot, accounts[slot])) }
    }

    /// Records that transfer `transferSlot` touched account `accountSlot`, with a balance
    /// snapshot for `history` accounts.
    @inline(__always)
    func link(account accountSlot: Int, transfer transferSlot: Int, timestamp: UInt64) {
        accountTransferSlots.append(UInt32(truncatingIfNeeded: transferSlot), to: accountSlot)
        let account = accounts.pointer(at: accountSlot)
        if account.pointee.flags.contains(.history) {
            let a = account.pointee
            accountHistory[accountSlot, default: []].append(AccountBalance(
                debitsPending: a.debitsPending, debitsPosted: a.debitsPosted,
                creditsPending: a.creditsPending, creditsPosted: a.creditsPosted, timestamp: timestamp
            ))
        }
    }

    func allAccounts() -> [Account] {
        var result: [Account] = []
        result.reserveCapacity(accounts.count)
        accounts.forEach { result.append($0) }
        return result
    }

    func pendingStatus(_ id: UInt128) -> PendingStatus? {
        guard let slot = findTransfer(id) else { return nil }
        return pendingStatuses[slot]
    }
}

/// What a linked chain changed, so that a failure can put it all back.
struct UndoLog {
    let accountCount: Int
    let transferCount: Int
    let lastAccountTimestamp: UInt64
    let lastTransferTimestamp: UInt64
    var accounts: [(slot: Int, old: Account)] = []
    var pending: [(slot: Int, old: PendingStatus)] = []
}

extension Ledger {
    func beginChain() {
        precondition(undo == nil, "linked chains do not nest")
        undo = UndoLog(accountCount: accounts.count, transferCount: transfers.count,
                       lastAccountTimestamp: lastAccountTimestamp, lastTransferTimestamp: lastTransferTimestamp)
    }

    func commitChain() {
        undo = nil
    }

    /// Restores the state to what it was at `beginChain()`. Burnt ids stay burnt.
    func rollbackChain() {
        guard let log = undo else { preconditionFailure("rollback without a chain") }
        undo = nil
        while transfers.count > log.transferCount {
            let slot = transfers.count - 1
            let transfer = transfers[slot]
            transferIndex.remove(transfer.id) { transfers.pointer(at: $0).pointee.id }
            for accountID in [transfer.debitAccountID, transfer.creditAccountID] {
                guard let accountSlot = findAccount(accountID) else { preconditionFailure("transfer without account") }
                accountTransferSlots.removeLast(from: accountSlot)
                if accountHistory[accountSlot] != nil { accountHistory[accountSlot]!.removeLast() }
            }
            pendingStatuses[slot] = nil
            transfers.removeLast()
        }
        while accounts.count > log.accountCount {
            let slot = accounts.count - 1
            accountIndex.remove(accounts[slot].id) { accounts.pointer(at: $0).pointee.id }
            accountTransferSlots.removeLastList()
            accountHistory[slot] = nil
            accounts.removeLast()
        }
        for (slot, old) in log.accounts.reversed() where slot < log.accountCount {
            accounts[slot] = old
        }
        for (slot, old) in log.pending.reversed() where slot < log.transferCount {
            pendingStatuses[slot] = old
        }
        lastAccountTimestamp = log.lastAccountTimestamp
        lastTransferTimestamp = log.lastTransferTimestamp
    }
}
