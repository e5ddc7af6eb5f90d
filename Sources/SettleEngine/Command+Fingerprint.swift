import SettleCore
import SettleStorage

extension Command {
    /// A digest of what the command asks for (kind, tenant, events), so that a session request
    /// number reused for a *different* request is refused instead of answered with the first
    /// request's reply. CRC32C of the events runs at memory speed on the CPU's instruction and
    /// only has to catch client mistakes, not adversaries; kind, count and tenant are mixed in.
    var fingerprint: UInt64 {
        let (kind, tenant): (UInt64, UInt64) = switch self {
        case .createAccounts(let tenant, _): (1, tenant.rawValue)
        case .createTransfers(let tenant, _): (2, tenant.rawValue)
        case .expirePending: (3, 0)
        case .registerSession(let tenant, _): (4, tenant.rawValue)
        case .putSystemRecord: (5, 0)
        }
        let crc: UInt32 = switch self {
        case .createAccounts(_, let events): events.withUnsafeBytes { CRC32C.checksum($0) }
        case .createTransfers(_, let events): events.withUnsafeBytes { CRC32C.checksum($0) }
        case .registerSession(_, let session): withUnsafeBytes(of: session) { CRC32C.checksum($0) }
        case .putSystemRecord(let write): CRC32C.checksum(Array(write.key.utf8) + write.value)
        case .expirePending: 0
        }
        return mix64(kind << 56 ^ UInt64(eventCount) << 32 ^ UInt64(crc) ^ tenant &* 0x9E37_79B9_7F4A_7C15)
    }

    private func mix64(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x &>> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x &>> 33
        return x
    }
}
