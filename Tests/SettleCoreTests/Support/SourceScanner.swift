/// A small lexer for the source-scan ("tidy") tests: just enough Swift to tell code from
/// comments and string literals, find identifiers, and measure function bodies.
struct SourceScanner {
    struct Token: Equatable {
        enum Kind: Equatable { case identifier, number, punctuation }
        var kind: Kind
        var text: String
        var line: Int
    }

    /// A function (or initializer, deinitializer, subscript) with a body.
    struct Function: Equatable {
        var name: String
        /// The line of the declaration keyword.
        var line: Int
        /// Lines from the opening brace to the closing brace, both included.
        var bodyLines: Int
    }

    let tokens: [Token]
    /// The source with comments and string-literal contents blanked, line breaks kept.
    let code: String

    init(_ source: String) {
        code = Self.blankCommentsAndStrings(Array(source.unicodeScalars))
        tokens = Self.tokenize(Array(code.unicodeScalars))
    }

    /// Lines of code (comments and strings blanked), 1-based.
    var lines: [Substring] { code.split(separator: "\n", omittingEmptySubsequences: false) }

    // MARK: - Comments and strings

    private static func blankCommentsAndStrings(_ s: [Unicode.Scalar]) -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        func blank(_ c: Unicode.Scalar) { out.append(c == "\n" ? "\n" : " ") }
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        while i < s.count {
            let c = s[i]
            if c == "/", at(i + 1) == "/" {
                while i < s.count, s[i] != "\n" { blank(s[i]); i += 1 }
            } else if c == "/", at(i + 1) == "*" {
                var depth = 0
                repeat {
                    if s[i] == "/", at(i + 1) == "*" { depth += 1; blank(s[i]); blank(s[i + 1]); i += 2; continue }
                    if s[i] == "*", at(i + 1) == "/" { depth -= 1; blank(s[i]); blank(s[i + 1]); i += 2; continue }
                    blank(s[i]); i += 1
                } while i < s.count && depth > 0
            } else if c == "#" || c == "\"" {
                var hashes = 0
                var k = i
                while at(k) == "#" { hashes += 1; k += 1 }
                guard at(k) == "\"" else { out.append(c); i += 1; continue }
                let multiline = at(k + 1) == "\"" && at(k + 2) == "\""
                let quotes = multiline ? 3 : 1
                for _ in 0..<(hashes + quotes) { out.append(s[i]); i += 1 }
                i = skipStringBody(s, from: i, quotes: quotes, hashes: hashes, into: &out)
            } else {
                out.append(c); i += 1
            }
        }
        return String(out)
    }

    /// Blanks a string literal's body and copies its closing delimiter; returns the index after it.
    private static func skipStringBody(
        _ s: [Unicode.Scalar], from start: Int, quotes: Int, hashes: Int, into out: inout String.UnicodeScalarView
    ) -> Int {
        var i = start
        while i < s.count {
            if hashes == 0, s[i] == "\\", i + 1 < s.count {
                out.append(" "); out.append(s[i + 1] == "\n" ? "\n" : " "); i += 2; continue
            }
            if s[i] == "\"", (0..<quotes).allSatisfy({ i + $0 < s.count && s[i + $0] == "\"" }),
               (0..<hashes).allSatisfy({ i + quotes + $0 < s.count && s[i + quotes + $0] == "#" }) {
                for _ in 0..<(quotes + hashes) { out.append(s[i]); i += 1 }
                return i
            }
            out.append(s[i] == "\n" ? "\n" : " ")
            i += 1
        }
        return i
    }

    // MARK: - Tokens

    private static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z")
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func tokenize(_ s: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var line = 1
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\n" { line += 1; i += 1; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            let start = i
            if isIdentifierStart(c) {
                while i < s.count, isIdentifierStart(s[i]) || isDigit(s[i]) { i += 1 }
                tokens.append(Token(kind: .identifier, text: text(s[start..<i]), line: line))
            } else if isDigit(c) {
                // Digits, underscores, letters (hex, exponents) and a fraction: `1_000`, `0xFF`, `1.5`.
                while i < s.count, isIdentifierStart(s[i]) || isDigit(s[i]) || (s[i] == "." && i + 1 < s.count && isDigit(s[i + 1])) {
                    i += 1
                }
                tokens.append(Token(kind: .number, text: text(s[start..<i]), line: line))
            } else {
                i += 1
                tokens.append(Token(kind: .punctuation, text: String(c), line: line))
            }
        }
        return tokens
    }

    private static func text(_ slice: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: slice)
        return String(view)
    }

    // MARK: - Functions

    private static let declarationKeywords: Set<String> = [
        "func", "init", "deinit", "subscript", "var", "let", "case", "struct", "class", "enum", "extension",
        "protocol", "typealias", "associatedtype",
    ]

    /// Every function, initializer, deinitializer and subscript that has a body.
    var functions: [Function] {
        var result: [Function] = []
        for (k, token) in tokens.enumerated() where token.kind == .identifier {
            guard ["func", "init", "deinit", "subscript"].contains(token.text) else { continue }
            if k > 0, tokens[k - 1].text == "." { continue } // `self.init(...)`, `Type.init`
            guard let open = bodyStart(after: k), let close = matchingBrace(open) else { continue }
            let name = token.text == "func" && k + 1 < tokens.count ? tokens[k + 1].text : token.text
            result.append(Function(name: name, line: token.line, bodyLines: tokens[close].line - tokens[open].line + 1))
        }
        return result
    }

    /// The index of the body's `{`, or nil for a requirement without a body.
    private func bodyStart(after keyword: Int) -> Int? {
        var depth = 0
        var j = keyword + 1
        while j < tokens.count {
            let t = tokens[j]
            switch t.text {
            case "(", "[": depth += 1
            case ")", "]": depth -= 1
            case "{" where depth == 0: return j
            case "}" where depth == 0: return nil
            default:
                if depth == 0, t.kind == .identifier, Self.declarationKeywords.contains(t.text) { return nil }
            }
            j += 1
        }
        return nil
    }

    private func matchingBrace(_ open: Int) -> Int? {
        var depth = 0
        for j in open..<tokens.count {
            if tokens[j].text == "{" { depth += 1 }
            if tokens[j].text == "}" {
                depth -= 1
                if depth == 0 { return j }
            }
        }
        return nil
    }
}
