import Crypto
import HTTPTypes
import Hummingbird
import NIOCore
import SettleCore
import SettleEngine

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}

extension HTTPRoutes {
    func addLedgerRoutes(_ router: Router<BasicRequestContext>) {
        route(router, .post, "/v1/accounts") { request, _, api throws(APIError) in
            try await write(&request, api, path: "/v1/accounts") { (buffer) throws(APIError) in
                let accounts = try accountsBody(buffer)
                return { (principal, tag) throws(APIError) in try await api.createAccounts(principal, accounts, tag: tag) }
            }
        }
        route(router, .post, "/v1/transfers") { request, _, api throws(APIError) in
            try await write(&request, api, path: "/v1/transfers") { (buffer) throws(APIError) in
                let transfers = try transfersBody(buffer)
                return { (principal, tag) throws(APIError) in try await api.createTransfers(principal, transfers, tag: tag) }
            }
        }
        route(router, .post, "/v1/accounts/lookup") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let ids = try decode(IDsBody.self, try await body(&request)).ids
            return Self.json(["accounts": try await api.lookupAccounts(principal, ids: ids, minOp: try minOp(request)).map(AccountJSON.init)])
        }
        route(router, .post, "/v1/transfers/lookup") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let ids = try decode(IDsBody.self, try await body(&request)).ids
            return Self.json(["transfers": try await api.lookupTransfers(principal, ids: ids, minOp: try minOp(request)).map(TransferJSON.init)])
        }
        route(router, .get, "/v1/accounts/{id}") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            guard let account = try await api.lookupAccounts(principal, ids: [try pathID(context, "id")], minOp: try minOp(request)).first else {
                throw APIError(.notFound, "no such account")
            }
            return Self.json(AccountJSON(account))
        }
        route(router, .get, "/v1/transfers/{id}") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            guard let transfer = try await api.lookupTransfers(principal, ids: [try pathID(context, "id")], minOp: try minOp(request)).first else {
                throw APIError(.notFound, "no such transfer")
            }
            return Self.json(TransferJSON(transfer))
        }
        route(router, .get, "/v1/accounts/{id}/transfers") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let filter = try accountFilter(request, id: try pathID(context, "id"))
            return Self.json(["transfers": try await api.accountTransfers(principal, filter, minOp: try minOp(request)).map(TransferJSON.init)])
        }
        route(router, .get, "/v1/accounts/{id}/balances") { request, context, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let filter = try accountFilter(request, id: try pathID(context, "id"))
            return Self.json(["balances": try await api.accountBalances(principal, filter, minOp: try minOp(request)).map(BalanceJSON.init)])
        }
        route(router, .post, "/v1/accounts/query") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let filter = try decode(QueryFilterBody.self, try await body(&request)).filter
            return Self.json(["accounts": try await api.queryAccounts(principal, filter, minOp: try minOp(request)).map(AccountJSON.init)])
        }
        route(router, .post, "/v1/transfers/query") { request, _, api throws(APIError) in
            let principal = try api.authorize(bearer: bearer(request), .read)
            let filter = try decode(QueryFilterBody.self, try await body(&request)).filter
            return Self.json(["transfers": try await api.queryTransfers(principal, filter, minOp: try minOp(request)).map(TransferJSON.init)])
        }
    }

    typealias Submit = (Principal, RequestTag?) async throws(APIError) -> WriteReply

    /// The fast reader when the body has the plain shape, else the `Codable` path (which also
    /// words every error).
    func accountsBody(_ buffer: ByteBuffer) throws(APIError) -> [Account] {
        if let accounts = buffer.withUnsafeReadableBytes({ BatchJSONReader.accounts($0) }) { return accounts }
        return try decode(CreateAccountsBody.self, buffer).accounts
    }

    func transfersBody(_ buffer: ByteBuffer) throws(APIError) -> [Transfer] {
        if let transfers = buffer.withUnsafeReadableBytes({ BatchJSONReader.transfers($0) }) { return transfers }
        return try decode(CreateTransfersBody.self, buffer).transfers
    }

    /// A create: authorize, parse, then submit — with the request's `Idempotency-Key`, if it
    /// has one, as the engine's exactly-once tag. A retry with the same key and the same body
    /// gets the stored reply (so the same status and body); the same key with another body
    /// gets 422; a retry while the first is still executing gets 409.
    private func write(
        _ request: inout Request, _ api: LedgerAPI, path: String, parse: (ByteBuffer) throws(APIError) -> Submit
    ) async throws(APIError) -> Response {
        let principal = try api.authorize(bearer: bearer(request), .write)
        let buffer = try await body(&request)
        let submit = try parse(buffer)
        guard let key = request.headers[.idempotencyKey] else {
            return Self.json(CreateResponse(try await submit(principal, nil)))
        }
        guard (1...IdempotencyTag.keyBytesMax).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw APIError(.invalidField, "Idempotency-Key: 1 to \(IdempotencyTag.keyBytesMax) visible ASCII characters are expected")
        }
        let gateKey = "\(principal.tenant.rawValue)/\(key)"
        guard state.idempotency.begin(gateKey) else {
            throw APIError(.idempotencyKeyInFlight, "a request with this Idempotency-Key is still being processed")
        }
        defer { state.idempotency.end(gateKey) }
        let tag = IdempotencyTag(key: key, fingerprint: Self.fingerprint(path: path, body: buffer))
        return Self.json(CreateResponse(try await submit(principal, .idempotencyKey(tag))))
    }

    /// The first 128 bits of SHA-256 over the route and the exact body bytes.
    static func fingerprint(path: String, body: ByteBuffer) -> UInt128 {
        var hasher = SHA256()
        hasher.update(data: Array("POST \(path)\n".utf8))
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }  // no copy of the body
        let digest = Array(hasher.finalize())
        return digest[0..<16].reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }

    /// The query parameters of the account transfer and balance routes.
    private func accountFilter(_ request: Request, id: UInt128) throws(APIError) -> AccountFilter {
        var filter = AccountFilter(accountID: id)
        var flags: AccountFilterFlags = []
        var sides = false
        for (name, value) in request.uri.queryParameters {
            func required<T>(_ value: T?, _ what: String) throws(APIError) -> T {
                guard let value else { throw APIError(.invalidField, "\(name): \(what) is expected") }
                return value
            }
            switch name {
            case "timestamp_min": filter.timestampMin = try required(DecimalCoding.parse64(value), "a decimal from 0 to 2^64-1")
            case "timestamp_max": filter.timestampMax = try required(DecimalCoding.parse64(value), "a decimal from 0 to 2^64-1")
            case "user_data_128": filter.userData128 = try required(DecimalCoding.parse128(value), "a decimal from 0 to 2^128-1")
            case "user_data_64": filter.userData64 = try required(DecimalCoding.parse64(value), "a decimal from 0 to 2^64-1")
            case "user_data_32": filter.userData32 = try required(DecimalCoding.parse64(value).flatMap(UInt32.init(exactly:)), "a number from 0 to 2^32-1")
            case "code": filter.code = try required(DecimalCoding.parse64(value).flatMap(UInt16.init(exactly:)), "a number from 0 to 65535")
            case "limit": filter.limit = try required(DecimalCoding.parse64(value).flatMap(UInt32.init(exactly:)), "a number")
            case "debits", "credits", "reversed":
                _ = try required(value == "true" || value == "false" ? value : nil, "true or false")
                let flag: AccountFilterFlags = name == "debits" ? .debits : name == "credits" ? .credits : .reversed
                if value == "true" { flags.insert(flag) }
                if name != "reversed" { sides = true }
            case "min_op": break  // read by `minOp`
            default:
                throw APIError(.unknownField, "\(name): unknown query parameter")
            }
        }
        // Neither side named: both, as TigerBeetle's clients default.
        filter.flags = sides ? flags : flags.union([.debits, .credits])
        guard filter.flags.contains(.debits) || filter.flags.contains(.credits) else {
            throw APIError(.invalidField, "debits, credits: at least one side must be true")
        }
        return filter
    }
}
