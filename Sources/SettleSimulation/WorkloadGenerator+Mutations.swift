import SettleSeededRandom
import SettleCore
import SettleStorage

extension WorkloadGenerator {
    /// A post or void of a recent pending transfer (or, sometimes, of something that is not one),
    /// with inherited or given fields and full, partial, zero, `amountMax` or excessive amounts.
    mutating func postOrVoid(_ scene: inout TransferScene, model: ReferenceModel, post: Bool) -> Transfer {
        let id = newTransferID(scene.tenant)
        var target: Transfer?
        switch below(100) {
        case ..<65: target = pick(plans[scene.tenant]!.recentPending)
        case ..<85: target = pick(scene.batchPendings)
        case ..<93:
            // Any transfer id: often not a pending transfer (`pendingTransferNotPending`).
            if let other = pick(plans[scene.tenant]!.transferIDs) { target = Transfer(id: other) }
        default: target = Transfer(id: UInt128(rng.next()) | 1)  // `pendingTransferNotFound`
        }
        let pending = target.flatMap { model.transfer(tenant: scene.tenant, id: $0.id) } ?? target ?? Transfer(id: 1)
        var event = Transfer(id: id, pendingID: pending.id, flags: post ? .postPendingTransfer : .voidPendingTransfer)
        event.amount = post ? postAmount(pending.amount) : voidAmount(pending.amount)
        switch below(10) {
        case ..<6: break  // inherit everything
        case ..<9:
            event.debitAccountID = pending.debitAccountID
            event.creditAccountID = pending.creditAccountID
            event.ledger = pending.ledger
            event.code = pending.code
        default:
            // One given field that differs: `pendingTransferHasDifferent...`.
            switch below(4) {
            case 0: event.debitAccountID = pending.debitAccountID &+ 1
            case 1: event.creditAccountID = pending.creditAccountID &+ 1
            case 2: event.ledger = pending.ledger &+ 1
            default: event.code = pending.code &+ 1
            }
        }
        if chance(500) {
            event.userData128 = smallValue()
            event.userData64 = smallValue()
            event.userData32 = smallValue()
        }
        return event
    }

    private mutating func postAmount(_ pendingAmount: UInt128) -> UInt128 {
        switch below(100) {
        case ..<30: return Transfer.amountMax
        case ..<55: return pendingAmount
        case ..<75: return pendingAmount == 0 ? 0 : UInt128(rng.next()) % pendingAmount
        case ..<85: return 0
        case ..<93: return pendingAmount < UInt128.max - 1 ? pendingAmount + 1 : UInt128.max - 1
        default: return amount()
        }
    }

    private mutating func voidAmount(_ pendingAmount: UInt128) -> UInt128 {
        switch below(100) {
        case ..<50: return 0
        case ..<85: return pendingAmount
        default: return pendingAmount &+ 1
        }
    }

    /// A resubmission of a transfer id the generator used before: if the model stored it, the
    /// record as a client would resend it, exact or with one field changed; otherwise a fresh
    /// event with that id.
    mutating func retry(_ scene: inout TransferScene, model: ReferenceModel) -> Transfer {
        let ids = plans[scene.tenant]!.transferIDs
        guard !ids.isEmpty else { return singlePhase(&scene) }
        let id = chance(600) ? ids[ids.count - 1 - below(Swift.min(ids.count, 200))] : ids[below(ids.count)]
        guard let stored = model.transfer(tenant: scene.tenant, id: id) else {
            var transfer = singlePhase(&scene)
            transfer.id = id
            return transfer
        }
        var event = stored
        event.timestamp = 0
        event.flags.remove(.imported)
        if chance(300) { event.flags.remove(.linked) }  // a chain member resent alone: differs in flags
        let isPost = stored.flags.contains(.postPendingTransfer)
        let isVoid = stored.flags.contains(.voidPendingTransfer)
        if isPost || isVoid {
            // Inherited fields may be left zero and still match.
            if chance(500) { event.debitAccountID = 0 }
            if chance(500) { event.creditAccountID = 0 }
            if chance(500) { event.ledger = 0; event.code = 0 }
            if chance(500) { event.userData128 = 0; event.userData64 = 0; event.userData32 = 0 }
            if isPost && chance(300) { event.amount = Transfer.amountMax }
            if isVoid && chance(400) { event.amount = 0 }
        }
        if stored.flags.contains(.balancingDebit) || stored.flags.contains(.balancingCredit) {
            event.amount = stored.amount &+ UInt128(below(100))  // a cap at least the stored amount
        }
        if chance(400) { return event }  // exact: `exists`
        switch below(11) {
        case 0:
            let toggles: [TransferFlags] = [.pending, .balancingDebit, .closingCredit, .postPendingTransfer]
            event.flags.formSymmetricDifference(toggles[below(toggles.count)])
        case 1: event.pendingID = stored.pendingID &+ 1
        case 2: event.timeoutSeconds = stored.timeoutSeconds &+ 1
        case 3: event.debitAccountID = stored.debitAccountID &+ 1
        case 4: event.creditAccountID = stored.creditAccountID &+ 1
        case 5: event.amount = stored.amount == 0 ? 1 : stored.amount - 1  // below a balancing cap too
        case 6: event.userData128 = stored.userData128 &+ 1
        case 7: event.userData64 = stored.userData64 &+ 1
        case 8: event.userData32 = stored.userData32 &+ 1
        case 9: event.ledger = stored.ledger &+ 1
        default: event.code = stored.code &+ 1
        }
        return event
    }

