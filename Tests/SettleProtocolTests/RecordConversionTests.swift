import SettleCore
import SettleProtocol
import Testing

/// An account whose every field holds a different value (and both halves of every 128-bit field
/// differ), so a dropped or swapped field or half shows.
func distinctAccount(seed: UInt64) -> Account {
    func wide(_ n: UInt64) -> UInt128 { UInt128(seed &+ n) << 64 | UInt128(seed &+ n &+ 100) }
    return Account(
        id: wide(1), debitsPending: wide(2), debitsPosted: wide(3), creditsPending: wide(4),
        creditsPosted: wide(5), userData128: wide(6), userData64: seed &+ 7,
        userData32: UInt32(truncatingIfNeeded: seed &+ 8), reserved: UInt32(truncatingIfNeeded: seed &+ 9),
        ledger: UInt32(truncatingIfNeeded: seed &+ 10), code: UInt16(truncatingIfNeeded: seed &+ 11),
        flags: AccountFlags(rawValue: UInt16(truncatingIfNeeded: seed &+ 12)), timestamp: seed &+ 13
    )
}

func distinctTransfer(seed: UInt64) -> Transfer {
    func wide(_ n: UInt64) -> UInt128 { UInt128(seed &+ n) << 64 | UInt128(seed &+ n &+ 100) }
    return Transfer(
        id: wide(1), debitAccountID: wide(2), creditAccountID: wide(3), amount: wide(4), pendingID: wide(5),
        userData128: wide(6), userData64: seed &+ 7, userData32: UInt32(truncatingIfNeeded: seed &+ 8),
        timeoutSeconds: UInt32(truncatingIfNeeded: seed &+ 9), ledger: UInt32(truncatingIfNeeded: seed &+ 10),
        code: UInt16(truncatingIfNeeded: seed &+ 11), flags: TransferFlags(rawValue: UInt16(truncatingIfNeeded: seed &+ 12)),
        timestamp: seed &+ 13
    )
}

let maxAccount = Account(
    id: .max, debitsPending: .max, debitsPosted: .max, creditsPending: .max, creditsPosted: .max,
    userData128: .max, userData64: .max, userData32: .max, reserved: .max, ledger: .max, code: .max,
    flags: AccountFlags(rawValue: .max), timestamp: .max
)

let maxTransfer = Transfer(
    id: .max, debitAccountID: .max, creditAccountID: .max, amount: .max, pendingID: .max, userData128: .max,
    userData64: .max, userData32: .max, timeoutSeconds: .max, ledger: .max, code: .max,
    flags: TransferFlags(rawValue: .max), timestamp: .max
)

@Suite struct AccountConversionTests {
    @Test(arguments: [Account(id: 0, ledger: 0, code: 0), maxAccount, distinctAccount(seed: 0), distinctAccount(seed: 0xDEAD_BEEF_0000)])
    func roundTripsEveryField(account: Account) throws {
        let message = try throughTheWire(Settle_V1_Account(account))
        #expect(try Account(message) == account)
    }

    /// Each wire field carries its own Swift field (not merely some bijection).
    @Test func fieldsLandInTheirWireFields() {
        let account = distinctAccount(seed: 1_000)
        let message = Settle_V1_Account(account)
        #expect(message.idLo == UInt64(truncatingIfNeeded: account.id))
        #expect(message.idHi == UInt64(truncatingIfNeeded: account.id >> 64))
        #expect(message.debitsPendingHi == UInt64(truncatingIfNeeded: account.debitsPending >> 64))
        #expect(message.creditsPostedLo == UInt64(truncatingIfNeeded: account.creditsPosted))
        #expect(message.userData64 == account.userData64)
        #expect(message.reserved == account.reserved)
        #expect(message.code == UInt32(account.code))
        #expect(message.flags == UInt32(account.flags.rawValue))
        #expect(message.timestamp == account.timestamp)
    }

    /// Unknown bits within 16 reach the ledger, which answers `reservedFlag`.
    @Test func unknownFlagBitsPassToTheLedger() throws {
        var message = Settle_V1_Account()
        message.flags = 0x8000
        #expect(try Account(message).flags.rawValue == 0x8000)
    }

    @Test func codeAbove16BitsIsMalformed() {
        var message = Settle_V1_Account()
        message.code = 65_536
        #expect(throws: ProtocolError(code: .valueOutOfRange, field: "code", message: "65536 does not fit in 16 bits (at most 65535)")) {
            try Account(message)
        }
    }

    @Test func flagsAbove16BitsAreMalformed() {
        var message = Settle_V1_Account()
        message.flags = UInt32.max
        let error = #expect(throws: ProtocolError.self) { try Account(message) }
        #expect(error?.code == .valueOutOfRange)
        #expect(error?.field == "flags")
    }

    @Test(arguments: [
        AccountBalance(debitsPending: 0, debitsPosted: 0, creditsPending: 0, creditsPosted: 0, timestamp: 0),
        AccountBalance(debitsPending: .max, debitsPosted: .max, creditsPending: .max, creditsPosted: .max, timestamp: .max),
        AccountBalance(debitsPending: 1 << 64 | 2, debitsPosted: 3 << 64 | 4, creditsPending: 5 << 64 | 6, creditsPosted: 7 << 64 | 8, timestamp: 9),
    ])
    func balanceRoundTripsEveryField(balance: AccountBalance) throws {
        #expect(AccountBalance(try throughTheWire(Settle_V1_AccountBalance(balance))) == balance)
    }
}

@Suite struct TransferConversionTests {
    @Test(arguments: [Transfer(id: 0), maxTransfer, distinctTransfer(seed: 0), distinctTransfer(seed: 0xDEAD_BEEF_0000)])
    func roundTripsEveryField(transfer: Transfer) throws {
        let message = try throughTheWire(Settle_V1_Transfer(transfer))
        #expect(try Transfer(message) == transfer)
    }

    @Test func fieldsLandInTheirWireFields() {
        let transfer = distinctTransfer(seed: 2_000)
        let message = Settle_V1_Transfer(transfer)
        #expect(message.debitAccountIDLo == UInt64(truncatingIfNeeded: transfer.debitAccountID))
        #expect(message.creditAccountIDHi == UInt64(truncatingIfNeeded: transfer.creditAccountID >> 64))
        #expect(message.amountHi == UInt64(truncatingIfNeeded: transfer.amount >> 64))
        #expect(message.pendingIDLo == UInt64(truncatingIfNeeded: transfer.pendingID))
        #expect(message.timeoutSeconds == transfer.timeoutSeconds)
        #expect(message.ledger == transfer.ledger)
    }

    @Test func amountMaxSurvives() throws {
        let transfer = Transfer(id: 1, amount: Transfer.amountMax, flags: .postPendingTransfer)
        #expect(try Transfer(throughTheWire(Settle_V1_Transfer(transfer))).amount == .max)
    }

    @Test func codeAndFlagsAbove16BitsAreMalformed() {
        var message = Settle_V1_Transfer()
        message.code = 70_000
        #expect(throws: ProtocolError.self) { try Transfer(message) }
        message.code = 1
        message.flags = 1 << 16
        let error = #expect(throws: ProtocolError.self) { try Transfer(message) }
        #expect(error?.field == "flags")
    }
}
