import SettleCore
import Testing

/// A deterministic workload: xorshift64*, seeded, so a failure names the seed that broke.
private struct Workload {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next(_ bound: UInt64) -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return (state &* 0x2545_F491_4F6C_DD1D) % bound
    }

    /// One batch of transfers among accounts 1...8, mixing every kind of event.
    mutating func batch(firstID: UInt128) -> [Transfer] {
        (0..<Int(1 + next(20))).map { i in
            let id = firstID + UInt128(i)
            let debit = UInt128(1 + next(8))
            let credit = UInt128(1 + next(8))
            let amount = UInt128(next(50))
            switch next(8) {
            case 0: return transfer(id, debit: debit, credit: credit, amount: amount, flags: .pending, timeoutSeconds: UInt32(next(3)))
            case 1: return post(id, pending: id - UInt128(1 + next(20)), amount: next(2) == 0 ? Transfer.amountMax : amount)
            case 2: return void(id, pending: id - UInt128(1 + next(20)))
            case 3: return transfer(id, debit: debit, credit: credit, amount: amount, flags: .linked)
            case 4: return transfer(id, debit: debit, credit: credit, amount: amount, flags: .balancingDebit)
            case 5: return transfer(id - UInt128(next(30)), debit: debit, credit: credit, amount: amount)
            default: return transfer(id, debit: debit, credit: credit, amount: amount)
            }
        }
    }
}

@Suite("Determinism")
struct DeterminismTests {
    private static let accounts: [Account] = (1...8).map { id in
        switch id {
        case 5: account(UInt128(id), flags: [.debitsMustNotExceedCredits, .history])
        case 6: account(UInt128(id), flags: .creditsMustNotExceedDebits)
        default: account(UInt128(id), flags: .history)
        }
    }

    /// Runs the seeded workload on a fresh machine, in two tenants, with time ticks in between.
    private func run(seed: UInt64, batches: Int = 60) throws -> (StateMachine, [[CreateTransferResult]]) {
        let machine = StateMachine()
        var workload = Workload(seed: seed)
        var clock: UInt64 = 1_000 * nanosPerSecond
        var results: [[CreateTransferResult]] = []
        for tenant in [TenantID(1), TenantID(2)] {
            clock += 100
            _ = try machine.createAccounts(Self.accounts, tenant: tenant, timestamp: clock)
        }
        for n in 0..<batches {
            let tenant = TenantID(1 + workload.next(2))
            let events = workload.batch(firstID: UInt128(1_000 + n * 100))
            clock += 1 + workload.next(2) * nanosPerSecond / 2 + UInt64(events.count)
            results.append(try machine.createTransfers(events, tenant: tenant, timestamp: clock))
            if workload.next(5) == 0 {
                clock += nanosPerSecond
                try machine.expirePendingTransfers(timestamp: clock)
            }
        }
        return (machine, results)
    }

    @Test("two machines fed the same batches have equal digests and results", arguments: [UInt64(1), 42, 0xDEAD_BEEF])
    func sameBatchesSameDigest(seed: UInt64) throws {
        let (first, firstResults) = try run(seed: seed)
        let (second, secondResults) = try run(seed: seed)
        #expect(first.digest() == second.digest(), "seed \(seed)")
        #expect(firstResults == secondResults, "seed \(seed)")
        // The workload really exercised the ledger.
        let ok = firstResults.joined().filter { $0 == .ok }.count
        #expect(ok > 50, "seed \(seed)")
        #expect(first.allAccounts(tenant: TenantID(1)) == second.allAccounts(tenant: TenantID(1)))
    }

