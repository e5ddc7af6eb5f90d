import Foundation
import NIOHTTP1
import SettleAPI
import SettleClient
import SettleCore
import SettleEngine
import Testing

/// A read may name the commit position it must see (`min_op`, gRPC `settle-min-op`): on the
/// writer every acknowledged op is there at once; a malformed one is refused; `SettleClient`
/// sends the newest op of its own writes.
@Suite("Reads at a commit position over the API")
struct ReadPositionTests {
    @Test func httpReadsTakeMinOpAndRefuseAMalformedOne() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            let created = try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2))
            let op = try #require(created.json["op"] as? String)
            #expect(try await server.request(.GET, "/v1/accounts/1?min_op=\(op)", key: tenant.key).status == 200)
            #expect(try await server.request(.GET, "/v1/accounts/1/transfers?min_op=\(op)&limit=5", key: tenant.key).status == 200)
            #expect(try await server.request(.POST, "/v1/accounts/lookup?min_op=\(op)", key: tenant.key, body: #"{"ids": ["1", "2"]}"#).status == 200)
            let malformed = try await server.request(.GET, "/v1/accounts/1?min_op=-1", key: tenant.key)
            #expect(malformed.status == 400 && malformed.errorCode == "invalid_field")
        }
    }

    @Test func paymentReadsTakeTheStepsCommitOpAndWaitBoundedForALaterOne() async throws {
        try await LiveServer.with(configure: { $0.engine.readWaitNanoseconds = 300_000_000 }) { server async throws in
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/payments/chart", key: tenant.key, body: #"{"currencies": ["EUR"]}"#).status == 200)
            let authorized = try await server.request(
                .POST, "/v1/payment_intents", key: tenant.key,
                body: #"{"id": "7", "currency": "EUR", "amount": "1000", "expires_in_seconds": 3600}"#)
            #expect(authorized.status == 201)
            let step = try #require(authorized.json["step"] as? [String: Any])
            let op = try #require(step["commit_op"] as? String)
            #expect(op != "0")
            let intent = try await server.request(.GET, "/v1/payment_intents/7?min_op=\(op)", key: tenant.key)
            #expect(intent.status == 200 && intent.json["status"] as? String == "authorized")
            #expect(try await server.request(.GET, "/v1/payment_intents?min_op=\(op)", key: tenant.key).status == 200)

            // An op nobody wrote: the read waits its bound, then answers 503 and reads nothing.
            let later = try #require(UInt64(op)) + 1_000
            let unavailable = try await server.request(.GET, "/v1/payment_intents/7?min_op=\(later)", key: tenant.key)
            #expect(unavailable.status == 503 && unavailable.errorCode == "unavailable")
            let malformed = try await server.request(.GET, "/v1/payment_intents?min_op=x", key: tenant.key)
            #expect(malformed.status == 400 && malformed.errorCode == "invalid_field")
        }
    }

    @Test func theClientReadsAtItsNewestWriteAndAnUnwrittenOpIsUnavailable() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            var configuration = SettleClient.Configuration(port: server.grpcPort, apiKey: tenant.key)
            configuration.attempts = 1
            try await SettleClient.withClient(configuration) { client in
                #expect(client.readPosition == 0)
                let created = try await client.createAccounts([Account(id: 1, ledger: 1, code: 1)])
                #expect(client.readPosition == created.op)
                #expect(try await client.lookupAccounts([1]).count == 1)
                client.readAtLeast(created.op + 1_000)
                do {
                    _ = try await client.lookupAccounts([1])
                    Issue.record("a read of an op never written was answered")
                } catch let error as SettleClientError {
                    #expect(error.settleCode == "unavailable")
                }
            }
        }
    }
}
