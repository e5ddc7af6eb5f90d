import Crypto

/// Deterministic ledger ids for payments: every account and transfer of an intent is named by
/// (what, intent, step, leg), so a retried step finds its own transfers already there and the
/// ledger, not a table in Swift, makes it a no-op.
///
/// The id is the first 128 bits of SHA-256 over a versioned, length-prefixed encoding, so ids
/// of different intents, steps or legs cannot collide by construction of the input, and they
/// are spread over the id space like client-chosen random ids.
enum DerivedID {
    enum Kind: UInt8 {
        case chart = 1, intentAccount, authorization, capture, cancel, refund, disputeOpen, disputeResolution, disputeWon, disputeLost
    }

    static func make(_ kind: Kind, subject: UInt128, discriminator: StepKey, leg: UInt8) -> UInt128 {
        var bytes: [UInt8] = Array("settle.payments.v1".utf8)
        bytes.append(kind.rawValue)
        withUnsafeBytes(of: subject.littleEndian) { bytes.append(contentsOf: $0) }
        switch discriminator {
        case .sequence(let sequence):
            bytes.append(0)
            withUnsafeBytes(of: sequence.littleEndian) { bytes.append(contentsOf: $0) }
        case .key(let key):
            bytes.append(1)
            let utf8 = Array(key.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        bytes.append(leg)
        let digest = SHA256.hash(data: bytes)
        var id: UInt128 = 0
        for byte in digest.prefix(16) { id = id << 8 | UInt128(byte) }
        // 0 and 2^128-1 are not valid ids; the chance is 2^-127, but the ledger would refuse them.
        return id == 0 || id == .max ? id &+ 2 : id
    }
}

/// Which instance of a step a request means. A retry names the same step and so the same ids.
public enum StepKey: Hashable, Sendable {
    /// The n-th capture (refund, dispute) of the intent, as the caller counts them.
    case sequence(UInt32)
    /// An HTTP `Idempotency-Key`: the caller's own name for this step.
    case key(String)
}
