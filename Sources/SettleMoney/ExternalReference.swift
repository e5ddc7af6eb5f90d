/// The 64-bit key under which a ledger transfer carries its external reference (a processor's
/// PSP reference, an order id, an end-to-end id) in `userData64`, so that reconciliation can
/// find the transfer from the reference on a statement line.
///
/// FNV-1a over the trimmed UTF-8 bytes: stable across processes and platforms, unlike Swift's
/// seeded `Hasher`. It is not a cryptographic hash; a collision can only propose a match that
/// the matcher still checks by amount and currency.
public enum ExternalReference {
    public static func key(_ reference: some StringProtocol) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let trimmed = reference.utf8.drop(while: { $0 == 0x20 }).reversed().drop(while: { $0 == 0x20 }).reversed()
        for byte in trimmed {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash == 0 ? 1 : hash  // 0 means "no reference" in a ledger field
    }
}
