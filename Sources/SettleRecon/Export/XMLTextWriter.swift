/// Appends an indented XML document to a string: elements opened and closed in order, text and
/// attribute values escaped. It checks nothing about structure beyond what its callers do; the
/// camt writer is the only user and its tests parse every document it writes.
struct XMLTextWriter {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []

    /// Starts `<name attr="value"…>` on its own line.
    mutating func start(_ name: String, attributes: KeyValuePairs<String, String> = [:]) {
        text += indentation + "<" + name + Self.attributeText(attributes) + ">\n"
        open.append(name)
    }

    /// Closes the innermost open element.
    mutating func end() {
        let name = open.removeLast()
        text += indentation + "</" + name + ">\n"
    }

    /// `<name>content</name>` on one line, or nothing when `content` is nil or empty (importers
    /// read an empty element as absent).
    mutating func leaf(_ name: String, _ content: String?, attributes: KeyValuePairs<String, String> = [:]) {
        guard let content = StatementWriter.present(content) else { return }
        text += indentation + "<" + name + Self.attributeText(attributes) + ">" + Self.escaped(content) + "</" + name + ">\n"
    }

    /// `body` inside `<name>…</name>`.
    mutating func element(_ name: String, attributes: KeyValuePairs<String, String> = [:], _ body: (inout XMLTextWriter) -> Void) {
        start(name, attributes: attributes)
        body(&self)
        end()
    }

    /// The finished document; every element must be closed.
    var document: String {
        precondition(open.isEmpty, "XMLTextWriter: unclosed \(open)")
        return text
    }

    private var indentation: String { String(repeating: "  ", count: open.count) }

    private static func attributeText(_ attributes: KeyValuePairs<String, String>) -> String {
        var out = ""
        for (name, value) in attributes { out += " " + name + "=\"" + escaped(value) + "\"" }
        return out
    }

    /// Escapes the five XML specials and CR (which a parser would otherwise fold into LF), and
    /// replaces characters XML 1.0 cannot hold at all (controls other than tab and LF,
    /// U+FFFE, U+FFFF) with U+FFFD, so that any string gives a well-formed document.
    static func escaped(_ raw: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(raw.unicodeScalars.count)
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                let allowed = scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
