import SettleSeededRandom
import Foundation
import SettleCore
import SettleMoney
import SettlePayments
import Testing

/// Many clients capture and refund the same intents at once, resending and duplicating their
/// requests. Whatever interleaving the engine picks, no intent captures more than it
/// authorized or refunds more than it captured, every step key has one outcome, and the
/// ledger's own audit finds nothing wrong.
@Suite struct ConcurrencyTests {
    let eur = Currency(code: "EUR")!

    /// What the clients saw: per (intent, kind, key), the amount the step moved.
    actor Observed {
        var amounts: [String: UInt128] = [:]
        var conflicts: [String] = []
        var refusals: [PaymentError.Code: Int] = [:]

        func record(_ label: String, _ result: Result<StepOutcome, PaymentError>) {
            switch result {
            case .success(let outcome):
                if let earlier = amounts[label], earlier != outcome.amount { conflicts.append("\(label): \(earlier) then \(outcome.amount)") }
                amounts[label] = outcome.amount
            case .failure(let error):
                refusals[error.code, default: 0] += 1
            }
        }

        func total(intent: UInt128, kind: String) -> UInt128 {
            amounts.filter { $0.key.hasPrefix("\(intent)/\(kind)/") }.values.reduce(0, +)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func capturesAndRefundsRaceOnTheSameIntents(seed: UInt64) async throws {
        let ledger = try EngineLedger()
        defer { ledger.close() }
        let payments = Payments(ledger: ledger, clock: { UInt64(Date().timeIntervalSince1970 * 1e9) })
        try await payments.createChart([eur])
        let intents: [UInt128] = Array(1...12)
        _ = try await payments.run(intents.map { .authorize(intent: $0, currency: eur, amount: 10_000, expiresInSeconds: 3600, reference: "order-\($0)") })
        let observed = Observed()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<16 {
                group.addTask {
                    var random = SplitMix64(seed: seed &* 1_000 &+ UInt64(client))
                    for _ in 0..<40 {
                        let intent = intents[Int(random.next() % UInt64(intents.count))]
                        // Keys come from a small pool, so clients collide on the same step.
                        let key = UInt32(random.next() % 6) + 1
                        let isCapture = random.next() % 2 == 0
                        // The amount is a function of the key, as a client's retry would be, so
                        // one key always means one request.
                        let fixed = UInt128(key) * 500 + (isCapture ? 0 : 7)
                        let step: PaymentStep = isCapture
                            ? .capture(intent: intent, key: .sequence(key), amount: fixed, fee: fixed / 50, final: false)
                            : .refund(intent: intent, key: .sequence(key), amount: random.next() % 4 == 0 ? nil : fixed / 2)
                        let label = "\(intent)/\(isCapture ? "capture" : "refund")/\(key)"
                        let copies = random.next() % 3 == 0 ? 2 : 1  // a duplicate in the same batch
                        let results = try await payments.run(Array(repeating: step, count: Int(copies)))
                        for result in results { await observed.record(label, result) }
                        if random.next() % 4 == 0 {  // a resend after the answer
                            await observed.record(label, try await payments.run([step])[0])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }

        #expect(await observed.conflicts == [], "seed \(seed)")
        var capturedTotal: UInt128 = 0
        var refundedTotal: UInt128 = 0
        for id in intents {
            let intent = try await payments.intent(id)
            #expect(intent.captured <= intent.authorized, "seed \(seed) intent \(id)")
            #expect(intent.refunded <= intent.captured, "seed \(seed) intent \(id)")
            #expect(intent.captured + intent.capturable == intent.authorized, "seed \(seed) intent \(id): the hold is the uncaptured rest")
            #expect(intent.captured == (await observed.total(intent: id, kind: "capture")), "seed \(seed) intent \(id)")
            #expect(intent.refunded == (await observed.total(intent: id, kind: "refund")), "seed \(seed) intent \(id)")
            capturedTotal += intent.captured
            refundedTotal += intent.refunded
        }
        let clearing = try await ledger.lookupAccounts([ChartOfAccounts.accountID(.processorClearing, eur)])[0]
        #expect(clearing.debitsPosted == capturedTotal && clearing.creditsPosted == refundedTotal, "seed \(seed)")
        #expect(try await ledger.auditViolations() == [], "seed \(seed)")
        // The race must have been real: some steps were refused for exceeding what was left.
        let refusals = await observed.refusals
        let limited = refusals[.captureExceedsAuthorization, default: 0] + refusals[.refundExceedsCaptured, default: 0]
        #expect(limited > 0, "seed \(seed): \(refusals)")
    }
}
