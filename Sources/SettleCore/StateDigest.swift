/// A 64-bit checksum of every piece of state, visited in a defined order (tenants ascending,
/// records in commit order). Two state machines with equal digests hold the same ledger;
/// tests use it to prove determinism across processes and across replay.
struct DigestHasher {
    private var a: UInt64 = 0x243F_6A88_85A3_08D3
    private var b: UInt64 = 0x1319_8A2E_0370_7344
    private var length: UInt64 = 0

    mutating func combine(_ value: UInt64) {
        a = ((a ^ value) &* 0x9E37_79B9_7F4A_7C15).rotateLeft(29) &+ b
        b = ((b ^ a) &* 0xC2B2_AE3D_27D4_EB4F).rotateLeft(31)
        length &+= 1
    }

    mutating func combine(_ value: UInt128) {
        combine(UInt64(truncatingIfNeeded: value))
        combine(UInt64(truncatingIfNeeded: value &>> 64))
    }

    func finalize() -> UInt64 {
        mix64(a ^ b.rotateLeft(17) ^ length)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotateLeft(_ n: UInt64) -> UInt64 { (self &<< n) | (self &>> (64 - n)) }
}

extension StateMachine {
    /// The state digest; see `DigestHasher`.
    public func digest() -> UInt64 {
        var hasher = DigestHasher()
        hasher.combine(lastTimestamp)
        for tenant in tenants {
            hasher.combine(tenant.rawValue)
            ledgers[tenant]!.digest(into: &hasher)
        }
        return hasher.finalize()
    }
}

extension Ledger {
    func digest(into hasher: inout DigestHasher) {
        hasher.combine(lastAccountTimestamp)
        hasher.combine(lastTransferTimestamp)
        hasher.combine(UInt64(accounts.count))
        for slot in 0..<accounts.count {
            let a = accounts[slot]
            for value in [a.id, a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted, a.userData128] {
                hasher.combine(value)
            }
            hasher.combine(a.userData64)
            hasher.combine(UInt64(a.userData32) << 32 | UInt64(a.reserved))
            hasher.combine(UInt64(a.ledger) << 32 | UInt64(a.code) << 16 | UInt64(a.flags.rawValue))
            hasher.combine(a.timestamp)
            for balance in accountHistory[slot] ?? [] {
                for value in [balance.debitsPending, balance.debitsPosted, balance.creditsPending, balance.creditsPosted] {
                    hasher.combine(value)
                }
                hasher.combine(balance.timestamp)
            }
        }
        hasher.combine(UInt64(transfers.count))
        for slot in 0..<transfers.count {
            let t = transfers[slot]
            for value in [t.id, t.debitAccountID, t.creditAccountID, t.amount, t.pendingID, t.userData128] {
                hasher.combine(value)
            }
            hasher.combine(t.userData64)
            hasher.combine(UInt64(t.userData32) << 32 | UInt64(t.timeoutSeconds))
            hasher.combine(UInt64(t.ledger) << 32 | UInt64(t.code) << 16 | UInt64(t.flags.rawValue))
            hasher.combine(t.timestamp)
            hasher.combine(UInt64(pendingStatuses[slot]?.rawValue ?? 0))
        }
        hasher.combine(UInt64(failedIDs.count))
        for id in failedIDs { hasher.combine(id) }
    }
}
