import HTTPTypes
import Hummingbird
import Logging
import SettleCore
import SettleEngine

/// A key as the API shows it: never the secret, never the hash.
struct KeyJSON: Encodable {
    var id: String
    var tenant: UInt64
    var role: String
    var label: String
    var createdAt: Int64
    var revokedAt: Int64?

    init(_ key: APIKey) {
        (id, tenant, role, label, createdAt, revokedAt) = (key.id, key.tenant, key.role.rawValue, key.label, key.createdAt, key.revokedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, tenant, role, label
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

struct NewTenantBody: Decodable {
    var name: String
    var rateLimitPerSecond: Int?
    var rateLimitBurst: Int?
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["name", "rate_limit_per_second", "rate_limit_burst"])
        guard let name = try object.string("name"), (1...200).contains(name.utf8.count) else {
            throw FieldError(code: .invalidField, path: "name", message: "1 to 200 bytes are required")
        }
        self.name = name
        let has = { (key: String) in object.container.contains(AnyKey(stringValue: key)) }
        rateLimitPerSecond = has("rate_limit_per_second") ? try object.number("rate_limit_per_second", Int32.self).nonNegative("rate_limit_per_second") : nil
        rateLimitBurst = has("rate_limit_burst") ? try object.number("rate_limit_burst", Int32.self).nonNegative("rate_limit_burst") : nil
    }
}

struct TenantPatchBody: Decodable {
    var rateLimitPerSecond: Int?
    var rateLimitBurst: Int?
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["rate_limit_per_second", "rate_limit_burst"])
        let has = { (key: String) in object.container.contains(AnyKey(stringValue: key)) }
        rateLimitPerSecond = has("rate_limit_per_second") ? try object.number("rate_limit_per_second", Int32.self).nonNegative("rate_limit_per_second") : nil
        rateLimitBurst = has("rate_limit_burst") ? try object.number("rate_limit_burst", Int32.self).nonNegative("rate_limit_burst") : nil
    }
}

struct NewKeyBody: Decodable {
    var role: Role
    var label: String
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["role", "label"])
        guard let name = try object.string("role"), let role = Role(rawValue: name) else {
            throw FieldError(code: .invalidField, path: "role", message: "one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")) is required")
        }
        self.role = role
        label = try object.string("label") ?? ""
        guard label.utf8.count <= 200 else { throw FieldError(code: .invalidField, path: "label", message: "at most 200 bytes") }
    }
}

extension Int32 {
    fileprivate func nonNegative(_ field: String) throws -> Int {
        guard self >= 0 else { throw FieldError(code: .invalidField, path: field, message: "must not be negative") }
        return Int(self)
    }
}

/// Default rate limit of a new tenant, set by `settle serve`.
public struct TenantDefaults: Sendable {
    public var rateLimitPerSecond: Int
    public var rateLimitBurst: Int
    public init(rateLimitPerSecond: Int = 1_000, rateLimitBurst: Int = 2_000) {
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
    }
}

extension HTTPRoutes {
    func addAdminRoutes(_ router: Router<BasicRequestContext>) {
        route(router, .post, "/v1/tenants") { request, _, api throws(APIError) in
            _ = try api.authorize(bearer: bearer(request), .operator)
            let body = try decode(NewTenantBody.self, try await body(&request))
            let tenant = try await directory(api) { directory in
                try await directory.createTenant(
                    name: body.name, rateLimitPerSecond: body.rateLimitPerSecond ?? tenantDefaults.rateLimitPerSecond,
                    rateLimitBurst: body.rateLimitBurst ?? tenantDefaults.rateLimitBurst)
            }
            return Self.json(tenant, status: .created)
        }
        route(router, .get, "/v1/tenants") { request, _, api throws(APIError) in
            _ = try api.authorize(bearer: bearer(request), .operator)
            return Self.json(["tenants": api.directory.tenants])
        }
        route(router, .get, "/v1/tenants/{tenant}") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .tenantAdmin)
            return Self.json(try visibleTenant(principal, context, api))
        }
        route(router, .patch, "/v1/tenants/{tenant}") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .operator)
            var tenant = try visibleTenant(principal, context, api)
            let patch = try decode(TenantPatchBody.self, try await body(&request))
            tenant.rateLimitPerSecond = patch.rateLimitPerSecond ?? tenant.rateLimitPerSecond
            tenant.rateLimitBurst = patch.rateLimitBurst ?? tenant.rateLimitBurst
            try await directory(api) { [tenant] directory in try await directory.updateTenant(tenant) }
            return Self.json(tenant)
        }
        route(router, .post, "/v1/tenants/{tenant}/keys") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .tenantAdmin)
            let tenant = try keyOwner(principal, context, api)
            let body = try decode(NewKeyBody.self, try await body(&request))
            guard (body.role == .operator) == (tenant == TenantID.system.rawValue) else {
                throw APIError(.invalidField, "role: operator keys belong to tenant 0, and only they do")
            }
            let created = try await directory(api) { directory in try await directory.createKey(tenant: tenant, role: body.role, label: body.label) }
            api.logger.notice("API key created", metadata: ["key": "\(created.key.id)", "tenant": "\(tenant)", "role": "\(body.role.rawValue)", "by": "\(principal.keyID)"])
            return Self.json(CreatedKeyJSON(key: KeyJSON(created.key), secret: created.secret), status: .created)
        }
        route(router, .get, "/v1/tenants/{tenant}/keys") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .tenantAdmin)
            let tenant = try keyOwner(principal, context, api)
            return Self.json(["keys": api.directory.keys(of: tenant).map(KeyJSON.init)])
        }
        route(router, .delete, "/v1/tenants/{tenant}/keys/{key}") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .tenantAdmin)
            let tenant = try keyOwner(principal, context, api)
            guard let id = context.parameters.get("key"), api.directory.key(id)?.tenant == tenant else {
                throw APIError(.notFound, "no such key")
            }
            let revoked = try await directory(api) { directory in try await directory.revokeKey(id) }
            api.logger.notice("API key revoked", metadata: ["key": "\(id)", "tenant": "\(tenant)", "by": "\(principal.keyID)"])
            return Self.json(KeyJSON(revoked!))
        }
    }

    /// The tenant of the path, if the caller may see it: the operator sees all, an admin only
    /// its own, and any other tenant is "not found" — never "forbidden", which would confirm
    /// that it exists.
    private func visibleTenant(_ principal: Principal, _ context: BasicRequestContext, _ api: LedgerAPI) throws(APIError) -> Tenant {
        guard let text = context.parameters.get("tenant"), let id = DecimalCoding.parse64(Substring(text)),
              principal.role == .operator || principal.tenant.rawValue == id, let tenant = api.directory.tenant(id) else {
            throw APIError(.notFound, "no such tenant")
        }
        return tenant
    }

    /// The tenant whose keys the path names: as `visibleTenant`, and tenant 0 (the operators')
    /// for the operator.
    private func keyOwner(_ principal: Principal, _ context: BasicRequestContext, _ api: LedgerAPI) throws(APIError) -> UInt64 {
        if principal.role == .operator, context.parameters.get("tenant") == "0" { return 0 }
        return try visibleTenant(principal, context, api).id
    }

    private func directory<T: Sendable>(_ api: LedgerAPI, _ body: (Directory) async throws -> T) async throws(APIError) -> T {
        do {
            return try await body(api.directory)
        } catch {
            throw APIError.wrapping(error)
        }
    }
}

struct CreatedKeyJSON: Encodable {
    var key: KeyJSON
    /// Shown once; only its hash is stored.
    var secret: String
}
