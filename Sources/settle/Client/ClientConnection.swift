import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `--url` and `--key`, shared by every `settle payments` and `settle recon` subcommand.
struct ClientOptions: ParsableArguments {
    static let defaultURL = "http://127.0.0.1:7700"

    @Option(help: ArgumentHelp("The server's HTTP/JSON address (default: $SETTLE_URL, else \(ClientOptions.defaultURL)).", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("The tenant's API key (default: $SETTLE_API_KEY; the environment keeps it out of `ps`).", valueName: "key"))
    var key: String?

    func validate() throws { _ = try connection() }

    /// The connection the options name, the environment filling in what the command line does not.
    func connection() throws -> ClientConnection {
        let environment = ProcessInfo.processInfo.environment
        var base = url ?? environment["SETTLE_URL"] ?? Self.defaultURL
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw ValidationError("--url: an http:// or https:// address is expected, not \(base)")
        }
        while base.hasSuffix("/") { base.removeLast() }
        guard let key = key ?? environment["SETTLE_API_KEY"], !key.isEmpty else {
            throw ValidationError("an API key is required: --key or SETTLE_API_KEY")
        }
        return ClientConnection(baseURL: base, key: key)
    }
}

/// The one place the CLI talks HTTP: a request to the server, its reply, and what a failure
/// prints. An error reply prints `error: <code>: <message>` to stderr and exits 1; a server
/// that cannot be reached prints `error: unreachable: ...` and exits 69 (EX_UNAVAILABLE), so a
/// script can tell a refusal (do not retry as is) from a transport failure (retry).
struct ClientConnection: Sendable {
    let baseURL: String
    let key: String

    static let timeout = TimeAmount.seconds(120)
    /// A recon report of a large statement is the biggest reply; far below this.
    static let replyBytesMax = 256 << 20

    /// The methods the API's routes use; NIO's type stays inside this file.
    enum Method: Sendable {
        case get, post

        var nio: HTTPMethod { self == .get ? .GET : .POST }
    }

    struct Reply: Sendable {
        var status: Int
        var contentType: String
        var body: Data

        var isJSON: Bool { contentType.hasPrefix("application/json") }
    }

    /// Sends the request and returns a 2xx reply; anything else is printed and exits non-zero.
    func call(_ method: Method, _ path: String, query: [(String, String?)] = [], headers: [(String, String)] = [],
              body: Data? = nil) async throws -> Reply {
        let url = baseURL + path + Self.queryString(query)
        var request = HTTPClientRequest(url: url)
        request.method = method.nio
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        // One request per process: a client of its own that fails at once when the server is
        // not there (the shared client retries the connection until the deadline, 90 s and more
        // of silence); the caller decides whether to retry.
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let outcome: Result<Reply, any Error>
        do {
            let response = try await http.execute(request, timeout: Self.timeout)
            let bytes = try await response.body.collect(upTo: Self.replyBytesMax)
            outcome = .success(Reply(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "",
                                     body: Data(bytes.readableBytesView)))
        } catch {
            outcome = .failure(error)
        }
        try? await http.shutdown()
        let reply: Reply
        switch outcome {
        case .success(let value):
            reply = value
        case .failure(let error):
            Self.fail("unreachable", "\(method.nio) \(baseURL)\(path): \(error)")
            throw ExitCode(69)
        }
        guard (200..<300).contains(reply.status) else {
            let (code, message) = Self.errorFields(reply)
            Self.fail(code, message)
            throw ExitCode.failure
        }
        return reply
    }

    /// A JSON body: an `Encodable` request with snake_case keys in a stable order.
    static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Prints a reply on stdout: JSON pretty-printed, anything else (a CSV or HTML report) as is.
    static func emit(_ reply: Reply) {
        var bytes = reply.isJSON ? Data(JSONLayout.pretty(reply.body).utf8) : reply.body
        if let last = bytes.last, last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        FileHandle.standardOutput.write(bytes)
    }

    /// The server's `{"error": {"code", "message"}}`, or the status and body when a reply is
    /// not in that shape (a proxy's page, say).
    private static func errorFields(_ reply: Reply) -> (String, String) {
        struct Envelope: Decodable {
            struct Fields: Decodable { var code: String; var message: String }
            var error: Fields
        }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: reply.body) {
            return (envelope.error.code, envelope.error.message)
        }
        let text = String(decoding: reply.body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return ("http_\(reply.status)", text.isEmpty ? "the server answered \(reply.status) with no error body" : text)
    }

    private static func fail(_ code: String, _ message: String) {
        FileHandle.standardError.write(Data("error: \(code): \(message)\n".utf8))
    }

    /// `?a=1&b=2` from the pairs that have a value, each percent-encoded.
    private static func queryString(_ query: [(String, String?)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;")
        let pairs = query.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" }
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }
}
