/// A per-event result that linked chains understand.
protocol ChainResult: Equatable {
    static var ok: Self { get }
    static var exists: Self { get }
    static var linkedEventFailed: Self { get }
    static var linkedEventChainOpen: Self { get }
}

extension CreateAccountResult: ChainResult {}
extension CreateTransferResult: ChainResult {}

extension Ledger {
    /// Runs `apply` over a batch's events, honouring linked chains (docs/LEDGER.md).
    ///
    /// `exists` does not break a chain **(Settle)**: the event's effect is already in the
    /// ledger, so retrying a committed chain answers `exists` for every event instead of
    /// failing it.
    @inline(__always)
    func runBatch<R: ChainResult>(count: Int, isLinked: (Int) -> Bool, apply: (Int) -> R) -> [R] {
        var results = [R](repeating: .ok, count: count)
        var index = 0
        while index < count {
            guard isLinked(index) else {
                // Unbroken runs of unlinked events write through a raw buffer: no
                // per-event uniqueness check on the array.
                var end = index
                results.withUnsafeMutableBufferPointer { buffer in
                    while end < count && !isLinked(end) {
                        buffer[end] = apply(end)
                        end += 1
                    }
                }
                index = end
                continue
            }
            var end = index
            while end < count && isLinked(end) { end += 1 }
            guard end < count else {
                // The batch ends inside the chain: nothing of it is applied.
                for member in index..<(count - 1) { results[member] = .linkedEventFailed }
                results[count - 1] = .linkedEventChainOpen
                break
            }
            applyChain(from: index, through: end, results: &results, apply: apply)
            index = end + 1
        }
        return results
    }

    @inline(never)
    private func applyChain<R: ChainResult>(from first: Int, through last: Int, results: inout [R], apply: (Int) -> R) {
        beginChain()
        for member in first...last {
            let result = apply(member)
            results[member] = result
            if result != .ok && result != .exists {
                rollbackChain()
                for other in first...last where other != member { results[other] = .linkedEventFailed }
                return
            }
        }
        commitChain()
    }

    /// The engine timestamp of event `index` in a batch of `count` stamped `batchTimestamp`.
    @inline(__always)
    static func eventTimestamp(_ index: Int, count: Int, batchTimestamp: UInt64) -> UInt64 {
        batchTimestamp - UInt64(count - 1 - index)
    }
}

/// Checks shared by accounts and transfers for an event's `imported` flag and timestamp.
@inline(__always)
func importedTimestampCheck(
    isImported: Bool, importedBatch: Bool, timestamp: UInt64, batchTimestamp: UInt64
) -> ImportedCheck {
    if isImported != importedBatch { return importedBatch ? .expected : .notExpected }
    if !isImported { return timestamp == 0 ? .valid : .mustBeZero }
    if timestamp == 0 || timestamp > UInt64(Int64.max) { return .outOfRange }
    if timestamp >= batchTimestamp { return .mustNotAdvance }
    return .valid
}

enum ImportedCheck {
    case valid, expected, notExpected, mustBeZero, outOfRange, mustNotAdvance

    /// The result code for this outcome; nil when the event's timestamp is valid.
    func result<R: ImportedEventResult>() -> R? {
        switch self {
        case .valid: nil
        case .expected: .importedEventExpected
        case .notExpected: .importedEventNotExpected
        case .mustBeZero: .timestampMustBeZero
        case .outOfRange: .importedEventTimestampOutOfRange
        case .mustNotAdvance: .importedEventTimestampMustNotAdvance
        }
    }
}

/// The result codes every kind of event shares for its `imported` flag and timestamp.
protocol ImportedEventResult {
    static var importedEventExpected: Self { get }
    static var importedEventNotExpected: Self { get }
    static var timestampMustBeZero: Self { get }
    static var importedEventTimestampOutOfRange: Self { get }
    static var importedEventTimestampMustNotAdvance: Self { get }
}

extension CreateAccountResult: ImportedEventResult {}
extension CreateTransferResult: ImportedEventResult {}
