import Logging
import SettleCore
import SettleEngine

/// What both front ends (gRPC and HTTP) call: authentication, authorization, rate limits and
/// the envelope checks, then the engine. Every ledger operation is scoped to the caller's
/// tenant, which comes from the key alone — so another tenant's accounts and transfers are
/// not hidden by a check that could be forgotten, they are simply not in the ledger looked at.
public final class LedgerAPI: Sendable {
    public let engine: Engine
    public let directory: Directory
    public let metrics: APIMetrics
    let limiter: RateLimiter
    let logger: Logger

    public init(engine: Engine, directory: Directory, metrics: APIMetrics, limiter: RateLimiter, logger: Logger) {
        self.engine = engine
        self.directory = directory
        self.metrics = metrics
        self.limiter = limiter
        self.logger = logger
    }

    /// What an operation needs of the caller's role.
    public enum Access: Sendable {
        case read, write, tenantAdmin, `operator`
    }

    /// The key of an `Authorization: Bearer <key>` value (the scheme is case-insensitive, RFC 7235).
    public static func bearerToken(_ authorization: String) -> String? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    /// Resolves a bearer key to its principal, checks the role and spends one token of the
    /// tenant's rate limit. A replica sends a write to the writer before it looks at the key:
    /// the writer authenticates it, and a key created a moment ago may not have reached the
    /// replica's directory yet.
    public func authorize(bearer: String?, _ access: Access) throws(APIError) -> Principal {
        if case .write = access, engine.isReplica {
            throw APIError(.notWriter, "this node is a read replica; writes go to the writer")
        }
        guard let bearer, let principal = directory.authenticate(bearer) else {
            throw APIError(.unauthenticated, "a valid API key is required as a Bearer token")
        }
        let allowed = switch access {
        case .read: principal.role.canRead
        case .write: principal.role.canWrite
        case .tenantAdmin: principal.role == .admin || principal.role == .operator
        case .operator: principal.role == .operator
        }
        guard allowed else {
            let hint = principal.role == .operator ? "operator keys manage tenants and have no ledger; use a key of the tenant" : "the key's role is \(principal.role.rawValue)"
            throw APIError(.permissionDenied, hint)
        }
        guard principal.role != .operator else { return principal }
        metrics.recordTenantRequest(principal.tenant)
        if let tenant = directory.tenant(principal.tenant.rawValue),
           let wait = limiter.acquire(tenant: principal.tenant, perSecond: tenant.rateLimitPerSecond, burst: tenant.rateLimitBurst) {
            metrics.recordRateLimited(principal.tenant)
            throw APIError(.rateLimited, "the tenant's rate limit of \(tenant.rateLimitPerSecond) requests/s is spent", retryAfterSeconds: wait)
        }
        return principal
    }

    // MARK: Writes

    public func createAccounts(_ principal: Principal, _ accounts: [Account], tag: RequestTag? = nil) async throws(APIError) -> WriteReply {
        try checkBatch(accounts.count, "accounts")
        metrics.recordBatch(tenant: principal.tenant, kind: "accounts", events: accounts.count)
        return try await submit(.createAccounts(principal.tenant, accounts), tag: tag)
    }

    public func createTransfers(_ principal: Principal, _ transfers: [Transfer], tag: RequestTag? = nil) async throws(APIError) -> WriteReply {
        try checkBatch(transfers.count, "transfers")
        metrics.recordBatch(tenant: principal.tenant, kind: "transfers", events: transfers.count)
        return try await submit(.createTransfers(principal.tenant, transfers), tag: tag)
    }

    public func registerSession(_ principal: Principal, session: UInt128) async throws(APIError) {
        guard session != 0 else { throw APIError(.invalidField, "session_id: must not be 0") }
        _ = try await submit(.registerSession(principal.tenant, session), tag: nil)
    }

