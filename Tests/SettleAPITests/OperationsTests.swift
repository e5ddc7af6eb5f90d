import Foundation
import Hummingbird
import NIOHTTP1
@testable import SettleAPI
import SettleClient
import SettleCore
import SettleEngine
import Testing

@Suite("Operations: health and metrics")
struct OperationsTests {
    @Test func healthAndMetricsDescribeTheServer() async throws {
        try await LiveServer.with { server async throws in
            #expect(try await server.request(.GET, "/health/live").status == 200)
            #expect(try await server.request(.GET, "/health/ready").json["status"] as? String == "ready")
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...3)).status == 200)
            try await server.client(key: tenant.key) { client async throws in
                _ = try await client.createTransfers([Transfer(id: 1, debitAccountID: 1, creditAccountID: 2, amount: 1, ledger: 1, code: 1)])
            }
            _ = try await server.request(.GET, "/v1/accounts/9", key: tenant.key)
            let metrics = try await server.request(.GET, "/metrics")
            #expect(metrics.status == 200 && metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = metrics.body
            for expected in [
                #"settle_requests_total{api="http",route="POST /v1/accounts",status="200"} 1"#,
                #"settle_requests_total{api="http",route="GET /v1/accounts/{id}",status="404"} 1"#,
                #"settle_requests_total{api="grpc",route="CreateTransfers",status="ok"} 1"#,
                #"settle_request_duration_seconds_bucket{api="grpc",route="CreateTransfers",le="+Inf"} 1"#,
                #"settle_batch_size_events_count{kind="accounts"} 1"#,
                #"settle_tenant_events_total{tenant="\#(tenant.id)"} 4"#,
                "settle_engine_fsync_seconds_sum", "settle_engine_queue_depth_requests", "settle_engine_commits_total",
                "process_resident_memory_peak_bytes",
            ] {
                #expect(text.contains(expected), "missing: \(expected)")
            }
        }
    }

    @Test func readyIsFalseUntilRecoveryIsDoneAndLedgerCallsAreUnavailable() async throws {
        // The real routes on a real listener, before any engine exists (as during recovery).
        let state = ServerState(metrics: APIMetrics())
        let port = BoundPort()
        let app = Application(
            router: HTTPRoutes(state: state).router(),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port.set($0.localAddress?.port) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            while port.value == nil { try await Task.sleep(for: .milliseconds(10)) }
            let server = LiveServer(directory: "", httpPort: port.value!, grpcPort: 0, server: nil)
            #expect(try await server.request(.GET, "/health/live").status == 200)
            let ready = try await server.request(.GET, "/health/ready")
            #expect(ready.status == 503 && ready.errorCode == "unavailable")
            let ledger = try await server.request(.GET, "/v1/accounts/1", key: "sk_any")
            #expect(ledger.status == 503 && ledger.errorCode == "unavailable")
            group.cancelAll()
        }
    }
}
