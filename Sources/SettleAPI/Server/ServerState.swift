import SettleEngine
import Synchronization

/// What both front ends share while the server runs: the ledger API once recovery has
/// finished (nil before, so the servers can answer health checks during a long recovery),
/// the metrics, and whether the server is draining.
public final class ServerState: Sendable {
    private let api = Mutex<LedgerAPI?>(nil)
    /// While another node writes: where it serves (nil while nobody does).
    private let following = Mutex<Following?>(nil)
    private let draining = Atomic<Bool>(false)
    public let metrics: APIMetrics
    let idempotency = IdempotencyGate()

    public init(metrics: APIMetrics) {
        self.metrics = metrics
    }

    private struct Following { var writer: WriterAddress? }

    /// Marks the server ready: recovery is done and requests may reach the engine.
    public func becomeReady(_ ledger: LedgerAPI) {
        following.withLock { $0 = nil }
        draining.store(false, ordering: .relaxed)
        api.withLock { $0 = ledger }
    }

    /// Another node writes (or nobody, while `writer` is nil): requests are sent there.
    public func follow(_ writer: WriterAddress?) {
        api.withLock { $0 = nil }
        following.withLock { $0 = Following(writer: writer) }
    }

    /// Stops reporting ready, so load balancers move away before the listeners close.
    public func beginDraining() { draining.store(true, ordering: .relaxed) }

    public var isReady: Bool { api.withLock { $0 != nil } && !draining.load(ordering: .relaxed) }

    public var engine: Engine? { api.withLock { $0?.engine } }

    /// The API, or `unavailable` while recovering.
    func ready() throws(APIError) -> LedgerAPI {
        if let ledger = api.withLock({ $0 }) { return ledger }
        if let following = following.withLock({ $0 }) {
            guard let writer = following.writer else {
                throw APIError(.unavailable, "no node writes at the moment (a failover is under way); retry shortly", retryAfterSeconds: 1)
            }
            var error = APIError(.notWriter, "node \(writer.http) (HTTP) / \(writer.grpc) (gRPC) serves this installation")
            error.writer = writer
            throw error
        }
        throw APIError(.unavailable, "the server is recovering; retry shortly")
    }
}

/// Idempotency keys whose first request is still executing, so a concurrent duplicate gets
/// 409 instead of racing it (the engine then holds the key's outcome for 24 h).
final class IdempotencyGate: Sendable {
    private let inFlight = Mutex<Set<String>>([])

    func begin(_ key: String) -> Bool { inFlight.withLock { $0.insert(key).inserted } }
    func end(_ key: String) { _ = inFlight.withLock { $0.remove(key) } }
}
