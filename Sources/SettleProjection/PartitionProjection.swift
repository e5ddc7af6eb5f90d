import HeapModule
import SettleCore
import SettleEngine

/// The capturing half of one partition's projection, on the replica partition's thread: what
/// changed since the last flush, kept as keys and turned into rows (the current state) at each
/// flush for the `ProjectionWriter`.
final class PartitionProjection: @unchecked Sendable {
    struct Key: Hashable {
        var tenant: TenantID
        var id: UInt128
    }

    /// A pending transfer with a timeout, which expiry may resolve without any event naming it.
    struct Deadline: Comparable {
        var due: UInt64
        var key: Key
        static func < (a: Deadline, b: Deadline) -> Bool { a.due < b.due }
        static func == (a: Deadline, b: Deadline) -> Bool { a.due == b.due && a.key == b.key }
    }

    let writer: ProjectionWriter
    /// The captured keys cover every change of the ops after this one.
    private var floor: UInt64 = 0
    /// Send every row: the state was loaded from a checkpoint newer than the stored position,
    /// or the position went back; either way which rows changed since it is not known.
    private var everything = false
    private var accounts: Set<Key> = []
    private var transfers: Set<Key> = []
    private var pending = Heap<Deadline>()

    init(writer: ProjectionWriter) {
        self.writer = writer
    }

    /// A fresh state of op `op`: forget what was captured, find the pending transfers that may
    /// still expire, and send every row unless the store is known to be at `op` or later.
    func loaded(machine: StateMachine, op: UInt64) {
        accounts.removeAll()
        transfers.removeAll()
        pending = Heap()
        for tenant in machine.tenants {
            forEachTransfer(of: tenant, in: machine) { transfer in
                if transfer.flags.contains(.pending), transfer.timeoutSeconds != 0,
                   machine.pendingStatus(tenant: tenant, id: transfer.id) == .pending {
                    pending.insert(Self.deadline(of: transfer, tenant: tenant))
                }
            }
        }
        floor = op
        // PostgreSQL was just reachable (the checkpoint came from it), so this is quick.
        everything = writer.storedPosition(waitingUpTo: 10).map { $0 < op } ?? true
    }

    func applied(_ entry: TimestampedCommand, results: WriteReply.Results, op: UInt64, machine: StateMachine) {
        switch (entry.command, results) {
        case (.createAccounts(let tenant, let created), .accounts(let codes)):
            for (account, code) in zip(created, codes) where code == .ok {
                accounts.insert(Key(tenant: tenant, id: account.id))
            }
        case (.createTransfers(let tenant, let created), .transfers(let codes)):
            for (transfer, code) in zip(created, codes) where code == .ok {
                transfers.insert(Key(tenant: tenant, id: transfer.id))
                if transfer.flags.contains(.pending), transfer.timeoutSeconds != 0,
                   let stored = machine.lookupTransfers(tenant: tenant, ids: [transfer.id]).first {
                    pending.insert(Self.deadline(of: stored, tenant: tenant))
                }
            }
        default:
            break
        }
    }

    /// Hands the writer the rows that changed through `op` (the state `machine` is in), as
    /// they are now; or every row, when which changed is not known.
    func flush(machine: StateMachine, through op: UInt64) {
        collectExpired(machine)
        if writer.takeLostTrack() { everything = true }
        if everything {
            writer.offer(allRows(machine, through: op))
            everything = false
        } else {
            guard op > floor else { return }
            writer.offer(changedRows(machine, through: op))
        }
        floor = op
        accounts.removeAll()
        transfers.removeAll()
    }

    /// Pending transfers whose deadline has passed by the state's time and that expiry (or a
    /// post or void) resolved: their rows and their accounts changed.
    private func collectExpired(_ machine: StateMachine) {
        while let next = pending.min, next.due <= machine.lastTimestamp {
            _ = pending.removeMin()
            if machine.pendingStatus(tenant: next.key.tenant, id: next.key.id) != .pending {
                transfers.insert(next.key)
            }
        }
    }

    /// Every changed transfer with its status, the pending transfers posts and voids resolved,
    /// and every account any of them touched: as of the state now.
    private func changedRows(_ machine: StateMachine, through op: UInt64) -> ProjectionWriter.Batch {
        var rows = ProjectionWriter.Batch(floor: floor, through: op)
        var touched = accounts
        var resolved: Set<Key> = []
        for (tenant, ids) in Dictionary(grouping: transfers, by: \.tenant) {
            for transfer in machine.lookupTransfers(tenant: tenant, ids: ids.map(\.id)) {
                rows.transfers[Key(tenant: tenant, id: transfer.id)] = (transfer, status(of: transfer, tenant: tenant, machine))
                touched.insert(Key(tenant: tenant, id: transfer.debitAccountID))
                touched.insert(Key(tenant: tenant, id: transfer.creditAccountID))
                if transfer.pendingID != 0 { resolved.insert(Key(tenant: tenant, id: transfer.pendingID)) }
            }
        }
        for (tenant, ids) in Dictionary(grouping: resolved.subtracting(transfers), by: \.tenant) {
            for transfer in machine.lookupTransfers(tenant: tenant, ids: ids.map(\.id)) {
                rows.transfers[Key(tenant: tenant, id: transfer.id)] = (transfer, status(of: transfer, tenant: tenant, machine))
            }
        }
        for (tenant, ids) in Dictionary(grouping: touched, by: \.tenant) {
            for account in machine.lookupAccounts(tenant: tenant, ids: ids.map(\.id)) { rows.accounts[Key(tenant: tenant, id: account.id)] = account }
        }
        return rows
    }

    private func allRows(_ machine: StateMachine, through op: UInt64) -> ProjectionWriter.Batch {
        var rows = ProjectionWriter.Batch(floor: 0, through: op)
        for tenant in machine.tenants {
            for account in machine.allAccounts(tenant: tenant) { rows.accounts[Key(tenant: tenant, id: account.id)] = account }
            forEachTransfer(of: tenant, in: machine) { transfer in
                rows.transfers[Key(tenant: tenant, id: transfer.id)] = (transfer, status(of: transfer, tenant: tenant, machine))
            }
        }
        return rows
    }

    private func status(of transfer: Transfer, tenant: TenantID, _ machine: StateMachine) -> PendingStatus? {
        transfer.flags.contains(.pending) ? machine.pendingStatus(tenant: tenant, id: transfer.id) : nil
    }

    /// Every transfer of `tenant`, in timestamp order, a batch at a time.
    private func forEachTransfer(of tenant: TenantID, in machine: StateMachine, _ body: (Transfer) -> Void) {
        var filter = QueryFilter(limit: UInt32(StateMachine.batchEventsMax))
        while true {
            let page = machine.queryTransfers(tenant: tenant, filter: filter)
            page.forEach(body)
            guard page.count == StateMachine.batchEventsMax, let last = page.last else { return }
            filter.timestampMin = last.timestamp + 1
        }
    }

    private static func deadline(of transfer: Transfer, tenant: TenantID) -> Deadline {
        Deadline(due: transfer.timestamp + UInt64(transfer.timeoutSeconds) * 1_000_000_000, key: Key(tenant: tenant, id: transfer.id))
    }
}
