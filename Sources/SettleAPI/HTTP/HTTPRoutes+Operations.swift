import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPRoutes {
    /// Health and metrics: no key needed, and they answer while the server recovers.
    func addOperationRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/health/live") { _, _ in
            Self.json(["status": "live"])
        }
        router.get("/health/ready") { [state] _, _ in
            guard let role = state.readyRole else { return Self.errorResponse(APIError(.unavailable, "recovering or draining")) }
            return Self.json(["status": "ready", "role": role])
        }
        router.get("/metrics") { [state] _, _ in
            let body = state.engine.map { state.metrics.render(engine: $0) } ?? []
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
