import SettleCore
import SettleMoney
import SettlePayments

/// `POST /v1/payments/chart`.
struct ChartBody: Decodable {
    var currencies: [Currency]
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["currencies"])
        let codes = try object.container.decodeIfPresent([String].self, forKey: AnyKey(stringValue: "currencies")) ?? []
        guard !codes.isEmpty, codes.count <= 64 else {
            throw FieldError(code: .invalidField, path: "currencies", message: "1 to 64 ISO 4217 codes are expected")
        }
        currencies = try codes.enumerated().map { index, code in
            guard let currency = Currency(code: code) else {
                throw FieldError(code: .invalidField, path: "currencies[\(index)]", message: "unknown currency \"\(code)\"")
            }
            return currency
        }
    }
}

struct ChartJSON: Encodable {
    struct Ledger: Encodable {
        var currency: String
        var ledger: UInt32
        var exponent: Int
        var accounts: [String: String]
    }

    var ledgers: [Ledger]

    init(_ currencies: [Currency]) {
        ledgers = currencies.map { currency in
            Ledger(currency: currency.code, ledger: currency.ledger, exponent: currency.exponent,
                   accounts: Dictionary(uniqueKeysWithValues: ChartOfAccounts.Role.allCases.map {
                       ($0.name, String(ChartOfAccounts.accountID($0, currency)))
                   }))
        }
    }
}

/// One step in a request body: its fields, read strictly. The route (or, in a batch, the
/// `type` field) says which step; `StepFields` turns them into a `PaymentStep`.
struct StepFields {
    static let known: Set<String> = [
        "type", "intent", "id", "currency", "amount", "fee", "final", "expires_in_seconds", "reference", "sequence", "outcome",
    ]
    /// The fields each step type takes; any other is refused, not ignored.
    static let allowed: [String: Set<String>] = [
        "authorize": ["type", "intent", "id", "currency", "amount", "expires_in_seconds", "reference"],
        "capture": ["type", "intent", "sequence", "amount", "fee", "final"],
        "cancel": ["type", "intent", "sequence"],
        "refund": ["type", "intent", "sequence", "amount"],
        "open_dispute": ["type", "intent", "sequence", "amount"],
        "resolve_dispute": ["type", "intent", "sequence", "outcome"],
    ]

    /// Seven days, a common card authorization lifetime.
    static let defaultExpirySeconds: UInt32 = 7 * 24 * 3600

    var object: StrictObject

    func optionalAmount(_ key: String) throws -> UInt128? {
        object.container.contains(AnyKey(stringValue: key)) ? try object.u128(key) : nil
    }

    /// The step's key: `sequence` in the body, else the `Idempotency-Key` header; a cancel
    /// may have neither (an intent has one hold to release).
    func key(_ idempotencyKey: String?, required: Bool) throws -> StepKey {
        if object.container.contains(AnyKey(stringValue: "sequence")) {
            let sequence: UInt32 = try object.number("sequence")
            guard sequence > 0 else { throw FieldError(code: .invalidField, path: jsonPath(object.path, "sequence"), message: "must be at least 1") }
            return .sequence(sequence)
        }
        if let idempotencyKey { return .key(idempotencyKey) }
        guard !required else {
            throw FieldError(code: .invalidField, path: jsonPath(object.path, "sequence"),
                             message: "a sequence number or an Idempotency-Key header is required, so that a retry is recognized")
        }
        return .sequence(1)
    }

    func authorize(intent: UInt128) throws -> PaymentStep {
        let code = try object.string("currency") ?? ""
        guard let currency = Currency(code: code) else {
            throw FieldError(code: .invalidField, path: jsonPath(object.path, "currency"), message: "an ISO 4217 code such as \"EUR\" is expected")
        }
        let reference = try object.string("reference")
        if let reference, reference.isEmpty || reference.utf8.count > 256 {
            throw FieldError(code: .invalidField, path: jsonPath(object.path, "reference"), message: "1 to 256 bytes are expected")
        }
        let expires = object.container.contains(AnyKey(stringValue: "expires_in_seconds"))
            ? try object.number("expires_in_seconds", UInt32.self) : Self.defaultExpirySeconds
        return .authorize(intent: intent, currency: currency, amount: try object.u128("amount"), expiresInSeconds: expires, reference: reference)
    }

    func step(_ type: String, intent: UInt128, idempotencyKey: String?) throws -> PaymentStep {
        if let allowed = Self.allowed[type] {
            for key in object.container.allKeys where !allowed.contains(key.stringValue) {
                throw FieldError(code: .unknownField, path: jsonPath(object.path, key.stringValue), message: "not a field of a \(type) step")
            }
        }
        switch type {
        case "authorize": return try authorize(intent: intent)
        case "capture":
            return .capture(intent: intent, key: try key(idempotencyKey, required: true), amount: try optionalAmount("amount"),
                            fee: try object.u128("fee"), final: try object.bool("final"))
        case "cancel": return .cancel(intent: intent, key: try key(idempotencyKey, required: false))
        case "refund": return .refund(intent: intent, key: try key(idempotencyKey, required: true), amount: try optionalAmount("amount"))
        case "open_dispute":
            // A dispute is named by its sequence (default 1), which resolving it names again.
            return .openDispute(intent: intent, key: try key(nil, required: false), amount: try optionalAmount("amount"))
        case "resolve_dispute":
            let outcome = try object.string("outcome")
            guard outcome == "won" || outcome == "lost" else {
                throw FieldError(code: .invalidField, path: jsonPath(object.path, "outcome"), message: "\"won\" or \"lost\" is expected")
            }
            return .resolveDispute(intent: intent, key: try key(nil, required: false), won: outcome == "won")
        default:
            throw FieldError(code: .invalidField, path: jsonPath(object.path, "type"),
                             message: "one of authorize, capture, cancel, refund, open_dispute, resolve_dispute is expected")
        }
    }
}

