import Foundation
import GRPCCore
import NIOHTTP1
import Testing
import SettleAPI
import SettleClient
import SettleCore

@Suite("Tenancy and auth")
struct TenancyTests {
    @Test func aKeyOfOneTenantCannotReadWriteOrDetectAnotherTenantsData() async throws {
        try await LiveServer.with { server async throws in
            let a = try await server.newTenant("a")
            let b = try await server.newTenant("b")
            #expect(try await server.request(.POST, "/v1/accounts", key: a.key, body: accountsJSON(1...2)).status == 200)
            #expect(try await server.request(.POST, "/v1/transfers", key: a.key, body: transferJSON(7)).status == 200)

            // B sees nothing of A's, through every read route: "not found" or empty, never "forbidden".
            #expect(try await server.request(.GET, "/v1/accounts/1", key: b.key).status == 404)
            #expect(try await server.request(.GET, "/v1/transfers/7", key: b.key).status == 404)
            let lookup = try await server.request(.POST, "/v1/accounts/lookup", key: b.key, body: #"{"ids": ["1", "2"]}"#)
            #expect(lookup.status == 200 && (lookup.json["accounts"] as? [Any])?.isEmpty == true)
            let transfers = try await server.request(.POST, "/v1/transfers/lookup", key: b.key, body: #"{"ids": ["7"]}"#)
            #expect((transfers.json["transfers"] as? [Any])?.isEmpty == true)
            #expect((try await server.request(.GET, "/v1/accounts/1/transfers", key: b.key).json["transfers"] as? [Any])?.isEmpty == true)
            #expect((try await server.request(.GET, "/v1/accounts/1/balances", key: b.key).json["balances"] as? [Any])?.isEmpty == true)
            #expect((try await server.request(.POST, "/v1/accounts/query", key: b.key, body: #"{"ledger": 1}"#).json["accounts"] as? [Any])?.isEmpty == true)
            #expect((try await server.request(.POST, "/v1/transfers/query", key: b.key, body: #"{"ledger": 1}"#).json["transfers"] as? [Any])?.isEmpty == true)

            // B's writes land in B's own ledger: its transfer between "1" and "2" finds no accounts.
            let write = try await server.request(.POST, "/v1/transfers", key: b.key, body: transferJSON(8))
            #expect(write.status == 200)
            #expect(write.body.contains("debit_account_not_found"))
            // Nor can B's admin key reach A's tenant or keys.
            #expect(try await server.request(.GET, "/v1/tenants/\(a.id)", key: b.key).status == 404)
            #expect(try await server.request(.GET, "/v1/tenants/\(a.id)/keys", key: b.key).status == 404)
            #expect(try await server.request(.POST, "/v1/tenants/\(a.id)/keys", key: b.key, body: #"{"role": "read"}"#).status == 404)

            // The same over gRPC.
            try await server.client(key: b.key) { client async throws in
                #expect(try await client.lookupAccounts([1, 2]).isEmpty)
                #expect(try await client.lookupTransfers([7]).isEmpty)
                #expect(try await client.accountTransfers(AccountFilter(accountID: 1)).isEmpty)
                #expect(try await client.queryAccounts(QueryFilter(ledger: 1)).isEmpty)
                #expect(try await client.queryTransfers(QueryFilter(ledger: 1)).isEmpty)
            }
            // And A still sees exactly its own.
            try await server.client(key: a.key) { client async throws in
                #expect(try await client.lookupAccounts([1, 2]).count == 2)
                #expect(try await client.lookupTransfers([7, 8]).map(\.id) == [7])
            }
        }
    }

    @Test func rolesLimitWhatAKeyMayDoAndRevokedKeysStopWorking() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            let reader = try await server.newKey(tenant: tenant.id, role: "read", as: tenant.key)
            let writer = try await server.newKey(tenant: tenant.id, role: "write", as: tenant.key)
            #expect(try await server.request(.POST, "/v1/accounts", key: reader, body: accountsJSON(1...1)).status == 403)
            #expect(try await server.request(.POST, "/v1/accounts", key: writer, body: accountsJSON(1...1)).status == 200)
            #expect(try await server.request(.GET, "/v1/accounts/1", key: reader).status == 200)
            #expect(try await server.request(.POST, "/v1/tenants/\(tenant.id)/keys", key: writer, body: #"{"role": "read"}"#).status == 403)
            #expect(try await server.request(.POST, "/v1/tenants", key: tenant.key, body: #"{"name": "x"}"#).status == 403)
            // Operator keys manage tenants and have no ledger.
            #expect(try await server.request(.GET, "/v1/accounts/1", key: LiveServer.operatorKey).status == 403)
            // No key, a wrong key, a key with one character changed: 401.
            #expect(try await server.request(.GET, "/v1/accounts/1").status == 401)
            #expect(try await server.request(.GET, "/v1/accounts/1", key: "sk_nope").status == 401)
            var altered = Array(reader)
            altered[altered.count - 1] = altered.last == "0" ? "1" : "0"
            #expect(try await server.request(.GET, "/v1/accounts/1", key: String(altered)).status == 401)

            let keys = try await server.request(.GET, "/v1/tenants/\(tenant.id)/keys", key: tenant.key)
            let listed = try #require(keys.json["keys"] as? [[String: Any]])
            #expect(listed.count == 3)
            #expect(!keys.body.contains(reader) && !keys.body.contains("hash"))
            let readerID = try #require(listed.first { $0["role"] as? String == "read" }?["id"] as? String)
            #expect(try await server.request(.DELETE, "/v1/tenants/\(tenant.id)/keys/\(readerID)", key: tenant.key).status == 200)
            #expect(try await server.request(.GET, "/v1/accounts/1", key: reader).status == 401)
        }
    }

