import Foundation
import Testing

/// TigerBeetle's tidy, for SettleCore: the module must stay deterministic and standard-library
/// only, so its sources are scanned for what would break that. Comments and string literals are
/// ignored.
@Suite("SettleCore source scan (tidy)")
struct DeterminismSourceScanTests {
    /// One rule of the scan: a finding is (line, message).
    struct Rule: Sendable, CustomTestStringConvertible {
        let name: String
        let check: @Sendable (SourceScanner) -> [(line: Int, message: String)]
        var testDescription: String { name }
    }

    static let functionLinesMax = 70

    static let rules: [Rule] = [
        Rule(name: "no clocks or UUIDs") { scanner in
            DeterminismSourceScanTests.banned(scanner, ["Date", "UUID", "ContinuousClock", "SuspendingClock", "clock_gettime", "gettimeofday", "mach_absolute_time"])
        },
        Rule(name: "no randomness") { scanner in
            scanner.tokens.filter { $0.kind == .identifier && ($0.text.lowercased().contains("random") || ["drand48", "rand", "shuffle", "shuffled"].contains($0.text)) }
                .map { ($0.line, "randomness: \($0.text)") }
        },
        Rule(name: "no floating point") { scanner in
            DeterminismSourceScanTests.banned(scanner, ["Double", "Float", "Float16", "Float32", "Float64", "Float80", "CGFloat", "Decimal"])
                + scanner.tokens.filter { $0.kind == .number && !$0.text.hasPrefix("0x") && $0.text.contains(".") }
                .map { ($0.line, "floating-point literal \($0.text)") }
        },
        Rule(name: "no imports (standard library only)") { scanner in
            scanner.lines.enumerated().compactMap { index, line in
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).drop { $0.hasPrefix("@") }
                return words.first == "import" ? (index + 1, "import: \(line.trimmingCharacters(in: .whitespaces))") : nil
            }
        },
        Rule(name: "functions at most \(functionLinesMax) lines") { scanner in
            scanner.functions.filter { $0.bodyLines > functionLinesMax }
                .map { ($0.line, "\($0.name) has a body of \($0.bodyLines) lines (max \(functionLinesMax))") }
        },
    ]

    private static func banned(_ scanner: SourceScanner, _ names: Set<String>) -> [(line: Int, message: String)] {
        scanner.tokens.filter { $0.kind == .identifier && names.contains($0.text) }.map { ($0.line, "banned: \($0.text)") }
    }

    /// Sources/SettleCore, found from this file's path: Tests/SettleCoreTests/<this file>.
    static let coreSources: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/SettleCore")

    /// Every .swift file under Sources/SettleCore, sorted, with its path relative to the package.
    static func sourceFiles() throws -> [(path: String, text: String)] {
        let root = coreSources.resolvingSymlinksInPath().standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            let relative = "Sources/SettleCore/" + url.standardizedFileURL.path.dropFirst(root.path.count + 1)
            files.append((relative, try String(contentsOf: url, encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    @Test("SettleCore sources obey the rule", arguments: rules)
    func rule(_ rule: Rule) throws {
        let files = try Self.sourceFiles()
        try #require(files.count >= 10, "found only \(files.count) files under \(Self.coreSources.path)")
        for file in files {
            for finding in rule.check(SourceScanner(file.text)) {
                Issue.record("\(file.path):\(finding.line): \(finding.message)")
            }
        }
    }

    @Test("the scan sees the whole module")
    func scanSeesModule() throws {
        let files = try Self.sourceFiles()
        let scanners = files.map { SourceScanner($0.text) }
        #expect(files.contains { $0.path == "Sources/SettleCore/StateMachine.swift" })
        #expect(scanners.map(\.functions.count).reduce(0, +) >= 50)
        #expect(scanners.contains { $0.tokens.contains { $0.text == "StateMachine" } })
    }

    // MARK: - The scanner itself

    @Test("comments and string literals are not code")
    func ignoresCommentsAndStrings() {
        let source = """
        // Date() in a comment
        /* UUID() /* nested Double */ still comment */
        let s = "random \\(x) Float"
        let r = #"Date() "quoted" "#
        let m = \"\"\"
            import Foundation
            \"\"\"
        let n = 0..<3
        """
        let scanner = SourceScanner(source)
        let identifiers = scanner.tokens.filter { $0.kind == .identifier }.map(\.text)
        #expect(identifiers == ["let", "s", "let", "r", "let", "m", "let", "n"])
        #expect(scanner.lines.count == 8)
        #expect(Self.rules.allSatisfy { $0.check(scanner).isEmpty })
    }

    @Test("each rule catches what it bans", arguments: [
        ("let d = Date()", 0), ("let u = UUID().uuidString", 0), ("let t = ContinuousClock.now", 0),
        ("let x = Int.random(in: 0..<9)", 1), ("var g = SystemRandomNumberGenerator()", 1), ("let y = a.shuffled()", 1),
        ("let z: Double = 1", 2), ("var f: Float", 2), ("let k = 1.5", 2),
        ("import Foundation", 3), ("@_exported import Glibc", 3), ("  import struct Swift.Int", 3),
    ])
    func rulesCatch(source: String, ruleIndex: Int) {
        let scanner = SourceScanner(source)
        for (index, rule) in Self.rules.enumerated() {
            let findings = rule.check(scanner)
            if index == ruleIndex {
                #expect(findings.map { $0.line } == [1], "\(rule.name) should flag: \(source)")
            } else {
                #expect(findings.isEmpty, "\(rule.name) should not flag: \(source)")
            }
        }
    }

    @Test("function bodies are measured from brace to brace", arguments: [69, 70, 71])
    func functionLength(bodyLines: Int) throws {
        let inner = Array(repeating: "    x += 1", count: bodyLines - 2).joined(separator: "\n")
        let source = """
        protocol P {
            func requirement() -> Int
            init(value: Int)
        }
        struct S {
            init(a: Int = { 1 }()) { self.init() }
            func long(
                argument: Int
            ) -> Int {
        \(inner)
            }
            func short() { }
        }
        """
        let functions = SourceScanner(source).functions
        #expect(functions.map(\.name) == ["init", "long", "short"])
        let long = try #require(functions.first { $0.name == "long" })
        #expect(long.line == 7)
        #expect(long.bodyLines == bodyLines)
        let findings = Self.rules[4].check(SourceScanner(source))
        #expect(findings.map { $0.line } == (bodyLines > Self.functionLinesMax ? [7] : []))
    }
}
