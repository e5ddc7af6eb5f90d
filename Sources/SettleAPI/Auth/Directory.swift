import Foundation
import SettleCore
import SettleEngine
import Synchronization

/// Tenants and API keys: kept as system records in the engine's journal (so they are exactly
/// as durable as the ledger and replicate with it), served from memory.
///
/// Every change is written through the engine first and applied here only once durable.
/// Tenant ids are claimed with insert-only writes, so two concurrent creations can never get
/// the same id.
public final class Directory: Sendable {
    struct State {
        var tenants: [UInt64: Tenant] = [:]
        var keys: [String: APIKey] = [:]
    }

    private let engine: Engine
    private let state: Mutex<State>

    private init(engine: Engine, state: State) {
        self.engine = engine
        self.state = Mutex(state)
    }

    /// Reads every tenant and key from the engine's system records.
    public static func load(from engine: Engine) async throws -> Directory {
        Directory(engine: engine, state: try await records(of: engine))
    }

    /// Reads every tenant and key again: a replica learns those the writer created.
    public func reload() async throws {
        let fresh = try await Self.records(of: engine)
        state.withLock { $0 = fresh }
    }

    private static func records(of engine: Engine) async throws -> State {
        var state = State()
        let decoder = JSONDecoder()
        for (key, value) in try await engine.systemRecords(prefixes: [tenantPrefix, keyPrefix]) {
            if key.hasPrefix(tenantPrefix) {
                let tenant = try decoder.decode(Tenant.self, from: Data(value))
                state.tenants[tenant.id] = tenant
            } else if key.hasPrefix(keyPrefix) {
                let apiKey = try decoder.decode(APIKey.self, from: Data(value))
                state.keys[apiKey.id] = apiKey
            }
        }
        return state
    }

    static let tenantPrefix = "tenant/"
    static let keyPrefix = "key/"

    // MARK: Authentication

    /// The principal a bearer key stands for, or nil for an unknown, revoked or orphaned key.
    /// The key is hashed, looked up by the hash's first 64 bits, then the whole hash is
    /// compared in constant time.
    public func authenticate(_ secret: String) -> Principal? {
        let hash = KeyHash.hex(KeyHash.digest(of: secret))
        let id = String(hash.prefix(16))
        return state.withLock { state -> Principal? in
            guard let key = state.keys[id], key.revokedAt == nil,
                  KeyHash.constantTimeEqual(Array(hash.utf8), Array(key.hash.utf8)) else { return nil }
            guard key.role == .operator || state.tenants[key.tenant] != nil else { return nil }
            return Principal(tenant: TenantID(key.tenant), role: key.role, keyID: key.id)
        }
    }

    // MARK: Reading

    public var tenants: [Tenant] { state.withLock { $0.tenants.values.sorted { $0.id < $1.id } } }

    public func tenant(_ id: UInt64) -> Tenant? { state.withLock { $0.tenants[id] } }

    public func keys(of tenant: UInt64) -> [APIKey] {
        state.withLock { $0.keys.values.filter { $0.tenant == tenant }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    public func key(_ id: String) -> APIKey? { state.withLock { $0.keys[id] } }

    public var hasOperatorKey: Bool { state.withLock { $0.keys.values.contains { $0.role == .operator && $0.revokedAt == nil } } }

    // MARK: Changing

    /// Creates a tenant with the next free id.
    public func createTenant(name: String, rateLimitPerSecond: Int, rateLimitBurst: Int) async throws -> Tenant {
        while true {
            let id = (state.withLock { $0.tenants.keys.max() } ?? 0) + 1
            let tenant = Tenant(id: id, name: name, rateLimitPerSecond: rateLimitPerSecond, rateLimitBurst: rateLimitBurst,
                                createdAt: Self.now())
            if try await write(Self.tenantPrefix + String(id), tenant, mode: .insert) {
                state.withLock { $0.tenants[id] = tenant }
                return tenant
            }
            // Someone claimed this id first; it is in the journal, so read it back and go on.
            try await refresh()
        }
    }

    /// Replaces a tenant's settings (not its id).
    public func updateTenant(_ tenant: Tenant) async throws {
        _ = try await write(Self.tenantPrefix + String(tenant.id), tenant, mode: .upsert)
        state.withLock { $0.tenants[tenant.id] = tenant }
    }

    /// Creates a key and returns it with its secret, which is never stored and cannot be
    /// shown again.
    public func createKey(tenant: UInt64, role: Role, label: String) async throws -> (key: APIKey, secret: String) {
        while true {
            let secret = KeyHash.newKey()
            if let key = try await register(secret: secret, tenant: tenant, role: role, label: label) { return (key, secret) }
        }
    }

    /// Stores a key whose secret the caller chose (the operator key from the environment);
    /// nil if its id is taken by a different key. Registering the same secret again is a no-op.
    public func register(secret: String, tenant: UInt64, role: Role, label: String) async throws -> APIKey? {
        let hash = KeyHash.hex(KeyHash.digest(of: secret))
        let id = String(hash.prefix(16))
        if let existing = key(id) { return existing.hash == hash ? existing : nil }
        let key = APIKey(id: id, tenant: tenant, role: role, label: label, hash: hash, createdAt: Self.now(), revokedAt: nil)
        guard try await write(Self.keyPrefix + id, key, mode: .insert) else {
            try await refresh()
            return nil
        }
        state.withLock { $0.keys[id] = key }
        return key
    }

    /// Revokes a key for good; nil if there is no such key.
    public func revokeKey(_ id: String) async throws -> APIKey? {
        guard var key = key(id) else { return nil }
        guard key.revokedAt == nil else { return key }
        key.revokedAt = Self.now()
        _ = try await write(Self.keyPrefix + id, key, mode: .upsert)
        state.withLock { $0.keys[id] = key }
        return key
    }

    private func write(_ key: String, _ value: some Encodable, mode: SystemRecordWrite.Mode) async throws -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try await engine.putSystemRecord(SystemRecordWrite(key: key, value: Array(try encoder.encode(value)), mode: mode))
    }

    private func refresh() async throws {
        let reloaded = try await Self.records(of: engine)
        state.withLock { $0 = reloaded }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
