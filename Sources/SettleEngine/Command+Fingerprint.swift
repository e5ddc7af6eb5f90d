import SettleCore
import SettleStorage

extension Command {
    /// A digest of what the command asks for, so that a session request number reused for a
    /// *different* request is refused instead of answered with the first request's reply:
    /// kind, event count and CRC32C of the events (at memory speed on the CPU's instruction).
    /// Sessions are per tenant, so the tenant needs no place in it; it only has to catch client
    /// mistakes, not adversaries.
    var fingerprint: UInt64 {
        let kind: UInt64 = switch self {
        case .createAccounts: 1
        case .createTransfers: 2
        case .expirePending: 3
        case .registerSession: 4
        case .putSystemRecord: 5
        }
        let crc: UInt32 = switch self {
        case .createAccounts(_, let events): events.withUnsafeBytes { CRC32C.checksum($0) }
        case .createTransfers(_, let events): events.withUnsafeBytes { CRC32C.checksum($0) }
        case .registerSession(_, let session): withUnsafeBytes(of: session) { CRC32C.checksum($0) }
        case .putSystemRecord(let write): CRC32C.checksum(Array(write.key.utf8) + write.value)
        case .expirePending: 0
        }
        return kind << 56 | UInt64(eventCount) << 32 | UInt64(crc)
    }
}
