extension Ledger {
    func lookupAccounts(_ ids: [UInt128]) -> [Account] {
        ids.compactMap { id in findAccount(id).map { accounts[$0] } }
    }

    func lookupTransfers(_ ids: [UInt128]) -> [Transfer] {
        ids.compactMap { id in findTransfer(id).map { transfers[$0] } }
    }

    func accountTransfers(_ filter: AccountFilter) -> [Transfer] {
        var result: [Transfer] = []
        visitAccountTransfers(filter) { slot, _ in result.append(transfers[slot]) }
        return result
    }

    func accountBalances(_ filter: AccountFilter) -> [AccountBalance] {
        guard let accountSlot = findAccount(filter.accountID), let history = accountHistory[accountSlot] else { return [] }
        var result: [AccountBalance] = []
        visitAccountTransfers(filter) { _, position in result.append(history[position]) }
        return result
    }

    /// Calls `body(transferSlot, positionInAccountList)` for each match, in the filter's order.
    private func visitAccountTransfers(_ filter: AccountFilter, _ body: (Int, Int) -> Void) {
        guard filter.limit > 0, !filter.flags.isDisjoint(with: [.debits, .credits]),
              let accountSlot = findAccount(filter.accountID) else { return }
        accountTransferSlots.withList(accountSlot) { slots in
        let range = timestampRange(count: slots.count, min: filter.timestampMin, max: filter.timestampMax) {
            transfers[Int(slots[$0])].timestamp
        }
        var remaining = Int(filter.limit)
        let positions = filter.flags.contains(.reversed) ? AnySequence(range.reversed()) : AnySequence(range)
        for position in positions where remaining > 0 {
            let slot = Int(slots[position])
            let transfer = transfers.pointer(at: slot).pointee
            let side = transfer.debitAccountID == filter.accountID ? AccountFilterFlags.debits : .credits
            guard filter.flags.contains(side),
                  filter.userData128 == 0 || filter.userData128 == transfer.userData128,
                  filter.userData64 == 0 || filter.userData64 == transfer.userData64,
                  filter.userData32 == 0 || filter.userData32 == transfer.userData32,
                  filter.code == 0 || filter.code == transfer.code else { continue }
            body(slot, position)
            remaining -= 1
        }
        }
    }

    func queryAccounts(_ filter: QueryFilter) -> [Account] {
        query(filter, store: accounts) { a in
            (a.userData128, a.userData64, a.userData32, a.ledger, a.code, a.timestamp)
        }
    }

    func queryTransfers(_ filter: QueryFilter) -> [Transfer] {
        query(filter, store: transfers) { t in
            (t.userData128, t.userData64, t.userData32, t.ledger, t.code, t.timestamp)
        }
    }

    /// Scans a store (which is in timestamp order) from the range start, keeping matches.
    private func query<R>(
        _ filter: QueryFilter, store: RecordStore<R>,
        fields: (R) -> (UInt128, UInt64, UInt32, UInt32, UInt16, UInt64)
    ) -> [R] {
        guard filter.limit > 0 else { return [] }
        let range = timestampRange(count: store.count, min: filter.timestampMin, max: filter.timestampMax) {
            fields(store[$0]).5
        }
        var result: [R] = []
        let slots = filter.reversed ? AnySequence(range.reversed()) : AnySequence(range)
        for slot in slots where result.count < Int(filter.limit) {
            let record = store[slot]
            let (u128, u64, u32, ledger, code, _) = fields(record)
            guard filter.userData128 == 0 || filter.userData128 == u128,
                  filter.userData64 == 0 || filter.userData64 == u64,
                  filter.userData32 == 0 || filter.userData32 == u32,
                  filter.ledger == 0 || filter.ledger == ledger,
                  filter.code == 0 || filter.code == code else { continue }
            result.append(record)
        }
        return result
    }

    /// The positions `0..<count` whose timestamps (ascending in position) lie in the inclusive
    /// bounds, 0 meaning unbounded. Two binary searches.
    private func timestampRange(count: Int, min: UInt64, max: UInt64, timestampAt: (Int) -> UInt64) -> Range<Int> {
        let upperBound = max == 0 ? UInt64.max : max
        guard min <= upperBound else { return 0..<0 }
        func firstPosition(where predicate: (UInt64) -> Bool) -> Int {
            var low = 0
            var high = count
            while low < high {
                let mid = (low + high) / 2
                if predicate(timestampAt(mid)) { high = mid } else { low = mid + 1 }
            }
            return low
        }
        let start = firstPosition { $0 >= min }
        let end = firstPosition { $0 > upperBound }
        return start..<Swift.max(start, end)
    }
}
