import SettleCore

/// What a key may do. Each role includes the ones after it, except `operator`, which manages
/// tenants and has no ledger of its own.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Creates tenants and keys for any tenant; reads no ledger.
    case `operator`
    /// Manages its own tenant's keys, and writes and reads its ledger.
    case admin
    case write
    case read

    var canWrite: Bool { self == .admin || self == .write }
    var canRead: Bool { self != .operator }
}

/// Who is calling: derived from the API key alone, never from a request field.
public struct Principal: Sendable, Equatable {
    public var tenant: TenantID
    public var role: Role
    public var keyID: String
}

/// A tenant: an isolated ledger with its own keys and rate limit.
public struct Tenant: Codable, Sendable, Equatable {
    public var id: UInt64
    public var name: String
    /// Requests per second the tenant may make, refilled continuously; 0 means unlimited.
    public var rateLimitPerSecond: Int
    /// Requests the tenant may make at once above the steady rate.
    public var rateLimitBurst: Int
    /// Wall-clock seconds since 1970.
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, name
        case rateLimitPerSecond = "rate_limit_per_second"
        case rateLimitBurst = "rate_limit_burst"
        case createdAt = "created_at"
    }
}

/// An API key as stored: only the SHA-256 of the secret, never the secret.
public struct APIKey: Codable, Sendable, Equatable {
    /// Public identifier: the first 16 hex digits of the hash (what logs and lists show).
    public var id: String
    public var tenant: UInt64
    public var role: Role
    public var label: String
    /// Lowercase hex SHA-256 of the whole key string.
    public var hash: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, tenant, role, label, hash
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}
