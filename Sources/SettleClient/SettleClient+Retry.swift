import GRPCCore
import SettleCore
import SettleProtocol
import Synchronization

/// A failure the client gives up on: the server's refusal, or the last transient error after
/// every attempt.
public struct SettleClientError: Error, Sendable, CustomStringConvertible {
    /// The gRPC status code.
    public var code: RPCError.Code
    /// The server's stable error code (`settle-error`), when it sent one.
    public var settleCode: String?
    public var message: String
    public var attempts: Int

    public var description: String { "\(settleCode ?? "\(code)"): \(message) (after \(attempts) attempt(s))" }

    init(_ error: RPCError, attempts: Int) {
        code = error.code
        settleCode = error.metadata[stringValues: "settle-error"].first(where: { _ in true })
        message = error.message
        self.attempts = attempts
    }
}

extension SettleClient {
    /// Runs a write on a pooled session. Every attempt carries the same request number; a
    /// session the server no longer knows is replaced only before anything was sent on this
    /// number (afterwards a new session could execute the request a second time, so that is
    /// reported instead).
    func write<T: Sendable>(_ call: @Sendable @escaping (UInt128, UInt64) async throws -> T) async throws -> T {
        let session = await pool.acquire()
        defer { pool.release(session) }
        if !session.registered { try await register(session) }
        let number = session.nextRequest()
        do {
            return try await retrying { try await call(session.id, number) }
        } catch let error as SettleClientError where error.attempts == 1 && error.settleCode == "session_not_found" {
            // Evicted or never registered, and nothing was sent before: a new session may take it.
            session.renew()
            try await register(session)
            let renewed = session.nextRequest()
            return try await retrying { try await call(session.id, renewed) }
        }
    }

    private func register(_ session: ClientSession) async throws {
        let request = Settle_V1_RegisterSessionRequest(sessionID: session.id)
        _ = try await retrying {
            try await self.stub.registerSession(request: ClientRequest(message: request, metadata: self.metadata), options: self.options)
        }
        session.registered = true
    }

    /// Runs `call` until it succeeds, fails for good, or the attempts are spent. A redirect to
    /// the writing node is followed at once; another transient failure waits, and with several
    /// nodes moves on to the next.
    func retrying<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        var delay = configuration.backoff
        for attempt in 1...configuration.attempts {
            do {
                return try await call()
            } catch let error as RPCError {
                guard Self.isTransient(error), attempt < configuration.attempts else { throw SettleClientError(error, attempts: attempt) }
                if follow(error) { continue }
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, configuration.backoffMax)
        }
        preconditionFailure("the loop returns or throws")
    }

    /// Points calls at the node `error` names as the writer (true), or at the next node.
    private func follow(_ error: RPCError) -> Bool {
        guard endpoints.count > 1 else { return false }
        let now = current.load(ordering: .relaxed)
        if let writer = error.metadata[stringValues: "settle-writer"].first(where: { _ in true }),
           let index = endpoints.firstIndex(where: { $0.address == writer }), index != now {
            current.store(index, ordering: .relaxed)
            return true
        }
        if error.code == .unavailable { current.store((now + 1) % endpoints.count, ordering: .relaxed) }
        return false
    }

    /// Worth another attempt: the connection or the server was briefly away, or the tenant's
    /// rate limit said to wait.
    static func isTransient(_ error: RPCError) -> Bool {
        switch error.code {
        case .unavailable, .deadlineExceeded, .resourceExhausted: true
        default: false
        }
    }
}

/// A client session: a random id and its request numbers. Used by one write at a time.
final class ClientSession: @unchecked Sendable {
    private(set) var id: UInt128
    private var lastRequest: UInt64 = 0
    var registered = false

    init() { id = Self.randomID() }

    func nextRequest() -> UInt64 {
        lastRequest += 1
        return lastRequest
    }

    func renew() {
        id = Self.randomID()
        lastRequest = 0
        registered = false
    }

    private static func randomID() -> UInt128 {
        var generator = SystemRandomNumberGenerator()
        return UInt128.random(in: 1...UInt128.max, using: &generator)
    }
}

/// Hands each concurrent write its own session; waits when all are busy.
final class SessionPool: Sendable {
    private struct State {
        var free: [ClientSession]
        var waiters: [CheckedContinuation<ClientSession, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: (0..<count).map { _ in ClientSession() }))
    }

    func acquire() async -> ClientSession {
        await withCheckedContinuation { continuation in
            let session = state.withLock { state -> ClientSession? in
                if let session = state.free.popLast() { return session }
                state.waiters.append(continuation)
                return nil
            }
            if let session { continuation.resume(returning: session) }
        }
    }

    func release(_ session: ClientSession) {
        let waiter = state.withLock { state -> CheckedContinuation<ClientSession, Never>? in
            if state.waiters.isEmpty {
                state.free.append(session)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: session)
    }
}
