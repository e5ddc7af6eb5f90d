import Foundation
import Hummingbird
import NIOHTTP1
import Testing
@testable import SettleAPI
import SettleCore

/// docs/openapi.json against the server, both ways: the routes are the documented ones, the
/// document's vocabulary (error codes, result codes, flags, limits) is the server's, and a live
/// server's answers — success and error — have documented statuses and bodies of the
/// documented shapes.
@Suite("OpenAPI conformance")
struct OpenAPIConformanceTests {
    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws {
        let document = try OpenAPIDocument.load()
        let router = HTTPRoutes(state: ServerState(metrics: APIMetrics())).router()
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = Set(document.operations.map(\.name))
        #expect(served.count == 20)
        #expect(served.subtracting(documented).isEmpty, "served, not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented, not served: \(documented.subtracting(served).sorted())")
    }

    @Test func theDocumentSpeaksTheServersVocabulary() throws {
        let document = try OpenAPIDocument.load()
        let schemas = document.schemas
        #expect(document.enumeration(schemas["Error"], "error", "code") == APIError.Code.allCases.map(\.rawValue))
        #expect(document.enumeration(schemas["CreateAccountResult"])
                == CreateAccountResult.allCases.filter { $0 != .ok }.map { snakeCase("\($0)") })
        #expect(document.enumeration(schemas["CreateTransferResult"])
                == CreateTransferResult.allCases.filter { $0 != .ok }.map { snakeCase("\($0)") })
        #expect(document.enumeration(schemas["AccountFlag"]) == FlagNames.account.map(\.0))
        #expect(document.enumeration(schemas["TransferFlag"]) == FlagNames.transfer.map(\.0))
        #expect(document.enumeration(schemas["Role"]) == Role.allCases.map(\.rawValue))
        for (schema, field) in [("CreateAccountsRequest", "accounts"), ("CreateTransfersRequest", "transfers"), ("IDsRequest", "ids")] {
            let array = try #require(document.property(schemas[schema], field))
            #expect(array["minItems"] as? Int == 1 && array["maxItems"] as? Int == StateMachine.batchEventsMax, "\(schema)")
        }

        for operation in document.operations {
            // Only health and metrics are open; everything else takes the global bearer scheme.
            #expect(operation.isOpen == (operation.name.hasPrefix("GET /health/") || operation.name == "GET /metrics"), "\(operation.name)")
            // Each error status lists exactly the codes the server answers with that status.
            for (status, response) in operation.object["responses"] as? [String: Any] ?? [:] {
                let schema = document.schema(document.resolved(response), "application/json")
                for code in document.enumeration(schema, "error", "code") {
                    let mapped = APIError.Code(rawValue: code).map { Int(APIError($0, "").httpStatus.code) }
                    #expect(mapped == Int(status), "\(operation.name): \(code) is documented under \(status)")
                }
            }
        }
        for (name, schema) in schemas {
            #expect(document.validator.unsupported(in: schema as? [String: Any] ?? [:], at: name).isEmpty)
        }
    }

    @Test func everyOperationSucceedsWithTheDocumentedShape() async throws {
        let document = try OpenAPIDocument.load()
        try await LiveServer.with { server async throws in
            let probe = ConformanceProbe(document: document, server: server)
            let op = LiveServer.operatorKey
            try await probe.call(.GET, "/health/live", expect: 200)
            try await probe.call(.GET, "/health/ready", expect: 200)
            let metrics = try await probe.call(.GET, "/metrics", expect: 200)
            #expect(metrics.body.contains("# TYPE"))

            let created = try await probe.call(.POST, "/v1/tenants", key: op, body: #"{"name": "conformance", "rate_limit_per_second": 0}"#, expect: 201)
            let tenant = try #require((created.json["id"] as? NSNumber)?.uint64Value)
            try await probe.call(.GET, "/v1/tenants", key: op, expect: 200)
            try await probe.call(.GET, "/v1/tenants/\(tenant)", key: op, expect: 200)
            try await probe.call(.PATCH, "/v1/tenants/\(tenant)", key: op, body: #"{"rate_limit_burst": 10}"#, expect: 200)
            let admin = try await probe.call(.POST, "/v1/tenants/\(tenant)/keys", key: op, body: #"{"role": "admin", "label": "ci"}"#, expect: 201)
            let key = try #require((admin.json["secret"]) as? String)

            let accounts = #"{"accounts": [{"id": "1", "ledger": 1, "code": 1, "flags": ["history"]}, {"id": "2", "ledger": 1, "code": 1, "user_data_128": "340282366920938463463374607431768211455"}, {"id": "0", "ledger": 1, "code": 1}]}"#
            let first = try await probe.call(.POST, "/v1/accounts", key: key, body: accounts, headers: [("Idempotency-Key", "accounts-1")], expect: 200)
            #expect(first.body.contains(#"{"index":2,"result":"id_must_not_be_zero"}"#))
            let replay = try await probe.call(.POST, "/v1/accounts", key: key, body: accounts, headers: [("Idempotency-Key", "accounts-1")], expect: 200)
            #expect(replay.body == first.body)
            let transfers = #"{"transfers": [{"id": "1", "debit_account_id": "1", "credit_account_id": "2", "amount": "10", "ledger": 1, "code": 7, "user_data_32": 4294967295}, {"id": "2", "debit_account_id": "9", "credit_account_id": "2", "amount": "1", "ledger": 1, "code": 7}]}"#
            let posted = try await probe.call(.POST, "/v1/transfers", key: key, body: transfers, expect: 200)
            #expect(posted.body.contains(#"{"index":1,"result":"debit_account_not_found"}"#))

            let found = try await probe.call(.POST, "/v1/accounts/lookup", key: key, body: #"{"ids": ["2", "1", "3"]}"#, expect: 200)
            #expect((found.json["accounts"] as? [[String: Any]])?.map { $0["id"] as? String } == ["2", "1"])
            let lookup = try await probe.call(.POST, "/v1/transfers/lookup", key: key, body: #"{"ids": ["1", "2"]}"#, expect: 200)
            #expect((lookup.json["transfers"] as? [Any])?.count == 1)
            let account = try await probe.call(.GET, "/v1/accounts/1", key: key, expect: 200)
            #expect(account.json["debits_posted"] as? String == "10" && account.json["flags"] as? [String] == ["history"])
            try await probe.call(.GET, "/v1/transfers/1", key: key, expect: 200)
            let query = "timestamp_min=0&timestamp_max=0&user_data_128=0&user_data_64=0&user_data_32=4294967295&code=7&limit=10&debits=true&credits=false&reversed=true"
            let history = try await probe.call(.GET, "/v1/accounts/1/transfers?\(query)", key: key, expect: 200)
            #expect((history.json["transfers"] as? [Any])?.count == 1)
            let balances = try await probe.call(.GET, "/v1/accounts/1/balances?\(query)", key: key, expect: 200)
            #expect((balances.json["balances"] as? [[String: Any]])?.first?["debits_posted"] as? String == "10")
            let queried = try await probe.call(.POST, "/v1/accounts/query", key: key, body: #"{"ledger": 1, "code": 1, "limit": 10, "reversed": true}"#, expect: 200)
            #expect((queried.json["accounts"] as? [[String: Any]])?.map { $0["id"] as? String } == ["2", "1"])
            let matching = try await probe.call(.POST, "/v1/transfers/query", key: key, body: #"{"user_data_32": 4294967295, "timestamp_min": "1"}"#, expect: 200)
            #expect((matching.json["transfers"] as? [Any])?.count == 1)
            // A limit of 0 returns nothing; one above a batch is capped, not refused.
            let none = try await probe.call(.GET, "/v1/accounts/1/transfers?limit=0", key: key, expect: 200)
            #expect((none.json["transfers"] as? [Any])?.isEmpty == true)
            try await probe.call(.POST, "/v1/accounts/query", key: key, body: #"{"limit": 4294967295}"#, expect: 200)

            let reader = try await probe.call(.POST, "/v1/tenants/\(tenant)/keys", key: key, body: #"{"role": "read"}"#, expect: 201)
            let readerID = try #require((reader.json["key"] as? [String: Any])?["id"] as? String)
            let revoked = try await probe.call(.DELETE, "/v1/tenants/\(tenant)/keys/\(readerID)", key: key, expect: 200)
            #expect(revoked.json["revoked_at"] is NSNumber)
            let keys = try await probe.call(.GET, "/v1/tenants/\(tenant)/keys", key: key, expect: 200)
            let listed = try #require(keys.json["keys"] as? [[String: Any]])
            #expect(listed.count == 2 && listed.filter { $0["revoked_at"] != nil }.map { $0["id"] as? String } == [readerID])

            let missed = Set(document.operations.map(\.name)).subtracting(probe.succeeded)
            #expect(missed.isEmpty, "documented operations never answered 2xx: \(missed.sorted())")
        }
    }

    @Test func errorsAnswerWithDocumentedStatusesCodesAndBodies() async throws {
        let document = try OpenAPIDocument.load()
        try await LiveServer.with { server async throws in
            let probe = ConformanceProbe(document: document, server: server)
            // Every operation but health and metrics wants a key.
            for operation in document.operations where !operation.isOpen {
                let path = operation.path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{tenant}", with: "1")
                    .replacingOccurrences(of: "{key}", with: "0123456789abcdef")
                try await probe.call(operation.method, path, body: operation.method == .GET || operation.method == .DELETE ? nil : "{}",
                                     expect: 401, code: "unauthenticated")
            }
            let tenant = try await server.newTenant("errors")
            let reader = try await server.newKey(tenant: tenant.id, role: "read", as: tenant.key)
            try await probe.call(.POST, "/v1/accounts", key: reader, body: accountsJSON(1...1), expect: 403, code: "permission_denied")
            try await probe.call(.GET, "/v1/accounts/1", key: LiveServer.operatorKey, expect: 403, code: "permission_denied")
            try await probe.call(.POST, "/v1/tenants", key: tenant.key, body: #"{"name": "x"}"#, expect: 403, code: "permission_denied")
            try await probe.call(.PATCH, "/v1/tenants/\(tenant.id)", key: tenant.key, body: "{}", expect: 403, code: "permission_denied")

            try await probe.call(.GET, "/v1/accounts/1", key: reader, expect: 404, code: "not_found")
            try await probe.call(.GET, "/v1/transfers/1", key: reader, expect: 404, code: "not_found")
            try await probe.call(.GET, "/v1/tenants/\(tenant.id + 1)", key: tenant.key, expect: 404, code: "not_found")
            try await probe.call(.DELETE, "/v1/tenants/\(tenant.id)/keys/nope", key: tenant.key, expect: 404, code: "not_found")

            let invalid = [
                #"{"transfers": [{"id": "1", "amount": "-1"}]}"#, #"{"transfers": [{"id": 1}]}"#, #"{"transfers": [{"code": 65536}]}"#,
                #"{"transfers": [{"code": 1.5}]}"#, #"{"transfers": [{"ledger": "1"}]}"#, #"{"transfers": [{"flags": "pending"}]}"#,
            ]
            for body in invalid {
                try await probe.call(.POST, "/v1/transfers", key: tenant.key, body: body, expect: 400, code: "invalid_field", requestConforms: false)
            }
            // 2^128: the pattern admits 39 digits, so only the server can refuse this one.
            try await probe.call(.POST, "/v1/transfers", key: tenant.key, body: #"{"transfers": [{"id": "340282366920938463463374607431768211456"}]}"#,
                                 expect: 400, code: "invalid_field")
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: #"{"accounts": [{"id": "1", "ledgr": 1}]}"#,
                                 expect: 400, code: "unknown_field", requestConforms: false)
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: #"{"accounts": [{"id": "1", "flags": ["pending"]}]}"#,
                                 expect: 400, code: "unknown_flag", requestConforms: false)
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: #"{"accounts": []}"#,
                                 expect: 400, code: "batch_size_out_of_range", requestConforms: false)
            try await probe.call(.POST, "/v1/accounts/lookup", key: tenant.key, body: #"{"ids": []}"#,
                                 expect: 400, code: "batch_size_out_of_range", requestConforms: false)
            try await probe.call(.POST, "/v1/transfers/query", key: tenant.key, body: #"{"limit": -1}"#,
                                 expect: 400, code: "invalid_field", requestConforms: false)
            try await probe.call(.POST, "/v1/tenants", key: LiveServer.operatorKey, body: #"{"name": ""}"#,
                                 expect: 400, code: "invalid_field", requestConforms: false)
            try await probe.call(.POST, "/v1/tenants/\(tenant.id)/keys", key: tenant.key, body: #"{"role": "operator"}"#, expect: 400, code: "invalid_field")
            try await probe.call(.POST, "/v1/transfers", key: tenant.key, body: "{", expect: 400, code: "malformed_request")
            try await probe.call(.GET, "/v1/accounts/x1", key: tenant.key, expect: 400, code: "invalid_field")
            for query in ["limit=4294967296", "debits=false&credits=false", "user_data_32=4294967296", "code=65536", "reversed=yes", "timestamp_min=-1"] {
                try await probe.call(.GET, "/v1/accounts/1/transfers?\(query)", key: tenant.key, expect: 400, code: "invalid_field")
            }
            try await probe.call(.GET, "/v1/accounts/1/balances?ledger=1", key: tenant.key, expect: 400, code: "unknown_field")
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...1), headers: [("Idempotency-Key", "has space")],
                                 expect: 400, code: "invalid_field")

            let huge = #"{"accounts": [], "padding": ""# + String(repeating: "x", count: 9 << 20) + #""}"#
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: huge, expect: 413, code: "body_too_large")

            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...1), headers: [("Idempotency-Key", "k")], expect: 200)
            try await probe.call(.POST, "/v1/accounts", key: tenant.key, body: accountsJSON(1...2), headers: [("Idempotency-Key", "k")],
                                 expect: 422, code: "idempotency_key_reused")

            try await probe.call(.PATCH, "/v1/tenants/\(tenant.id)", key: LiveServer.operatorKey,
                                 body: #"{"rate_limit_per_second": 1, "rate_limit_burst": 1}"#, expect: 200)
            // One token a second, burst 1: the first request takes the only token and the next is
            // refused — unless the machine stalls for a second, so allow a few tries.
            var statuses: [Int] = []
            var limited: LiveServer.HTTPReply?
            while limited == nil, statuses.count < 5 {
                let reply = try await probe.call(.GET, "/v1/accounts/1", key: tenant.key, expect: 200, 429)
                statuses.append(reply.status)
                if reply.status == 429 { limited = reply }
            }
            #expect(statuses.first == 200 && limited?.errorCode == "rate_limited", "\(statuses)")
            #expect(Int(limited?.header("Retry-After") ?? "") == 1)
        }
    }
}

/// docs/openapi.json, parsed, with the look-ups the tests need.
struct OpenAPIDocument {
    struct Operation {
        var method: HTTPMethod
        var path: String
        var object: [String: Any]
        var name: String { "\(method.rawValue) \(path)" }
        /// Overrides the global bearer requirement with none.
        var isOpen: Bool { (object["security"] as? [Any])?.isEmpty == true }
    }

    let root: [String: Any]
    var validator: JSONSchemaValidator { JSONSchemaValidator(document: root) }

    /// Reads the document from the repository this file is in.
    static func load(from file: String = #filePath) throws -> OpenAPIDocument {
        var url = URL(fileURLWithPath: file)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            guard url.pathComponents.count > 1 else { throw TestFailure("no Package.swift above \(file)") }
            url.deleteLastPathComponent()
        }
        let data = try Data(contentsOf: url.appendingPathComponent("docs/openapi.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestFailure("openapi.json is not an object") }
        return OpenAPIDocument(root: root)
    }

    /// Every documented method and path, in name order.
    var operations: [Operation] {
        let paths = root["paths"] as? [String: [String: Any]] ?? [:]
        return paths.flatMap { path, item in
            item.compactMap { method, object in
                (object as? [String: Any]).map { Operation(method: HTTPMethod(rawValue: method.uppercased()), path: path, object: $0) }
            }
        }.sorted { $0.name < $1.name }
    }

    var schemas: [String: Any] { (root["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:] }

    /// The operation a request reaches; literal segments win over parameters, as in the router.
    func operation(_ method: HTTPMethod, _ path: String) -> Operation? {
        let segments = path.split(separator: "/")
        return operations.filter { operation in
            let template = operation.path.split(separator: "/")
            return operation.method == method && template.count == segments.count
                && zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.min { $0.path.filter { $0 == "{" }.count < $1.path.filter { $0 == "{" }.count }
    }

    /// `object` itself, or what its `$ref` points to.
    func resolved(_ object: Any?) -> [String: Any]? {
        guard let object = object as? [String: Any] else { return nil }
        guard let reference = object["$ref"] as? String else { return object }
        return resolved(validator.resolve(reference))
    }

    /// The schema of a request or response body for a media type.
    func schema(_ body: [String: Any]?, _ mediaType: String) -> [String: Any]? {
        ((body?["content"] as? [String: Any])?[mediaType] as? [String: Any])?["schema"] as? [String: Any]
    }

    /// A nested property's schema: `property(schema, "error", "code")`.
    func property(_ schema: Any?, _ names: String...) -> [String: Any]? {
        names.reduce(resolved(schema)) { node, name in resolved((node?["properties"] as? [String: Any])?[name]) }
    }

    /// The `enum` of a schema, or of a property nested in it.
    func enumeration(_ schema: Any?, _ names: String...) -> [String] {
        let node = names.reduce(resolved(schema)) { node, name in resolved((node?["properties"] as? [String: Any])?[name]) }
        return node?["enum"] as? [String] ?? []
    }
}

/// Sends requests to a live server and holds each answer to the document: the status must be
/// documented for the operation, a JSON body must match that status's schema, and the
/// response's required headers must be present and valid. Remembers which operations
/// answered 2xx. Request bodies are checked too: those the server accepts must fit the
/// documented request schema, and those marked `requestConforms: false` must not.
final class ConformanceProbe {
    let document: OpenAPIDocument
    let server: LiveServer
    private(set) var succeeded: Set<String> = []

    init(document: OpenAPIDocument, server: LiveServer) {
        self.document = document
        self.server = server
    }

    @discardableResult
    func call(
        _ method: HTTPMethod, _ path: String, key: String? = nil, body: String? = nil, headers: [(String, String)] = [],
        expect statuses: Int..., code: String? = nil, requestConforms: Bool? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> LiveServer.HTTPReply {
        let operation = try #require(document.operation(method, String(path.prefix { $0 != "?" })), "\(method) \(path) is not documented",
                                     sourceLocation: sourceLocation)
        let name = operation.name
        if let body, let conforms = requestConforms ?? (statuses.allSatisfy { $0 < 300 } ? true : nil) {
            let schema = document.schema(document.resolved(operation.object["requestBody"]), "application/json") ?? [:]
            let errors = document.validator.errors(of: try JSONSerialization.jsonObject(with: Data(body.utf8)), against: schema)
            #expect(errors.isEmpty == conforms, "\(name): the request \(conforms ? "breaks" : "fits") its schema: \(errors)", sourceLocation: sourceLocation)
        }
        let reply = try await server.request(method, path, key: key, body: body, headers: headers)
        #expect(statuses.contains(reply.status), "\(name): \(reply.status) \(reply.body.prefix(300))", sourceLocation: sourceLocation)
        if let code { #expect(reply.errorCode == code, "\(name): \(reply.body.prefix(300))", sourceLocation: sourceLocation) }
        guard let response = document.resolved((operation.object["responses"] as? [String: Any])?[String(reply.status)]) else {
            Issue.record("\(name) answered \(reply.status), which is not documented for it", sourceLocation: sourceLocation)
            return reply
        }
        let contentType = reply.header("Content-Type") ?? ""
        if let schema = document.schema(response, "application/json") {
            #expect(contentType.hasPrefix("application/json"), "\(name): Content-Type \(contentType)", sourceLocation: sourceLocation)
            let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8), options: .fragmentsAllowed)
            let errors = json.map { document.validator.errors(of: $0, against: schema) } ?? ["the body is not JSON: \(reply.body.prefix(300))"]
            #expect(errors.isEmpty, "\(name) \(reply.status): \(errors)", sourceLocation: sourceLocation)
        } else {
            // Only /metrics answers text; its body is Prometheus' format, not JSON.
            #expect(document.schema(response, "text/plain") != nil && contentType.hasPrefix("text/plain"),
                    "\(name): Content-Type \(contentType)", sourceLocation: sourceLocation)
        }
        for (header, spec) in response["headers"] as? [String: Any] ?? [:] {
            guard let spec = document.resolved(spec), spec["required"] as? Bool == true else { continue }
            let errors = reply.header(header).map { document.validator.errors(of: $0, against: spec["schema"] as? [String: Any] ?? [:]) }
            #expect(errors == [], "\(name) \(reply.status): header \(header): \(reply.header(header) ?? "absent")", sourceLocation: sourceLocation)
        }
        if (200..<300).contains(reply.status) { succeeded.insert(name) }
        return reply
    }
}
