import Foundation
import SettleClient
import SettleCore
import SettleSeededRandom
import Synchronization

/// Batches of transfers written through `SettleClient` while nodes die, and what became of
/// each: acknowledged, or given up on by the client after all its attempts.
final class FailoverWorkload: @unchecked Sendable {
    struct Batch {
        var transfers: [Transfer]
        var acknowledged = false
    }

    let accounts: Int
    let batchSize: Int
    let seed: UInt64
    private let lock = NSLock()
    private var batches: [Batch] = []
    private var wrongAnswers: [String] = []
    /// Why the client gave up on batches, and how often.
    private var givenUp: [String: Int] = [:]
    private let stopping = Atomic<Bool>(false)
    private var highestOp: UInt64 = 0

    init(accounts: Int, batchSize: Int, seed: UInt64) {
        self.accounts = accounts
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Writers finish the batch they are on and return.
    func stop() { stopping.store(true, ordering: .relaxed) }

    /// The newest commit position of an acknowledged batch.
    var highestAcknowledgedOp: UInt64 { lock.withLock { highestOp } }

    var acknowledgedCount: Int { lock.withLock { batches.filter(\.acknowledged).count } }

    /// Batches the client gave up on, by the last error's code.
    var givenUpSummary: String {
        let counts = lock.withLock { givenUp }
        return counts.isEmpty ? "none given up" : counts.sorted { $0.key < $1.key }.map { "\($0.value) given up (\($0.key))" }.joined(separator: ", ")
    }

    /// Writes batches until `stopping`; ids never repeat, so no answer but `ok` is right.
    func runWriter(_ writer: Int, client: SettleClient) async {
        var random = SplitMix64(seed: seed &+ UInt64(writer) &* 0x9E37_79B9)
        var number: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            number += 1
            let transfers = (0..<batchSize).map { index -> Transfer in
                let debit = 1 + random.next() % UInt64(accounts)
                let credit = 1 + (debit + random.next() % UInt64(accounts - 1)) % UInt64(accounts)
                let id = UInt128(writer + 1) << 64 | UInt128(number * UInt64(batchSize) + UInt64(index))
                return Transfer(id: id, debitAccountID: UInt128(debit), creditAccountID: UInt128(credit),
                                amount: UInt128(1 + random.next() % 1_000), ledger: 1, code: 1)
            }
            let slot = lock.withLock { batches.append(Batch(transfers: transfers)); return batches.count - 1 }
            do {
                let reply = try await client.createTransfers(transfers)
                lock.withLock {
                    if reply.results.allSatisfy({ $0 == .ok }) {
                        batches[slot].acknowledged = true
                        highestOp = max(highestOp, reply.op)
                    } else {
                        wrongAnswers.append("batch \(slot) answered \(Set(reply.results.map { "\($0)" }).sorted()) for fresh transfers")
                    }
                }
            } catch {
                let reason = (error as? SettleClientError).map { $0.settleCode ?? "\($0.code)" } ?? "\(type(of: error))"
                lock.withLock { givenUp[reason, default: 0] += 1 }
            }
        }
    }

    /// Checks through one node: every acknowledged batch present exactly as written, every
    /// other batch all there or all absent, and every account's balances the sum of the
    /// transfers present. Returns the violations (empty when all hold) and a summary.
    func verify(through client: SettleClient) async throws -> (violations: [String], summary: String) {
        try await verify(lookupTransfers: client.lookupTransfers, lookupAccounts: client.lookupAccounts)
    }

    /// `verify(through:)` against any source of the tenant's transfers and accounts (a node's
    /// API, or the SQL projection).
    func verify(
        lookupTransfers: ([UInt128]) async throws -> [Transfer], lookupAccounts: ([UInt128]) async throws -> [Account]
    ) async throws -> (violations: [String], summary: String) {
        let (batches, wrong) = lock.withLock { (self.batches, wrongAnswers) }
        var violations = wrong
        var present: [UInt128: Transfer] = [:]
        let ids = batches.flatMap { $0.transfers.map(\.id) }
        for start in stride(from: 0, to: ids.count, by: StateMachine.batchEventsMax) {
            for transfer in try await lookupTransfers(Array(ids[start..<min(ids.count, start + StateMachine.batchEventsMax)])) {
                if present.updateValue(transfer, forKey: transfer.id) != nil { violations.append("transfer \(transfer.id) returned twice") }
            }
        }
        var (acknowledged, committedUnacknowledged, absent) = (0, 0, 0)
        for (index, batch) in batches.enumerated() {
            let found = batch.transfers.filter { written in
                guard let stored = present[written.id] else { return false }
                return stored.debitAccountID == written.debitAccountID && stored.creditAccountID == written.creditAccountID
                    && stored.amount == written.amount
            }.count
            if batch.acknowledged {
                acknowledged += 1
                if found != batch.transfers.count { violations.append("acknowledged batch \(index): \(found)/\(batch.transfers.count) present as written") }
            } else if found == batch.transfers.count {
                committedUnacknowledged += 1
            } else if found == 0 && batch.transfers.allSatisfy({ present[$0.id] == nil }) {
                absent += 1
            } else {
                violations.append("unacknowledged batch \(index) is half-applied: \(found)/\(batch.transfers.count)")
            }
        }
        var debits = [UInt128](repeating: 0, count: accounts + 1)
        var credits = [UInt128](repeating: 0, count: accounts + 1)
        for transfer in present.values {
            debits[Int(transfer.debitAccountID)] += transfer.amount
            credits[Int(transfer.creditAccountID)] += transfer.amount
        }
        let stored = try await lookupAccounts((1...accounts).map { UInt128($0) })
        if stored.count != accounts { violations.append("\(stored.count) of \(accounts) accounts found") }
        for account in stored where account.debitsPosted != debits[Int(account.id)] || account.creditsPosted != credits[Int(account.id)] {
            violations.append("account \(account.id): posted \(account.debitsPosted) dr / \(account.creditsPosted) cr, transfers present sum to "
                              + "\(debits[Int(account.id)]) / \(credits[Int(account.id)])")
        }
        let summary = "\(acknowledged) acknowledged batches all present, \(committedUnacknowledged) unacknowledged committed whole, "
            + "\(absent) absent, \(present.count) transfers, balances match"
        return (violations, summary)
    }
}
