import SettleCore
import SettleProtocol
import Testing

@Suite struct WriteRequestTests {
    @Test func createAccountsRoundTrips() throws {
        let accounts = [distinctAccount(seed: 1), maxAccount, Account(id: 1, ledger: 1, code: 1)]
        let request = try throughTheWire(Settle_V1_CreateAccountsRequest(sessionID: .max, requestNumber: .max, accounts: accounts))
        let tag = try request.checkedSessionTag()
        #expect(tag.sessionID == .max)
        #expect(tag.requestNumber == .max)
        #expect(try request.checkedAccounts() == accounts)
    }

    @Test(arguments: uint128Boundaries.filter { $0 != 0 })
    func sessionIDsRoundTrip(sessionID: UInt128) throws {
        let register = try throughTheWire(Settle_V1_RegisterSessionRequest(sessionID: sessionID))
        #expect(try register.checkedSessionID() == sessionID)
        let reply = try throughTheWire(Settle_V1_RegisterSessionResponse(sessionID: sessionID))
        #expect(reply.sessionID == sessionID)
        #expect(reply.batchEventsMax == UInt32(StateMachine.batchEventsMax))
        let write = try throughTheWire(Settle_V1_CreateTransfersRequest(sessionID: sessionID, requestNumber: 1, transfers: [maxTransfer]))
        #expect(try write.checkedSessionTag().sessionID == sessionID)
    }

    @Test func sessionIDZeroIsRefused() {
        let error = #expect(throws: ProtocolError.self) { try Settle_V1_RegisterSessionRequest(sessionID: 0).checkedSessionID() }
        #expect(error?.code == .missingField)
        #expect(error?.field == "session_id")
    }

    /// The largest batch the ledger takes crosses the wire whole; one more is refused.
    @Test func createTransfersTakesUpToBatchEventsMax() throws {
        let full = (0..<StateMachine.batchEventsMax).map { distinctTransfer(seed: UInt64($0)) }
        let request = try throughTheWire(Settle_V1_CreateTransfersRequest(sessionID: 1, requestNumber: 1, transfers: full))
        #expect(try request.checkedTransfers() == full)

        let over = Settle_V1_CreateTransfersRequest(sessionID: 1, requestNumber: 1, transfers: full + [Transfer(id: 1)])
        let error = #expect(throws: ProtocolError.self) { try over.checkedTransfers() }
        #expect(error?.code == .batchSizeOutOfRange)
        #expect(error?.field == "transfers")
    }

    @Test func emptyBatchesAreRefused() {
        #expect(throws: ProtocolError.self) {
            try Settle_V1_CreateAccountsRequest(sessionID: 1, requestNumber: 1, accounts: []).checkedAccounts()
        }
        #expect(throws: ProtocolError.self) {
            try Settle_V1_CreateTransfersRequest(sessionID: 1, requestNumber: 1, transfers: []).checkedTransfers()
        }
    }

    @Test func writesNeedASession() {
        let noSession = #expect(throws: ProtocolError.self) {
            try Settle_V1_CreateTransfersRequest(sessionID: 0, requestNumber: 1, transfers: [Transfer(id: 1)]).checkedTransfers()
        }
        #expect(noSession?.code == .missingField)
        #expect(noSession?.field == "session_id")
        let noNumber = #expect(throws: ProtocolError.self) {
            try Settle_V1_CreateAccountsRequest(sessionID: 1, requestNumber: 0, accounts: [maxAccount]).checkedAccounts()
        }
        #expect(noNumber?.field == "request_number")
    }

    /// The error names the event, so a client can find the bad one in a batch of thousands.
    @Test func malformedEventIsNamedByIndex() {
        var request = Settle_V1_CreateTransfersRequest(
            sessionID: 1, requestNumber: 1, transfers: (0..<5).map { Transfer(id: UInt128($0 + 1)) }
        )
        request.transfers[3].code = 65_536
        let error = #expect(throws: ProtocolError.self) { try request.checkedTransfers() }
        #expect(error?.field == "transfers[3].code")
        #expect(error?.description.contains("transfers[3].code") == true)
    }
}

@Suite struct WriteResponseTests {
    @Test func accountResultsRoundTrip() throws {
        let results = CreateAccountResult.allCases
        let response = try throughTheWire(Settle_V1_CreateAccountsResponse(results: results, op: .max, timestamp: .max))
        #expect(response.op == .max)
        #expect(response.timestamp == .max)
        #expect(try response.checkedResults(eventCount: results.count) == results)
    }

    @Test func transferResultsRoundTrip() throws {
        let results = CreateTransferResult.allCases
        let response = try throughTheWire(Settle_V1_CreateTransfersResponse(results: results, op: 0, timestamp: 0))
        #expect(try response.checkedResults(eventCount: results.count) == results)
    }

