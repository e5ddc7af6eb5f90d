import SettleCore
import SettleEngine
import SettlePayments

/// The ledger of one API key's tenant, as `Payments` uses it: every call goes through
/// `LedgerAPI`, with the same checks, limits and metrics as a client's own calls.
struct TenantLedger: PaymentsLedger {
    let api: LedgerAPI
    let principal: Principal
    /// The commit position every read must see (the request's `min_op`): read-your-writes for
    /// payments read on a replica.
    var minOp: UInt64 = 0

    func createAccounts(_ accounts: [Account]) async throws -> [CreateAccountResult] {
        let reply = try await api.createAccounts(principal, accounts)
        guard case .accounts(let results) = reply.results else {
            throw APIError(.internalError, "the engine answered accounts with another kind of reply")
        }
        return results
    }

    func createTransfers(_ transfers: [Transfer]) async throws -> LedgerWrite {
        let reply = try await api.createTransfers(principal, transfers)
        guard case .transfers(let results) = reply.results else {
            throw APIError(.internalError, "the engine answered transfers with another kind of reply")
        }
        return LedgerWrite(results: results, op: reply.op)
    }

    func lookupAccounts(_ ids: [UInt128]) async throws -> [Account] { try await api.lookupAccounts(principal, ids: ids, minOp: minOp) }
    func lookupTransfers(_ ids: [UInt128]) async throws -> [Transfer] { try await api.lookupTransfers(principal, ids: ids, minOp: minOp) }
    func accountTransfers(_ filter: AccountFilter) async throws -> [Transfer] { try await api.accountTransfers(principal, filter, minOp: minOp) }
    func accountTransfers(_ filters: [AccountFilter]) async throws -> [[Transfer]] { try await api.accountTransfers(principal, filters, minOp: minOp) }
    func queryAccounts(_ filter: QueryFilter) async throws -> [Account] { try await api.queryAccounts(principal, filter, minOp: minOp) }
    func queryTransfers(_ filter: QueryFilter) async throws -> [Transfer] { try await api.queryTransfers(principal, filter, minOp: minOp) }
}

extension APIError {
    /// A refused payment step, in the API's words. A ledger failure underneath (unavailable,
    /// rate limited) stays what it was.
    init(_ error: PaymentError) {
        if let underlying = error.underlying {
            self = APIError.wrapping(underlying)
            return
        }
        // Every refusal has an API code of the same name (a test holds the two lists together);
        // a bad field is the API's invalid_field.
        let code = error.code == .invalidRequest ? .invalidField : Code(rawValue: error.code.rawValue) ?? .internalError
        self.init(code, error.message)
    }
}
