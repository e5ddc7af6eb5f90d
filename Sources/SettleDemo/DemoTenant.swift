import Foundation
import NIOHTTP1

/// Creates the marketplace's tenant and an admin key through the operator API.
public enum DemoTenant {
    public static func create(baseURL: String, operatorKey: String, name: String = "marketplace") async throws -> String {
        let admin = DemoHTTP(baseURL: baseURL, key: operatorKey)
        struct Tenant: Decodable { var id: UInt64 }
        struct Key: Decodable { var secret: String }
        let tenant = try await admin.call(.POST, "/v1/tenants", body: #"{"name": "\#(name)", "rate_limit_per_second": 0}"#, as: Tenant.self)
        return try await admin.call(.POST, "/v1/tenants/\(tenant.id)/keys", body: #"{"role": "admin"}"#, as: Key.self).secret
    }
}
