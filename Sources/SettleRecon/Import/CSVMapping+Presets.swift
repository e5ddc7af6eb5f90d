extension CSVMapping {
    /// Adyen's Settlement details report, one line per payment-level row at **gross**, in the
    /// payment's own currency (`Gross Currency`).
    ///
    /// Gross, because a settlement line is matched against a capture and the ledger holds the
    /// captured amount: ORDER-1043 was captured as USD 120.00, which is its gross; its net is
    /// EUR 108.35 after conversion and fees, a number no ledger transfer carries. So only
    /// payment-level types are kept (Settled, Refunded, Chargeback and their bulk and reversal
    /// variants); `Fee` and `MerchantPayout` rows have no gross amount and are skipped: fees and
    /// the payout are reconciled with `adyenSettlementDetailsNet` against the bank statement.
    /// `reference` is the PSP reference of the payment (a refund's row names the payment it
    /// refunds), `accountServicerReference` the modification's own PSP reference, `endToEndID`
    /// the merchant reference (order id). Dates are `Creation Date` as written (in the report's
    /// `TimeZone`).
    public static let adyenSettlementDetails = CSVMapping(
        date: "Creation Date", amount: .debitCredit(debit: "Gross Debit (GC)", credit: "Gross Credit (GC)"),
        currency: .column(name: "Gross Currency"), reference: "Psp Reference",
        accountServicerReference: "Modification Reference", endToEndID: "Merchant Reference", description: "Type",
        typeFilter: .include(column: "Type", values: [
            "Settled", "SettledBulk", "Refunded", "RefundedBulk", "RefundedReversed",
            "Chargeback", "ChargebackReversed", "SecondChargeback",
        ]),
        dateFormat: .isoDateTime)

    /// Adyen's Settlement details report at **net** (`Net Debit (NC)`/`Net Credit (NC)`, in the
    /// settlement currency), every row except the `MerchantPayout` itself: the lines then add up
    /// to the payout, which is what the bank statement shows. Use it to reconcile the payout and
    /// the fees; use `adyenSettlementDetails` to match payments.
    public static let adyenSettlementDetailsNet: CSVMapping = {
        var mapping = adyenSettlementDetails
        mapping.amount = .debitCredit(debit: "Net Debit (NC)", credit: "Net Credit (NC)")
        mapping.currency = .column(name: "Net Currency")
        mapping.typeFilter = .exclude(column: "Type", values: ["MerchantPayout"])
        return mapping
    }()

    /// Stripe's itemized payout reconciliation report (`payout_reconciliation.itemized`), one line
    /// per balance transaction at **gross** (signed `gross`, in the balance currency).
    ///
    /// Gross for the same reason as Adyen: a charge line is matched against the capture, and the
    /// fee is Stripe's, not the customer's. Stripe converts before it reports, so a charge made
    /// in USD appears at its EUR gross (`customer_facing_amount` keeps the USD, but unsigned and
    /// not on every row). `reference` is `charge_id` (refunds and disputes name the charge they
    /// undo), `accountServicerReference` the `source_id` of the row's own object, the
    /// description `description`, dates `created_utc` and `available_on_utc` (UTC).
    public static let stripePayoutReconciliation = CSVMapping(
        date: "created_utc", valueDate: "available_on_utc", amount: .signed(column: "gross"), currency: .column(name: "currency"),
        reference: "charge_id", accountServicerReference: "source_id", description: "description",
        dateFormat: .isoDateTime)

    /// The Stripe report at **net** (`net` = gross − fee): the lines add up to the payout.
    public static let stripePayoutReconciliationNet: CSVMapping = {
        var mapping = stripePayoutReconciliation
        mapping.amount = .signed(column: "net")
        return mapping
    }()
}
