import Testing
@testable import SettleStorage

#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a small seeded generator, so every random test is repeatable from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh directory under /tmp, removed (with its contents) by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/settle-storage-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template)
    }

    func remove() {
        Self.removeTree(path)
    }

    private static func removeTree(_ path: String) {
        let io = PosixFileIO()
        if let names = try? io.listDirectory(path) {
            for name in names { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Deterministic body bytes for op `op`, of varying length.
func sampleBody(op: UInt64, length: Int? = nil) -> [UInt8] {
    let count = length ?? Int(op % 37) + 1
    return (0..<count).map { UInt8(truncatingIfNeeded: Int(op) &* 31 &+ $0) }
}
