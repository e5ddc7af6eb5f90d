import GRPCCore
import SettleCore
import SettleEngine
import SettleProtocol

/// The `settle.v1.Ledger` gRPC service: decodes and checks each message, then calls
/// `LedgerAPI`. The caller's key travels as `authorization: Bearer <key>` metadata.
public struct LedgerService: Settle_V1_Ledger.ServiceProtocol {
    let state: ServerState

    public init(state: ServerState) {
        self.state = state
    }

    public func registerSession(request: ServerRequest<Settle_V1_RegisterSessionRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_RegisterSessionResponse> {
        try await handle("RegisterSession", request.metadata, .write) { api, principal throws(APIError) in
            let session = try checked { () throws(ProtocolError) in try request.message.checkedSessionID() }
            try await api.registerSession(principal, session: session)
            return Settle_V1_RegisterSessionResponse(sessionID: session)
        }
    }

    public func createAccounts(request: ServerRequest<Settle_V1_CreateAccountsRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_CreateAccountsResponse> {
        try await handle("CreateAccounts", request.metadata, .write) { api, principal throws(APIError) in
            let (accounts, tag) = try checked { () throws(ProtocolError) in (try request.message.checkedAccounts(), try request.message.checkedSessionTag()) }
            let reply = try await api.createAccounts(principal, accounts, tag: .session(ClientTag(session: tag.sessionID, request: tag.requestNumber)))
            guard case .accounts(let results) = reply.results else { throw APIError(.internalError, "reply of another kind") }
            return Settle_V1_CreateAccountsResponse(results: results, op: reply.op, timestamp: reply.timestamp)
        }
    }

    public func createTransfers(request: ServerRequest<Settle_V1_CreateTransfersRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_CreateTransfersResponse> {
        try await handle("CreateTransfers", request.metadata, .write) { api, principal throws(APIError) in
            let (transfers, tag) = try checked { () throws(ProtocolError) in (try request.message.checkedTransfers(), try request.message.checkedSessionTag()) }
            let reply = try await api.createTransfers(principal, transfers, tag: .session(ClientTag(session: tag.sessionID, request: tag.requestNumber)))
            guard case .transfers(let results) = reply.results else { throw APIError(.internalError, "reply of another kind") }
            return Settle_V1_CreateTransfersResponse(results: results, op: reply.op, timestamp: reply.timestamp)
        }
    }

    public func lookupAccounts(request: ServerRequest<Settle_V1_LookupAccountsRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_LookupAccountsResponse> {
        try await handle("LookupAccounts", request.metadata, .read) { api, principal throws(APIError) in
            let ids = try checked { () throws(ProtocolError) in try request.message.checkedIDs() }
            return Settle_V1_LookupAccountsResponse(accounts: try await api.lookupAccounts(principal, ids: ids, minOp: try Self.minOp(request.metadata)))
        }
    }

    public func lookupTransfers(request: ServerRequest<Settle_V1_LookupTransfersRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_LookupTransfersResponse> {
        try await handle("LookupTransfers", request.metadata, .read) { api, principal throws(APIError) in
            let ids = try checked { () throws(ProtocolError) in try request.message.checkedIDs() }
            return Settle_V1_LookupTransfersResponse(transfers: try await api.lookupTransfers(principal, ids: ids, minOp: try Self.minOp(request.metadata)))
        }
    }

    public func getAccountTransfers(request: ServerRequest<Settle_V1_GetAccountTransfersRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_GetAccountTransfersResponse> {
        try await handle("GetAccountTransfers", request.metadata, .read) { api, principal throws(APIError) in
            let filter = try checked { () throws(ProtocolError) in try request.message.checkedFilter() }
            return Settle_V1_GetAccountTransfersResponse(transfers: try await api.accountTransfers(principal, filter, minOp: try Self.minOp(request.metadata)))
        }
    }

    public func getAccountBalances(request: ServerRequest<Settle_V1_GetAccountBalancesRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_GetAccountBalancesResponse> {
        try await handle("GetAccountBalances", request.metadata, .read) { api, principal throws(APIError) in
            let filter = try checked { () throws(ProtocolError) in try request.message.checkedFilter() }
            return Settle_V1_GetAccountBalancesResponse(balances: try await api.accountBalances(principal, filter, minOp: try Self.minOp(request.metadata)))
        }
    }

    public func queryAccounts(request: ServerRequest<Settle_V1_QueryAccountsRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_QueryAccountsResponse> {
        try await handle("QueryAccounts", request.metadata, .read) { api, principal throws(APIError) in
            let filter = try checked { () throws(ProtocolError) in try request.message.checkedFilter() }
            return Settle_V1_QueryAccountsResponse(accounts: try await api.queryAccounts(principal, filter, minOp: try Self.minOp(request.metadata)))
        }
    }

    public func queryTransfers(request: ServerRequest<Settle_V1_QueryTransfersRequest>, context: ServerContext) async throws -> ServerResponse<Settle_V1_QueryTransfersResponse> {
        try await handle("QueryTransfers", request.metadata, .read) { api, principal throws(APIError) in
            let filter = try checked { () throws(ProtocolError) in try request.message.checkedFilter() }
            return Settle_V1_QueryTransfersResponse(transfers: try await api.queryTransfers(principal, filter, minOp: try Self.minOp(request.metadata)))
        }
    }

    /// Authorizes, runs `body`, records the RPC's metrics, and maps failures to gRPC statuses.
    private func handle<Response>(
        _ method: String, _ metadata: Metadata, _ access: LedgerAPI.Access,
        _ body: (LedgerAPI, Principal) async throws(APIError) -> Response
    ) async throws -> ServerResponse<Response> {
        let start = ContinuousClock.now
        do throws(APIError) {
            let api = try state.ready()
            let principal = try api.authorize(bearer: Self.bearer(metadata), access)
            let response = try await body(api, principal)
            state.metrics.recordRequest(api: "grpc", route: method, status: "ok", duration: ContinuousClock.now - start)
            return ServerResponse(message: response)
        } catch {
            let error = state.resolved(error)
            state.metrics.recordRequest(api: "grpc", route: method, status: error.code.rawValue, duration: ContinuousClock.now - start)
            throw error.rpcError
        }
    }

    private func checked<T>(_ body: () throws(ProtocolError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw APIError(error)
        }
    }

    /// The `settle-min-op` metadata: the commit position (a write reply's `op`) a read must
    /// see; 0 when absent.
    static func minOp(_ metadata: Metadata) throws(APIError) -> UInt64 {
        for text in metadata[stringValues: "settle-min-op"] {
            guard let op = DecimalCoding.parse64(Substring(text)) else {
                throw APIError(.invalidField, "settle-min-op: a decimal from 0 to 2^64-1 is expected")
            }
            return op
        }
        return 0
    }

    static func bearer(_ metadata: Metadata) -> String? {
        metadata[stringValues: "authorization"].lazy.compactMap(LedgerAPI.bearerToken).first
    }
}
