import SettleEngine
import Synchronization

/// What both front ends share while the server runs: what this node does now (recovering,
/// serving the ledger API, or sending clients to the node that writes), the metrics, and
/// whether the server is draining.
public final class ServerState: Sendable {
    /// One value under one lock, so a request never sees a half-made change of role.
    private enum Role {
        /// Before recovery has finished: health checks answer, ledger calls are unavailable.
        case recovering
        case serving(LedgerAPI)
        /// Another node writes (nil while nobody does): requests are sent there.
        case following(WriterAddress?)
    }

    private let role = Mutex<Role>(.recovering)
    /// Where writes go while this node serves as a read replica.
    private let replicaWriter = Mutex<WriterAddress?>(nil)
    private let draining = Atomic<Bool>(false)
    public let metrics: APIMetrics
    let idempotency = IdempotencyGate()

    public init(metrics: APIMetrics) {
        self.metrics = metrics
    }

    /// Marks the server ready: recovery is done and requests may reach the engine.
    public func becomeReady(_ ledger: LedgerAPI) {
        draining.store(false, ordering: .relaxed)
        role.withLock { $0 = .serving(ledger) }
    }

    /// Back to recovering: the engine is being (re)opened.
    public func beginRecovering() {
        role.withLock { $0 = .recovering }
    }

    /// Another node writes (or nobody, while `writer` is nil): requests are sent there.
    public func follow(_ writer: WriterAddress?) {
        role.withLock { $0 = .following(writer) }
    }

    /// The node that writes, as a replica last learned it (nil: nobody writes now).
    public func writerMoved(to writer: WriterAddress?) {
        replicaWriter.withLock { $0 = writer }
    }

    /// `error` as the client sees it: a write refused by a replica names the writer, or is
    /// `unavailable` while nobody writes.
    func resolved(_ error: APIError) -> APIError {
        guard error.code == .notWriter, error.writer == nil else { return error }
        guard let writer = replicaWriter.withLock({ $0 }) else {
            return APIError(.unavailable, "this node is a read replica and no node writes at the moment; retry shortly", retryAfterSeconds: 1)
        }
        var resolved = error
        resolved.message += ": \(writer.http) (HTTP) / \(writer.grpc) (gRPC)"
        resolved.writer = writer
        return resolved
    }

    /// Stops reporting ready, so load balancers move away before the listeners close.
    public func beginDraining() { draining.store(true, ordering: .relaxed) }

    public var isReady: Bool { readyRole != nil }

    /// What the node serves while it is ready: `writer`, or `replica` (reads; writes are sent
    /// to the writer). Nil while recovering, following without a replica, or draining.
    public var readyRole: String? {
        guard let ledger = try? ready(), !draining.load(ordering: .relaxed) else { return nil }
        return ledger.engine.isReplica ? "replica" : "writer"
    }

    public var engine: Engine? { try? ready().engine }

    /// The API, or why this node cannot serve it now: `unavailable` while recovering or while
    /// no node writes, `notWriter` naming the node that does.
    func ready() throws(APIError) -> LedgerAPI {
        switch role.withLock({ $0 }) {
        case .serving(let ledger):
            return ledger
        case .recovering:
            throw APIError(.unavailable, "the server is recovering; retry shortly")
        case .following(nil):
            throw APIError(.unavailable, "no node writes at the moment (a failover is under way); retry shortly", retryAfterSeconds: 1)
        case .following(let writer?):
            var error = APIError(.notWriter, "node \(writer.http) (HTTP) / \(writer.grpc) (gRPC) serves this installation")
            error.writer = writer
            throw error
        }
    }
}

/// Idempotency keys whose first request is still executing, so a concurrent duplicate gets
/// 409 instead of racing it (the engine then holds the key's outcome for 24 h).
final class IdempotencyGate: Sendable {
    private let inFlight = Mutex<Set<String>>([])

    func begin(_ key: String) -> Bool { inFlight.withLock { $0.insert(key).inserted } }
    func end(_ key: String) { _ = inFlight.withLock { $0.remove(key) } }
}
