import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SettleAPI
import SettleClient
import SettleCore
import SettleEngine

/// A real `SettleServer` on loopback ports chosen by the kernel, over a temporary data
/// directory, for one test.
struct LiveServer: Sendable {
    static let operatorKey = "sk_test_operator_0123456789abcdef0123456789abcdef"

    let directory: String
    let httpPort: Int
    let grpcPort: Int
    /// Nil when only a bare router is listening.
    let server: SettleServer?

    /// Starts a server, runs `body`, shuts the server down gracefully (also when `body`
    /// throws). Pass `directory` to restart on an existing one.
    static func with<R: Sendable>(
        directory: String? = nil, configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: (LiveServer) async throws -> R
    ) async throws -> R {
        let directory = directory ?? temporaryDirectory()
        var configuration = ServerConfiguration(engine: EngineConfiguration(directory: directory, partitionCount: 2))
        configuration.httpPort = 0
        configuration.grpcPort = 0
        configuration.operatorKey = operatorKey
        configuration.logger.logLevel = .warning
        configure(&configuration)
        let server = SettleServer(configuration: configuration, shutdownSignals: [])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                let ports = try await server.ports()
                let live = LiveServer(directory: directory, httpPort: ports.http, grpcPort: ports.grpc, server: server)
                try await live.waitUntilReady()
                let result = try await body(live)
                await server.shutdown()
                try await group.waitForAll()
                return result
            } catch {
                await server.shutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    func waitUntilReady() async throws {
        for _ in 0..<500 {
            if (try? await request(.GET, "/health/ready").status) == 200 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("server never became ready")
    }

    struct HTTPReply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String

        /// The body as JSON.
        var json: [String: any Sendable] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: any Sendable] ?? [:]
        }

        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// One HTTP request over loopback.
    func request(_ method: HTTPMethod, _ path: String, key: String? = nil, body: String? = nil,
                 headers: [(String, String)] = []) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(httpPort)\(path)")
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return HTTPReply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                         body: String(buffer: bytes))
    }

    /// Creates a tenant as the operator and an admin key for it.
    func newTenant(_ name: String = "tenant") async throws -> (id: UInt64, key: String) {
        let tenant = try await request(.POST, "/v1/tenants", key: Self.operatorKey, body: #"{"name": "\#(name)"}"#)
        guard tenant.status == 201, let id = (tenant.json["id"] as? NSNumber)?.uint64Value else { throw TestFailure("tenant: \(tenant.body)") }
        return (id, try await newKey(tenant: id, role: "admin"))
    }

    func newKey(tenant: UInt64, role: String, as key: String = LiveServer.operatorKey) async throws -> String {
        let reply = try await request(.POST, "/v1/tenants/\(tenant)/keys", key: key, body: #"{"role": "\#(role)"}"#)
        guard reply.status == 201, let secret = reply.json["secret"] as? String else { throw TestFailure("key: \(reply.body)") }
        return secret
    }

    /// A gRPC client for `key`.
    func client<R: Sendable>(key: String, sessions: Int = 2, _ body: (SettleClient) async throws -> R) async throws -> R {
        var configuration = SettleClient.Configuration(port: grpcPort, apiKey: key)
        configuration.sessions = sessions
        configuration.attempts = 3
        return try await SettleClient.withClient(configuration, body)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it for a socket that
/// is then closed), for a test that must know a server's port before the server starts.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "settle-api-\(UUID().uuidString)"
    return path
}

/// JSON for accounts 1...n on ledger 1.
func accountsJSON(_ ids: ClosedRange<Int>, flags: String = "[]") -> String {
    #"{"accounts": ["# + ids.map { #"{"id": "\#($0)", "ledger": 1, "code": 1, "flags": \#(flags)}"# }.joined(separator: ",") + "]}"
}

func transferJSON(_ id: Int, from debit: Int = 1, to credit: Int = 2, amount: String = "10") -> String {
    #"{"transfers": [{"id": "\#(id)", "debit_account_id": "\#(debit)", "credit_account_id": "\#(credit)", "amount": "\#(amount)", "ledger": 1, "code": 1}]}"#
}
