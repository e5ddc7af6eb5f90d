import SettleCore

/// A reply kept compactly: most events succeed, so only the failed ones are stored, packed as
/// `index << 16 | code` (a full batch of `ok` costs a few words, not 16 KiB).
struct StoredReply: Sendable, Equatable {
    enum Kind: UInt8 { case accounts = 1, transfers = 2, none = 3, record = 4 }

    var kind: Kind
    var count: UInt32
    var failures: [UInt64]
    var op: UInt64
    var timestamp: UInt64

    init(kind: Kind, count: UInt32, failures: [UInt64], op: UInt64, timestamp: UInt64) {
        (self.kind, self.count, self.failures, self.op, self.timestamp) = (kind, count, failures, op, timestamp)
    }

    init(_ reply: WriteReply) {
        // One pass, no intermediate array: this runs for every session-tagged commit.
        func packed<R: RawRepresentable<UInt16>>(_ results: [R]) -> [UInt64] {
            var failures: [UInt64] = []
            for (index, result) in results.enumerated() where result.rawValue != 0 {
                failures.append(UInt64(index) << 16 | UInt64(result.rawValue))
            }
            return failures
        }
        switch reply.results {
        case .accounts(let results): (kind, count, failures) = (.accounts, UInt32(results.count), packed(results))
        case .transfers(let results): (kind, count, failures) = (.transfers, UInt32(results.count), packed(results))
        case .record(let written): (kind, count, failures) = (.record, written ? 1 : 0, [])
        case .none: (kind, count, failures) = (.none, 0, [])
        }
        (op, timestamp) = (reply.op, reply.timestamp)
    }

    var reply: WriteReply {
        func codes() -> [UInt16] {
            var codes = [UInt16](repeating: 0, count: Int(count))
            for failure in failures { codes[Int(failure >> 16)] = UInt16(truncatingIfNeeded: failure) }
            return codes
        }
        let results: WriteReply.Results = switch kind {
        case .accounts: .accounts(codes().map { CreateAccountResult(rawValue: $0)! })
        case .transfers: .transfers(codes().map { CreateTransferResult(rawValue: $0)! })
        case .record: .record(written: count == 1)
        case .none: .none
        }
        return WriteReply(results: results, op: op, timestamp: timestamp)
    }
}
