import SettleCore
import Testing

@Suite("Batch envelope")
struct BatchTests {
    @Test("a batch of batchEventsMax + 1 events is rejected whole and changes nothing")
    func tooManyEvents() throws {
        #expect(StateMachine.batchEventsMax == 8_189)
        let fixture = Fixture()
        fixture.create(transfer(100, flags: .pending, timeoutSeconds: 1))
        let digest = fixture.machine.digest()
        let last = fixture.machine.lastTimestamp
        // Far enough in the future that the pending transfer would expire if the batch ran.
        let late = fixture.base + 100 * nanosPerSecond
        let count = StateMachine.batchEventsMax + 1
        let accounts = (0..<count).map { account(UInt128(1_000 + $0)) }
        let transfers = (0..<count).map { transfer(UInt128(1_000 + $0)) }

        #expect(throws: BatchError.tooManyEvents(count: 8_190, max: 8_189)) {
            try fixture.machine.createAccounts(accounts, tenant: defaultTenant, timestamp: late)
        }
        #expect(throws: BatchError.tooManyEvents(count: 8_190, max: 8_189)) {
            try fixture.machine.createTransfers(transfers, tenant: defaultTenant, timestamp: late)
        }
        #expect(fixture.machine.digest() == digest)
        #expect(fixture.machine.lastTimestamp == last)
        #expect(fixture.status(100) == .pending)
        #expect(fixture.lookupAccount(1_000) == nil)
        #expect(fixture.machine.tenants == [defaultTenant])
    }

    @Test("a batch of exactly batchEventsMax events is accepted")
    func maxEvents() throws {
        let fixture = Fixture(accounts: [])
        let accounts = (0..<StateMachine.batchEventsMax).map { account(UInt128(1 + $0)) }
        let results = fixture.createAccounts(accounts)
        #expect(results.count == StateMachine.batchEventsMax)
        #expect(results.allSatisfy { $0 == .ok })
        #expect(fixture.machine.counts(tenant: defaultTenant).accounts == StateMachine.batchEventsMax)
    }

    /// (events in the batch, batch timestamp minus the last timestamp, accepted?).
    @Test(
        "a batch of n events needs T - n + 1 > lastTimestamp",
        arguments: [
            (0, 0, false), (0, 1, true), (1, 0, false), (1, 1, true),
            (3, 2, false), (3, 3, true), (3, 100, true), (8_189, 8_188, false), (8_189, 8_189, true),
        ]
    )
    func monotonic(events: Int, delta: UInt64, accepted: Bool) throws {
        let fixture = Fixture(accounts: [])
        fixture.create(account(1))
        let last = fixture.machine.lastTimestamp
        let digest = fixture.machine.digest()
        let accounts = (0..<events).map { account(UInt128(10 + $0)) }
        let timestamp = last + delta
        if accepted {
            let results = try fixture.machine.createAccounts(accounts, tenant: defaultTenant, timestamp: timestamp)
            #expect(results.allSatisfy { $0 == .ok })
            #expect(fixture.machine.lastTimestamp == timestamp)
            if events > 0 {
                #expect(fixture.lookupAccount(10)?.timestamp == timestamp - UInt64(events) + 1)
            }
        } else {
            #expect(throws: BatchError.timestampNotMonotonic(timestamp: timestamp, lastTimestamp: last, eventCount: events)) {
                try fixture.machine.createAccounts(accounts, tenant: defaultTenant, timestamp: timestamp)
            }
            #expect(fixture.machine.digest() == digest)
        }
    }

    @Test("non-monotonic batches are rejected by every write and change nothing")
    func nonMonotonicChangesNothing() throws {
        let fixture = Fixture()
        fixture.create(transfer(100, flags: .pending, timeoutSeconds: 1))
        let last = fixture.machine.lastTimestamp
        let digest = fixture.machine.digest()
        #expect(throws: BatchError.self) {
            try fixture.machine.createTransfers([transfer(101)], tenant: defaultTenant, timestamp: last)
        }
        #expect(throws: BatchError.self) {
            try fixture.machine.createAccounts([account(10), account(11)], tenant: TenantID(2), timestamp: last + 1)
        }
        #expect(throws: BatchError.self) { try fixture.machine.expirePendingTransfers(timestamp: last) }
        #expect(throws: BatchError.self) { try fixture.machine.expirePendingTransfers(timestamp: 1) }
        #expect(fixture.machine.digest() == digest)
        #expect(fixture.machine.tenants == [defaultTenant])
        #expect(fixture.status(100) == .pending)
    }

    @Test("a batch timestamp smaller than its event count is rejected on a fresh machine")
    func underflow() {
        let machine = StateMachine()
        #expect(throws: BatchError.timestampNotMonotonic(timestamp: 1, lastTimestamp: 0, eventCount: 3)) {
            try machine.createAccounts([account(1), account(2), account(3)], tenant: defaultTenant, timestamp: 1)
        }
        #expect(throws: BatchError.self) { try machine.expirePendingTransfers(timestamp: 0) }
        #expect(machine.lastTimestamp == 0)
    }

    @Test("nextTimestamp stays monotonic when the wall clock steps back")
    func nextTimestamp() throws {
        let machine = StateMachine()
        // (wall clock, events): the clock jumps back twice and stalls.
        let steps: [(UInt64, Int)] = [(0, 1), (1_000, 5), (900, 3), (900, 0), (10, 8_189), (20_000, 2), (20_000, 2), (5, 0)]
        var previous: UInt64 = 0
        for (step, (wall, events)) in steps.enumerated() {
            let timestamp = machine.nextTimestamp(wallClock: wall, eventCount: events)
            #expect(timestamp > previous, "step \(step)")
            #expect(timestamp >= wall, "step \(step)")
            if wall >= previous + UInt64(max(events, 1)) {
                #expect(timestamp == wall, "the wall clock is used when it is ahead (step \(step))")
            }
            let accounts = (0..<events).map { account(UInt128(step * 10_000 + $0 + 1)) }
            if events == 0 {
                try machine.expirePendingTransfers(timestamp: timestamp)
            } else {
                let results = try machine.createAccounts(accounts, tenant: defaultTenant, timestamp: timestamp)
                #expect(results.allSatisfy { $0 == .ok })
            }
            #expect(machine.lastTimestamp == timestamp)
            previous = timestamp
        }
    }

    @Test("BatchError describes itself")
    func description() {
        #expect(BatchError.tooManyEvents(count: 8_190, max: 8_189).description.contains("8190"))
        #expect(BatchError.timestampNotMonotonic(timestamp: 5, lastTimestamp: 9, eventCount: 1).description.contains("9"))
    }
}
