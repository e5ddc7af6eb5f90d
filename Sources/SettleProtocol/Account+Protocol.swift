import SettleCore

extension Settle_V1_Account {
    /// The wire form of `account`; lossless (every field has a place).
    public init(_ account: Account) {
        self.init()
        idLo = account.id.lo
        idHi = account.id.hi
        debitsPendingLo = account.debitsPending.lo
        debitsPendingHi = account.debitsPending.hi
        debitsPostedLo = account.debitsPosted.lo
        debitsPostedHi = account.debitsPosted.hi
        creditsPendingLo = account.creditsPending.lo
        creditsPendingHi = account.creditsPending.hi
        creditsPostedLo = account.creditsPosted.lo
        creditsPostedHi = account.creditsPosted.hi
        userData128Lo = account.userData128.lo
        userData128Hi = account.userData128.hi
        userData64 = account.userData64
        userData32 = account.userData32
        reserved = account.reserved
        ledger = account.ledger
        code = UInt32(account.code)
        flags = UInt32(account.flags.rawValue)
        timestamp = account.timestamp
    }
}

extension Account {
    /// The account a message describes. Throws `valueOutOfRange` when `code` or `flags` does not
    /// fit in 16 bits. Unknown flag bits within 16 bits pass, so that the ledger answers them
    /// with `reservedFlag` like any other rule.
    public init(_ message: Settle_V1_Account) throws(ProtocolError) {
        self.init(
            id: UInt128(lo: message.idLo, hi: message.idHi),
            debitsPending: UInt128(lo: message.debitsPendingLo, hi: message.debitsPendingHi),
            debitsPosted: UInt128(lo: message.debitsPostedLo, hi: message.debitsPostedHi),
            creditsPending: UInt128(lo: message.creditsPendingLo, hi: message.creditsPendingHi),
            creditsPosted: UInt128(lo: message.creditsPostedLo, hi: message.creditsPostedHi),
            userData128: UInt128(lo: message.userData128Lo, hi: message.userData128Hi),
            userData64: message.userData64,
            userData32: message.userData32,
            reserved: message.reserved,
            ledger: message.ledger,
            code: try narrow(message.code, field: "code"),
            flags: AccountFlags(rawValue: try narrow(message.flags, field: "flags")),
            timestamp: message.timestamp
        )
    }
}

extension Settle_V1_AccountBalance {
    /// The wire form of `balance`; lossless.
    public init(_ balance: AccountBalance) {
        self.init()
        debitsPendingLo = balance.debitsPending.lo
        debitsPendingHi = balance.debitsPending.hi
        debitsPostedLo = balance.debitsPosted.lo
        debitsPostedHi = balance.debitsPosted.hi
        creditsPendingLo = balance.creditsPending.lo
        creditsPendingHi = balance.creditsPending.hi
        creditsPostedLo = balance.creditsPosted.lo
        creditsPostedHi = balance.creditsPosted.hi
        timestamp = balance.timestamp
    }
}

extension AccountBalance {
    /// The balance a message describes; every message is a valid balance.
    public init(_ message: Settle_V1_AccountBalance) {
        self.init(
            debitsPending: UInt128(lo: message.debitsPendingLo, hi: message.debitsPendingHi),
            debitsPosted: UInt128(lo: message.debitsPostedLo, hi: message.debitsPostedHi),
            creditsPending: UInt128(lo: message.creditsPendingLo, hi: message.creditsPendingHi),
            creditsPosted: UInt128(lo: message.creditsPostedLo, hi: message.creditsPostedHi),
            timestamp: message.timestamp
        )
    }
}
