import SettleCore

// Requests and responses: builders for the sender, and `checked...` accessors for the
// receiver that turn a message into SettleCore values or throw a `ProtocolError` naming the
// field. A receiver calls the accessor before doing anything, so malformed input changes
// nothing.

/// Checks a batch or id list length: 1...`StateMachine.batchEventsMax`.
func checkBatchSize(_ count: Int, field: String) throws(ProtocolError) {
    guard (1...StateMachine.batchEventsMax).contains(count) else {
        throw ProtocolError(
            code: .batchSizeOutOfRange, field: field,
            message: "\(count) entries; 1 to \(StateMachine.batchEventsMax) are allowed"
        )
    }
}

/// A write's session tag, checked: both parts non-zero.
func checkedSessionTag(_ sessionID: UInt128, _ requestNumber: UInt64) throws(ProtocolError) -> (sessionID: UInt128, requestNumber: UInt64) {
    let sessionID = try checkedSessionID(sessionID)
    guard requestNumber != 0 else {
        throw ProtocolError(code: .missingField, field: "request_number", message: "request numbers start at 1")
    }
    return (sessionID, requestNumber)
}

func checkedSessionID(_ sessionID: UInt128) throws(ProtocolError) -> UInt128 {
    guard sessionID != 0 else {
        throw ProtocolError(code: .missingField, field: "session_id", message: "the session id must not be 0")
    }
    return sessionID
}

/// Checks that a reply has one result per event of its request.
func checkResultCount(_ count: Int, eventCount: Int) throws(ProtocolError) {
    guard count == eventCount else {
        throw ProtocolError(
            code: .resultCountMismatch, field: "results",
            message: "\(count) results for a request of \(eventCount) events"
        )
    }
}

// MARK: Sessions

extension Settle_V1_RegisterSessionRequest {
    /// `sessionID`: chosen by the client at random, non-zero.
    public init(sessionID: UInt128) {
        self.init()
        sessionIDLo = sessionID.lo
        sessionIDHi = sessionID.hi
    }

    /// The session id to register: non-zero.
    public func checkedSessionID() throws(ProtocolError) -> UInt128 {
        try SettleProtocol.checkedSessionID(UInt128(lo: sessionIDLo, hi: sessionIDHi))
    }
}

extension Settle_V1_RegisterSessionResponse {
    public init(sessionID: UInt128, batchEventsMax: Int = StateMachine.batchEventsMax) {
        self.init()
        sessionIDLo = sessionID.lo
        sessionIDHi = sessionID.hi
        self.batchEventsMax = UInt32(batchEventsMax)
    }

    /// The registered session, as sent (the client compares it with its own).
    public var sessionID: UInt128 { UInt128(lo: sessionIDLo, hi: sessionIDHi) }
}

// MARK: Writes

extension Settle_V1_CreateAccountsRequest {
    public init(sessionID: UInt128, requestNumber: UInt64, accounts: [Account]) {
        self.init()
        sessionIDLo = sessionID.lo
        sessionIDHi = sessionID.hi
        self.requestNumber = requestNumber
        self.accounts = accounts.map(Settle_V1_Account.init)
    }

    /// The session tag: a non-zero session id and request number.
    public func checkedSessionTag() throws(ProtocolError) -> (sessionID: UInt128, requestNumber: UInt64) {
        try SettleProtocol.checkedSessionTag(UInt128(lo: sessionIDLo, hi: sessionIDHi), requestNumber)
    }

    /// The batch: a valid session tag, 1 to `batchEventsMax` accounts, each well-formed.
    public func checkedAccounts() throws(ProtocolError) -> [Account] {
        _ = try checkedSessionTag()
        try checkBatchSize(accounts.count, field: "accounts")
        return try convertEach(accounts, field: "accounts") { (message) throws(ProtocolError) in try Account(message) }
    }
}

extension Settle_V1_CreateAccountsResponse {
    public init(results: [CreateAccountResult], op: UInt64, timestamp: UInt64) {
        self.init()
        self.results = results.map(Settle_V1_CreateAccountResult.init)
        self.op = op
        self.timestamp = timestamp
    }

    /// The results, one per event of a request of `eventCount` events, each known.
    public func checkedResults(eventCount: Int) throws(ProtocolError) -> [CreateAccountResult] {
        try checkResultCount(results.count, eventCount: eventCount)
        return try convertEach(results, field: "results") { (message) throws(ProtocolError) in
            try CreateAccountResult(message, field: "")
        }
    }
}

extension Settle_V1_CreateTransfersRequest {
    public init(sessionID: UInt128, requestNumber: UInt64, transfers: [Transfer]) {
        self.init()
        sessionIDLo = sessionID.lo
        sessionIDHi = sessionID.hi
        self.requestNumber = requestNumber
        self.transfers = transfers.map(Settle_V1_Transfer.init)
    }

    /// The session tag: a non-zero session id and request number.
    public func checkedSessionTag() throws(ProtocolError) -> (sessionID: UInt128, requestNumber: UInt64) {
        try SettleProtocol.checkedSessionTag(UInt128(lo: sessionIDLo, hi: sessionIDHi), requestNumber)
    }

    /// The batch: a valid session tag, 1 to `batchEventsMax` transfers, each well-formed.
    public func checkedTransfers() throws(ProtocolError) -> [Transfer] {
        _ = try checkedSessionTag()
        try checkBatchSize(transfers.count, field: "transfers")
        return try convertEach(transfers, field: "transfers") { (message) throws(ProtocolError) in try Transfer(message) }
    }
}

