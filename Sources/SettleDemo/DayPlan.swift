import SettleSeededRandom
/// The payment steps of a marketplace day, planned from a seed.
struct DayPlan {
    struct Step {
        var type: String
        var intent: Int
        var json: String
    }

    /// Steps that may run together, in order: every step of a phase depends only on earlier phases.
    var phases: [[Step]]
    /// The order reference of every intent, by intent id.
    var references: [String: String]

    var steps: [Step] { phases.flatMap { $0 } }

    static func make(intents count: Int, random: inout SplitMix64) -> DayPlan {
        var authorize: [Step] = [], first: [Step] = [], second: [Step] = [], after: [Step] = [], resolve: [Step] = []
        var references: [String: String] = [:]
        for id in 1...count {
            let reference = "ORD-\(100_000 + id)"
            references[String(id)] = reference
            let amount = 500 + random.below(49_500)
            authorize.append(step("authorize", id, #""currency": "EUR", "amount": "\#(amount)", "reference": "\#(reference)""#))
            let fee = amount * 29 / 1_000 + 30
            let fate = random.below(100)
            switch fate {
            case ..<80:  // captured in full, the platform's fee split off in the same chain
                first.append(step("capture", id, #""sequence": 1, "fee": "\#(fee)""#))
            case ..<88:  // two partial captures, the second final
                let part = amount * 6 / 10
                first.append(step("capture", id, #""sequence": 1, "amount": "\#(part)", "fee": "\#(fee)""#))
                second.append(step("capture", id, #""sequence": 2, "amount": "\#(amount - part - 100)", "final": true"#))
            case ..<93:
                first.append(step("cancel", id, ""))
            case ..<96:
                break  // authorized, not captured yet: nothing to settle
            default:  // captured, then partly refunded
                first.append(step("capture", id, #""sequence": 1, "fee": "\#(fee)""#))
                after.append(step("refund", id, #""sequence": 1, "amount": "\#(amount * 3 / 10)""#))
            }
        }
        // Two disputes on fully captured intents: one won (funds return to the merchant, the
        // processor never sees it), one lost (a chargeback the processor debits).
        let captured = first.filter { $0.type == "capture" && !$0.json.contains("\"amount\"") }.map(\.intent)
        for (index, outcome) in ["won", "lost"].enumerated() where captured.count > index {
            let id = captured[captured.count - 1 - index]
            after.append(step("open_dispute", id, #""sequence": 1"#))
            resolve.append(step("resolve_dispute", id, #""sequence": 1, "outcome": "\#(outcome)""#))
        }
        return DayPlan(phases: [authorize, first, second, after, resolve].filter { !$0.isEmpty }, references: references)
    }

    private static func step(_ type: String, _ id: Int, _ fields: String) -> Step {
        Step(type: type, intent: id, json: #"{"type": "\#(type)", "intent": "\#(id)"\#(fields.isEmpty ? "" : ", " + fields)}"#)
    }
}
