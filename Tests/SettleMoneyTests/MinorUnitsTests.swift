import SettleMoney
import Testing

@Suite struct MinorUnitsTests {
    @Test(arguments: [
        ("474.4", 2, Int64(47440)), ("0.01", 2, 1), ("1.500", 2, 150), ("12", 2, 1200), ("-7.00", 2, -700),
        ("1000", 0, 1000), ("0.125", 3, 125), ("+3.5", 2, 350),
    ])
    func parses(text: String, exponent: Int, expected: Int64) throws {
        #expect(try MinorUnits.parse(text[...], exponent: exponent) == expected)
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "1,5", "abc", "1e3", "0.001", "99999999999999999999"])
    func refuses(text: String) {
        #expect(throws: MinorUnits.ParseError.self) { try MinorUnits.parse(text[...], exponent: 2) }
    }

    @Test func decimalComma() throws {
        #expect(try MinorUnits.parse("12,34", exponent: 2, decimalSeparator: UInt8(ascii: ",")) == 1234)
    }

    @Test(arguments: [(Int64(47440), 2, "474.40"), (1, 2, "0.01"), (-700, 2, "-7.00"), (1000, 0, "1000"), (5, 3, "0.005")])
    func formats(units: Int64, exponent: Int, expected: String) throws {
        #expect(MinorUnits.format(units, exponent: exponent) == expected)
        #expect(try MinorUnits.parse(expected[...], exponent: exponent) == units)
    }

    @Test func currencies() {
        #expect(Currency(code: "eur")?.exponent == 2)
        #expect(Currency(code: "JPY")?.exponent == 0)
        #expect(Currency(ledger: 978)?.code == "EUR")
        #expect(Currency(code: "XXX") == nil)
        #expect(Set(Currency.known.map(\.numeric)).count == Currency.known.count)
    }

    @Test func referenceKeyIsStableAndTrimmed() {
        #expect(ExternalReference.key("ORDER-1044") == ExternalReference.key("  ORDER-1044 "))
        #expect(ExternalReference.key("ORDER-1044") != ExternalReference.key("ORDER-1045"))
        // FNV-1a 64 of "a", a published test vector: the key must not change between releases.
        #expect(ExternalReference.key("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
