import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The demo's client: plain HTTP/JSON against a running `settle serve`, exactly as a payments
/// team's service would call it.
struct DemoHTTP: Sendable {
    let baseURL: String
    let key: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }

    /// A request that must succeed, decoded as `T`.
    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = [],
                            as type: T.Type = T.self) async throws -> T {
        let (status, data) = try await send(method, path, body: body, headers: headers)
        guard (200..<300).contains(status) else {
            throw Failure(description: "\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// The replies the demo reads.
enum DemoJSON {
    struct Chart: Decodable {
        struct Ledger: Decodable {
            var currency: String
            var accounts: [String: String]
        }
        var ledgers: [Ledger]
    }

    struct Steps: Decodable {
        struct Item: Decodable {
            struct Step: Decodable { var applied: Bool; var amount: String }
            struct Error: Decodable { var code: String; var message: String }
            var intent: String
            var step: Step?
            var error: Error?
        }
        var results: [Item]
    }

    struct Transfers: Decodable {
        struct Transfer: Decodable {
            var id: String
            var debitAccountID: String
            var creditAccountID: String
            var amount: String
            var userData128: String
            var timestamp: String
            enum CodingKeys: String, CodingKey {
                case id, amount, timestamp
                case debitAccountID = "debit_account_id", creditAccountID = "credit_account_id", userData128 = "user_data_128"
            }
        }
        var transfers: [Transfer]
    }
}