    @Test(arguments: [0, 2, 4])
    func wrongResultCountIsRefused(eventCount: Int) {
        let response = Settle_V1_CreateTransfersResponse(results: [.ok, .exists, .exceedsCredits], op: 1, timestamp: 1)
        let error = #expect(throws: ProtocolError.self) { try response.checkedResults(eventCount: eventCount) }
        #expect(error?.code == .resultCountMismatch)
        let accounts = Settle_V1_CreateAccountsResponse(results: [.ok, .exists, .reservedFlag], op: 1, timestamp: 1)
        #expect(throws: ProtocolError.self) { try accounts.checkedResults(eventCount: eventCount) }
    }

    /// A number from a newer server survives parsing (proto3 enums are open) and is refused by
    /// the conversion, naming its position.
    @Test func unknownResultFromTheWireIsRefused() throws {
        var response = Settle_V1_CreateTransfersResponse(results: [.ok, .ok], op: 1, timestamp: 1)
        response.results[1] = .UNRECOGNIZED(200)
        let parsed = try throughTheWire(response)
        let error = #expect(throws: ProtocolError.self) { try parsed.checkedResults(eventCount: 2) }
        #expect(error?.code == .unknownEnumValue)
        #expect(error?.field == "results[1]")
    }
}

@Suite struct ReadRequestTests {
    @Test func lookupIDsRoundTrip() throws {
        let accounts = try throughTheWire(Settle_V1_LookupAccountsRequest(ids: uint128Boundaries))
        #expect(try accounts.checkedIDs() == uint128Boundaries)
        let transfers = try throughTheWire(Settle_V1_LookupTransfersRequest(ids: uint128Boundaries))
        #expect(try transfers.checkedIDs() == uint128Boundaries)
    }

    @Test func lookupIDCountIsBounded() {
        #expect(throws: ProtocolError.self) { try Settle_V1_LookupAccountsRequest(ids: []).checkedIDs() }
        let tooMany = [UInt128](repeating: 1, count: StateMachine.batchEventsMax + 1)
        let error = #expect(throws: ProtocolError.self) { try Settle_V1_LookupTransfersRequest(ids: tooMany).checkedIDs() }
        #expect(error?.field == "ids")
    }

    @Test func filtersRoundTripInRequests() throws {
        let accountFilter = AccountFilter(accountID: .max, code: 9, limit: 3, flags: [.debits, .reversed])
        let queryFilter = QueryFilter(ledger: 2, limit: 5, reversed: true)
        #expect(try throughTheWire(Settle_V1_GetAccountTransfersRequest(filter: accountFilter)).checkedFilter() == accountFilter)
        #expect(try throughTheWire(Settle_V1_GetAccountBalancesRequest(filter: accountFilter)).checkedFilter() == accountFilter)
        #expect(try throughTheWire(Settle_V1_QueryAccountsRequest(filter: queryFilter)).checkedFilter() == queryFilter)
        #expect(try throughTheWire(Settle_V1_QueryTransfersRequest(filter: queryFilter)).checkedFilter() == queryFilter)
    }

    @Test func missingFilterIsRefused() {
        let error = #expect(throws: ProtocolError.self) { try Settle_V1_GetAccountTransfersRequest().checkedFilter() }
        #expect(error?.code == .missingField)
        #expect(error?.field == "filter")
        #expect(throws: ProtocolError.self) { try Settle_V1_GetAccountBalancesRequest().checkedFilter() }
        #expect(throws: ProtocolError.self) { try Settle_V1_QueryAccountsRequest().checkedFilter() }
        #expect(throws: ProtocolError.self) { try Settle_V1_QueryTransfersRequest().checkedFilter() }
    }

    @Test func malformedFilterIsNamedInsideTheRequest() {
        var request = Settle_V1_QueryTransfersRequest(filter: QueryFilter())
        request.filter.code = 1 << 20
        let error = #expect(throws: ProtocolError.self) { try request.checkedFilter() }
        #expect(error?.field == "filter.code")
    }

    @Test func readResponsesRoundTrip() throws {
        let accounts = [maxAccount, distinctAccount(seed: 5)]
        let transfers = [maxTransfer, distinctTransfer(seed: 6)]
        let balances = [AccountBalance(debitsPending: .max, debitsPosted: 1, creditsPending: 2, creditsPosted: 3, timestamp: .max)]
        #expect(try throughTheWire(Settle_V1_LookupAccountsResponse(accounts: accounts)).checkedAccounts() == accounts)
        #expect(try throughTheWire(Settle_V1_QueryAccountsResponse(accounts: accounts)).checkedAccounts() == accounts)
        #expect(try throughTheWire(Settle_V1_LookupTransfersResponse(transfers: transfers)).checkedTransfers() == transfers)
        #expect(try throughTheWire(Settle_V1_GetAccountTransfersResponse(transfers: transfers)).checkedTransfers() == transfers)
        #expect(try throughTheWire(Settle_V1_QueryTransfersResponse(transfers: transfers)).checkedTransfers() == transfers)
        #expect(try throughTheWire(Settle_V1_GetAccountBalancesResponse(balances: balances)).checkedBalances() == balances)
    }
}
