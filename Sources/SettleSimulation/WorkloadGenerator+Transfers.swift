import SettleSeededRandom
import SettleCore
import SettleStorage

extension WorkloadGenerator {
    /// What one transfers batch is built from: the tenant's accounts (read once from the model)
    /// and the events generated so far, so later events can post, void or repeat earlier ones.
    struct TransferScene {
        let tenant: TenantID
        let accounts: [Account]
        /// Accounts per ledger, each list in creation order.
        let byLedger: [UInt32: [Account]]
        var events: [Transfer] = []
        var batchPendings: [Transfer] = []

        init(tenant: TenantID, model: ReferenceModel) {
            self.tenant = tenant
            accounts = model.allAccounts(tenant: tenant)
            byLedger = Dictionary(grouping: accounts, by: \.ledger)
        }
    }

    /// Exactly `count` transfers: single-phase, pending, posts, voids, balancing, closing, huge
    /// amounts, retries and invalid events, some in linked chains.
    mutating func transfersBatch(tenant: TenantID, model: ReferenceModel, count: Int, timestamp: UInt64? = nil) -> Batch {
        var scene = TransferScene(tenant: tenant, model: model)
        for _ in 0..<count {
            let transfer = nextTransfer(&scene, model: model)
            scene.events.append(transfer)
            if transfer.flags.contains(.pending) { scene.batchPendings.append(transfer) }
        }
        addChains(&scene.events, linked: TransferFlags.linked)
        remember(scene.events, tenant: tenant)
        let timestamp = timestamp ?? batchTimestamp(model: model, count: count)
        return .createTransfers(tenant: tenant, events: scene.events, timestamp: timestamp)
    }

    /// An imported batch: single-phase, pending (timeout 0), posts and voids with increasing
    /// timestamps, and occasional mistakes for each imported code.
    mutating func importedTransfersBatch(tenant: TenantID, model: ReferenceModel, count: Int) -> Batch {
        let timestamp = batchTimestamp(model: model, count: count, extraGap: 1_000_000)
        var clock = ImportedClock(
            tenantLast: model.lastTransferTimestamp(tenant: tenant), batchTimestamp: timestamp
        )
        var scene = TransferScene(tenant: tenant, model: model)
        for index in 0..<count {
            var transfer: Transfer
            switch below(100) {
            case ..<55: transfer = singlePhase(&scene)
            case ..<75: transfer = singlePhase(&scene); transfer.flags.insert(.pending)
            case ..<87: transfer = postOrVoid(&scene, model: model, post: true)
            case ..<95: transfer = postOrVoid(&scene, model: model, post: false)
            default: transfer = retry(&scene, model: model)
            }
            transfer.flags.insert(.imported)
            transfer.timestamp = importedTimestamp(&clock, allowMistake: index > 0 || chance(300))
            // Backdate to an account newer than the tenant's newest transfer: `...MustPostdate...`
            // (reached only while no earlier event of the batch has committed a later timestamp).
            if chance(400) {
                let accounts = [transfer.debitAccountID, transfer.creditAccountID].compactMap { model.account(tenant: tenant, id: $0) }
                let candidates = accounts.filter { $0.timestamp > clock.tenantLast && $0.timestamp < timestamp }
                if let newest = candidates.max(by: { $0.timestamp < $1.timestamp }) {
                    transfer.timestamp = newest.timestamp
                    // Put the newest account on a random side: debit → ...DebitAccount, credit
                    // (with an older debit) → ...CreditAccount.
                    let onDebit = chance(500)
                    if accounts.count == 2, (newest.id == transfer.debitAccountID) != onDebit {
                        swap(&transfer.debitAccountID, &transfer.creditAccountID)
                    }
                }
            }
            if transfer.flags.contains(.pending) && chance(250) { transfer.timeoutSeconds = 1 + UInt32(below(5)) }
            if index > 0 && chance(80) {
                transfer.flags.remove(.imported)  // importedEventExpected
                transfer.timestamp = 0
            }
            scene.events.append(transfer)
            if transfer.flags.contains(.pending) { scene.batchPendings.append(transfer) }
        }
        if chance(150) { addChains(&scene.events, linked: TransferFlags.linked) }
        remember(scene.events, tenant: tenant)
        return .createTransfers(tenant: tenant, events: scene.events, timestamp: timestamp)
    }

    private mutating func remember(_ events: [Transfer], tenant: TenantID) {
        for event in events where event.id != 0 && event.id != .max {
            plans[tenant]!.transferIDs.append(event.id)
            if event.flags.contains(.pending) { plans[tenant]!.recentPending.append(event) }
        }
        let excess = plans[tenant]!.recentPending.count - 128
        if excess > 0 { plans[tenant]!.recentPending.removeFirst(excess) }
    }

    private mutating func nextTransfer(_ scene: inout TransferScene, model: ReferenceModel) -> Transfer {
        switch below(1000) {
        case ..<300: return singlePhase(&scene)
        case ..<440: return pending(&scene)
        case ..<540: return postOrVoid(&scene, model: model, post: true)
        case ..<610: return postOrVoid(&scene, model: model, post: false)
        case ..<665: return balancing(&scene)
        case ..<675: return closing(&scene)
        case ..<740: return whale(&scene)
        case ..<800: return retry(&scene, model: model)
        case ..<815:
            // A retry of an id that failed with a transient code: `idAlreadyFailed`.
            var transfer = singlePhase(&scene)
            if let id = pick(model.failedTransferIDs(tenant: scene.tenant)) { transfer.id = id }
            return transfer
        case ..<830: return pick(scene.events) ?? singlePhase(&scene)  // an exact repeat in the batch
        default: return invalidTransfer(&scene, model: model)
        }
    }

