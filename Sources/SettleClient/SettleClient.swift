import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SettleCore
import SettleProtocol
import Synchronization

/// An async Swift client of a Settle server over gRPC.
///
/// One HTTP/2 connection carries every call. Writes are exactly-once: each goes out on a
/// client session as (session, request number), and a retry after a lost connection, a
/// timeout or an unavailable server repeats the *same* number, so the server answers it from
/// the stored reply if the first attempt was committed and never executes it twice. A session
/// carries one request at a time, so the client keeps a small pool of them for concurrent
/// writes.
///
/// A cluster (`settle serve --postgres`) has one writing node; the others answer UNAVAILABLE
/// naming it in `settle-writer`. With the other nodes in `otherNodes` the client keeps a
/// connection to each, follows such an answer at once, and moves on to the next node when one
/// is unreachable — with the same session and request number, so a write retried across a
/// failover still executes once (sessions are part of the journaled state).
///
/// Reads are read-your-writes: each passes the newest commit position this client has seen
/// (`readPosition`, raised by every write reply) as `settle-min-op`, so a read replica answers
/// only once it has applied this client's writes.
public final class SettleClient: Sendable {
    /// A server's address.
    public struct Endpoint: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, as the `settle-writer` trailer names a node.
        public var address: String { "\(host):\(port)" }
    }

    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var apiKey: String
        /// The cluster's other nodes, tried when the server redirects or is unreachable.
        public var otherNodes: [Endpoint] = []
        /// Concurrent writes (one session each).
        public var sessions = 4
        /// Attempts per request, the first included.
        public var attempts = 8
        /// First wait between attempts; doubles up to `backoffMax`.
        public var backoff: Duration = .milliseconds(50)
        public var backoffMax: Duration = .seconds(2)
        public var timeout: Duration = .seconds(30)

        public init(host: String = "127.0.0.1", port: Int = 7701, apiKey: String) {
            self.host = host
            self.port = port
            self.apiKey = apiKey
        }
    }

    typealias Stub = Settle_V1_Ledger.Client<HTTP2ClientTransport.Posix>

    let configuration: Configuration
    /// One per node: the configured server first, then `otherNodes`.
    let stubs: [Stub]
    let endpoints: [Endpoint]
    /// The index of the node calls go to now.
    let current = Atomic<Int>(0)
    let pool: SessionPool
    private let position = Atomic<UInt64>(0)

    private init(configuration: Configuration, stubs: [Stub]) {
        self.configuration = configuration
        self.stubs = stubs
        endpoints = [Endpoint(host: configuration.host, port: configuration.port)] + configuration.otherNodes
        pool = SessionPool(count: max(1, configuration.sessions))
    }

    /// The node calls go to now.
    var stub: Stub { stubs[current.load(ordering: .relaxed)] }

    /// Connects (to every node), runs `body`, then closes the connections gracefully.
    public static func withClient<Result: Sendable>(
        _ configuration: Configuration, _ body: (SettleClient) async throws -> Result
    ) async throws -> Result {
        let endpoints = [Endpoint(host: configuration.host, port: configuration.port)] + configuration.otherNodes
        return try await withStubs(endpoints[...], []) { stubs in
            try await body(SettleClient(configuration: configuration, stubs: stubs))
        }
    }

    private static func withStubs<Result: Sendable>(
        _ endpoints: ArraySlice<Endpoint>, _ stubs: [Stub], _ body: ([Stub]) async throws -> Result
    ) async throws -> Result {
        guard let endpoint = endpoints.first else { return try await body(stubs) }
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(address: endpoint.host, port: endpoint.port),
            transportSecurity: .plaintext,
            config: .defaults { $0.connection.maxIdleTime = nil })
        return try await withGRPCClient(transport: transport) { grpc in
            try await withStubs(endpoints.dropFirst(), stubs + [Stub(wrapping: grpc)], body)
        }
    }

    var metadata: Metadata {
        var metadata = Metadata()
        metadata.addString("Bearer \(configuration.apiKey)", forKey: "authorization")
        return metadata
    }

    /// The commit position reads wait for: the newest `op` of this client's writes, or more
    /// (`readAtLeast`).
    public var readPosition: UInt64 { position.load(ordering: .relaxed) }

    /// Makes later reads see at least commit position `op` (a write reply's `op`, perhaps
    /// another client's).
    public func readAtLeast(_ op: UInt64) {
        var current = position.load(ordering: .relaxed)
        while current < op {
            let (exchanged, original) = position.compareExchange(expected: current, desired: op, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// `metadata` with the read position, for reads.
    var readMetadata: Metadata {
        var metadata = metadata
        let op = readPosition
        if op > 0 { metadata.addString(String(op), forKey: "settle-min-op") }
        return metadata
    }

    var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = configuration.timeout
        return options
    }

    // MARK: Writes

    /// Creates accounts as one atomic batch; one result per account.
    public func createAccounts(_ accounts: [Account]) async throws -> WriteResult<CreateAccountResult> {
        try await write { session, number in
            let request = Settle_V1_CreateAccountsRequest(sessionID: session, requestNumber: number, accounts: accounts)
            let response = try await self.stub.createAccounts(request: ClientRequest(message: request, metadata: self.metadata), options: self.options)
            self.readAtLeast(response.op)
            return WriteResult(results: try response.checkedResults(eventCount: accounts.count), op: response.op, timestamp: response.timestamp)
        }
    }

    /// Creates transfers as one atomic batch; one result per transfer.
    public func createTransfers(_ transfers: [Transfer]) async throws -> WriteResult<CreateTransferResult> {
        try await write { session, number in
            let request = Settle_V1_CreateTransfersRequest(sessionID: session, requestNumber: number, transfers: transfers)
            let response = try await self.stub.createTransfers(request: ClientRequest(message: request, metadata: self.metadata), options: self.options)
            self.readAtLeast(response.op)
            return WriteResult(results: try response.checkedResults(eventCount: transfers.count), op: response.op, timestamp: response.timestamp)
        }
    }

    // MARK: Reads (retried freely: they change nothing)

    public func lookupAccounts(_ ids: [UInt128]) async throws -> [Account] {
        try await retrying {
            try await self.stub.lookupAccounts(request: ClientRequest(message: .init(ids: ids), metadata: self.readMetadata), options: self.options).checkedAccounts()
        }
    }

    public func lookupTransfers(_ ids: [UInt128]) async throws -> [Transfer] {
        try await retrying {
            try await self.stub.lookupTransfers(request: ClientRequest(message: .init(ids: ids), metadata: self.readMetadata), options: self.options).checkedTransfers()
        }
    }

    public func accountTransfers(_ filter: AccountFilter) async throws -> [Transfer] {
        try await retrying {
            try await self.stub.getAccountTransfers(request: ClientRequest(message: .init(filter: filter), metadata: self.readMetadata), options: self.options).checkedTransfers()
        }
    }

    public func accountBalances(_ filter: AccountFilter) async throws -> [AccountBalance] {
        try await retrying {
            try await self.stub.getAccountBalances(request: ClientRequest(message: .init(filter: filter), metadata: self.readMetadata), options: self.options).checkedBalances()
        }
    }

    public func queryAccounts(_ filter: QueryFilter) async throws -> [Account] {
        try await retrying {
            try await self.stub.queryAccounts(request: ClientRequest(message: .init(filter: filter), metadata: self.readMetadata), options: self.options).checkedAccounts()
        }
    }

    public func queryTransfers(_ filter: QueryFilter) async throws -> [Transfer] {
        try await retrying {
            try await self.stub.queryTransfers(request: ClientRequest(message: .init(filter: filter), metadata: self.readMetadata), options: self.options).checkedTransfers()
        }
    }
}

/// The durable outcome of a write: one result per event, and the commit position.
public struct WriteResult<Result: Sendable & Equatable>: Sendable, Equatable {
    public var results: [Result]
    /// The journal op holding the batch.
    public var op: UInt64
    /// The batch's engine timestamp.
    public var timestamp: UInt64
}
