import SettleCore
import Testing

@Suite("Audit")
struct AuditTests {
    @Test("posts, voids and expiries leave a clean audit")
    func twoPhaseOutcomes() {
        let fixture = Fixture()
        #expect(fixture.create(transfer(100, amount: 10, flags: .pending)) == .ok)
        #expect(fixture.create(transfer(101, amount: 7, flags: .pending)) == .ok)
        #expect(fixture.create(transfer(102, debit: 3, credit: 4, amount: 5, flags: .pending, timeoutSeconds: 1)) == .ok)
        #expect(fixture.create(post(200, pending: 100, amount: 4)) == .ok)
        // The void's record carries the pending amount (7) but moves nothing.
        #expect(fixture.create(void(201, pending: 101)) == .ok)
        #expect(fixture.lookupTransfer(201)?.amount == 7)
        try? fixture.machine.expirePendingTransfers(timestamp: fixture.base + 2 * nanosPerSecond)
        #expect(fixture.status(102) == .expired)
        #expect(fixture.balances(1) == Balances(debitsPosted: 4))
        #expect(fixture.machine.audit().violations == [])
    }
}