    private func submit(_ command: Command, tag: RequestTag?) async throws(APIError) -> WriteReply {
        do {
            return try await engine.submit(command, tag: tag)
        } catch {
            throw APIError.wrapping(error)
        }
    }

    // MARK: Reads
    // `minOp`: a commit position of the tenant's partition (a write reply's `op`) the read
    // must see; a replica waits for it, bounded (`Engine.read(tenant:atLeast:_:)`).

    public func lookupAccounts(_ principal: Principal, ids: [UInt128], minOp: UInt64 = 0) async throws(APIError) -> [Account] {
        try checkBatch(ids.count, "ids")
        return try await read(principal, minOp) { $0.lookupAccounts(tenant: principal.tenant, ids: ids) }
    }

    public func lookupTransfers(_ principal: Principal, ids: [UInt128], minOp: UInt64 = 0) async throws(APIError) -> [Transfer] {
        try checkBatch(ids.count, "ids")
        return try await read(principal, minOp) { $0.lookupTransfers(tenant: principal.tenant, ids: ids) }
    }

    public func accountTransfers(_ principal: Principal, _ filter: AccountFilter, minOp: UInt64 = 0) async throws(APIError) -> [Transfer] {
        let filter = Self.capped(filter)
        return try await read(principal, minOp) { $0.accountTransfers(tenant: principal.tenant, filter: filter) }
    }

    /// Several account queries in one read of the partition.
    public func accountTransfers(_ principal: Principal, _ filters: [AccountFilter], minOp: UInt64 = 0) async throws(APIError) -> [[Transfer]] {
        try checkBatch(filters.count, "filters")
        let filters = filters.map(Self.capped)
        return try await read(principal, minOp) { machine in filters.map { machine.accountTransfers(tenant: principal.tenant, filter: $0) } }
    }

    public func accountBalances(_ principal: Principal, _ filter: AccountFilter, minOp: UInt64 = 0) async throws(APIError) -> [AccountBalance] {
        let filter = Self.capped(filter)
        return try await read(principal, minOp) { $0.accountBalances(tenant: principal.tenant, filter: filter) }
    }

    public func queryAccounts(_ principal: Principal, _ filter: QueryFilter, minOp: UInt64 = 0) async throws(APIError) -> [Account] {
        let filter = Self.capped(filter)
        return try await read(principal, minOp) { $0.queryAccounts(tenant: principal.tenant, filter: filter) }
    }

    public func queryTransfers(_ principal: Principal, _ filter: QueryFilter, minOp: UInt64 = 0) async throws(APIError) -> [Transfer] {
        let filter = Self.capped(filter)
        return try await read(principal, minOp) { $0.queryTransfers(tenant: principal.tenant, filter: filter) }
    }

    private func read<T: Sendable>(_ principal: Principal, _ minOp: UInt64, _ body: @escaping @Sendable (StateMachine) -> T) async throws(APIError) -> T {
        do {
            return try await engine.read(tenant: principal.tenant, atLeast: minOp, body)
        } catch {
            throw APIError.wrapping(error)
        }
    }

    private func checkBatch(_ count: Int, _ field: String) throws(APIError) {
        guard (1...StateMachine.batchEventsMax).contains(count) else {
            throw APIError(.batchSizeOutOfRange, "\(field): \(count) given; 1 to \(StateMachine.batchEventsMax) are allowed")
        }
    }

    /// As the .proto documents: a limit of 0 returns nothing, and more than a batch is capped
    /// to one batch, so one reply never grows past 8,189 records.
    private static func capped<Filter: LimitedFilter>(_ filter: Filter) -> Filter {
        var filter = filter
        filter.limit = min(filter.limit, UInt32(StateMachine.batchEventsMax))
        return filter
    }
}

/// A query filter with a result limit.
protocol LimitedFilter {
    var limit: UInt32 { get set }
}

extension AccountFilter: LimitedFilter {}
extension QueryFilter: LimitedFilter {}
