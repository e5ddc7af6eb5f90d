import Testing
@testable import SettleStorage

/// Source rules checked mechanically, as TigerBeetle's `tidy.zig` does: short functions,
/// modest files, and the simulated disk kept out of production code.
@Suite("Tidy")
struct TidyTests {
    static let sourceDirectory: String = {
        let testsDirectory = FilePath.parent(#filePath)
        return FilePath.parent(FilePath.parent(testsDirectory)) + "/Sources/SettleStorage"
    }()

    /// Every Swift file under Sources/SettleStorage, with its lines.
    static func sources() throws -> [(path: String, lines: [Substring])] {
        let io = PosixFileIO()
        var result: [(String, [Substring])] = []
        var pending = [sourceDirectory]
        while let directory = pending.popLast() {
            for name in try io.listDirectory(directory) {
                let path = directory + "/" + name
                if name.hasSuffix(".swift") {
                    let text = String(decoding: try io.readWholeFile(path), as: UTF8.self)
                    result.append((path, text.split(separator: "\n", omittingEmptySubsequences: false)))
                } else if !name.contains(".") {
                    pending.append(path)
                }
            }
        }
        return result
    }

    @Test func functionsAreAtMostSeventyLines() throws {
        for (path, lines) in try Self.sources() {
            for (start, line) in lines.enumerated() where line.contains("func ") && !line.trimmingPrefix(" ").hasPrefix("///") {
                let length = Self.bodyLength(lines, from: start)
                #expect(length <= 70, "\(FilePath.name(path)):\(start + 1) is \(length) lines")
            }
        }
    }

    @Test func filesAreAtMostThreeHundredLines() throws {
        for (path, lines) in try Self.sources() {
            #expect(lines.count <= 300, "\(FilePath.name(path)) has \(lines.count) lines")
        }
    }

    @Test func simulatedDiskStaysOutOfProductionCode() throws {
        let sources = try Self.sources()
        #expect(sources.count > 10, "found the sources")
        for (path, lines) in sources where !path.contains("/Simulation/") {
            for line in lines where line.contains("Simulated") && !line.contains("//") {
                Issue.record("\(FilePath.name(path)) uses the simulator: \(line)")
            }
        }
    }

    /// Lines from the declaration at `start` to the brace that closes its body.
    private static func bodyLength(_ lines: [Substring], from start: Int) -> Int {
        var depth = 0
        var opened = false
        for index in start..<lines.count {
            for character in lines[index] {
                if character == "{" { depth += 1; opened = true }
                if character == "}" { depth -= 1 }
            }
            if opened && depth <= 0 { return index - start + 1 }
            if !opened && index > start + 10 { return 0 }  // a requirement without a body
        }
        return lines.count - start
    }
}
