import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOHTTP1
import SettleAPI
import SettleClient
import SettleCore
import SettleProtocol
import Testing

@Suite("Bad input gets a clear error and changes nothing")
struct BadInputTests {
    /// Everything the tenant can see: its accounts (with balances) and transfers.
    private func ledgerState(_ server: LiveServer, _ key: String) async throws -> String {
        let accounts = try await server.request(.POST, "/v1/accounts/query", key: key, body: "{}").body
        let transfers = try await server.request(.POST, "/v1/transfers/query", key: key, body: "{}").body
        return accounts + "\n" + transfers
    }

    static let max128 = "340282366920938463463374607431768211455"

    /// (what, method, path, body, expected status, expected error code)
    static let httpCases: [(String, HTTPMethod, String, String, Int, String)] = [
        ("malformed JSON", .POST, "/v1/transfers", #"{"transfers": [{"id": "1""#, 400, "malformed_request"),
        ("not an object", .POST, "/v1/transfers", #"[1, 2]"#, 400, "invalid_field"),
        ("empty batch", .POST, "/v1/transfers", #"{"transfers": []}"#, 400, "batch_size_out_of_range"),
        ("no batch", .POST, "/v1/accounts", #"{}"#, 400, "batch_size_out_of_range"),
        ("8,190 transfers", .POST, "/v1/transfers", "{\"transfers\": [" + Array(repeating: #"{"id": "9"}"#, count: 8_190).joined(separator: ",") + "]}", 400, "batch_size_out_of_range"),
        ("amount 2^128", .POST, "/v1/transfers", transferJSON(5, amount: "340282366920938463463374607431768211456"), 400, "invalid_field"),
        ("negative amount", .POST, "/v1/transfers", transferJSON(5, amount: "-1"), 400, "invalid_field"),
        ("amount as a number", .POST, "/v1/transfers", #"{"transfers": [{"id": "5", "amount": 10}]}"#, 400, "invalid_field"),
        ("ledger above 2^32", .POST, "/v1/accounts", #"{"accounts": [{"id": "5", "ledger": 4294967296, "code": 1}]}"#, 400, "invalid_field"),
        ("code above 65535", .POST, "/v1/accounts", #"{"accounts": [{"id": "5", "ledger": 1, "code": 65536}]}"#, 400, "invalid_field"),
        ("fractional number", .POST, "/v1/accounts", #"{"accounts": [{"id": "5", "ledger": 1.5, "code": 1}]}"#, 400, "invalid_field"),
        ("null for a field", .POST, "/v1/transfers", #"{"transfers": [{"id": null}]}"#, 400, "invalid_field"),
        ("unknown flag", .POST, "/v1/transfers", #"{"transfers": [{"id": "5", "flags": ["pending", "instant"]}]}"#, 400, "unknown_flag"),
        ("unknown field", .POST, "/v1/accounts", #"{"accounts": [{"id": "5", "ledger": 1, "code": 1, "colour": "red"}]}"#, 400, "unknown_field"),
        ("unknown top-level field", .POST, "/v1/accounts", #"{"accounts": [], "dry_run": true}"#, 400, "unknown_field"),
        ("bad id in a path", .GET, "/v1/accounts/12abc", "", 400, "invalid_field"),
        ("id 2^128 in a path", .GET, "/v1/accounts/340282366920938463463374607431768211456", "", 400, "invalid_field"),
        ("bad query parameter", .GET, "/v1/accounts/1/transfers?limit=-3", "", 400, "invalid_field"),
        ("unknown query parameter", .GET, "/v1/accounts/1/transfers?colour=red", "", 400, "unknown_field"),
        ("limit above 2^32", .POST, "/v1/transfers/query", #"{"limit": 4294967296}"#, 400, "invalid_field"),
        ("too many ids", .POST, "/v1/accounts/lookup", "{\"ids\": [" + Array(repeating: "\"1\"", count: 8_190).joined(separator: ",") + "]}", 400, "batch_size_out_of_range"),
    ]

    @Test func malformedHTTPRequestsAreRefusedWholeWithACode() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
            #expect(try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(1)).status == 200)
            let before = try await ledgerState(server, tenant.key)
            for (what, method, path, body, status, code) in Self.httpCases {
                let reply = try await server.request(method, path, key: tenant.key, body: body.isEmpty ? nil : body)
                #expect(reply.status == status && reply.errorCode == code, "\(what): \(reply.status) \(reply.body.prefix(300))")
                #expect(reply.errorMessage.count > 10, "\(what) has no message")
            }
            // No such route, or not with this method: the same error shape.
            let unknown = try await server.request(.GET, "/v1/ledgers", key: tenant.key)
            #expect(unknown.status == 404 && unknown.errorCode == "not_found")
            let wrongMethod = try await server.request(.DELETE, "/v1/accounts/1", key: tenant.key)
            #expect(wrongMethod.status == 405 && wrongMethod.errorCode == "method_not_allowed" && wrongMethod.header("Allow") == "GET")
            // Over the body limit: 413 before anything is parsed.
            let huge = "{\"transfers\": [" + String(repeating: " ", count: 9 << 20) + "]}"
            let tooLarge = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: huge)
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "body_too_large")
            #expect(try await ledgerState(server, tenant.key) == before)
        }
    }

    @Test func domainRejectionsAreResultCodesAndChangeNothing() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
            let before = try await ledgerState(server, tenant.key)
            let body = #"""
            {"transfers": [
              {"id": "0", "debit_account_id": "1", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 1},
              {"id": "\#(Self.max128)", "debit_account_id": "1", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 1},
              {"id": "3", "debit_account_id": "0", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 1},
              {"id": "4", "debit_account_id": "1", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 1, "timestamp": "5"}
            ]}
            """#
            let reply = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: body)
            #expect(reply.status == 200)
            let results = (reply.json["results"] as? [[String: Any]])?.map { "\($0["index"]!):\($0["result"]!)" }
            #expect(results == ["0:id_must_not_be_zero", "1:id_must_not_be_int_max", "2:debit_account_id_must_not_be_zero", "3:timestamp_must_be_zero"])
            let accounts = #"{"accounts": [{"id": "0", "ledger": 1, "code": 1}, {"id": "\#(Self.max128)", "ledger": 1, "code": 1}]}"#
            let refused = try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accounts)
            #expect(refused.body.contains("id_must_not_be_zero") && refused.body.contains("id_must_not_be_int_max"))
            // Overflow: 2^128-1 credited, then 1 more.
            let big = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(10, amount: Self.max128))
            #expect(big.status == 200 && (big.json["results"] as? [Any])?.isEmpty == true)
            let afterBig = try await ledgerState(server, tenant.key)
            let overflow = try await server.request(.POST, "/v1/transfers", key: tenant.key, body: transferJSON(11, amount: "1"))
            #expect(overflow.body.contains("overflows_"))
            #expect(try await ledgerState(server, tenant.key) == afterBig)
            #expect(afterBig != before)
        }
    }

    @Test func malformedProtobufAndOversizedGRPCBatchesAreRefused() async throws {
        try await LiveServer.with { server async throws in
            let tenant = try await server.newTenant()
            #expect(try await server.request(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2)).status == 200)
            let before = try await ledgerState(server, tenant.key)
            let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: server.grpcPort), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { grpc in
                var metadata = Metadata()
                metadata.addString("Bearer \(tenant.key)", forKey: "authorization")
                // Bytes that are not a protobuf message (a field with an invalid wire type).
                for garbage: [UInt8] in [[0xFF, 0xFF, 0xFF], [0x0A, 0x80], [0x22, 0x05, 0x01]] {
                    let error = await #expect(throws: RPCError.self) {
                        try await grpc.unary(
                            request: ClientRequest(message: garbage, metadata: metadata),
                            descriptor: Settle_V1_Ledger.Method.CreateTransfers.descriptor,
                            serializer: RawBytes(), deserializer: RawBytes(), options: .defaults) { try $0.message }
                    }
                    #expect(error?.code == .invalidArgument, "\(garbage): \(String(describing: error))")
                }
                let stub = Settle_V1_Ledger.Client(wrapping: grpc)
                _ = try await stub.registerSession(request: ClientRequest(message: .init(sessionID: 77), metadata: metadata))
                // 8,190 transfers, unknown flag bits, a code above 16 bits, and no session: INVALID_ARGUMENT.
                let tooMany = Settle_V1_CreateTransfersRequest(sessionID: 77, requestNumber: 1, transfers: (1...8_190).map { Transfer(id: UInt128($0)) })
                var badCode = Settle_V1_CreateTransfersRequest(sessionID: 77, requestNumber: 2, transfers: [Transfer(id: 5)])
                badCode.transfers[0].code = 70_000
                var badFlags = Settle_V1_CreateTransfersRequest(sessionID: 77, requestNumber: 3, transfers: [Transfer(id: 5)])
                badFlags.transfers[0].flags = 1 << 20
                let noSession = Settle_V1_CreateTransfersRequest(sessionID: 0, requestNumber: 4, transfers: [Transfer(id: 5)])
                for request in [tooMany, badCode, badFlags, noSession] {
                    let error = await #expect(throws: RPCError.self) {
                        try await stub.createTransfers(request: ClientRequest(message: request, metadata: metadata))
                    }
                    #expect(error?.code == .invalidArgument, "\(String(describing: error))")
                    #expect(error?.metadata[stringValues: "settle-error"].contains { !$0.isEmpty } == true)
                }
                // Reserved flag bits inside 16 bits are a per-event result, as in the ledger.
                var reserved = Settle_V1_CreateTransfersRequest(sessionID: 77, requestNumber: 5, transfers: [Transfer(id: 5, debitAccountID: 1, creditAccountID: 2, amount: 1, ledger: 1, code: 1)])
                reserved.transfers[0].flags = 1 << 15
                let reply = try await stub.createTransfers(request: ClientRequest(message: reserved, metadata: metadata))
                #expect(reply.results == [.reservedFlag])
            }
            #expect(try await ledgerState(server, tenant.key) == before)
        }
    }
}

/// Sends and receives raw bytes, to put malformed protobuf on the wire.
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
}
