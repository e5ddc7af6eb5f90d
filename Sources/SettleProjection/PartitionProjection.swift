import HeapModule
import Logging
import SettleCore
import SettleEngine
import Synchronization

/// The projection of one partition: what changed since the stored position, kept as keys and
/// turned into rows (the current state) at each flush. Used from the partition's thread only;
/// `knownPosition` may be read from any.
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

    let partition: Int
    let logger: Logger
    private let makeStore: @Sendable (Int) throws -> any ProjectionStore
    private var store: (any ProjectionStore)?
    /// The store's position, once read; nil while unknown.
    private var position: UInt64?
    private let published = Atomic<UInt64>(0)
    /// The op of the checkpoint the state was last loaded from.
    private var loadedOp: UInt64 = 0
    /// Write every row: the state was loaded from a checkpoint newer than the position, or
    /// the position went back; either way which rows changed since it is not known.
    private var everything = false
    private var accounts: Set<Key> = []
    private var transfers: Set<Key> = []
    private var pending = Heap<Deadline>()
    private var retryAt: UInt64 = 0

    init(partition: Int, makeStore: @escaping @Sendable (Int) throws -> any ProjectionStore, logger: Logger) {
        self.partition = partition
        self.makeStore = makeStore
        self.logger = logger
    }

    var knownPosition: UInt64? {
        let value = published.load(ordering: .relaxed)
        return value == 0 ? nil : value - 1
    }

    /// A fresh state of op `op`: forget what was captured, find the pending transfers that may
    /// still expire, and write everything unless the store is known to be at `op` or later.
    func loaded(machine: StateMachine, op: UInt64) {
        loadedOp = op
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
        everything = true  // until the position proves it unnecessary (`flush`)
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

    /// Writes what changed through `op` (the state `machine` is in), if it moves the position.
    func flush(machine: StateMachine, through op: UInt64) {
        collectExpired(machine)
        let now = Clocks.monotonicNanoseconds()
        guard now >= retryAt else { return }
        do {
            let store = try connected()
            let position = try self.position ?? store.position()
            self.position = position
            publish(position)
            if everything && position >= loadedOp {
                everything = false  // every op after the position is captured from here on
            }
            guard op > position else {
                accounts.removeAll()
                transfers.removeAll()
                return
            }
            let rows = everything ? allRows(machine) : changedRows(machine)
            if let found = try store.write(from: position, through: op, rows) {
                logger.notice("another projector moved the position", metadata: ["expected": "\(position)", "found": "\(found)"])
                self.position = found
                publish(found)
                // Ahead: what is captured covers everything after it. Behind (reset by hand):
                // the changes between are not known row by row.
                everything = everything || found < position
                return
            }
            self.position = op
            publish(op)
            everything = false
            accounts.removeAll()
            transfers.removeAll()
        } catch {
            logger.warning("the projection cannot be written; retrying in a second", metadata: ["error": "\(error)"])
            store?.close()
            store = nil
            position = nil
            retryAt = now + 1_000_000_000
        }
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
    private func changedRows(_ machine: StateMachine) -> ProjectionRows {
        var rows = ProjectionRows()
        var touched = accounts
        var resolved: Set<Key> = []
        for (tenant, ids) in Dictionary(grouping: transfers, by: \.tenant) {
            for transfer in machine.lookupTransfers(tenant: tenant, ids: ids.map(\.id)) {
                rows.transfers.append((tenant, transfer, status(of: transfer, tenant: tenant, machine)))
                touched.insert(Key(tenant: tenant, id: transfer.debitAccountID))
                touched.insert(Key(tenant: tenant, id: transfer.creditAccountID))
                if transfer.pendingID != 0 { resolved.insert(Key(tenant: tenant, id: transfer.pendingID)) }
            }
        }
        for (tenant, ids) in Dictionary(grouping: resolved.subtracting(transfers), by: \.tenant) {
            for transfer in machine.lookupTransfers(tenant: tenant, ids: ids.map(\.id)) {
                rows.transfers.append((tenant, transfer, status(of: transfer, tenant: tenant, machine)))
            }
        }
        for (tenant, ids) in Dictionary(grouping: touched, by: \.tenant) {
            for account in machine.lookupAccounts(tenant: tenant, ids: ids.map(\.id)) { rows.accounts.append((tenant, account)) }
        }
        return rows
    }

    private func allRows(_ machine: StateMachine) -> ProjectionRows {
        var rows = ProjectionRows()
        for tenant in machine.tenants {
            for account in machine.allAccounts(tenant: tenant) { rows.accounts.append((tenant, account)) }
            forEachTransfer(of: tenant, in: machine) { transfer in
                rows.transfers.append((tenant, transfer, status(of: transfer, tenant: tenant, machine)))
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

    private func connected() throws -> any ProjectionStore {
        if let store { return store }
        let store = try makeStore(partition)
        self.store = store
        return store
    }

    private func publish(_ position: UInt64) {
        published.store(position + 1, ordering: .relaxed)
    }
}
