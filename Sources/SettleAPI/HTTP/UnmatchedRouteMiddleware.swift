import HTTPTypes
import Hummingbird

/// Answers requests no route matched in the API's one error shape: 405 with `Allow` when the
/// path exists under other methods, else 404 — instead of Hummingbird's empty 404 for both.
struct UnmatchedRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's method and path segments (`{name}` matches any one segment).
    let routes: [(method: HTTPRequest.Method, segments: [String])]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path.split(separator: "/").map(String.init)
            let allowed = routes.filter { Self.matches($0.segments, path) }.map(\.method.rawValue)
            guard !allowed.isEmpty else { return HTTPRoutes.errorResponse(APIError(.notFound, "no such route")) }
            var response = HTTPRoutes.errorResponse(APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here"))
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    private static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        pattern.count == path.count && zip(pattern, path).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
