import SettleSeededRandom
import Foundation
import SettleCore
import SettleMoney
import SettlePayments
import Testing

/// Seeded random step sequences, run through `Payments` on a real engine and through an
/// independently written model of what each step should do; after every step the outcome and
/// the intent derived from the ledger must equal the model's. A failure names the seed and
/// the step, so it replays.
@Suite struct PaymentsModelTests {
    let eur = Currency(code: "EUR")!

    /// What an intent should be, kept by the model alone.
    struct ModelIntent {
        var authorized: UInt128
        var hold: UInt128
        var captured: UInt128 = 0
        var refunded: UInt128 = 0
        var fees: UInt128 = 0
        var canceled = false
        var lastHoldVoided = false
        /// Applied steps by (kind, key): the amount (and for captures, whether final).
        var applied: [String: (UInt128, Bool)] = [:]
        /// The fee of each applied capture, by key.
        var captureFees: [String: UInt128] = [:]
        /// Keys the ledger refused and burned.
        var burned: Set<String> = []
        /// Disputes by sequence: amount and state.
        var disputes: [UInt32: (amount: UInt128, state: String)] = [:]

        var refundable: UInt128 {
            captured - refunded - disputes.values.reduce(0) { $0 + ($1.state == "won" ? 0 : $1.amount) }
        }

        var status: PaymentIntent.Status {
            if disputes.values.contains(where: { $0.state == "open" }) { return .disputed }
            if disputes.values.contains(where: { $0.state == "lost" }) { return .disputeLost }
            if refunded > 0 { return refunded >= captured ? .refunded : .partiallyRefunded }
            if disputes.values.contains(where: { $0.state == "won" }) { return .disputeWon }
            if captured > 0 { return hold > 0 ? .partiallyCaptured : .captured }
            return canceled ? .canceled : .authorized
        }
    }

    enum Expected: Equatable {
        case applied(UInt128)
        case repeated(UInt128)
        case refused(PaymentError.Code)
    }

    /// The model's answer to `step`, updating `model`.
    static func expect(_ step: PaymentStep, _ model: inout ModelIntent?) -> Expected {
        if case .authorize(_, _, let amount, _, _) = step {
            if let existing = model { return existing.authorized == amount ? .repeated(amount) : .refused(.intentExists) }
            model = ModelIntent(authorized: amount, hold: amount)
            return .applied(amount)
        }
        guard var m = model else { return .refused(.intentNotFound) }
        defer { model = m }
        switch step {
        case .authorize: fatalError()
        case .capture(_, let key, let amount, let fee, let final):
            let label = "capture/\(key)"
            if let (earlier, wasFinal) = m.applied[label] {
                let same = (amount == nil || amount == earlier) && wasFinal == final && m.captureFees[label] == fee
                return same ? .repeated(earlier) : .refused(.stepKeyReused)
            }
            if m.hold == 0 { return .refused(m.lastHoldVoided ? .intentCanceled : .nothingToCapture) }
            let value = amount ?? m.hold
            if value == 0 || fee > value { return .refused(.invalidRequest) }
            if value > m.hold { return .refused(.captureExceedsAuthorization) }
            m.captured += value
            m.fees += fee
            m.hold = final ? 0 : m.hold - value
            m.applied[label] = (value, final)
            m.captureFees[label] = fee
            return .applied(value)
        case .cancel(_, let key):
            let label = "cancel/\(key)"
            if let (earlier, _) = m.applied[label] { return .repeated(earlier) }
            if m.hold == 0 { return .refused(m.lastHoldVoided ? .intentCanceled : .nothingToCapture) }
            let released = m.hold
            m.hold = 0
            m.lastHoldVoided = true
            m.canceled = m.captured == 0
            m.applied[label] = (released, false)
            return .applied(released)
        case .refund(_, let key, let amount), .openDispute(_, let key, let amount):
            let isRefund: Bool = if case .refund = step { true } else { false }
            let label = "\(isRefund ? "refund" : "dispute")/\(key)"
            let tooMuch: PaymentError.Code = isRefund ? .refundExceedsCaptured : .disputeExceedsCaptured
            if let (earlier, _) = m.applied[label] { return amount == nil || amount == earlier ? .repeated(earlier) : .refused(.stepKeyReused) }
            let value = amount ?? m.refundable
            // Nothing to move is refused before anything is written; otherwise a key the
            // ledger refused once stays refused.
            if value == 0 { return .refused(amount == nil ? tooMuch : .invalidRequest) }
            if m.burned.contains(label) { return .refused(.stepRefusedBefore) }
            if value > m.refundable {
                m.burned.insert(label)
                return .refused(tooMuch)
            }
            if isRefund {
                m.refunded += value
            } else if case .sequence(let sequence) = key {
                m.disputes[sequence] = (value, "open")
            }
            m.applied[label] = (value, false)
            return .applied(value)
        case .resolveDispute(_, let key, let won):
            guard case .sequence(let sequence) = key, let dispute = m.disputes[sequence] else { return .refused(.disputeNotFound) }
            let outcome = won ? "won" : "lost"
            if dispute.state != "open" { return dispute.state == outcome ? .repeated(dispute.amount) : .refused(.disputeAlreadyResolved) }
            m.disputes[sequence] = (dispute.amount, outcome)
            return .applied(dispute.amount)
        }
    }

