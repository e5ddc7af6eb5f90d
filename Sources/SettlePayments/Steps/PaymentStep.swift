import SettleMoney

/// One request against a payment intent. Amounts are minor units of the intent's currency.
public enum PaymentStep: Sendable, Equatable {
    /// Creates the intent and holds `amount` of the customer's funds until
    /// `expiresInSeconds` (0: no expiry).
    case authorize(intent: UInt128, currency: Currency, amount: UInt128, expiresInSeconds: UInt32, reference: String?)
    /// Captures `amount` (nil: everything still held) and books `fee` to platform revenue in
    /// the same chain. `final` releases what stays uncaptured; otherwise it stays held for
    /// later captures until the authorization expires.
    case capture(intent: UInt128, key: StepKey, amount: UInt128?, fee: UInt128, final: Bool)
    /// Releases the hold (what is not captured yet).
    case cancel(intent: UInt128, key: StepKey)
    /// Returns `amount` (nil: all that is left) to the customer.
    case refund(intent: UInt128, key: StepKey, amount: UInt128?)
    /// Moves `amount` (nil: all that is left) of the merchant's funds to the dispute reserve.
    case openDispute(intent: UInt128, key: StepKey, amount: UInt128?)
    /// Resolves the dispute opened under `key`: won returns the funds to the merchant, lost
    /// pays them back through the processor.
    case resolveDispute(intent: UInt128, key: StepKey, won: Bool)

    public var intent: UInt128 {
        switch self {
        case .authorize(let intent, _, _, _, _), .capture(let intent, _, _, _, _), .cancel(let intent, _),
             .refund(let intent, _, _), .openDispute(let intent, _, _), .resolveDispute(let intent, _, _):
            return intent
        }
    }

    /// The step's name in the API and in errors.
    public var name: String {
        switch self {
        case .authorize: return "authorize"
        case .capture: return "capture"
        case .cancel: return "cancel"
        case .refund: return "refund"
        case .openDispute: return "open_dispute"
        case .resolveDispute: return "resolve_dispute"
        }
    }
}

/// What a step did.
public struct StepOutcome: Sendable, Equatable {
    public var intent: UInt128
    /// False when the step had already been applied by an earlier request: a retry, answered
    /// with the original outcome and changing nothing.
    public var applied: Bool
    /// The amount the step moved.
    public var amount: UInt128
    /// The step's transfers (the first is the one a retry is recognized by).
    public var transferIDs: [UInt128]
    /// The journal op of the write that applied it (0 for a retry): pass it to a read replica
    /// to read your own write.
    public var commitOp: UInt64

    public init(intent: UInt128, applied: Bool, amount: UInt128, transferIDs: [UInt128], commitOp: UInt64) {
        self.intent = intent
        self.applied = applied
        self.amount = amount
        self.transferIDs = transferIDs
        self.commitOp = commitOp
    }
}

/// Why a step was refused. Nothing of a refused step is applied.
public struct PaymentError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case invalidRequest = "invalid_request"
        case intentNotFound = "intent_not_found"
        /// The intent id is taken by an intent with another currency, amount or reference.
        case intentExists = "intent_exists"
        case chartMissing = "chart_of_accounts_missing"
        case captureExceedsAuthorization = "capture_exceeds_authorization"
        case nothingToCapture = "nothing_to_capture"
        case authorizationExpired = "authorization_expired"
        case intentCanceled = "intent_canceled"
        case refundExceedsCaptured = "refund_exceeds_captured"
        case disputeExceedsCaptured = "dispute_exceeds_captured"
        case disputeNotFound = "dispute_not_found"
        case disputeAlreadyResolved = "dispute_already_resolved"
        /// The step key was used before for a different request.
        case stepKeyReused = "step_key_reused"
        /// The ledger refused this step under this key before (say, a refund above what was
        /// left); the refusal is final for the key, as the ledger burns a refused id. Use a new key.
        case stepRefusedBefore = "step_refused_before"
        /// Other steps kept changing the intent; the step was not applied and may be retried.
        case contention
        /// The ledger answered with an error (unavailable, rate limited, ...): see `underlying`.
        case ledger
    }

    public var code: Code
    public var message: String
    /// The ledger's own error for `.ledger`.
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (a: PaymentError, b: PaymentError) -> Bool { a.code == b.code && a.message == b.message }
}