/// The body of a single-step route: its fields, checked against the route's own set.
struct StepBody: Decodable {
    var fields: StepFields
    init(from decoder: any Decoder) throws {
        fields = StepFields(object: try StrictObject(decoder, known: StepFields.known.subtracting(["type", "intent"])))
    }
}

/// `POST /v1/payments/steps`: many steps in one request, one read and one write for all.
struct StepsBody: Decodable {
    var steps: [PaymentStep]
    static let stepsMax = 4096

    init(from decoder: any Decoder) throws {
        _ = try StrictObject(decoder, known: ["steps"])
        let container = try decoder.container(keyedBy: AnyKey.self)
        var list = try container.nestedUnkeyedContainer(forKey: AnyKey(stringValue: "steps"))
        var steps: [PaymentStep] = []
        while !list.isAtEnd {
            guard steps.count < Self.stepsMax else {
                throw FieldError(code: .batchSizeOutOfRange, path: "steps", message: "at most \(Self.stepsMax) steps are allowed")
            }
            steps.append(try list.decode(OneStep.self).step)
        }
        guard !steps.isEmpty else { throw FieldError(code: .batchSizeOutOfRange, path: "steps", message: "at least one step is expected") }
        self.steps = steps
    }

    struct OneStep: Decodable {
        var step: PaymentStep
        init(from decoder: any Decoder) throws {
            let fields = StepFields(object: try StrictObject(decoder, known: StepFields.known.subtracting(["id"])))
            let intent = try fields.object.u128("intent")
            let type = try fields.object.string("type") ?? ""
            step = try fields.step(type, intent: intent, idempotencyKey: nil)
        }
    }
}

struct IntentJSON: Encodable {
    struct Dispute: Encodable {
        var openedBy: String
        var amount: String
        var state: String
        enum CodingKeys: String, CodingKey { case openedBy = "opened_by", amount, state }
    }

    var id: String
    var currency: String
    var exponent: Int
    var status: String
    var authorized: String
    var capturable: String
    var captured: String
    var refunded: String
    var fees: String
    var refundable: String
    var referenceKey: String
    var authorizedAt: String
    var expiresAt: String
    var disputes: [Dispute]
    var transferIDs: [String]

    enum CodingKeys: String, CodingKey {
        case id, currency, exponent, status, authorized, capturable, captured, refunded, fees, refundable, disputes
        case referenceKey = "reference_key", authorizedAt = "authorized_at", expiresAt = "expires_at", transferIDs = "transfer_ids"
    }

    init(_ intent: PaymentIntent) {
        id = String(intent.id)
        currency = intent.currency.code
        exponent = intent.currency.exponent
        status = intent.status.rawValue
        authorized = String(intent.authorized)
        capturable = String(intent.capturable)
        captured = String(intent.captured)
        refunded = String(intent.refunded)
        fees = String(intent.fees)
        refundable = String(intent.refundable)
        referenceKey = String(intent.referenceKey)
        authorizedAt = String(intent.authorizedAt)
        expiresAt = String(intent.expiresAt)
        disputes = intent.disputes.map { Dispute(openedBy: String($0.openedBy), amount: String($0.amount), state: $0.state.rawValue) }
        transferIDs = intent.transfers.map { String($0.id) }
    }
}

struct StepJSON: Encodable {
    var applied: Bool
    var amount: String
    var transferIDs: [String]
    var commitOp: String
    enum CodingKeys: String, CodingKey { case applied, amount, transferIDs = "transfer_ids", commitOp = "commit_op" }

    init(_ outcome: StepOutcome) {
        applied = outcome.applied
        amount = String(outcome.amount)
        transferIDs = outcome.transferIDs.map { String($0) }
        commitOp = String(outcome.commitOp)
    }
}

struct StepResponse: Encodable {
    var step: StepJSON
    var intent: IntentJSON
}

struct StepsResponse: Encodable {
    struct Item: Encodable {
        var intent: String
        var step: StepJSON?
        var error: ErrorBody.Detail?
    }

    var results: [Item]
}

extension StepsResponse {
    /// The same bytes `JSONEncoder` with sorted keys writes, without its generic machinery:
    /// perf put a third of the batch route's time in encoding this reply. A test holds the two
    /// equal.
    func encoded() -> String {
        var out = #"{"results":["#
        out.reserveCapacity(results.count * 200)
        for (index, item) in results.enumerated() {
            if index > 0 { out += "," }
            out += "{"
            if let error = item.error {
                out += #""error":{"code":"# + Self.quoted(error.code) + #","message":"# + Self.quoted(error.message) + "},"
            }
            out += #""intent":""# + item.intent + "\""
            if let step = item.step {
                out += #","step":{"amount":""# + step.amount + #"","applied":"# + (step.applied ? "true" : "false")
                out += #","commit_op":""# + step.commitOp + #"","transfer_ids":["#
                out += step.transferIDs.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
            }
            out += "}"
        }
        return out + "]}"
    }

    /// A JSON string literal, escaped as Foundation's encoder escapes it.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
