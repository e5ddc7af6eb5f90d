import SettleCore
import SettleEngine

/// An account in JSON: 128- and 64-bit numbers as decimal strings, flags as names.
struct AccountJSON: Codable {
    var account: Account

    init(_ account: Account) { self.account = account }

    static let fields: Set<String> = [
        "id", "debits_pending", "debits_posted", "credits_pending", "credits_posted", "user_data_128", "user_data_64",
        "user_data_32", "ledger", "code", "flags", "timestamp",
    ]

    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: Self.fields)
        account = Account(
            id: try object.u128("id"), debitsPending: try object.u128("debits_pending"), debitsPosted: try object.u128("debits_posted"),
            creditsPending: try object.u128("credits_pending"), creditsPosted: try object.u128("credits_posted"),
            userData128: try object.u128("user_data_128"), userData64: try object.u64("user_data_64"),
            userData32: try object.number("user_data_32"), ledger: try object.number("ledger"), code: try object.number("code"),
            flags: AccountFlags(rawValue: try object.flags("flags", FlagNames.account)), timestamp: try object.u64("timestamp"))
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(String(account.id), forKey: AnyKey(stringValue: "id"))
        try c.encode(String(account.debitsPending), forKey: AnyKey(stringValue: "debits_pending"))
        try c.encode(String(account.debitsPosted), forKey: AnyKey(stringValue: "debits_posted"))
        try c.encode(String(account.creditsPending), forKey: AnyKey(stringValue: "credits_pending"))
        try c.encode(String(account.creditsPosted), forKey: AnyKey(stringValue: "credits_posted"))
        try c.encode(String(account.userData128), forKey: AnyKey(stringValue: "user_data_128"))
        try c.encode(String(account.userData64), forKey: AnyKey(stringValue: "user_data_64"))
        try c.encode(account.userData32, forKey: AnyKey(stringValue: "user_data_32"))
        try c.encode(account.ledger, forKey: AnyKey(stringValue: "ledger"))
        try c.encode(account.code, forKey: AnyKey(stringValue: "code"))
        try c.encode(FlagNames.names(account.flags.rawValue, FlagNames.account), forKey: AnyKey(stringValue: "flags"))
        try c.encode(String(account.timestamp), forKey: AnyKey(stringValue: "timestamp"))
    }
}

/// A transfer in JSON: 128- and 64-bit numbers as decimal strings, flags as names.
struct TransferJSON: Codable {
    var transfer: Transfer

    init(_ transfer: Transfer) { self.transfer = transfer }

    static let fields: Set<String> = [
        "id", "debit_account_id", "credit_account_id", "amount", "pending_id", "user_data_128", "user_data_64", "user_data_32",
        "timeout", "ledger", "code", "flags", "timestamp",
    ]

    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: Self.fields)
        transfer = Transfer(
            id: try object.u128("id"), debitAccountID: try object.u128("debit_account_id"),
            creditAccountID: try object.u128("credit_account_id"), amount: try object.u128("amount"),
            pendingID: try object.u128("pending_id"), userData128: try object.u128("user_data_128"),
            userData64: try object.u64("user_data_64"), userData32: try object.number("user_data_32"),
            timeoutSeconds: try object.number("timeout"), ledger: try object.number("ledger"), code: try object.number("code"),
            flags: TransferFlags(rawValue: try object.flags("flags", FlagNames.transfer)), timestamp: try object.u64("timestamp"))
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(String(transfer.id), forKey: AnyKey(stringValue: "id"))
        try c.encode(String(transfer.debitAccountID), forKey: AnyKey(stringValue: "debit_account_id"))
        try c.encode(String(transfer.creditAccountID), forKey: AnyKey(stringValue: "credit_account_id"))
        try c.encode(String(transfer.amount), forKey: AnyKey(stringValue: "amount"))
        try c.encode(String(transfer.pendingID), forKey: AnyKey(stringValue: "pending_id"))
        try c.encode(String(transfer.userData128), forKey: AnyKey(stringValue: "user_data_128"))
        try c.encode(String(transfer.userData64), forKey: AnyKey(stringValue: "user_data_64"))
        try c.encode(transfer.userData32, forKey: AnyKey(stringValue: "user_data_32"))
        try c.encode(transfer.timeoutSeconds, forKey: AnyKey(stringValue: "timeout"))
        try c.encode(transfer.ledger, forKey: AnyKey(stringValue: "ledger"))
        try c.encode(transfer.code, forKey: AnyKey(stringValue: "code"))
        try c.encode(FlagNames.names(transfer.flags.rawValue, FlagNames.transfer), forKey: AnyKey(stringValue: "flags"))
        try c.encode(String(transfer.timestamp), forKey: AnyKey(stringValue: "timestamp"))
    }
}

