import SettleCore

// Result enums cross the wire by number: the .proto's numbers equal the Swift raw values
// (SettleProtocolTests checks every case both ways, and that the names agree).

extension Settle_V1_CreateAccountResult {
    /// The wire form of `result`. Total: a Swift case the .proto lacks would still travel as
    /// its number (and the tests fail until the .proto gains it).
    public init(_ result: CreateAccountResult) {
        let number = Int(result.rawValue)
        self = Self(rawValue: number) ?? .UNRECOGNIZED(number)
    }
}

extension CreateAccountResult {
    /// The result a wire number stands for; throws `unknownEnumValue` for a number this version
    /// does not know (a newer server's code, or garbage).
    public init(_ message: Settle_V1_CreateAccountResult, field: String = "result") throws(ProtocolError) {
        guard let raw = UInt16(exactly: message.rawValue), let result = CreateAccountResult(rawValue: raw) else {
            throw ProtocolError(
                code: .unknownEnumValue, field: field,
                message: "\(message.rawValue) is not a CreateAccountResult this version knows"
            )
        }
        self = result
    }
}

extension Settle_V1_CreateTransferResult {
    /// The wire form of `result`. Total: a Swift case the .proto lacks would still travel as
    /// its number (and the tests fail until the .proto gains it).
    public init(_ result: CreateTransferResult) {
        let number = Int(result.rawValue)
        self = Self(rawValue: number) ?? .UNRECOGNIZED(number)
    }
}

extension CreateTransferResult {
    /// The result a wire number stands for; throws `unknownEnumValue` for a number this version
    /// does not know (a newer server's code, or garbage).
    public init(_ message: Settle_V1_CreateTransferResult, field: String = "result") throws(ProtocolError) {
        guard let raw = UInt16(exactly: message.rawValue), let result = CreateTransferResult(rawValue: raw) else {
            throw ProtocolError(
                code: .unknownEnumValue, field: field,
                message: "\(message.rawValue) is not a CreateTransferResult this version knows"
            )
        }
        self = result
    }
}
