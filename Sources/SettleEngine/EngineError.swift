import SettleCore

/// An operational failure of the engine: thrown to the caller of a request, never a domain
/// result (those are per-event result codes).
public struct EngineError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The batch envelope is invalid (too many events); nothing was applied.
        case invalidBatch
        /// The journal could not be written (disk full, I/O error); nothing was applied.
        case journalWriteFailed
        /// `fdatasync` failed (or the journal refuses writes since one failed inside an append):
        /// durability of recent writes is unknown, so the partition stopped
        /// and must be recovered from disk by a restart. The request may or may not have been
        /// committed; retry it with the same ids (or session) after the restart.
        case durabilityUnknown
        /// The engine is shutting down or stopped after a fatal storage error.
        case unavailable
        /// The data directory could not be recovered.
        case recoveryFailed
        /// A tagged write names a session that is not registered (or was evicted): register
        /// again; nothing was applied.
        case sessionNotFound
        /// A tagged write is older than the session's newest request; nothing was applied.
        case requestTooOld
        /// A tagged write repeats the session's newest request number with a different
        /// request; nothing was applied.
        case requestMismatch
        /// The idempotency key was used before with a different request; nothing was applied.
        case idempotencyKeyReused
        /// The partition holds its most idempotency keys younger than the retention; nothing
        /// was applied. Retry later, or without a key.
        case idempotencyKeysExhausted
        /// A system record key or value is over its limit; nothing was applied.
        case invalidRecord
        /// This engine is a read replica: writes go to the node that writes.
        case readOnly
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