    /// An event that breaks one rule of steps 2-14 (precedence decides which code wins when
    /// the base event breaks others too).
    mutating func invalidTransfer(_ scene: inout TransferScene, model: ReferenceModel) -> Transfer {
        var transfer = chance(700) ? singlePhase(&scene) : postOrVoid(&scene, model: model, post: chance(500))
        switch below(23) {
        case 0: transfer.timestamp = 1 + UInt64(below(1_000))
        case 1: if !scene.events.isEmpty { transfer.flags.insert(.imported); transfer.timestamp = 1 }
        case 2: transfer.flags.insert(TransferFlags(rawValue: 1 << UInt16(9 + below(7))))
        case 3: transfer.id = 0
        case 4: transfer.id = .max
        case 5:
            let pairs: [TransferFlags] = [
                [.pending, .postPendingTransfer], [.postPendingTransfer, .voidPendingTransfer],
                [.pending, .voidPendingTransfer], [.postPendingTransfer, .balancingDebit],
                [.voidPendingTransfer, .closingCredit], [.postPendingTransfer, .balancingCredit],
                [.voidPendingTransfer, .closingDebit],
            ]
            transfer.flags.formUnion(pairs[below(pairs.count)])
        case 6: transfer.debitAccountID = 0
        case 7: transfer.debitAccountID = .max
        case 8: transfer.creditAccountID = 0
        case 9: transfer.creditAccountID = .max
        case 10: transfer.creditAccountID = transfer.debitAccountID
        case 11: transfer.pendingID = 1 + UInt128(below(100))
        case 12: transfer.pendingID = 0
        case 13: transfer.pendingID = .max
        case 14: transfer.pendingID = transfer.id
        case 15: transfer.timeoutSeconds = 1 + UInt32(below(10))
        case 16: transfer.flags.insert(chance(500) ? .closingDebit : .closingCredit)
        case 17: transfer.ledger = 0
        case 18: transfer.code = 0
        case 19: transfer.debitAccountID = unknownAccountID(scene)
        case 20: transfer.creditAccountID = unknownAccountID(scene)
        case 21:
            // Accounts on different ledgers.
            if let debit = pickAccount(scene.byLedger[1] ?? []), let credit = pickAccount(scene.byLedger[2] ?? []) {
                transfer.debitAccountID = debit.id
                transfer.creditAccountID = credit.id
            }
        default: transfer.ledger = transfer.ledger == 1 ? 2 : 1
        }
        return transfer
    }

    /// An id that is not an account of this tenant, often one that another tenant uses.
    private mutating func unknownAccountID(_ scene: TransferScene) -> UInt128 {
        let known = Set(scene.accounts.map(\.id))
        for _ in 0..<4 {
            let candidate = chance(500) ? UInt128(1 + below(600)) : UInt128(rng.next()) | 1
            if !known.contains(candidate) { return candidate }
        }
        return UInt128(rng.next()) << 64 | 3
    }
}
