import SettleSeededRandom
import SettleCore
import SettleStorage

/// Measures the state machine alone: `transferCount` single-phase transfers between
/// `accountCount` accounts, in batches of `batchSize`, in memory. A benchmark, never a test.
public struct CoreBenchmark {
    public struct Report: Sendable {
        public var transfers: Int
        public var seconds: Double
        public var transfersPerSecond: Double { Double(transfers) / seconds }
        public var residentBytesBefore: Int
        public var residentBytesAfter: Int
        public var bytesPerTransfer: Double { Double(residentBytesAfter - residentBytesBefore) / Double(transfers) }
        public var digest: UInt64
        /// The slowest batch: where a stall such as an index rehash shows.
        public var batchNanosecondsMax: UInt64
    }

    public var accountCount = 10_000
    public var transferCount = 10_000_000
    public var batchSize = StateMachine.batchEventsMax
    public var seed: UInt64 = 42
    /// Huge pages by default, as the engine runs.
    public var memory: any RecordMemory = HugePageMemory()

    public init() {}

    /// The workload: `transferCount` random single-phase transfers in batches.
    public func makeBatches() -> [[Transfer]] {
        var rng = SplitMix64(seed: seed)
        var batches: [[Transfer]] = []
        var nextID: UInt128 = 1
        var remaining = transferCount
        while remaining > 0 {
            let size = min(batchSize, remaining)
            var batch: [Transfer] = []
            batch.reserveCapacity(size)
            for _ in 0..<size {
                let debit = rng.next() % UInt64(accountCount) + 1
                var credit = rng.next() % UInt64(accountCount - 1) + 1
                if credit >= debit { credit += 1 }
                batch.append(Transfer(
                    id: nextID, debitAccountID: UInt128(debit), creditAccountID: UInt128(credit),
                    amount: UInt128(rng.next() % 1_000 + 1), ledger: 1, code: 1
                ))
                nextID += 1
            }
            batches.append(batch)
            remaining -= size
        }
        return batches
    }

    /// The baseline the issue names: the same workload through plain `Dictionary`s (exists
    /// check, both account lookups, ledger check, balance updates, insert), no validation
    /// beyond that. Returns transfers per second.
    public func runDictionaryBaseline(clock: () -> UInt64) -> Double {
        var accounts: [UInt128: Account] = [:]
        for id in 1...accountCount { accounts[UInt128(id)] = Account(id: UInt128(id), ledger: 1, code: 1) }
        var transfers: [UInt128: Transfer] = [:]
        var batches = makeBatches()
        let start = clock()
        var applied = 0
        for batch in batches {
            for transfer in batch where transfers[transfer.id] == nil {
                guard let debit = accounts[transfer.debitAccountID], let credit = accounts[transfer.creditAccountID],
                      debit.ledger == credit.ledger else { continue }
                accounts[transfer.debitAccountID]!.debitsPosted += transfer.amount
                accounts[transfer.creditAccountID]!.creditsPosted += transfer.amount
                transfers[transfer.id] = transfer
                applied += 1
            }
        }
        let seconds = Double(clock() - start) / 1e9
        batches = []
        precondition(applied == transferCount && transfers.count == transferCount)
        return Double(applied) / seconds
    }

    /// `clock` returns monotonic nanoseconds and `residentBytes` the process RSS; both are
    /// passed in so this module stays free of platform calls.
    public func run(clock: () -> UInt64, residentBytes: () -> Int, progress: (Int) -> Void = { _ in }) -> Report {
        let ledger = StateMachine(memory: memory)
        let tenant = TenantID(1)
        var timestamp: UInt64 = 1_000_000_000
        let accounts = (1...accountCount).map { Account(id: UInt128($0), ledger: 1, code: 1) }
        for chunk in stride(from: 0, to: accounts.count, by: batchSize) {
            let batch = Array(accounts[chunk..<min(chunk + batchSize, accounts.count)])
            timestamp += UInt64(batch.count)
            _ = try! ledger.createAccounts(batch, tenant: tenant, timestamp: timestamp)
        }
        // Pre-build every batch so the timed loop measures the ledger, not the generator.
        var batches = makeBatches()
        let before = residentBytes()
        let start = clock()
        var applied = 0
        var slowest: UInt64 = 0
        for (number, batch) in batches.enumerated() {
            timestamp += UInt64(batch.count)
            let batchStart = clock()
            let results = try! ledger.createTransfers(batch, tenant: tenant, timestamp: timestamp)
            slowest = max(slowest, clock() - batchStart)
            precondition(results.allSatisfy { $0 == .ok }, "benchmark transfers must all succeed")
            applied += batch.count
            if number % 128 == 0 { progress(applied) }
        }
        let seconds = Double(clock() - start) / 1e9
        batches = []
        let after = residentBytes()
        return Report(
            transfers: applied, seconds: seconds, residentBytesBefore: before, residentBytesAfter: after,
            digest: ledger.counts(tenant: tenant).transfers == applied ? ledger.digest() : 0,
            batchNanosecondsMax: slowest
        )
    }
}
