import SettleCore

/// Every filter flag this version understands; the wire refuses others (a read has no result
/// code to report them with).
private let accountFilterFlagsKnown: AccountFilterFlags = [.debits, .credits, .reversed]

extension Settle_V1_AccountFilter {
    /// The wire form of `filter`; lossless.
    public init(_ filter: AccountFilter) {
        self.init()
        accountIDLo = filter.accountID.lo
        accountIDHi = filter.accountID.hi
        userData128Lo = filter.userData128.lo
        userData128Hi = filter.userData128.hi
        userData64 = filter.userData64
        userData32 = filter.userData32
        code = UInt32(filter.code)
        timestampMin = filter.timestampMin
        timestampMax = filter.timestampMax
        limit = filter.limit
        flags = filter.flags.rawValue
    }
}

extension AccountFilter {
    /// The filter a message describes. Throws `valueOutOfRange` for a `code` above 65,535 or
    /// unknown flag bits. `limit` is taken as sent (0 returns
    /// nothing); capping it is the server's policy.
    public init(_ message: Settle_V1_AccountFilter) throws(ProtocolError) {
        let flags = AccountFilterFlags(rawValue: message.flags)
        guard accountFilterFlagsKnown.isSuperset(of: flags) else {
            throw ProtocolError(
                code: .valueOutOfRange, field: "flags",
                message: "unknown account filter flag bits \(flags.subtracting(accountFilterFlagsKnown).rawValue)"
            )
        }
        self.init(
            accountID: UInt128(lo: message.accountIDLo, hi: message.accountIDHi),
            userData128: UInt128(lo: message.userData128Lo, hi: message.userData128Hi),
            userData64: message.userData64,
            userData32: message.userData32,
            code: try narrow(message.code, field: "code"),
            timestampMin: message.timestampMin,
            timestampMax: message.timestampMax,
            limit: message.limit,
            flags: flags
        )
    }
}

extension Settle_V1_QueryFilter {
    /// The wire form of `filter`; lossless.
    public init(_ filter: QueryFilter) {
        self.init()
        userData128Lo = filter.userData128.lo
        userData128Hi = filter.userData128.hi
        userData64 = filter.userData64
        userData32 = filter.userData32
        ledger = filter.ledger
        code = UInt32(filter.code)
        timestampMin = filter.timestampMin
        timestampMax = filter.timestampMax
        limit = filter.limit
        reversed = filter.reversed
    }
}

extension QueryFilter {
    /// The filter a message describes. Throws `valueOutOfRange` for a `code` above 65,535.
    /// `limit` is taken as sent (0 returns nothing); capping it is the server's policy.
    public init(_ message: Settle_V1_QueryFilter) throws(ProtocolError) {
        self.init(
            userData128: UInt128(lo: message.userData128Lo, hi: message.userData128Hi),
            userData64: message.userData64,
            userData32: message.userData32,
            ledger: message.ledger,
            code: try narrow(message.code, field: "code"),
            timestampMin: message.timestampMin,
            timestampMax: message.timestampMax,
            limit: message.limit,
            reversed: message.reversed
        )
    }
}
