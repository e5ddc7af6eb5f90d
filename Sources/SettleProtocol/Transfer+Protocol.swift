import SettleCore

extension Settle_V1_Transfer {
    /// The wire form of `transfer`; lossless (every field has a place).
    public init(_ transfer: Transfer) {
        self.init()
        idLo = transfer.id.lo
        idHi = transfer.id.hi
        debitAccountIDLo = transfer.debitAccountID.lo
        debitAccountIDHi = transfer.debitAccountID.hi
        creditAccountIDLo = transfer.creditAccountID.lo
        creditAccountIDHi = transfer.creditAccountID.hi
        amountLo = transfer.amount.lo
        amountHi = transfer.amount.hi
        pendingIDLo = transfer.pendingID.lo
        pendingIDHi = transfer.pendingID.hi
        userData128Lo = transfer.userData128.lo
        userData128Hi = transfer.userData128.hi
        userData64 = transfer.userData64
        userData32 = transfer.userData32
        timeoutSeconds = transfer.timeoutSeconds
        ledger = transfer.ledger
        code = UInt32(transfer.code)
        flags = UInt32(transfer.flags.rawValue)
        timestamp = transfer.timestamp
    }
}

extension Transfer {
    /// The transfer a message describes. Throws `valueOutOfRange` when `code` or `flags` does
    /// not fit in 16 bits. Unknown flag bits within 16 bits pass, so that the ledger answers
    /// them with `reservedFlag` like any other rule.
    public init(_ message: Settle_V1_Transfer) throws(ProtocolError) {
        self.init(
            id: UInt128(lo: message.idLo, hi: message.idHi),
            debitAccountID: UInt128(lo: message.debitAccountIDLo, hi: message.debitAccountIDHi),
            creditAccountID: UInt128(lo: message.creditAccountIDLo, hi: message.creditAccountIDHi),
            amount: UInt128(lo: message.amountLo, hi: message.amountHi),
            pendingID: UInt128(lo: message.pendingIDLo, hi: message.pendingIDHi),
            userData128: UInt128(lo: message.userData128Lo, hi: message.userData128Hi),
            userData64: message.userData64,
            userData32: message.userData32,
            timeoutSeconds: message.timeoutSeconds,
            ledger: message.ledger,
            code: try narrow(message.code, field: "code"),
            flags: TransferFlags(rawValue: try narrow(message.flags, field: "flags")),
            timestamp: message.timestamp
        )
    }
}
