#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import Foundation

/// A parsed XML element: local name, attributes, trimmed text and children, with the line its
/// start tag sits on so that errors can point into the file.
///
/// camt files are small (kilobytes to a few megabytes), so a whole tree is simpler to read than
/// a streaming state machine, and the parser never has to undo a half-built statement: either
/// the tree is built and every value checks out, or nothing is returned.
struct XMLElementNode: Sendable {
    var name: String
    var namespaceURI: String?
    var attributes: [String: String]
    var text: String
    var line: Int
    var children: [XMLElementNode]

    /// The first child named `name`.
    func child(_ name: String) -> XMLElementNode? { children.first { $0.name == name } }

    /// Every child named `name`, in document order.
    func children(_ name: String) -> [XMLElementNode] { children.filter { $0.name == name } }

    /// The element at a slash-separated relative path (`Refs/EndToEndId`), first match at each step.
    func at(_ path: String) -> XMLElementNode? {
        var node = self
        for step in path.split(separator: "/") {
            guard let next = node.child(String(step)) else { return nil }
            node = next
        }
        return node
    }

    /// Trimmed text at a relative path, nil when the element is absent or empty.
    func value(_ path: String) -> String? {
        guard let text = at(path)?.text, !text.isEmpty else { return nil }
        return text
    }
}

/// Builds an `XMLElementNode` tree with FoundationXML's `XMLParser` (libxml2 underneath on Linux).
enum XMLTreeReader {
    /// Parses `bytes`; a malformed document throws with the open element path and XML line.
    static func read(_ bytes: [UInt8]) throws(StatementError) -> XMLElementNode {
        let parser = XMLParser(data: Data(normalizingLineEnds(bytes)))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        let ok = parser.parse()
        if !ok || builder.root == nil {
            let path = builder.stack.map(\.name).joined(separator: "/")
            let detail = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "no root element"
            throw StatementError(location: "\(path.isEmpty ? "Document" : path) (XML line \(parser.lineNumber))",
                                 message: "malformed XML: \(detail)")
        }
        return builder.root!
    }

    /// Turns CRLF and lone CR into LF. XML treats them alike (XML 1.0 §2.11), but libxml2 counts
    /// only LF when it numbers lines, and a CR-only file (the FFFS camt.054 sample) would report
    /// every error on line 1.
    static func normalizingLineEnds(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x0D) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                out.append(0x0A)
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}

/// The `XMLParserDelegate` that stacks open elements and attaches each closed one to its parent.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLElementNode] = []
    var root: XMLElementNode?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        stack.append(XMLElementNode(name: elementName, namespaceURI: namespaceURI, attributes: attributeDict,
                                    text: "", line: parser.lineNumber, children: []))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard var node = stack.popLast() else { return }
        node.text = node.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }
}