    @Test func tenantsAndKeysSurviveRestartAndOnlyHashesAreStored() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tenant = try await LiveServer.with(directory: directory) { server async throws in
            let tenant = try await server.newTenant("durable")
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...1)).status == 200)
            return tenant
        }
        // The secret is nowhere on disk; its SHA-256 is.
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let file = enumerator?.nextObject() as? String {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))) ?? Data()
            #expect(bytes.range(of: Data(tenant.key.utf8)) == nil, "the key is stored in \(file)")
        }
        try await LiveServer.with(directory: directory) { server async throws in
            #expect(try await server.request(.GET, "/v1/accounts/1", key: tenant.key).status == 200)
            let listed = try await server.request(.GET, "/v1/tenants", key: LiveServer.operatorKey)
            #expect((listed.json["tenants"] as? [[String: Any]])?.map { $0["name"] as? String } == ["durable"])
        }
    }

    @Test func aTenantOverItsRateLimitGets429WithRetryAfterAndResourceExhausted() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            let patch = try await server.request(.PATCH, "/v1/tenants/\(tenant.id)", key: LiveServer.operatorKey,
                                                 body: #"{"rate_limit_per_second": 1, "rate_limit_burst": 3}"#)
            #expect(patch.status == 200)
            // The burst of 3 passes; then requests are refused until a token is back (one per
            // second; a slow machine may earn one between requests, hence "within a few").
            let start = ContinuousClock.now
            var replies: [LiveServer.HTTPReply] = []
            for _ in 0..<8 { replies.append(try await server.request(.GET, "/v1/accounts/1", key: tenant.key)) }
            let refilled = Int((ContinuousClock.now - start) / .seconds(1))
            #expect(replies.prefix(3).allSatisfy { $0.status == 404 })
            #expect(replies.filter { $0.status == 404 }.count <= 3 + refilled)
            let limited = try #require(replies.first { $0.status == 429 })
            #expect(limited.errorCode == "rate_limited")
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
            // Another tenant is not affected.
            let other = try await server.newTenant()
            #expect(try await server.request(.GET, "/v1/accounts/1", key: other.key).status == 404)

            var configuration = SettleClient.Configuration(port: server.grpcPort, apiKey: tenant.key)
            configuration.attempts = 1
            let error = await #expect(throws: SettleClientError.self) {
                try await SettleClient.withClient(configuration) { client in
                    for _ in 0..<8 { _ = try await client.lookupAccounts([1]) }  // one may pass on a refilled token
                }
            }
            #expect(error?.code == .resourceExhausted && error?.settleCode == "rate_limited")
        }
    }
}
