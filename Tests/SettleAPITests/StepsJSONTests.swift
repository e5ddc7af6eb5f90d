import SettleSeededRandom
import Foundation
@testable import SettleAPI
import SettleMoney
import SettlePayments
import SettleStorage
import Testing

/// The payments batch route's fast reader and hand-written reply agree with the `Codable`
/// path, which stays the authority.
@Suite("Steps JSON fast paths agree with Codable")
struct StepsJSONTests {
    static let types = ["authorize", "capture", "cancel", "refund", "open_dispute", "resolve_dispute"]
    static let values: [String: [String]] = [
        "type": types.map { "\"\($0)\"" } + [#""pay""#],
        "intent": [#""1""#, #""340282366920938463463374607431768211455""#, #""0""#, #""x""#, "1"],
        "id": [#""5""#],
        "currency": [#""EUR""#, #""jpy""#, #""XXX""#, "978"],
        "amount": [#""0""#, #""250""#, #""18446744073709551616""#, "250", #""-1""#],
        "fee": [#""3""#, #""0""#, "3"],
        "final": ["true", "false", #""true""#],
        "expires_in_seconds": ["0", "3600", "4294967296", #""60""#],
        "reference": [#""order-1""#, #""""#, "\"" + String(repeating: "r", count: 257) + "\"", #""caf\u00e9""#],
        "sequence": ["1", "0", "7", "4294967296", #""2""#, "1.5"],
        "outcome": [#""won""#, #""lost""#, #""draw""#],
        "colour": [#""red""#],
    ]

    static func body(_ rng: inout SplitMix64) -> String {
        let steps = (0..<Int(rng.next() % 3 + 1)).map { _ -> String in
            let type = types[Int(rng.next() % UInt64(types.count))]
            var keys = Array(StepFields.allowed[type]!.subtracting(["id"])).sorted()
            if rng.next() % 4 == 0 { keys.append(values.keys.sorted()[Int(rng.next() % UInt64(values.count))]) }
            let fields = keys.compactMap { key -> String? in
                if key != "type", key != "intent", rng.next() % 3 == 0 { return nil }
                let choices = key == "type" ? [#""\#(type)""#] : values[key]!
                // Mostly the first, plain value; sometimes an edge.
                let value = rng.next() % 3 == 0 ? choices[Int(rng.next() % UInt64(choices.count))] : choices[0]
                return #""\#(key)": \#(value)"#
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return #"{"steps": ["# + steps.joined(separator: ", ") + "]}"
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func theFastReaderAcceptsOnlyWhatCodableAcceptsWithTheSameSteps(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var fast = 0, codable = 0
        for round in 0..<500 {
            let text = Self.body(&rng)
            let bytes = Array(text.utf8)
            let authority = try? JSONDecoder().decode(StepsBody.self, from: Data(bytes)).steps
            if authority != nil { codable += 1 }
            guard let read = bytes.withUnsafeBytes({ BatchJSONReader.steps($0) }) else { continue }
            fast += 1
            #expect(read == authority, "seed \(seed) round \(round): \(text)")
        }
        // Both paths were exercised, and the fast one took most valid bodies.
        #expect(fast > 100 && codable > fast / 2, "seed \(seed): fast \(fast), codable \(codable)")
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func theHandWrittenReplyIsWhatJSONEncoderWrites(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let messages = ["plain", #"with "quotes" and \ backslash"#, "line\nbreak\ttab\r\u{01}\u{1F}", "café ☕ / slash", ""]
        for _ in 0..<200 {
            let items = (0..<Int(rng.next() % 4)).map { _ -> StepsResponse.Item in
                let intent = String(UInt128(rng.next()) << 64 | UInt128(rng.next()))
                if rng.next() % 3 == 0 {
                    return .init(intent: intent, step: nil, error: .init(code: "refund_exceeds_captured", message: messages[Int(rng.next() % 5)]))
                }
                let outcome = StepOutcome(intent: 1, applied: rng.next() % 2 == 0, amount: UInt128(rng.next()),
                                          transferIDs: (0..<Int(rng.next() % 4)).map { _ in UInt128(rng.next()) }, commitOp: rng.next())
                return .init(intent: intent, step: StepJSON(outcome), error: nil)
            }
            let response = StepsResponse(results: items)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let expected = String(decoding: try encoder.encode(response), as: UTF8.self)
            #expect(response.encoded() == expected, "seed \(seed)")
        }
    }

    @Test func aFieldAnotherStepTypeTakesIsRefusedNotIgnored() throws {
        let body = #"{"steps": [{"type": "refund", "intent": "1", "sequence": 1, "fee": "5"}]}"#
        #expect(Array(body.utf8).withUnsafeBytes { BatchJSONReader.steps($0) } == nil)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(StepsBody.self, from: Data(body.utf8)) }
    }
}
