import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SettleAPI
import SettleClient
import SettleCore
import Testing

/// A node that does not write (another holds the leases, `settle serve --postgres`) sends every
/// client to the one that does; `SettleClient` follows it with the same session and number.
@Suite("Cluster: followers redirect to the writer")
struct ClusterRedirectTests {
    @Test func aFollowerRedirectsHTTPAndTheClientFollowsItOverGRPC() async throws {
        try await LiveServer.with { writer async throws in
            let tenant = try await writer.newTenant()
            #expect(try await writer.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
            try await LiveServer.with { follower async throws in
                let address = WriterAddress(http: "127.0.0.1:\(writer.httpPort)", grpc: "127.0.0.1:\(writer.grpcPort)")
                follower.server!.state.follow(address)

                let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(follower.httpPort)/v1/accounts/2?x=1")
                request.headers.add(name: "Authorization", value: "Bearer \(tenant.key)")
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
                try await http.shutdown()
                #expect(response.status == .temporaryRedirect)
                #expect(response.headers["Location"] == ["http://\(address.http)/v1/accounts/2?x=1"])

                var configuration = SettleClient.Configuration(port: follower.grpcPort, apiKey: tenant.key)
                configuration.otherNodes = [.init(host: "127.0.0.1", port: writer.grpcPort)]
                configuration.attempts = 3
                let reply = try await SettleClient.withClient(configuration) { client in
                    try await client.createTransfers([Transfer(id: 7, debitAccountID: 1, creditAccountID: 2, amount: 5, ledger: 1, code: 1)])
                }
                #expect(reply.results == [.ok])
            }
            let account = try await writer.request(.GET, "/v1/accounts/2", key: tenant.key)
            #expect(account.json["credits_posted"] as? String == "5")
        }
    }

    @Test func withNoWriterAFollowerIsUnavailableAndSaysWhenToRetry() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            server.server!.state.follow(nil)
            let reply = try await server.request(.GET, "/v1/accounts/1", key: tenant.key)
            #expect(reply.status == 503 && reply.errorCode == "unavailable" && reply.header("Retry-After") == "1")
            #expect(try await server.request(.GET, "/health/ready").status == 503)
        }
    }
}