extension Settle_V1_CreateTransfersResponse {
    public init(results: [CreateTransferResult], op: UInt64, timestamp: UInt64) {
        self.init()
        self.results = results.map(Settle_V1_CreateTransferResult.init)
        self.op = op
        self.timestamp = timestamp
    }

    /// The results, one per event of a request of `eventCount` events, each known.
    public func checkedResults(eventCount: Int) throws(ProtocolError) -> [CreateTransferResult] {
        try checkResultCount(results.count, eventCount: eventCount)
        return try convertEach(results, field: "results") { (message) throws(ProtocolError) in
            try CreateTransferResult(message, field: "")
        }
    }
}

// MARK: Lookups

extension Settle_V1_LookupAccountsRequest {
    public init(ids: [UInt128]) {
        self.init()
        self.ids = ids.map(Settle_V1_UInt128.init)
    }

    /// The ids: 1 to `batchEventsMax` of them.
    public func checkedIDs() throws(ProtocolError) -> [UInt128] {
        try checkBatchSize(ids.count, field: "ids")
        return ids.map(UInt128.init)
    }
}

extension Settle_V1_LookupAccountsResponse {
    public init(accounts: [Account]) {
        self.init()
        self.accounts = accounts.map(Settle_V1_Account.init)
    }

    public func checkedAccounts() throws(ProtocolError) -> [Account] {
        try convertEach(accounts, field: "accounts") { (message) throws(ProtocolError) in try Account(message) }
    }
}

extension Settle_V1_LookupTransfersRequest {
    public init(ids: [UInt128]) {
        self.init()
        self.ids = ids.map(Settle_V1_UInt128.init)
    }

    /// The ids: 1 to `batchEventsMax` of them.
    public func checkedIDs() throws(ProtocolError) -> [UInt128] {
        try checkBatchSize(ids.count, field: "ids")
        return ids.map(UInt128.init)
    }
}

extension Settle_V1_LookupTransfersResponse {
    public init(transfers: [Transfer]) {
        self.init()
        self.transfers = transfers.map(Settle_V1_Transfer.init)
    }

    public func checkedTransfers() throws(ProtocolError) -> [Transfer] {
        try convertEach(transfers, field: "transfers") { (message) throws(ProtocolError) in try Transfer(message) }
    }
}

// MARK: Filtered reads

/// The filter of a read request, which must be present.
func requiredFilter<Message, Filter>(
    _ message: Message, present: Bool, _ convert: (Message) throws(ProtocolError) -> Filter
) throws(ProtocolError) -> Filter {
    guard present else {
        throw ProtocolError(code: .missingField, field: "filter", message: "the request has no filter")
    }
    do {
        return try convert(message)
    } catch {
        throw error.nested(in: "filter")
    }
}

extension Settle_V1_GetAccountTransfersRequest {
    public init(filter: AccountFilter) {
        self.init()
        self.filter = Settle_V1_AccountFilter(filter)
    }

    public func checkedFilter() throws(ProtocolError) -> AccountFilter {
        try requiredFilter(filter, present: hasFilter) { (message) throws(ProtocolError) in try AccountFilter(message) }
    }
}

extension Settle_V1_GetAccountTransfersResponse {
    public init(transfers: [Transfer]) {
        self.init()
        self.transfers = transfers.map(Settle_V1_Transfer.init)
    }

    public func checkedTransfers() throws(ProtocolError) -> [Transfer] {
        try convertEach(transfers, field: "transfers") { (message) throws(ProtocolError) in try Transfer(message) }
    }
}

extension Settle_V1_GetAccountBalancesRequest {
    public init(filter: AccountFilter) {
        self.init()
        self.filter = Settle_V1_AccountFilter(filter)
    }

    public func checkedFilter() throws(ProtocolError) -> AccountFilter {
        try requiredFilter(filter, present: hasFilter) { (message) throws(ProtocolError) in try AccountFilter(message) }
    }
}

extension Settle_V1_GetAccountBalancesResponse {
    public init(balances: [AccountBalance]) {
        self.init()
        self.balances = balances.map(Settle_V1_AccountBalance.init)
    }

    /// The balances; every message is a valid balance, so this never fails.
    public func checkedBalances() -> [AccountBalance] {
        balances.map(AccountBalance.init)
    }
}

extension Settle_V1_QueryAccountsRequest {
    public init(filter: QueryFilter) {
        self.init()
        self.filter = Settle_V1_QueryFilter(filter)
    }

    public func checkedFilter() throws(ProtocolError) -> QueryFilter {
        try requiredFilter(filter, present: hasFilter) { (message) throws(ProtocolError) in try QueryFilter(message) }
    }
}

extension Settle_V1_QueryAccountsResponse {
    public init(accounts: [Account]) {
        self.init()
        self.accounts = accounts.map(Settle_V1_Account.init)
    }

    public func checkedAccounts() throws(ProtocolError) -> [Account] {
        try convertEach(accounts, field: "accounts") { (message) throws(ProtocolError) in try Account(message) }
    }
}

extension Settle_V1_QueryTransfersRequest {
    public init(filter: QueryFilter) {
        self.init()
        self.filter = Settle_V1_QueryFilter(filter)
    }

    public func checkedFilter() throws(ProtocolError) -> QueryFilter {
        try requiredFilter(filter, present: hasFilter) { (message) throws(ProtocolError) in try QueryFilter(message) }
    }
}

extension Settle_V1_QueryTransfersResponse {
    public init(transfers: [Transfer]) {
        self.init()
        self.transfers = transfers.map(Settle_V1_Transfer.init)
    }

    public func checkedTransfers() throws(ProtocolError) -> [Transfer] {
        try convertEach(transfers, field: "transfers") { (message) throws(ProtocolError) in try Transfer(message) }
    }
}
