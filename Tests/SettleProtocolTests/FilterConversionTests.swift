import SettleCore
import SettleProtocol
import Testing

@Suite struct FilterConversionTests {
    @Test(arguments: [
        AccountFilter(accountID: 0, limit: 0, flags: []),
        AccountFilter(
            accountID: .max, userData128: .max, userData64: .max, userData32: .max, code: .max,
            timestampMin: .max, timestampMax: .max, limit: .max, flags: [.debits, .credits, .reversed]
        ),
        AccountFilter(
            accountID: 1 << 64 | 2, userData128: 3 << 64 | 4, userData64: 5, userData32: 6, code: 7,
            timestampMin: 8, timestampMax: 9, limit: 10, flags: [.credits]
        ),
    ])
    func accountFilterRoundTripsEveryField(filter: AccountFilter) throws {
        #expect(try AccountFilter(throughTheWire(Settle_V1_AccountFilter(filter))) == filter)
    }

    @Test func accountFilterFlagBitsMatchTheOptionSet() {
        #expect(Settle_V1_AccountFilter(AccountFilter(accountID: 1, flags: .debits)).flags == 1)
        #expect(Settle_V1_AccountFilter(AccountFilter(accountID: 1, flags: .credits)).flags == 2)
        #expect(Settle_V1_AccountFilter(AccountFilter(accountID: 1, flags: .reversed)).flags == 4)
    }

    @Test func accountFilterUnknownFlagBitsAreMalformed() {
        var message = Settle_V1_AccountFilter(AccountFilter(accountID: 1))
        message.flags |= 8
        let error = #expect(throws: ProtocolError.self) { try AccountFilter(message) }
        #expect(error?.code == .valueOutOfRange)
        #expect(error?.field == "flags")
    }

    @Test(arguments: [
        QueryFilter(limit: 0),
        QueryFilter(
            userData128: .max, userData64: .max, userData32: .max, ledger: .max, code: .max,
            timestampMin: .max, timestampMax: .max, limit: .max, reversed: true
        ),
        QueryFilter(
            userData128: 1 << 64 | 2, userData64: 3, userData32: 4, ledger: 5, code: 6,
            timestampMin: 7, timestampMax: 8, limit: 9, reversed: false
        ),
    ])
    func queryFilterRoundTripsEveryField(filter: QueryFilter) throws {
        #expect(try QueryFilter(throughTheWire(Settle_V1_QueryFilter(filter))) == filter)
    }

    @Test func codeAbove16BitsIsMalformed() {
        var accountFilter = Settle_V1_AccountFilter()
        accountFilter.code = 65_536
        #expect(throws: ProtocolError.self) { try AccountFilter(accountFilter) }
        var queryFilter = Settle_V1_QueryFilter()
        queryFilter.code = .max
        #expect(throws: ProtocolError.self) { try QueryFilter(queryFilter) }
    }
}
