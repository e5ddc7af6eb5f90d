import SettleMoney
import SettlePayments

extension BatchJSONReader {
    /// The fast path for `{"steps": [...]}` (the payments batch route): each step with the
    /// fields its type allows, plain strings, integers and booleans. Anything else — an
    /// escape, a missing required field, an unknown currency, a value out of range — returns
    /// nil and the `Codable` path decides and words the error, as for the ledger bodies.
    static func steps(_ body: UnsafeRawBufferPointer) -> [PaymentStep]? {
        var reader = BatchJSONReader(body)
        guard let steps = reader.batch(key: "steps", { reader in reader.step() }),
              !steps.isEmpty, steps.count <= StepsBody.stepsMax else { return nil }
        return steps
    }

    static let stepFields: [StaticString] = [
        "type", "intent", "currency", "amount", "fee", "final", "expires_in_seconds", "reference", "sequence", "outcome",
    ]

    private struct RawStep {
        var present: UInt32 = 0
        var type: Substring = ""
        var intent: UInt128 = 0
        var currency: Substring = ""
        var amount: UInt128 = 0
        var fee: UInt128 = 0
        var final = false
        var expires: UInt32 = 0
        var reference: Substring = ""
        var sequence: UInt32 = 0
        var outcome: Substring = ""

        func has(_ field: Int) -> Bool { present & 1 << field != 0 }
    }

    private mutating func step() -> PaymentStep? {
        var raw = RawStep()
        let ok = object(fields: Self.stepFields) { reader, index in
            raw.present |= 1 << index
            switch index {
            case 0: return reader.text(&raw.type)
            case 1: return reader.decimal(&raw.intent)
            case 2: return reader.text(&raw.currency)
            case 3: return reader.decimal(&raw.amount)
            case 4: return reader.decimal(&raw.fee)
            case 5: return reader.boolean(&raw.final)
            case 6: return reader.integer(&raw.expires)
            case 7: return reader.text(&raw.reference)
            case 8: return reader.integer(&raw.sequence)
            default: return reader.text(&raw.outcome)
            }
        }
        guard ok, raw.has(0), raw.has(1), let allowed = StepFields.allowed[String(raw.type)] else { return nil }
        for (index, name) in Self.stepFields.enumerated() where raw.has(index) {
            guard allowed.contains(String(decoding: name.utf8Buffer, as: UTF8.self)) else { return nil }
        }
        return Self.build(raw)
    }

    private static func build(_ raw: RawStep) -> PaymentStep? {
        if raw.has(8), raw.sequence == 0 { return nil }
        let key = StepKey.sequence(raw.has(8) ? raw.sequence : 1)
        let amount = raw.has(3) ? raw.amount : nil
        switch raw.type {
        case "authorize":
            guard let currency = Currency(code: String(raw.currency)), raw.has(3),
                  !raw.has(7) || (1...256).contains(raw.reference.utf8.count) else { return nil }
            return .authorize(intent: raw.intent, currency: currency, amount: raw.amount,
                              expiresInSeconds: raw.has(6) ? raw.expires : StepFields.defaultExpirySeconds,
                              reference: raw.has(7) ? String(raw.reference) : nil)
        case "capture": return raw.has(8) ? .capture(intent: raw.intent, key: key, amount: amount, fee: raw.fee, final: raw.final) : nil
        case "cancel": return .cancel(intent: raw.intent, key: key)
        case "refund": return raw.has(8) ? .refund(intent: raw.intent, key: key, amount: amount) : nil
        case "open_dispute": return .openDispute(intent: raw.intent, key: key, amount: amount)
        case "resolve_dispute":
            guard raw.outcome == "won" || raw.outcome == "lost" else { return nil }
            return .resolveDispute(intent: raw.intent, key: key, won: raw.outcome == "won")
        default: return nil
        }
    }

    /// A plain string (printable ASCII, no escapes).
    private mutating func text(_ value: inout Substring) -> Bool {
        guard let bytes = string() else { return false }
        value = Substring(String(decoding: bytes, as: UTF8.self))
        return true
    }

    private mutating func boolean(_ value: inout Bool) -> Bool {
        skipSpace()
        for (word, result) in [("true", true), ("false", false)] where matches(word) {
            value = result
            return true
        }
        return false
    }
}
