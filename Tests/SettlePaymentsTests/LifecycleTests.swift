import Foundation
import SettleCore
import SettleEngine
import SettleMoney
import SettlePayments
import Synchronization
import Testing

/// Every step of an intent's life, on a real engine, with the ledger's balances checked after.
@Suite struct LifecycleTests {
    let eur = Currency(code: "EUR")!

    /// `clock` is both the engine's and the payments' wall clock.
    func withPayments(clock: @escaping @Sendable () -> UInt64 = { Clocks.wallNanoseconds() },
                      _ body: (Payments, EngineLedger) async throws -> Void) async throws {
        let ledger = try EngineLedger(wallClock: clock)
        defer { ledger.close() }
        let payments = Payments(ledger: ledger, clock: clock)
        try await payments.createChart([eur])
        try await body(payments, ledger)
        #expect(try await ledger.auditViolations() == [])
    }

    func balance(_ ledger: EngineLedger, _ role: ChartOfAccounts.Role) async throws -> (debits: UInt128, credits: UInt128, pending: UInt128) {
        let account = try await ledger.lookupAccounts([ChartOfAccounts.accountID(role, eur)])[0]
        return (account.debitsPosted, account.creditsPosted, account.debitsPending)
    }

    func expectRefused(_ code: PaymentError.Code, _ body: () async throws -> StepOutcome) async {
        do {
            let outcome = try await body()
            Issue.record("expected \(code), got \(outcome)")
        } catch {
            #expect((error as? PaymentError)?.code == code, "\(error)")
        }
    }

    @Test func partialCapturesUpToTheAuthorizationThenRefunds() async throws {
        try await withPayments { payments, ledger in
            _ = try await payments.run(.authorize(intent: 1, currency: eur, amount: 10_000, expiresInSeconds: 3600, reference: "order-1"))
            var intent = try await payments.intent(1)
            #expect(intent.status == .authorized && intent.capturable == 10_000 && intent.captured == 0)
            #expect(try await balance(ledger, .customerFunds).pending == 10_000)

            _ = try await payments.run(.capture(intent: 1, key: .sequence(1), amount: 3_000, fee: 90, final: false))
            _ = try await payments.run(.capture(intent: 1, key: .sequence(2), amount: 4_000, fee: 120, final: false))
            intent = try await payments.intent(1)
            #expect(intent.status == .partiallyCaptured && intent.captured == 7_000 && intent.capturable == 3_000 && intent.fees == 210)

            await expectRefused(.captureExceedsAuthorization) {
                try await payments.run(.capture(intent: 1, key: .sequence(3), amount: 3_001, fee: 0, final: false))
            }
            _ = try await payments.run(.capture(intent: 1, key: .sequence(3), amount: 3_000, fee: 90, final: false))
            intent = try await payments.intent(1)
            #expect(intent.status == .captured && intent.captured == 10_000 && intent.capturable == 0)
            await expectRefused(.nothingToCapture) {
                try await payments.run(.capture(intent: 1, key: .sequence(4), amount: 1, fee: 0, final: false))
            }

            _ = try await payments.run(.refund(intent: 1, key: .sequence(1), amount: 2_500))
            _ = try await payments.run(.refund(intent: 1, key: .sequence(2), amount: 7_000))
            await expectRefused(.refundExceedsCaptured) { try await payments.run(.refund(intent: 1, key: .sequence(3), amount: 501)) }
            await expectRefused(.stepRefusedBefore) { try await payments.run(.refund(intent: 1, key: .sequence(3), amount: 500)) }
            let last = try await payments.run(.refund(intent: 1, key: .sequence(4), amount: nil))
            #expect(last.amount == 500)
            intent = try await payments.intent(1)
            #expect(intent.status == .refunded && intent.refunded == 10_000 && intent.refundable == 0)

            // The books: clearing was debited by every capture and credited by every refund;
            // the merchant got captures less fees less refunds; revenue kept the fees.
            #expect(try await balance(ledger, .processorClearing) == (10_000, 10_000, 0))
            #expect(try await balance(ledger, .merchantPayable) == (300 + 10_000, 10_000, 0))
            #expect(try await balance(ledger, .platformRevenue) == (0, 300, 0))
            #expect(try await balance(ledger, .customerFunds) == (10_000, 10_000, 0))
            // Every authorized unit was captured: the memo is back to zero.
            #expect(try await balance(ledger, .authorizations) == (10_000, 10_000, 0))
        }
    }

