import SettleCore

/// The ledger as payments see it: one tenant's batch API, the same calls any client makes
/// (DESIGN §8: no back door into the state machine). `SettleAPI` implements it over the
/// engine for the tenant of an API key; tests implement it over an `Engine` directly.
public protocol PaymentsLedger: Sendable {
    func createAccounts(_ accounts: [Account]) async throws -> [CreateAccountResult]
    func createTransfers(_ transfers: [Transfer]) async throws -> LedgerWrite
    func lookupAccounts(_ ids: [UInt128]) async throws -> [Account]
    func lookupTransfers(_ ids: [UInt128]) async throws -> [Transfer]
    func accountTransfers(_ filter: AccountFilter) async throws -> [Transfer]
    /// Several account queries answered together (one round trip where the ledger allows).
    func accountTransfers(_ filters: [AccountFilter]) async throws -> [[Transfer]]
    func queryAccounts(_ filter: QueryFilter) async throws -> [Account]
    func queryTransfers(_ filter: QueryFilter) async throws -> [Transfer]
}

extension PaymentsLedger {
    /// One query at a time, for ledgers without a batched form.
    public func accountTransfers(_ filters: [AccountFilter]) async throws -> [[Transfer]] {
        var answers: [[Transfer]] = []
        for filter in filters { answers.append(try await accountTransfers(filter)) }
        return answers
    }
}

/// The outcome of one `createTransfers` batch: a result per transfer, and the journal op that
/// holds it (the commit position a reader can wait for).
public struct LedgerWrite: Sendable, Equatable {
    public var results: [CreateTransferResult]
    public var op: UInt64

    public init(results: [CreateTransferResult], op: UInt64) {
        self.results = results
        self.op = op
    }
}