    static func randomStep(_ rng: inout SplitMix64, intents: UInt128, currency: Currency) -> PaymentStep {
        let intent = UInt128(rng.next() % UInt64(intents)) + 1
        let key = StepKey.sequence(UInt32(rng.next() % 3) + 1)
        func amount(_ scale: UInt64) -> UInt128? { rng.next() % 4 == 0 ? nil : UInt128(rng.next() % scale) }
        switch rng.next() % 10 {
        case 0, 1: return .authorize(intent: intent, currency: currency, amount: UInt128(rng.next() % 3) * 500 + 500, expiresInSeconds: 0, reference: nil)
        case 2, 3, 4: return .capture(intent: intent, key: key, amount: amount(800), fee: UInt128(rng.next() % 60), final: rng.next() % 5 == 0)
        case 5: return .cancel(intent: intent, key: key)
        case 6, 7: return .refund(intent: intent, key: key, amount: amount(600))
        case 8: return .openDispute(intent: intent, key: key, amount: amount(600))
        default: return .resolveDispute(intent: intent, key: key, won: rng.next() % 2 == 0)
        }
    }

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func paymentsAgreeWithTheModelStepByStep(seed: UInt64) async throws {
        let ledger = try EngineLedger()
        defer { ledger.close() }
        let payments = Payments(ledger: ledger, clock: { UInt64(Date().timeIntervalSince1970 * 1e9) })
        try await payments.createChart([eur])
        var rng = SplitMix64(seed: seed)
        var models: [UInt128: ModelIntent] = [:]
        var seen: [String: Int] = [:]
        for index in 0..<400 {
            let step = Self.randomStep(&rng, intents: 6, currency: eur)
            var model = models[step.intent]
            let expected = Self.expect(step, &model)
            models[step.intent] = model
            let actual: Expected
            do {
                let outcome = try await payments.run(step)
                actual = outcome.applied ? .applied(outcome.amount) : .repeated(outcome.amount)
            } catch {
                actual = .refused(error.code)
            }
            seen["\(expected)".prefix(8).description, default: 0] += 1
            #expect(actual == expected, "seed \(seed) step \(index): \(step)")
            guard actual == expected else { return }
            if let model {
                let intent = try await payments.intent(step.intent)
                let derived = [intent.captured, intent.refunded, intent.capturable, intent.refundable, intent.fees]
                #expect(derived == [model.captured, model.refunded, model.hold, model.refundable, model.fees], "seed \(seed) step \(index): \(step)")
                #expect(intent.status == model.status, "seed \(seed) step \(index): \(step)")
            }
        }
        // Every kind of outcome occurred.
        #expect(seen.keys.contains { $0.hasPrefix("applied") } && seen.keys.contains { $0.hasPrefix("repeated") }
                && seen.keys.contains { $0.hasPrefix("refused") }, "seed \(seed): \(seen)")
        #expect(try await ledger.auditViolations() == [], "seed \(seed)")
    }
}
