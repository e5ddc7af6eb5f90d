import SettleSeededRandom
import Foundation
import Histogram
import SettleCore
import SettleEngine
import SettleStorage

/// Where the benchmark sends its batches.
protocol BenchTarget: Sendable {
    /// Creates the accounts; throws unless each is created (or already exists).
    func createAccounts(_ accounts: [Account]) async throws
    /// Creates the transfers; true when every one was accepted.
    func createTransfers(_ transfers: [Transfer]) async throws -> Bool
}

/// TigerBeetle's benchmark workload: `accounts` accounts, then `transfers` transfers between
/// random pairs of them with random amounts, in batches. Batch `i` is the same on every run
/// and for any number of clients (it is seeded by the seed and `i`).
struct BenchWorkload: Sendable {
    let accounts: Int
    let transfers: Int
    let batchSize: Int
    let seed: UInt64

    var batchCount: Int { (transfers + batchSize - 1) / batchSize }

    func transferBatch(_ index: Int) -> [Transfer] {
        var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let first = index * batchSize
        let size = min(batchSize, transfers - first)
        var batch: [Transfer] = []
        batch.reserveCapacity(size)
        for offset in 0..<size {
            let debit = rng.next() % UInt64(accounts) + 1
            var credit = rng.next() % UInt64(accounts - 1) + 1
            if credit >= debit { credit += 1 }
            batch.append(Transfer(id: UInt128(first + offset + 1), debitAccountID: UInt128(debit), creditAccountID: UInt128(credit),
                                  amount: UInt128(rng.next() % 1_000 + 1), ledger: 1, code: 1))
        }
        return batch
    }

    struct Result {
        var transfers: Int
        var batches: Int
        var seconds: Double
        var latency: Histogram<UInt64>

        func report(mode: String, clients: Int) -> String {
            var lines = [
                "mode: \(mode)",
                "transfers: \(transfers) in \(batches) batches, \(clients) clients",
                String(format: "seconds: %.3f", seconds),
                "transfers/s: \(Int(Double(transfers) / seconds))",
            ]
            for (label, percentile) in [("p50", 50.0), ("p99", 99.0), ("p100", 100.0)] {
                lines.append(String(format: "batch latency \(label): %.2f ms", Double(latency.valueAtPercentile(percentile)) / 1e6))
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Creates the accounts, then runs `clients` concurrent clients over the transfer batches.
    /// `connect` gives each client its target (its own connection, in network mode).
    func run(
        clients: Int, connect: @escaping @Sendable (@Sendable (any BenchTarget) async throws -> Histogram<UInt64>) async throws -> Histogram<UInt64>
    ) async throws -> Result {
        _ = try await connect { target in
            var id = 1
            while id <= accounts {
                try await target.createAccounts((id..<min(id + batchSize, accounts + 1)).map { Account(id: UInt128($0), ledger: 1, code: 1) })
                id += batchSize
            }
            return Self.newHistogram()
        }
        let next = TicketCounter()
        let start = Clocks.monotonicNanoseconds()
        let latency = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    try await connect { target in
                        var histogram = Self.newHistogram()
                        while case let index = next.take(), index < batchCount {
                            let batch = transferBatch(index)
                            let sent = Clocks.monotonicNanoseconds()
                            guard try await target.createTransfers(batch) else { throw BenchError("batch \(index) was not accepted in full") }
                            _ = histogram.record(Clocks.monotonicNanoseconds() - sent)
                        }
                        return histogram
                    }
                }
            }
            var merged = Self.newHistogram()
            for try await histogram in group { merged.add(histogram) }
            return merged
        }
        return Result(transfers: transfers, batches: batchCount, seconds: Double(Clocks.monotonicNanoseconds() - start) / 1e9, latency: latency)
    }

    static func newHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Hands out numbers (batch numbers, id ranges) to concurrent clients.
final class TicketCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// Returns the value before adding `amount`.
    func take(_ amount: Int = 1) -> Int { lock.withLock { defer { value += amount }; return value } }
}

/// The engine in this process.
struct EmbeddedTarget: BenchTarget {
    let engine: Engine
    let tenant: TenantID

    func createAccounts(_ accounts: [Account]) async throws {
        let reply = try await engine.submit(.createAccounts(tenant, accounts))
        guard case .accounts(let results) = reply.results, results.allSatisfy({ $0 == .ok || $0 == .exists }) else {
            throw BenchError("creating accounts failed: \(reply.results)")
        }
    }

    func createTransfers(_ transfers: [Transfer]) async throws -> Bool {
        let reply = try await engine.submit(.createTransfers(tenant, transfers))
        guard case .transfers(let results) = reply.results else { return false }
        return results.allSatisfy { $0 == .ok }
    }
}