    // MARK: - Kinds of transfer

    mutating func newTransferID(_ tenant: TenantID) -> UInt128 {
        if chance(20) { return UInt128(rng.next()) << 64 | UInt128(rng.next()) }
        defer { plans[tenant]!.nextTransferID += 1 }
        return plans[tenant]!.nextTransferID
    }

    /// Mostly small amounts; sometimes 0 or larger.
    mutating func amount() -> UInt128 {
        switch below(100) {
        case ..<5: 0
        case ..<80: 1 + UInt128(below(1_000))
        default: 1_000 + UInt128(below(1_000_000))
        }
    }

    /// An account of `pool`, usually one of the newest (so that balances build up).
    mutating func pickAccount(_ pool: [Account]) -> Account? {
        guard !pool.isEmpty else { return nil }
        if chance(600) { return pool[pool.count - 1 - below(Swift.min(pool.count, 40))] }
        return pool[below(pool.count)]
    }

    /// Two different accounts on `ledger` (a random ordinary ledger when nil).
    mutating func pickPair(_ scene: TransferScene, ledger: UInt32? = nil) -> (debit: Account, credit: Account)? {
        let pool = scene.byLedger[ledger ?? Self.ledgers[chance(700) ? 0 : 1]] ?? []
        guard pool.count >= 2, let debit = pickAccount(pool) else { return nil }
        for _ in 0..<4 {
            if let credit = pickAccount(pool), credit.id != debit.id { return (debit, credit) }
        }
        return nil
    }

    mutating func singlePhase(_ scene: inout TransferScene, ledger: UInt32? = nil) -> Transfer {
        let id = newTransferID(scene.tenant)
        guard let (debit, credit) = pickPair(scene, ledger: ledger) else {
            // Too few accounts yet: ids that may exist only in another tenant.
            return Transfer(id: id, debitAccountID: 1, creditAccountID: 2, amount: 1, ledger: 1, code: 1)
        }
        return Transfer(
            id: id, debitAccountID: debit.id, creditAccountID: credit.id, amount: amount(),
            userData128: smallValue(), userData64: smallValue(), userData32: smallValue(),
            ledger: debit.ledger, code: UInt16(1 + below(3))
        )
    }

    /// A timeout for a pending transfer: none, seconds (so expiry happens during the run), or
    /// (rarely) one that overflows 2^63 - 1 once the clock has jumped.
    mutating func timeout() -> UInt32 {
        switch below(100) {
        case ..<45: 0
        case ..<85: 1 + UInt32(below(6))
        case ..<95: 7 + UInt32(below(54))
        default: jumpAtEvent == nil ? 3_300_000_000 + UInt32(below(900_000_000)) : UInt32.max - UInt32(below(1_000))
        }
    }

    mutating func pending(_ scene: inout TransferScene) -> Transfer {
        var transfer = singlePhase(&scene)
        transfer.flags.insert(.pending)
        transfer.timeoutSeconds = timeout()
        return transfer
    }

    mutating func balancing(_ scene: inout TransferScene) -> Transfer {
        var transfer = chance(250) ? pending(&scene) : singlePhase(&scene)
        switch below(10) {
        case ..<4: transfer.flags.insert(.balancingDebit)
        case ..<8: transfer.flags.insert(.balancingCredit)
        default: transfer.flags.formUnion([.balancingDebit, .balancingCredit])
        }
        if chance(400) { transfer.amount = Transfer.amountMax }
        return transfer
    }

    mutating func closing(_ scene: inout TransferScene) -> Transfer {
        var transfer = singlePhase(&scene)
        transfer.flags.insert(.pending)
        transfer.timeoutSeconds = chance(500) ? 0 : 1 + UInt32(below(6))
        switch below(10) {
        case ..<4: transfer.flags.insert(.closingDebit)
        case ..<8: transfer.flags.insert(.closingCredit)
        default: transfer.flags.formUnion([.closingDebit, .closingCredit])
        }
        return transfer
    }

    /// Amounts near `UInt128.max` on the whale ledger, for every overflow code.
    mutating func whale(_ scene: inout TransferScene) -> Transfer {
        var transfer = chance(400) ? pending(&scene) : singlePhase(&scene)
        // Huge amounts stay on the whale ledger, so that ordinary accounts keep working.
        guard let (debit, credit) = pickPair(scene, ledger: Self.whaleLedger) else { return transfer }
        transfer.debitAccountID = debit.id
        transfer.creditAccountID = credit.id
        transfer.ledger = Self.whaleLedger
        let small = UInt128(below(1_000))
        transfer.amount = switch below(6) {
        case 0: UInt128.max
        case 1: UInt128.max - small
        case 2: UInt128.max / 2 + small
        case 3: UInt128(1) << 127
        case 4: UInt128.max / 3
        default: small
        }
        return transfer
    }
}
