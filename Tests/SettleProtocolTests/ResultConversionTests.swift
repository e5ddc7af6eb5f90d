import SettleCore
import SettleProtocol
import Testing

@Suite struct ResultConversionTests {
    @Test(arguments: CreateAccountResult.allCases)
    func accountResultMapsBothWays(result: CreateAccountResult) throws {
        let message = Settle_V1_CreateAccountResult(result)
        #expect(message.rawValue == Int(result.rawValue))
        // Same name too: the .proto's CREATE_ACCOUNT_RESULT_X becomes case x.
        #expect(String(describing: message) == String(describing: result))
        #expect(try CreateAccountResult(message) == result)
    }

    @Test(arguments: CreateTransferResult.allCases)
    func transferResultMapsBothWays(result: CreateTransferResult) throws {
        let message = Settle_V1_CreateTransferResult(result)
        #expect(message.rawValue == Int(result.rawValue))
        #expect(String(describing: message) == String(describing: result))
        #expect(try CreateTransferResult(message) == result)
    }

    /// No .proto value lacks a Swift case (the tests above check the other direction).
    @Test func protoHasNoExtraValues() throws {
        #expect(Settle_V1_CreateAccountResult.allCases.count == CreateAccountResult.allCases.count)
        #expect(Settle_V1_CreateTransferResult.allCases.count == CreateTransferResult.allCases.count)
        for message in Settle_V1_CreateAccountResult.allCases { _ = try CreateAccountResult(message) }
        for message in Settle_V1_CreateTransferResult.allCases { _ = try CreateTransferResult(message) }
    }

    @Test(arguments: [-1, 68, 65_536, Int(Int32.max)])
    func unknownNumbersAreRefused(number: Int) {
        let accountError = #expect(throws: ProtocolError.self) {
            try CreateAccountResult(Settle_V1_CreateAccountResult(rawValue: number) ?? .UNRECOGNIZED(number))
        }
        #expect(accountError?.code == .unknownEnumValue)
        let transferError = #expect(throws: ProtocolError.self) {
            try CreateTransferResult(Settle_V1_CreateTransferResult(rawValue: number) ?? .UNRECOGNIZED(number))
        }
        #expect(transferError?.code == .unknownEnumValue)
    }
}