struct BalanceJSON: Encodable {
    var balance: AccountBalance

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(String(balance.debitsPending), forKey: AnyKey(stringValue: "debits_pending"))
        try c.encode(String(balance.debitsPosted), forKey: AnyKey(stringValue: "debits_posted"))
        try c.encode(String(balance.creditsPending), forKey: AnyKey(stringValue: "credits_pending"))
        try c.encode(String(balance.creditsPosted), forKey: AnyKey(stringValue: "credits_posted"))
        try c.encode(String(balance.timestamp), forKey: AnyKey(stringValue: "timestamp"))
    }
}

/// `{"accounts": [...]}`, the body of POST /v1/accounts.
struct CreateAccountsBody: Decodable {
    var accounts: [Account]
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["accounts"])
        accounts = try object.container.decodeIfPresent([AccountJSON].self, forKey: AnyKey(stringValue: "accounts"))?.map(\.account) ?? []
    }
}

/// `{"transfers": [...]}`, the body of POST /v1/transfers.
struct CreateTransfersBody: Decodable {
    var transfers: [Transfer]
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["transfers"])
        transfers = try object.container.decodeIfPresent([TransferJSON].self, forKey: AnyKey(stringValue: "transfers"))?.map(\.transfer) ?? []
    }
}

/// `{"ids": ["1", ...]}`, the body of the lookups.
struct IDsBody: Decodable {
    var ids: [UInt128]
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: ["ids"])
        let texts = try object.container.decodeIfPresent([String].self, forKey: AnyKey(stringValue: "ids")) ?? []
        ids = try texts.enumerated().map { index, text in
            guard let id = DecimalCoding.parse128(Substring(text)) else {
                throw FieldError(code: .invalidField, path: "ids[\(index)]", message: "a decimal string from 0 to 2^128-1 is expected")
            }
            return id
        }
    }
}

/// The body of POST /v1/accounts/query and /v1/transfers/query.
struct QueryFilterBody: Decodable {
    var filter: QueryFilter
    init(from decoder: any Decoder) throws {
        let object = try StrictObject(decoder, known: [
            "user_data_128", "user_data_64", "user_data_32", "ledger", "code", "timestamp_min", "timestamp_max", "limit", "reversed",
        ])
        filter = QueryFilter(
            userData128: try object.u128("user_data_128"), userData64: try object.u64("user_data_64"),
            userData32: try object.number("user_data_32"), ledger: try object.number("ledger"), code: try object.number("code"),
            timestampMin: try object.u64("timestamp_min"), timestampMax: try object.u64("timestamp_max"),
            limit: object.container.contains(AnyKey(stringValue: "limit")) ? try object.number("limit") : UInt32(StateMachine.batchEventsMax),
            reversed: try object.bool("reversed"))
    }
}

/// The answer to a create: where the batch was committed and every event that did not
/// succeed (an event not listed got `ok`).
struct CreateResponse: Encodable {
    struct Failure: Encodable {
        var index: Int
        var result: String
    }

    var op: String
    var timestamp: String
    var results: [Failure]

    init(_ reply: WriteReply) {
        op = String(reply.op)
        timestamp = String(reply.timestamp)
        switch reply.results {
        case .accounts(let codes):
            results = codes.enumerated().compactMap { $0.element == .ok ? nil : Failure(index: $0.offset, result: snakeCase("\($0.element)")) }
        case .transfers(let codes):
            results = codes.enumerated().compactMap { $0.element == .ok ? nil : Failure(index: $0.offset, result: snakeCase("\($0.element)")) }
        case .record, .none:
            results = []
        }
    }
}

/// `{"error": {"code": ..., "message": ...}}`: every error the HTTP API answers.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }
    var error: Detail
}