    @Test("ledger invariants hold after a seeded workload", arguments: [UInt64(3), 99, 0xC0FFEE])
    func invariants(seed: UInt64) throws {
        let (machine, _) = try run(seed: seed, batches: 120)
        for tenant in machine.tenants {
            let accounts = machine.allAccounts(tenant: tenant)
            let transfers = machine.queryTransfers(tenant: tenant, filter: QueryFilter())
            #expect(transfers.count == machine.counts(tenant: tenant).transfers)
            // Every account's balances are the sums over the transfers that touch it.
            var expected: [UInt128: Balances] = [:]
            for t in transfers {
                let flags = t.flags
                if flags.contains(.pending) {
                    guard machine.pendingStatus(tenant: tenant, id: t.id) == .pending else { continue }
                    expected[t.debitAccountID, default: Balances()].debitsPending += t.amount
                    expected[t.creditAccountID, default: Balances()].creditsPending += t.amount
                } else if !flags.contains(.voidPendingTransfer) {
                    expected[t.debitAccountID, default: Balances()].debitsPosted += t.amount
                    expected[t.creditAccountID, default: Balances()].creditsPosted += t.amount
                }
            }
            var totals = Balances()
            for a in accounts {
                #expect(Balances(a) == expected[a.id, default: Balances()], "seed \(seed) \(tenant) account \(a.id)")
                totals.debitsPending += a.debitsPending
                totals.debitsPosted += a.debitsPosted
                totals.creditsPending += a.creditsPending
                totals.creditsPosted += a.creditsPosted
                if a.flags.contains(.debitsMustNotExceedCredits) {
                    #expect(a.debitsPending + a.debitsPosted <= a.creditsPosted, "seed \(seed) account \(a.id)")
                }
                if a.flags.contains(.creditsMustNotExceedDebits) {
                    #expect(a.creditsPending + a.creditsPosted <= a.debitsPosted, "seed \(seed) account \(a.id)")
                }
            }
            #expect(totals.debitsPosted == totals.creditsPosted, "seed \(seed) \(tenant)")
            #expect(totals.debitsPending == totals.creditsPending, "seed \(seed) \(tenant)")
            // No id maps to two records.
            #expect(Set(transfers.map(\.id)).count == transfers.count)
        }
    }

    @Test("different workloads give different digests")
    func differentWorkloads() throws {
        #expect(try run(seed: 1).0.digest() != run(seed: 2).0.digest())
    }

    @Test("a state that differs in one balance has a different digest")
    func oneBalanceDiffers() throws {
        let first = Fixture()
        let second = Fixture()
        let batch = first.nextTimestamp(events: 1)
        #expect(first.machine.digest() == second.machine.digest())
        first.create(transfer(100, amount: 10), at: batch)
        second.create(transfer(100, amount: 11), at: batch)
        #expect(first.machine.digest() != second.machine.digest())
    }

    @Test("the digest covers pending status, burnt ids and the clock")
    func digestCoversState() throws {
        func pair() -> (Fixture, Fixture) {
            let a = Fixture(accounts: [account(1, flags: .history), account(2), account(3)])
            let b = Fixture(accounts: [account(1, flags: .history), account(2), account(3)])
            for f in [a, b] { f.create(transfer(100, flags: .pending), at: f.nextTimestamp(events: 1)) }
            return (a, b)
        }
        // Same batch timestamp, different outcome for the pending transfer: post vs void.
        var (a, b) = pair()
        let t = a.nextTimestamp(events: 1)
        a.create(post(101, pending: 100, amount: 10), at: t)
        b.create(void(101, pending: 100, amount: 10), at: t)
        #expect(a.machine.digest() != b.machine.digest())

        // A tick that expires nothing still moves the clock.
        (a, b) = pair()
        a.expire(at: a.base + 1)
        #expect(a.machine.digest() != b.machine.digest())

        // A burnt id is state: it changes what a retry answers.
        (a, b) = pair()
        let u = a.nextTimestamp(events: 1)
        a.create(transfer(200, debit: 99), at: u)
        b.create(transfer(201, debit: 99), at: u)
        #expect(a.machine.digest() != b.machine.digest())
    }

    @Test("reads do not change the digest")
    func readsArePure() throws {
        let (machine, _) = try run(seed: 7, batches: 20)
        let digest = machine.digest()
        let tenant = TenantID(1)
        _ = machine.lookupAccounts(tenant: tenant, ids: [1, 2, 99])
        _ = machine.lookupTransfers(tenant: tenant, ids: [1_000, 1_001])
        _ = machine.accountTransfers(tenant: tenant, filter: AccountFilter(accountID: 1))
        _ = machine.accountBalances(tenant: tenant, filter: AccountFilter(accountID: 1, flags: [.debits, .reversed]))
        _ = machine.queryAccounts(tenant: tenant, filter: QueryFilter(ledger: 1))
        _ = machine.queryTransfers(tenant: TenantID(77), filter: QueryFilter())
        _ = machine.nextExpiry()
        _ = machine.pendingStatus(tenant: tenant, id: 1_000)
        #expect(machine.digest() == digest)
    }
}