    @Test func aFinalPartialCaptureReleasesTheRest() async throws {
        try await withPayments { payments, ledger in
            _ = try await payments.run(.authorize(intent: 2, currency: eur, amount: 5_000, expiresInSeconds: 0, reference: nil))
            _ = try await payments.run(.capture(intent: 2, key: .sequence(1), amount: 1_000, fee: 0, final: true))
            let intent = try await payments.intent(2)
            #expect(intent.status == .captured && intent.captured == 1_000 && intent.capturable == 0)
            #expect(try await balance(ledger, .customerFunds).pending == 0)
        }
    }

    @Test func cancelReleasesTheHoldAndBlocksCaptures() async throws {
        try await withPayments { payments, ledger in
            _ = try await payments.run(.authorize(intent: 3, currency: eur, amount: 5_000, expiresInSeconds: 3600, reference: nil))
            _ = try await payments.run(.cancel(intent: 3, key: .sequence(1)))
            #expect(try await payments.intent(3).status == .canceled)
            #expect(try await balance(ledger, .customerFunds).pending == 0)
            await expectRefused(.intentCanceled) { try await payments.run(.capture(intent: 3, key: .sequence(1), amount: nil, fee: 0, final: false)) }
            let again = try await payments.run(.cancel(intent: 3, key: .sequence(1)))
            #expect(again.applied == false)
        }
    }

