import Foundation

/// Re-indents JSON text without parsing it into values, so the server's key order and number
/// text survive exactly (a parse and re-serialize would sort keys and could round numbers).
/// Two spaces per level, `"key" : value`, empty containers as `{}` and `[]`: the layout of
/// Foundation's `.prettyPrinted`, which scripts grep for.
enum JSONLayout {
    static func pretty(_ json: Data) -> String {
        let bytes = Array(json)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        var index = 0
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let next = nextSignificant(bytes, from: index)
                if next < bytes.count, bytes[next] == close {
                    out.append(close)
                    index = next + 1
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: Array(" : ".utf8))
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One line of ASCII JSON for a header value: whitespace outside strings dropped, and every
    /// non-ASCII character in a string written as `\uXXXX` (a header carries ASCII safely).
    static func headerLine(_ json: Data) -> String {
        var out = ""
        var inString = false
        var escaped = false
        for scalar in String(decoding: json, as: UTF8.self).unicodeScalars {
            if !inString, [" ", "\n", "\r", "\t"].contains(scalar) { continue }
            if inString, !scalar.isASCII {
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                continue
            }
            out.unicodeScalars.append(scalar)
            if inString {
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" { inString = false }
            } else if scalar == "\"" {
                inString = true
            }
        }
        return out
    }

    private static func nextSignificant(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(bytes[index]) {
            index += 1
        }
        return index
    }
}
