import GRPCCore
import HTTPTypes
import Hummingbird
import SettleEngine
import SettleProtocol

/// Every failure a client of the API can see, with its HTTP status and gRPC code decided here
/// and nowhere else (as Hummingbird's `HTTPResponseError` does), so the two front ends cannot
/// disagree. `code` is stable for machines; `message` is for humans and holds no secrets.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case malformedRequest = "malformed_request"
        case invalidField = "invalid_field"
        case unknownField = "unknown_field"
        case unknownFlag = "unknown_flag"
        case batchSizeOutOfRange = "batch_size_out_of_range"
        case bodyTooLarge = "body_too_large"
        case unauthenticated
        case permissionDenied = "permission_denied"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case rateLimited = "rate_limited"
        case idempotencyKeyInFlight = "idempotency_key_in_flight"
        case idempotencyKeyReused = "idempotency_key_reused"
        case idempotencyKeysExhausted = "idempotency_keys_exhausted"
        case sessionNotFound = "session_not_found"
        case requestTooOld = "request_too_old"
        case requestNumberReused = "request_number_reused"
        case unavailable
        /// Another node writes: HTTP 307 to it, gRPC UNAVAILABLE naming it in `settle-writer`.
        case notWriter = "not_writer"
        case internalError = "internal_error"
        // Payments (the step was refused and nothing of it applied).
        case intentNotFound = "intent_not_found"
        case intentExists = "intent_exists"
        case chartOfAccountsMissing = "chart_of_accounts_missing"
        case captureExceedsAuthorization = "capture_exceeds_authorization"
        case nothingToCapture = "nothing_to_capture"
        case authorizationExpired = "authorization_expired"
        case intentCanceled = "intent_canceled"
        case refundExceedsCaptured = "refund_exceeds_captured"
        case disputeExceedsCaptured = "dispute_exceeds_captured"
        case disputeNotFound = "dispute_not_found"
        case disputeAlreadyResolved = "dispute_already_resolved"
        case stepKeyReused = "step_key_reused"
        case stepRefusedBefore = "step_refused_before"
        case contention
        // Reconciliation.
        case statementInvalid = "statement_invalid"
        case statementNotFound = "statement_not_found"
    }

    public var code: Code
    public var message: String
    /// Seconds to wait before retrying (rate limits).
    public var retryAfterSeconds: Int?
    /// The node to send the request to instead (`notWriter`).
    public var writer: WriterAddress?

    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public var httpStatus: HTTPResponse.Status {
        switch code {
        case .malformedRequest, .invalidField, .unknownField, .unknownFlag, .batchSizeOutOfRange: .badRequest
        case .bodyTooLarge: .contentTooLarge
        case .unauthenticated: .unauthorized
        case .permissionDenied: .forbidden
        case .notFound, .sessionNotFound, .intentNotFound, .disputeNotFound, .statementNotFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .intentExists, .chartOfAccountsMissing, .captureExceedsAuthorization, .nothingToCapture, .authorizationExpired,
             .intentCanceled, .refundExceedsCaptured, .disputeExceedsCaptured, .disputeAlreadyResolved, .stepRefusedBefore,
             .contention: .conflict
        case .stepKeyReused, .statementInvalid: .unprocessableContent
        case .rateLimited: .tooManyRequests
        case .idempotencyKeyInFlight, .requestTooOld: .conflict
        case .idempotencyKeyReused, .requestNumberReused: .unprocessableContent
        case .idempotencyKeysExhausted, .unavailable: .serviceUnavailable
        case .notWriter: .temporaryRedirect
        case .internalError: .internalServerError
        }
    }

    public var grpcCode: RPCError.Code {
        switch code {
        case .malformedRequest, .invalidField, .unknownField, .unknownFlag, .batchSizeOutOfRange, .bodyTooLarge: .invalidArgument
        case .unauthenticated: .unauthenticated
        case .permissionDenied: .permissionDenied
        case .notFound, .sessionNotFound, .intentNotFound, .disputeNotFound, .statementNotFound: .notFound
        case .methodNotAllowed: .unimplemented
        case .intentExists: .alreadyExists
        case .chartOfAccountsMissing, .captureExceedsAuthorization, .nothingToCapture, .authorizationExpired, .intentCanceled,
             .refundExceedsCaptured, .disputeExceedsCaptured, .disputeAlreadyResolved, .stepRefusedBefore: .failedPrecondition
        case .stepKeyReused, .contention: .aborted
        case .statementInvalid: .invalidArgument
        case .rateLimited, .idempotencyKeysExhausted: .resourceExhausted
        case .idempotencyKeyInFlight, .idempotencyKeyReused: .aborted
        case .requestTooOld, .requestNumberReused: .failedPrecondition
        case .unavailable, .notWriter: .unavailable
        case .internalError: .internalError
        }
    }

    /// The gRPC status, with the stable code in the `settle-error` trailer.
    public var rpcError: RPCError {
        var metadata = Metadata()
        metadata.addString(code.rawValue, forKey: "settle-error")
        if let retryAfterSeconds { metadata.addString(String(retryAfterSeconds), forKey: "retry-after") }
        if let writer { metadata.addString(writer.grpc, forKey: "settle-writer") }
        return RPCError(code: grpcCode, message: "\(code.rawValue): \(message)", metadata: metadata)
    }

    /// How an engine failure looks to a client. Storage failures say only what the client
    /// can act on; the details are logged by the engine.
    public init(_ error: EngineError) {
        switch error.code {
        case .invalidBatch, .invalidRecord: self.init(.batchSizeOutOfRange, error.message)
        case .sessionNotFound: self.init(.sessionNotFound, error.message)
        case .requestTooOld: self.init(.requestTooOld, error.message)
        case .requestMismatch: self.init(.requestNumberReused, error.message)
        case .idempotencyKeyReused: self.init(.idempotencyKeyReused, error.message)
        case .idempotencyKeysExhausted: self.init(.idempotencyKeysExhausted, error.message, retryAfterSeconds: 60)
        case .journalWriteFailed: self.init(.unavailable, "the write could not be journaled; nothing was applied, retry it")
        case .durabilityUnknown:
            self.init(.unavailable, "storage failed; the outcome is unknown until the server restarts: retry with the same session request or idempotency key")
        case .unavailable, .recoveryFailed: self.init(.unavailable, error.message)
        // The front end names the writer (`ServerState.resolved`).
        case .readOnly: self.init(.notWriter, "this node is a read replica; writes go to the writer")
        }
    }

    public init(_ error: ProtocolError) {
        switch error.code {
        case .batchSizeOutOfRange: self.init(.batchSizeOutOfRange, "\(error.field): \(error.message)")
        case .missingField, .valueOutOfRange, .unknownEnumValue, .resultCountMismatch: self.init(.invalidField, "\(error.field): \(error.message)")
        }
    }

    /// Maps anything thrown below the API to what a client may see.
    static func wrapping(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as EngineError: APIError(error)
        case let error as ProtocolError: APIError(error)
        default: APIError(.internalError, "unexpected error")
        }
    }
}
