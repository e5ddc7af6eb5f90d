import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOHTTP1
import SettleAPI
import SettleClient
import SettleCore
import SettleProtocol
import Testing

@Suite("Exactly-once requests: Idempotency-Key and client sessions")
struct ExactlyOnceTests {
    @Test func anIdempotencyKeyReplaysTheStoredResponseAcrossRestartAndRefusesAnotherBody() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (tenant, first) = try await LiveServer.with(directory: directory) { server async throws in
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
            let key = [("Idempotency-Key", "payout-2026-11-25-0001")]
            let first = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(1, amount: "25"), headers: key)
            #expect(first.status == 200)
            let again = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(1, amount: "25"), headers: key)
            #expect(again.status == first.status && again.body == first.body)
            // Without the key the same body is a new request: the ledger answers "exists".
            #expect(try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(1, amount: "25")).body.contains("\"exists\""))
            let other = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(2, amount: "25"), headers: key)
            #expect(other.status == 422 && other.errorCode == "idempotency_key_reused")
            return (tenant, first)
        }
        try await LiveServer.with(directory: directory) { server async throws in
            let key = [("Idempotency-Key", "payout-2026-11-25-0001")]
            let replay = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(1, amount: "25"), headers: key)
            #expect(replay.status == first.status && replay.body == first.body)
            #expect(try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(2, amount: "25"), headers: key).status == 422)
            let account = try await server.request(.GET, "/v1/accounts/2", key: tenant.key)
            #expect(account.json["credits_posted"] as? String == "25")
            #expect(try await server.request(.GET, "/v1/transfers/2", key: tenant.key).status == 404)
        }
    }

    @Test func concurrentDuplicatesOfOneKeyExecuteOnceAndTheRestGet409OrTheReplay() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
            let body = "{\"transfers\": [" + (1...2_000).map { #"{"id": "\#($0)", "debit_account_id": "1", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 1}"# }.joined(separator: ",") + "]}"
            let replies = try await withThrowingTaskGroup(of: LiveServer.HTTPReply.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await server.request(.POST, "/v1/transfers", key: tenant.key, body: body, headers: [("Idempotency-Key", "batch-7")]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let succeeded = replies.filter { $0.status == 200 }
            #expect(!succeeded.isEmpty && replies.allSatisfy { $0.status == 200 || ($0.status == 409 && $0.errorCode == "idempotency_key_in_flight") })
            #expect(Set(succeeded.map(\.body)).count == 1)
            #expect(succeeded.first?.body.contains(#""results":[]"#) == true)
            #expect(try await server.request(.GET, "/v1/accounts/2", key: tenant.key).json["credits_posted"] as? String == "2000")
        }
    }

    @Test func keysAreScopedByTenantAndValidated() async throws {
        try await LiveServer.with { server async throws in
            let a = try await server.newTenant()
            let b = try await server.newTenant()
            for tenant in [a, b] {
                #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2), headers: [("Idempotency-Key", "k")]).status == 200)
            }
            let bad = try await server.request(.POST, "/v1/accounts", key: a.key, body: accountsJSON(3...3), headers: [("Idempotency-Key", String(repeating: "x", count: 256))])
            #expect(bad.status == 400 && bad.errorCode == "invalid_field")
            #expect(try await server.request(.GET, "/v1/accounts/3", key: a.key).status == 404)
        }
    }

    @Test func aClientRetryAfterARestartGetsTheStoredReplyAndExecutesNothing() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tenant = try await LiveServer.with(directory: directory) { server async throws in
            try await server.newTenant()
        }
        // The same session and request number on two server lives: a retry whose first
        // attempt's reply was lost to a restart.
        let transfers = [Transfer(id: 1, debitAccountID: 1, creditAccountID: 2, amount: 5, ledger: 1, code: 1)]
        let first = try await LiveServer.with(directory: directory) { server async throws in
            try await server.client(key: tenant.key) { client async throws in
                _ = try await client.createAccounts([Account(id: 1, ledger: 1, code: 1), Account(id: 2, ledger: 1, code: 1)])
            }
            return try await rawCreateTransfers(server, key: tenant.key, session: 99, request: 1, transfers)
        }
        try await LiveServer.with(directory: directory) { server async throws in
            let retried = try await rawCreateTransfers(server, key: tenant.key, session: 99, request: 1, transfers)
            #expect(retried == first)
            // The same number with another request: refused, never answered with the first reply.
            let reused = await #expect(throws: RPCError.self) {
                _ = try await rawCreateTransfers(server, key: tenant.key, session: 99, request: 1, [Transfer(id: 9, debitAccountID: 1, creditAccountID: 2, amount: 5, ledger: 1, code: 1)])
            }
            #expect(reused?.code == .failedPrecondition && reused?.metadata[stringValues: "settle-error"].contains("request_number_reused") == true)
            try await server.client(key: tenant.key) { client async throws in
                #expect(try await client.lookupAccounts([2]).first?.creditsPosted == 5)
            }
            // A request older than the newest is refused, not executed.
            let newer = try await rawCreateTransfers(server, key: tenant.key, session: 99, request: 5, [Transfer(id: 2, debitAccountID: 1, creditAccountID: 2, amount: 1, ledger: 1, code: 1)])
            #expect(newer.count == 3 && newer[2] == 0)
            let error = await #expect(throws: RPCError.self) {
                _ = try await rawCreateTransfers(server, key: tenant.key, session: 99, request: 1, transfers)
            }
            #expect(error?.code == .failedPrecondition)
        }
    }

    @Test func theClientRetriesUntilTheServerIsBackWithTheSameRequestNumber() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tenant = try await LiveServer.with(directory: directory) { server async throws in try await server.newTenant() }
        // The client starts writing while no server listens; the server comes up 300 ms later.
        let port = try freeLoopbackPort()
        var configuration = SettleClient.Configuration(port: port, apiKey: tenant.key)
        configuration.attempts = 300  // up to ~30 s: a loaded machine may start the server slowly
        configuration.backoff = .milliseconds(20)
        configuration.backoffMax = .milliseconds(100)
        let (done, finish) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                try await LiveServer.with(directory: directory, configure: { $0.grpcPort = port }) { _ async throws in
                    for await _ in done { break }
                }
            }
            try await SettleClient.withClient(configuration) { client async throws in
                let accounts = try await client.createAccounts([Account(id: 1, ledger: 1, code: 1), Account(id: 2, ledger: 1, code: 1)])
                #expect(accounts.results == [.ok, .ok])
                let transfers = try await client.createTransfers((1...100).map { Transfer(id: UInt128($0), debitAccountID: 1, creditAccountID: 2, amount: 1, ledger: 1, code: 1) })
                #expect(transfers.results.allSatisfy { $0 == .ok })
                #expect(try await client.lookupAccounts([2]).first?.creditsPosted == 100)
            }
            finish.yield()
            finish.finish()
            try await group.waitForAll()
        }
    }
}

/// CreateTransfers with an explicit session tag (registering the session), bypassing the
/// client's own numbering: op, timestamp and result codes of the reply.
func rawCreateTransfers(_ server: LiveServer, key: String, session: UInt128, request: UInt64, _ transfers: [Transfer]) async throws -> [UInt64] {
    let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: server.grpcPort), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { grpc in
        var metadata = Metadata()
        metadata.addString("Bearer \(key)", forKey: "authorization")
        let stub = Settle_V1_Ledger.Client(wrapping: grpc)
        _ = try await stub.registerSession(request: ClientRequest(message: .init(sessionID: session), metadata: metadata))
        let reply = try await stub.createTransfers(request: ClientRequest(
            message: .init(sessionID: session, requestNumber: request, transfers: transfers), metadata: metadata))
        return [reply.op, reply.timestamp] + reply.results.map { UInt64($0.rawValue) }
    }
}