    @Test func anExpiredAuthorizationReleasesTheHold() async throws {
        // The clock stands still until both are authorized and one is partly captured, so a
        // slow machine cannot let them expire early; then it jumps past their expiry.
        let start = Clocks.wallNanoseconds()
        let advanced = Atomic<UInt64>(0)
        try await withPayments(clock: { start + advanced.load(ordering: .relaxed) }) { payments, ledger in
            _ = try await payments.run(.authorize(intent: 4, currency: eur, amount: 5_000, expiresInSeconds: 1, reference: nil))
            _ = try await payments.run(.authorize(intent: 5, currency: eur, amount: 5_000, expiresInSeconds: 1, reference: nil))
            _ = try await payments.run(.capture(intent: 5, key: .sequence(1), amount: 2_000, fee: 0, final: false))
            advanced.store(3_000_000_000, ordering: .relaxed)
            // The re-held remainder of intent 5 keeps the original expiry rounded up to whole
            // seconds, so it may be due up to a second after intent 4; 3 s is past both. The
            // engine expires them on its own thread: wait until both show.
            var waited = 0
            while waited < 100 {
                let (four, five) = (try await payments.intent(4).status, try await payments.intent(5).status)
                if four == .expired, five == .captured { break }
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(try await payments.intent(4).status == .expired)
            let partly = try await payments.intent(5)
            #expect(partly.status == .captured && partly.captured == 2_000 && partly.capturable == 0)
            #expect(try await balance(ledger, .customerFunds).pending == 0)
            await expectRefused(.authorizationExpired) { try await payments.run(.capture(intent: 4, key: .sequence(1), amount: nil, fee: 0, final: false)) }
        }
    }

    @Test func aRetriedStepIsANoOpWithTheOriginalOutcome() async throws {
        try await withPayments { payments, ledger in
            let authorize = PaymentStep.authorize(intent: 6, currency: eur, amount: 9_000, expiresInSeconds: 3600, reference: "order-6")
            let first = try await payments.run(authorize)
            let retry = try await payments.run(authorize)
            #expect(first.applied && !retry.applied && retry.amount == 9_000)
            await expectRefused(.intentExists) {
                try await payments.run(.authorize(intent: 6, currency: eur, amount: 9_001, expiresInSeconds: 3600, reference: "order-6"))
            }

            let capture = PaymentStep.capture(intent: 6, key: .key("cap-A"), amount: 4_000, fee: 10, final: false)
            let captured = try await payments.run(capture)
            let again = try await payments.run(capture)
            #expect(captured.applied && !again.applied && again.amount == 4_000 && again.transferIDs[0] == captured.transferIDs[0])
            await expectRefused(.stepKeyReused) { try await payments.run(.capture(intent: 6, key: .key("cap-A"), amount: 4_001, fee: 10, final: false)) }
            await expectRefused(.stepKeyReused) { try await payments.run(.capture(intent: 6, key: .key("cap-A"), amount: 4_000, fee: 11, final: false)) }
            // A duplicate in the same batch is applied once.
            let twice = try await payments.run([.refund(intent: 6, key: .sequence(1), amount: 100), .refund(intent: 6, key: .sequence(1), amount: 100)])
            #expect(try twice.map { try $0.get().applied }.sorted { !$0 && $1 } == [false, true])
            let intent = try await payments.intent(6)
            #expect(intent.captured == 4_000 && intent.refunded == 100 && intent.fees == 10)
        }
    }

    @Test func disputesMoveFundsToTheReserveAndBack() async throws {
        try await withPayments { payments, ledger in
            for intent: UInt128 in [7, 8] {
                _ = try await payments.run(.authorize(intent: intent, currency: eur, amount: 6_000, expiresInSeconds: 3600, reference: nil))
                _ = try await payments.run(.capture(intent: intent, key: .sequence(1), amount: nil, fee: 0, final: false))
            }
            _ = try await payments.run(.refund(intent: 7, key: .sequence(1), amount: 1_000))
            await expectRefused(.disputeExceedsCaptured) { try await payments.run(.openDispute(intent: 7, key: .sequence(1), amount: 5_001)) }
            _ = try await payments.run(.openDispute(intent: 7, key: .sequence(2), amount: nil))
            #expect(try await payments.intent(7).status == .disputed)
            #expect(try await balance(ledger, .disputeReserve).credits == 5_000)
            await expectRefused(.refundExceedsCaptured) { try await payments.run(.refund(intent: 7, key: .sequence(2), amount: 1)) }
            _ = try await payments.run(.resolveDispute(intent: 7, key: .sequence(2), won: true))
            await expectRefused(.disputeAlreadyResolved) { try await payments.run(.resolveDispute(intent: 7, key: .sequence(2), won: false)) }
            var intent = try await payments.intent(7)
            #expect(intent.refundable == 5_000 && intent.disputes.map(\.state) == [.won])

            _ = try await payments.run(.openDispute(intent: 8, key: .sequence(1), amount: 6_000))
            _ = try await payments.run(.resolveDispute(intent: 8, key: .sequence(1), won: false))
            intent = try await payments.intent(8)
            #expect(intent.status == .disputeLost && intent.refundable == 0)
            await expectRefused(.disputeNotFound) { try await payments.run(.resolveDispute(intent: 8, key: .sequence(2), won: true)) }
            // Reserve: 5,000 in and back out (won), 6,000 in and out to the processor (lost).
            #expect(try await balance(ledger, .disputeReserve) == (11_000, 11_000, 0))
        }
    }

    @Test func theLedgerItselfRefusesARefundBeyondTheCapture() async throws {
        try await withPayments { payments, ledger in
            _ = try await payments.run(.authorize(intent: 9, currency: eur, amount: 1_000, expiresInSeconds: 3600, reference: nil))
            _ = try await payments.run(.capture(intent: 9, key: .sequence(1), amount: 400, fee: 0, final: false))
            // Bypass Payments: a hand-written transfer draining the intent account more than
            // was captured must be refused by the account's balance-limit flag.
            let account = IntentLayout.accountID(intent: 9)
            let raw = Transfer(id: 999_999, debitAccountID: account, creditAccountID: ChartOfAccounts.accountID(.customerFunds, eur),
                               amount: 401, ledger: eur.ledger, code: 4)
            #expect(try await ledger.createTransfers([raw]).results == [.exceedsCredits])
            // And a post above the remaining hold is refused by the ledger's two-phase rules.
            let hold = try await ledger.accountTransfers(AccountFilter(accountID: account, code: 1, limit: 1, flags: [.credits, .reversed]))[0]
            let post = Transfer(id: 999_998, debitAccountID: hold.debitAccountID, creditAccountID: account, amount: 601,
                                pendingID: hold.id, ledger: eur.ledger, code: 1, flags: [.postPendingTransfer])
            #expect(try await ledger.createTransfers([post]).results == [.exceedsPendingTransferAmount])
            // And a capture beyond the authorization is refused by the authorization account's
            // balance-limit flag, even if a hold said otherwise.
            let used = Transfer(id: 999_997, debitAccountID: ChartOfAccounts.accountID(.authorizations, eur),
                                creditAccountID: IntentLayout.authorizationAccountID(intent: 9), amount: 601, ledger: eur.ledger, code: 8)
            #expect(try await ledger.createTransfers([used]).results == [.exceedsDebits])
        }
    }

    @Test func stepsOnOneIntentInOneBatchRunInTheirOrder() async throws {
        try await withPayments { payments, _ in
            let results = try await payments.run([
                .authorize(intent: 10, currency: eur, amount: 1_000, expiresInSeconds: 3600, reference: nil),
                .capture(intent: 10, key: .sequence(1), amount: 600, fee: 0, final: false),
                .authorize(intent: 11, currency: eur, amount: 50, expiresInSeconds: 3600, reference: nil),
                .refund(intent: 10, key: .sequence(1), amount: 200),
                .capture(intent: 10, key: .sequence(2), amount: nil, fee: 0, final: false),
            ])
            #expect(try results.map { try $0.get().amount } == [1_000, 600, 50, 200, 400])
            let intent = try await payments.intent(10)
            #expect(intent.captured == 1_000 && intent.refunded == 200 && intent.status == .partiallyRefunded)
        }
    }

    @Test func theLargestBatchFitsTheLedgersBatchLimits() async throws {
        // 4,096 authorizes are 8,192 accounts and 8,192 transfers; 4,096 captures look up
        // 8,192 ids: each more than one ledger batch (8,189), so Payments splits its calls.
        try await withPayments { payments, _ in
            let intents = (1...4_096).map { UInt128($0) }
            let authorized = try await payments.run(intents.map { .authorize(intent: $0, currency: eur, amount: 100, expiresInSeconds: 0, reference: nil) })
            #expect(authorized.allSatisfy { (try? $0.get().applied) == true })
            let captured = try await payments.run(intents.map { .capture(intent: $0, key: .sequence(1), amount: nil, fee: 1, final: false) })
            #expect(captured.allSatisfy { (try? $0.get().amount) == 100 })
            #expect(try await payments.intent(4_096).status == .captured)
        }
    }

    @Test func withoutAChartAStepSaysSo() async throws {
        let ledger = try EngineLedger()
        defer { ledger.close() }
        let payments = Payments(ledger: ledger, clock: { 0 })
        let usd = Currency(code: "USD")!
        do {
            _ = try await payments.run(.authorize(intent: 1, currency: usd, amount: 1, expiresInSeconds: 0, reference: nil))
            Issue.record("expected chart_of_accounts_missing")
        } catch {
            #expect(error.code == .chartMissing)
        }
        // Nothing was written, so the same intent authorizes once the chart exists.
        try await payments.createChart([usd])
        #expect(try await payments.run(.authorize(intent: 1, currency: usd, amount: 1, expiresInSeconds: 0, reference: nil)).applied)
    }
}
