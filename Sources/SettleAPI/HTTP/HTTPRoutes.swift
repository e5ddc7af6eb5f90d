import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SettleCore
import SettleEngine

/// The HTTP/JSON API (docs/openapi.json is its contract; a test holds the two together).
///
/// Every route goes through `route`, which resolves the ledger API (503 while recovering),
/// turns any `APIError` into the one JSON error shape, and records the route's metrics under
/// its path pattern.
public struct HTTPRoutes: Sendable {
    let state: ServerState
    /// Largest request body accepted; larger ones get 413 before they are parsed.
    let maxBodyBytes: Int
    let tenantDefaults: TenantDefaults

    public static let defaultMaxBodyBytes = 8 << 20

    public init(state: ServerState, maxBodyBytes: Int = HTTPRoutes.defaultMaxBodyBytes, tenantDefaults: TenantDefaults = TenantDefaults()) {
        self.tenantDefaults = tenantDefaults
        self.state = state
        self.maxBodyBytes = maxBodyBytes
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        addOperationRoutes(router)
        addLedgerRoutes(router)
        addAdminRoutes(router)
        addPaymentRoutes(router)
        addReconRoutes(router)
        // Added last, it still wraps the router's not-found responder.
        let routes = router.routes.map { ($0.method, $0.path.description.split(separator: "/").map(String.init)) }
        router.add(middleware: UnmatchedRouteMiddleware(routes: routes))
        return router
    }

    typealias Handler = @Sendable (inout Request, BasicRequestContext, LedgerAPI) async throws(APIError) -> Response

    func route(_ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let label = "\(method.rawValue) \(path)"
        router.on(RouterPath(path), method: method) { [state] request, context in
            let start = ContinuousClock.now
            var request = request
            let response: Response
            do throws(APIError) {
                response = try await handler(&request, context, try state.ready())
            } catch {
                response = Self.errorResponse(state.resolved(error), uri: request.uri.description)
            }
            state.metrics.recordRequest(api: "http", route: label, status: String(response.status.code), duration: ContinuousClock.now - start)
            return response
        }
    }

    // MARK: Request helpers

    func bearer(_ request: Request) -> String? {
        request.headers[.authorization].flatMap(LedgerAPI.bearerToken)
    }

    func body(_ request: inout Request) async throws(APIError) -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.bodyTooLarge, "the body is larger than \(maxBodyBytes) bytes")
        } catch {
            throw APIError(.malformedRequest, "the body could not be read")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws(APIError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as FieldError {
            throw APIError(error.code, "\(error.path): \(error.message)")
        } catch let error as DecodingError {
            throw Self.apiError(error)
        } catch {
            throw APIError(.malformedRequest, "the body is not valid JSON")
        }
    }

    static func apiError(_ error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(let type, let context):
            return APIError(.invalidField, "\(jsonPath(context.codingPath)): \(expected(type)) is expected")
        case .valueNotFound(let type, let context):
            return APIError(.invalidField, "\(jsonPath(context.codingPath)): \(expected(type)) is expected, not null")
        case .keyNotFound(let key, let context):
            return APIError(.invalidField, "\(jsonPath(context.codingPath, key.stringValue)): required")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return APIError(.malformedRequest, "the body is not valid JSON")
        case .dataCorrupted(let context):
            return APIError(.invalidField, "\(jsonPath(context.codingPath)): \(context.debugDescription)")
        @unknown default:
            return APIError(.malformedRequest, "the body could not be decoded")
        }
    }

    private static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is any BinaryInteger.Type: "an integer"
        case is [Any].Type: "an array"
        default: "another type"
        }
    }

    /// The `min_op` query parameter: the commit position (a write reply's `op`) a read must
    /// see; 0 when absent.
    func minOp(_ request: Request) throws(APIError) -> UInt64 {
        guard let text = request.uri.queryParameters["min_op"] else { return 0 }
        guard let op = DecimalCoding.parse64(text) else { throw APIError(.invalidField, "min_op: a decimal from 0 to 2^64-1 is expected") }
        return op
    }

    /// A 128-bit id in a path segment.
    func pathID(_ context: BasicRequestContext, _ name: String) throws(APIError) -> UInt128 {
        guard let text = context.parameters.get(name), let id = DecimalCoding.parse128(Substring(text)) else {
            throw APIError(.invalidField, "\(name): a decimal id from 0 to 2^128-1 is expected")
        }
        return id
    }

    // MARK: Responses

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Our own types always encode.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `uri`: the request's path and query, which a redirect to the writer node keeps.
    static func errorResponse(_ error: APIError, uri: String = "") -> Response {
        var response = json(ErrorBody(error: .init(code: error.code.rawValue, message: error.message)), status: error.httpStatus)
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        if let writer = error.writer { response.headers[.location] = "http://\(writer.http)\(uri)" }
        return response
    }
}
