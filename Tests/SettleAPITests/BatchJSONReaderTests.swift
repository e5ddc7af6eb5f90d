import SettleSeededRandom
import Foundation
@testable import SettleAPI
import SettleCore
import SettleStorage
import Testing

/// The fast JSON reader may decline anything, but whatever it accepts must be exactly what the
/// `Codable` path (the authority) accepts, with the same values.
@Suite("Fast JSON reader agrees with the Codable path")
struct BatchJSONReaderTests {
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func acceptsOnlyWhatTheCodablePathAcceptsAndReadsTheSameValues(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var fastPathTaken = 0
        for round in 0..<400 {
            let mutate = round % 2 == 1
            let (text, isTransfers) = Self.body(&rng, mutate: mutate)
            let bytes = Array(text.utf8)
            // Either the reader declines (only allowed for mutated bodies), or it agrees.
            let agreed: Bool? = isTransfers
                ? bytes.withUnsafeBytes { BatchJSONReader.transfers($0) }.map {
                    $0 == (try? JSONDecoder().decode(CreateTransfersBody.self, from: Data(bytes)).transfers)
                }
                : bytes.withUnsafeBytes { BatchJSONReader.accounts($0) }.map {
                    $0 == (try? JSONDecoder().decode(CreateAccountsBody.self, from: Data(bytes)).accounts)
                }
            if let agreed {
                fastPathTaken += 1
                #expect(agreed, "seed \(seed) round \(round): \(text.prefix(400))")
            } else {
                #expect(mutate, "seed \(seed) round \(round): the plain shape was declined: \(text.prefix(400))")
            }
        }
        #expect(fastPathTaken >= 200)
    }

    @Test(arguments: [
        #"{"transfers": [{"id": "1", "id": "2"}]}"#,           // duplicate key
        #"{"transfers": [{"id": "\u0031"}]}"#,                 // escape (valid JSON: the Codable path decides)
        #"{"transfers": [{"ledger": 01}]}"#,                   // leading zero (invalid JSON)
        #"{"transfers": [{"ledger": 1.0}]}"#,
        #"{"transfers": [{"ledger": -1}]}"#,
        #"{"transfers": [{"ledger": 4294967296}]}"#,
        #"{"transfers": [{"amount": "340282366920938463463374607431768211456"}]}"#,
        #"{"transfers": [{"amount": " 1"}]}"#,
        #"{"transfers": [{"flags": ["pending", "nope"]}]}"#,
        #"{"transfers": [{"id": null}]}"#,
        #"{"transfers": [{"colour": "red"}]}"#,
        #"{"transfers": []} x"#,
        #"{"transfers": [{"id": "1"},]}"#,
        #"{"accounts": []}"#,
    ])
    func declinesWhatItDoesNotFullyUnderstand(body: String) {
        #expect(Array(body.utf8).withUnsafeBytes { BatchJSONReader.transfers($0) } == nil)
    }

    // MARK: Bodies

    static func body(_ rng: inout SplitMix64, mutate: Bool) -> (String, Bool) {
        let isTransfers = rng.next() % 2 == 0
        let count = Int(rng.next() % 4)
        let events = (0..<count).map { _ in isTransfers ? transfer(&rng) : account(&rng) }
        var text = "{" + space(&rng) + (isTransfers ? #""transfers""# : #""accounts""#) + space(&rng) + ":" + space(&rng) + "["
            + events.joined(separator: space(&rng) + "," + space(&rng)) + "]" + space(&rng) + "}" + space(&rng)
        if mutate { text = mutated(text, &rng) }
        return (text, isTransfers)
    }

    static func space(_ rng: inout SplitMix64) -> String { ["", " ", "\n  ", "\t", "\r\n"][Int(rng.next() % 5)] }

    static func decimal(_ rng: inout SplitMix64, bits: Int) -> String {
        switch rng.next() % 4 {
        case 0: return "0"
        case 1: return String(rng.next() % 1_000)
        case 2: return bits == 128 ? String(UInt128.max) : String(UInt64.max)
        default: return bits == 128 ? String(UInt128(rng.next()) << 64 | UInt128(rng.next())) : String(rng.next())
        }
    }

    static func fields(_ pairs: [(String, String)], _ rng: inout SplitMix64) -> String {
        var chosen = pairs.filter { _ in rng.next() % 3 != 0 }
        chosen.shuffle(using: &rng)
        return "{" + chosen.map { #""\#($0.0)":"# + space(&rng) + $0.1 }.joined(separator: "," + space(&rng)) + "}"
    }

    static func flags(_ names: [(String, UInt16)], _ rng: inout SplitMix64) -> String {
        "[" + names.filter { _ in rng.next() % 4 == 0 }.map { #""\#($0.0)""# }.joined(separator: ", ") + "]"
    }

    static func transfer(_ rng: inout SplitMix64) -> String {
        let quoted = { (value: String) in "\"\(value)\"" }
        return fields([
            ("id", quoted(decimal(&rng, bits: 128))), ("debit_account_id", quoted(decimal(&rng, bits: 128))),
            ("credit_account_id", quoted(decimal(&rng, bits: 128))), ("amount", quoted(decimal(&rng, bits: 128))),
            ("pending_id", quoted(decimal(&rng, bits: 128))), ("user_data_128", quoted(decimal(&rng, bits: 128))),
            ("user_data_64", quoted(decimal(&rng, bits: 64))), ("user_data_32", String(UInt32(truncatingIfNeeded: rng.next()))),
            ("timeout", String(rng.next() % 100)), ("ledger", String(UInt32(truncatingIfNeeded: rng.next()))),
            ("code", String(UInt16(truncatingIfNeeded: rng.next()))), ("flags", flags(FlagNames.transfer, &rng)),
            ("timestamp", quoted(decimal(&rng, bits: 64))),
        ], &rng)
    }

    static func account(_ rng: inout SplitMix64) -> String {
        let quoted = { (value: String) in "\"\(value)\"" }
        return fields([
            ("id", quoted(decimal(&rng, bits: 128))), ("debits_pending", quoted(decimal(&rng, bits: 128))),
            ("debits_posted", quoted(decimal(&rng, bits: 128))), ("credits_pending", quoted(decimal(&rng, bits: 128))),
            ("credits_posted", quoted(decimal(&rng, bits: 128))), ("user_data_128", quoted(decimal(&rng, bits: 128))),
            ("user_data_64", quoted(decimal(&rng, bits: 64))), ("user_data_32", String(UInt32(truncatingIfNeeded: rng.next()))),
            ("ledger", String(rng.next() % 10)), ("code", String(rng.next() % 10)), ("flags", flags(FlagNames.account, &rng)),
            ("timestamp", quoted(decimal(&rng, bits: 64))),
        ], &rng)
    }

    /// One random change: a byte replaced, inserted or deleted, or a token swapped for a
    /// troublesome one.
    static func mutated(_ text: String, _ rng: inout SplitMix64) -> String {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return text }
        let at = Int(rng.next() % UInt64(bytes.count))
        let alphabet = Array(#"{}[]",:0123456789-.eE\ "nulltrue"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9]
        switch rng.next() % 4 {
        case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
        case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
        case 2: bytes.remove(at: at)
        default:
            let swaps = [("\"1", "\"01"), ("1", "1.5"), ("0", "-0"), (":", ": null, \"x\":"), ("\"id\"", "\"i\\u0064\""), ("]", ",]")]
            let (from, to) = swaps[Int(rng.next() % UInt64(swaps.count))]
            if let range = text.range(of: from) { return text.replacingCharacters(in: range, with: to) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
