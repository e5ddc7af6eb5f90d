import Foundation
import Testing

/// The schema validator's own keywords, on small documents, where its verdicts are obvious.
@Suite struct JSONSchemaValidatorTests {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) }

    @Test func oneOfHoldsWhenExactlyOneSubschemaHolds() throws {
        let validator = JSONSchemaValidator(document: [:])
        let schema: [String: Any] = [
            "type": "object",
            "properties": ["step": ["type": "object"], "error": ["type": "object"]],
            "additionalProperties": false,
            "oneOf": [["required": ["step"]], ["required": ["error"]]],
        ]
        #expect(validator.errors(of: try json(#"{"step": {}}"#), against: schema).isEmpty)
        #expect(validator.errors(of: try json(#"{"error": {}}"#), against: schema).isEmpty)
        #expect(validator.errors(of: try json(#"{"step": {}, "error": {}}"#), against: schema) == ["$: 2 of the oneOf subschemas hold, not exactly 1"])
        #expect(validator.errors(of: try json("{}"), against: schema) == ["$: 0 of the oneOf subschemas hold, not exactly 1"])
        // Subschemas are whole schemas: types, nested properties and $refs count.
        let typed: [String: Any] = ["oneOf": [["type": "string", "pattern": "^[0-9]+$"], ["$ref": "#/n"]]]
        let withNumber = JSONSchemaValidator(document: ["n": ["type": "integer", "minimum": 1]])
        #expect(withNumber.errors(of: try json(#""12""#), against: typed).isEmpty)
        #expect(withNumber.errors(of: try json("3"), against: typed).isEmpty)
        #expect(withNumber.errors(of: try json("0"), against: typed).count == 1)
        #expect(withNumber.errors(of: try json(#""x""#), against: typed).count == 1)
    }

    @Test func unsupportedKeywordsInsideOneOfAreReported() {
        let validator = JSONSchemaValidator(document: [:])
        #expect(validator.unsupported(in: ["oneOf": [["required": ["a"]], ["type": "string"]]], at: "S").isEmpty)
        #expect(validator.unsupported(in: ["oneOf": [["required": ["a"]], ["anyOf": []]]], at: "S") == ["S.oneOf[1]: unsupported keyword anyOf"])
        #expect(validator.unsupported(in: ["oneOf": [["$ref": "#/nowhere"]]], at: "S") == ["S.oneOf[0]: unresolvable $ref #/nowhere"])
        #expect(validator.unsupported(in: ["oneOf": []], at: "S") == ["S: oneOf must be a non-empty array of schemas"])
    }
}
