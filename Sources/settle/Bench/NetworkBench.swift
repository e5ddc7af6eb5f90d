import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import SettleClient
import SettleCore

/// The benchmark against a running server: a fresh tenant (no rate limit) with a write key,
/// then one connection per client.
struct NetworkBench {
    let host: String
    let port: Int
    let admin: String
    let protocolName: String
    let key: String

    init(target: String, admin: String, protocol protocolName: String) async throws {
        let parts = target.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw BenchError("--target is HOST:PORT") }
        guard let operatorKey = ProcessInfo.processInfo.environment["SETTLE_OPERATOR_KEY"] else {
            throw BenchError("set SETTLE_OPERATOR_KEY to the server's operator key (the benchmark creates its own tenant)")
        }
        (host, self.port, self.admin, self.protocolName) = (String(parts[0]), port, admin, protocolName)
        let tenant = try await Self.post(admin, "/v1/tenants", key: operatorKey,
                                         body: #"{"name": "bench", "rate_limit_per_second": 0}"#)
        guard let id = tenant["id"] as? Int else { throw BenchError("creating the tenant failed: \(tenant)") }
        let created = try await Self.post(admin, "/v1/tenants/\(id)/keys", key: operatorKey, body: #"{"role": "write", "label": "bench"}"#)
        guard let secret = created["secret"] as? String else { throw BenchError("creating a key failed: \(created)") }
        key = secret
    }

    func run(_ workload: BenchWorkload, clients: Int) async throws -> BenchWorkload.Result {
        let (host, port, key) = (host, port, key)
        if protocolName == "grpc" {
            return try await workload.run(clients: clients) { body in
                var configuration = SettleClient.Configuration(host: host, port: port, apiKey: key)
                configuration.sessions = 1
                configuration.timeout = .seconds(120)
                return try await SettleClient.withClient(configuration) { client in try await body(GRPCTarget(client: client)) }
            }
        }
        return try await workload.run(clients: clients) { body in
            try await body(HTTPTarget(base: "http://\(host):\(port)", key: key))
        }
    }

    /// The server's peak resident memory, from its /metrics.
    func serverPeakRSS() async throws -> Int {
        var request = HTTPClientRequest(url: "http://\(admin)/metrics")
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        let line = text.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_peak_bytes ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }

    static func post(_ address: String, _ path: String, key: String, body: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: "http://\(address)\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
    }
}

/// Batches as gRPC CreateTransfers on a session of the Swift client.
struct GRPCTarget: BenchTarget {
    let client: SettleClient

    func createAccounts(_ accounts: [Account]) async throws {
        let reply = try await client.createAccounts(accounts)
        guard reply.results.allSatisfy({ $0 == .ok || $0 == .exists }) else { throw BenchError("creating accounts failed") }
    }

    func createTransfers(_ transfers: [Transfer]) async throws -> Bool {
        try await client.createTransfers(transfers).results.allSatisfy { $0 == .ok }
    }
}

/// Batches as HTTP/JSON POSTs.
struct HTTPTarget: BenchTarget {
    let base: String
    let key: String

    func createAccounts(_ accounts: [Account]) async throws {
        var body = #"{"accounts":["#
        for (index, account) in accounts.enumerated() {
            if index > 0 { body += "," }
            body += #"{"id":"\#(account.id)","ledger":\#(account.ledger),"code":\#(account.code)}"#
        }
        body += "]}"
        guard try await post("/v1/accounts", body).contains(#""results":[]"#) else { throw BenchError("creating accounts failed") }
    }

    func createTransfers(_ transfers: [Transfer]) async throws -> Bool {
        var body = #"{"transfers":["#
        body.reserveCapacity(transfers.count * 140)
        for (index, transfer) in transfers.enumerated() {
            if index > 0 { body += "," }
            body += #"{"id":"\#(transfer.id)","debit_account_id":"\#(transfer.debitAccountID)","credit_account_id":"\#(transfer.creditAccountID)","amount":"\#(transfer.amount)","ledger":\#(transfer.ledger),"code":\#(transfer.code)}"#
        }
        body += "]}"
        return try await post("/v1/transfers", body).contains(#""results":[]"#)
    }

    private func post(_ path: String, _ body: String) async throws -> String {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        guard response.status == .ok else { throw BenchError("\(path): \(response.status.code) \(text.prefix(300))") }
        return text
    }
}
