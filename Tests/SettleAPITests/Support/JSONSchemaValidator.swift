import Foundation

/// Checks JSON values, as `JSONSerialization` returns them, against the subset of JSON Schema
/// (2020-12) that docs/openapi.json uses: `type` (a name or an array of names), `properties`,
/// `required`, `additionalProperties: false`, `items`, `enum`, `pattern`, `minimum`/`maximum`,
/// `minItems`/`maxItems`, `minLength`/`maxLength`, `oneOf` (exactly one subschema holds: the
/// document uses it for "one of these properties" objects), and `$ref` to a JSON pointer in the
/// document (`#/components/schemas/...`), applied together with its sibling keywords.
///
/// Hand-written because no JSON Schema validator is in the allowed package list; it is kept
/// to that subset on purpose. Any other keyword is reported as a problem, not skipped, so the
/// document cannot promise a constraint that nothing checks.
struct JSONSchemaValidator {
    /// The whole document, which `$ref`s point into.
    let document: [String: Any]

    /// Keywords that only annotate: nothing to check.
    private static let annotations: Set<String> = ["description", "title", "format", "example", "examples", "default", "deprecated"]

    /// Every way `value` breaks `schema`, each as "path: problem"; empty when it conforms.
    func errors(of value: Any, against schema: [String: Any], at path: String = "$") -> [String] {
        var out: [String] = []
        for keyword in schema.keys.sorted() {
            out += check(keyword, schema[keyword]!, schema, value, path)
        }
        return out
    }

    private func check(_ keyword: String, _ rule: Any, _ schema: [String: Any], _ value: Any, _ path: String) -> [String] {
        let object = value as? [String: Any]
        switch keyword {
        case "$ref":
            guard let target = (rule as? String).flatMap(resolve) as? [String: Any] else { return ["\(path): unresolvable $ref \(rule)"] }
            return errors(of: value, against: target, at: path)
        case "type":
            let names = rule as? [String] ?? [rule as? String ?? "?"]
            return names.contains { Self.isType($0, value) } ? [] : ["\(path): \(Self.describe(value)) is not \(names.joined(separator: " or "))"]
        case "properties":
            guard let object, let properties = rule as? [String: [String: Any]] else { return [] }
            return properties.keys.sorted().flatMap { name in
                object[name].map { errors(of: $0, against: properties[name]!, at: "\(path).\(name)") } ?? []
            }
        case "required":
            guard let object else { return [] }
            return (rule as? [String] ?? []).filter { object[$0] == nil }.map { "\(path).\($0): required but absent" }
        case "additionalProperties":
            guard rule as? Bool == false else { return ["\(path): only additionalProperties false is supported"] }
            let known = schema["properties"] as? [String: Any] ?? [:]
            return (object?.keys.sorted() ?? []).filter { known[$0] == nil }.map { "\(path).\($0): not allowed" }
        case "items":
            guard let array = value as? [Any], let items = rule as? [String: Any] else { return [] }
            return array.enumerated().flatMap { errors(of: $0.element, against: items, at: "\(path)[\($0.offset)]") }
        case "enum":
            let allowed = rule as? [Any] ?? []
            return allowed.contains { Self.equal($0, value) } ? [] : ["\(path): \(Self.describe(value)) is not one of the enum"]
        case "pattern":
            guard let string = value as? String, let pattern = rule as? String else { return [] }
            return string.range(of: pattern, options: .regularExpression) != nil ? [] : ["\(path): \"\(string)\" does not match \(pattern)"]
        case "minimum", "maximum":
            guard let number = Self.number(value), let bound = Self.number(rule) else { return [] }
            let fits = keyword == "minimum" ? number.doubleValue >= bound.doubleValue : number.doubleValue <= bound.doubleValue
            return fits ? [] : ["\(path): \(number) breaks \(keyword) \(bound)"]
        case "minItems", "maxItems", "minLength", "maxLength":
            let count = (value as? [Any])?.count ?? (value as? String)?.unicodeScalars.count
            guard let count, let bound = rule as? Int else { return [] }
            let fits = keyword.hasPrefix("min") ? count >= bound : count <= bound
            return fits ? [] : ["\(path): \(count) breaks \(keyword) \(bound)"]
        case "oneOf":
            let holding = (rule as? [[String: Any]] ?? []).filter { errors(of: value, against: $0, at: path).isEmpty }.count
            return holding == 1 ? [] : ["\(path): \(holding) of the oneOf subschemas hold, not exactly 1"]
        case let other where Self.annotations.contains(other):
            return []
        default:
            return ["\(path): the validator does not support \(keyword)"]
        }
    }

    /// The value a local JSON pointer (`#/a/b`) names in the document.
    func resolve(_ reference: String) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any? = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = (node as? [String: Any])?[key]
        }
        return node
    }

    /// Keywords in `schema` and the schemas under it that `errors` cannot check, and `$ref`s
    /// that lead nowhere.
    func unsupported(in schema: [String: Any], at path: String) -> [String] {
        var out: [String] = []
        for (keyword, rule) in schema {
            switch keyword {
            case "$ref": if (rule as? String).flatMap(resolve) == nil { out.append("\(path): unresolvable $ref \(rule)") }
            case "properties":
                for (name, child) in rule as? [String: [String: Any]] ?? [:] { out += unsupported(in: child, at: "\(path).\(name)") }
            case "items": out += unsupported(in: rule as? [String: Any] ?? [:], at: "\(path)[]")
            case "oneOf":
                guard let choices = rule as? [[String: Any]], !choices.isEmpty else { out.append("\(path): oneOf must be a non-empty array of schemas"); break }
                for (index, choice) in choices.enumerated() { out += unsupported(in: choice, at: "\(path).oneOf[\(index)]") }
            case "additionalProperties": if rule as? Bool != false { out.append("\(path): additionalProperties must be false") }
            case "type", "required", "enum", "pattern", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength": break
            case let other where Self.annotations.contains(other): break
            default: out.append("\(path): unsupported keyword \(keyword)")
            }
        }
        return out
    }

    // MARK: JSON values as JSONSerialization gives them

    /// JSON `true`/`false` arrive as NSNumber subclasses; this is the class of the booleans.
    private static let booleanClass = ObjectIdentifier(type(of: NSNumber(value: true)))

    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber, !(value is String) else { return false }
        return ObjectIdentifier(type(of: number)) == booleanClass
    }

    /// A JSON number, never a boolean.
    private static func number(_ value: Any) -> NSNumber? {
        guard !isBoolean(value), !(value is String) else { return nil }
        return value as? NSNumber
    }

    private static func isType(_ name: String, _ value: Any) -> Bool {
        switch name {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": isBoolean(value)
        case "number": number(value) != nil
        case "integer": number(value).map { $0.doubleValue.rounded() == $0.doubleValue } ?? false
        case "null": value is NSNull
        default: false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String { return (b as? String) == a }
        if isBoolean(a) || isBoolean(b) { return isBoolean(a) && isBoolean(b) && (a as? NSNumber) == (b as? NSNumber) }
        if let a = number(a), let b = number(b) { return a == b }
        return a is NSNull && b is NSNull
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case let string as String: "\"\(string)\""
        case is [String: Any]: "an object"
        case is [Any]: "an array"
        case is NSNull: "null"
        default: isBoolean(value) ? "a boolean" : "\(value)"
        }
    }
}
