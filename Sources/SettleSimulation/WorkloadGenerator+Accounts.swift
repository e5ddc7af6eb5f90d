import SettleSeededRandom
import SettleCore
import SettleStorage

extension WorkloadGenerator {
    /// New accounts, retries (exact and with each differing field), invalid events for every
    /// `CreateAccountResult`, and linked chains (closed or left open).
    mutating func accountsBatch(tenant: TenantID, model: ReferenceModel, count: Int, validOnly: Bool) -> Batch {
        let existing = model.allAccounts(tenant: tenant)
        var events: [Account] = []
        for _ in 0..<count {
            if validOnly || chance(550) {
                events.append(newAccount(tenant: tenant))
            } else if chance(400), let stored = pick(existing) {
                events.append(accountRetry(of: stored))
            } else {
                events.append(invalidAccount(tenant: tenant, index: events.count))
            }
        }
        if !validOnly { addChains(&events, linked: AccountFlags.linked) }
        return .createAccounts(tenant: tenant, events: events, timestamp: batchTimestamp(model: model, count: events.count))
    }

    /// An imported batch: every event carries an increasing timestamp between the tenant's
    /// last one and the batch's, with occasional mistakes for each imported code.
    mutating func importedAccountsBatch(tenant: TenantID, model: ReferenceModel, count: Int) -> Batch {
        let timestamp = batchTimestamp(model: model, count: count, extraGap: 1_000_000)
        var clock = ImportedClock(
            tenantLast: model.lastAccountTimestamp(tenant: tenant), batchTimestamp: timestamp
        )
        var events: [Account] = []
        for index in 0..<count {
            var account = newAccount(tenant: tenant)
            account.flags.insert(.imported)
            account.timestamp = importedTimestamp(&clock, allowMistake: index > 0 || chance(300))
            if index > 0 && chance(80) {
                account.flags.remove(.imported)  // importedEventExpected
                account.timestamp = 0
            }
            if index > 0 && chance(40), let stored = pick(model.allAccounts(tenant: tenant)) {
                let retry = accountRetry(of: stored)
                account = Account(
                    id: retry.id, userData128: retry.userData128, userData64: retry.userData64,
                    userData32: retry.userData32, ledger: retry.ledger, code: retry.code,
                    flags: retry.flags.union(.imported), timestamp: account.timestamp
                )
            }
            events.append(account)
        }
        if chance(150) { addChains(&events, linked: AccountFlags.linked) }
        return .createAccounts(tenant: tenant, events: events, timestamp: timestamp)
    }

    /// A valid new account with random limit, history and (rarely) closed flags.
    mutating func newAccount(tenant: TenantID) -> Account {
        let id: UInt128
        if chance(30) {
            id = UInt128(rng.next()) << 64 | UInt128(rng.next())  // a random, probably fresh, id
        } else {
            id = plans[tenant]!.nextAccountID
            plans[tenant]!.nextAccountID += 1
        }
        let ledger = chance(80) ? Self.whaleLedger : Self.ledgers[chance(700) ? 0 : 1]
        var flags: AccountFlags = []
        if chance(250) { flags.insert(.history) }
        switch below(100) {
        case ..<15: flags.insert(.debitsMustNotExceedCredits)
        case ..<30: flags.insert(.creditsMustNotExceedDebits)
        default: break
        }
        if chance(15) { flags.insert(.closed) }
        return Account(
            id: id, userData128: smallValue(), userData64: smallValue(), userData32: smallValue(),
            ledger: ledger, code: UInt16(1 + below(3)), flags: flags
        )
    }

    /// The stored account as a client would resend it, identical or with one field changed.
    mutating func accountRetry(of stored: Account) -> Account {
        var event = Account(
            id: stored.id, userData128: stored.userData128, userData64: stored.userData64,
            userData32: stored.userData32, ledger: stored.ledger, code: stored.code,
            flags: stored.flags.subtracting(chance(500) ? [.imported, .linked] : .imported)
        )
        if chance(500) { event.flags.formSymmetricDifference(.closed) }  // ignored on both sides
        switch below(8) {
        case 0: event.flags.formSymmetricDifference(chance(500) ? .history : .debitsMustNotExceedCredits)
        case 1: event.userData128 += 1 + UInt128(below(3))
        case 2: event.userData64 += 1
        case 3: event.userData32 += 1
        case 4: event.ledger += 1
        case 5: event.code += 1
        default: break  // exact retry: `exists`
        }
        return event
    }

    /// An event breaking one rule (and maybe more: precedence decides the code).
    mutating func invalidAccount(tenant: TenantID, index: Int) -> Account {
        var account = newAccount(tenant: tenant)
        switch below(14) {
        case 0: account.timestamp = 1 + UInt64(below(1_000))
        case 1: if index > 0 { account.flags.insert(.imported); account.timestamp = 1 }
        case 2: account.reserved = 1 + UInt32(below(5))
        case 3: account.flags.insert(AccountFlags(rawValue: 1 << UInt16(6 + below(10))))
        case 4: account.id = 0
        case 5: account.id = .max
        case 6: account.flags.formUnion([.debitsMustNotExceedCredits, .creditsMustNotExceedDebits])
        case 7: account.debitsPending = 1 + UInt128(below(9))
        case 8: account.debitsPosted = 1
        case 9: account.creditsPending = UInt128.max
        case 10: account.creditsPosted = 5
        case 11: account.ledger = 0
        case 12: account.code = 0
        default: account.ledger = 0; account.code = 0; account.reserved = 1
        }
        return account
    }

    /// Links random runs of events into chains; sometimes leaves the batch's last chain open.
    /// Retries keep the `linked` flag they were stored with, so chains also form around them.
    mutating func addChains<Event: LinkableEvent>(_ events: inout [Event], linked: Event.Flags) {
        var index = 0
        while index < events.count {
            if chance(120) {
                let end = Swift.min(index + 1 + below(4), events.count - 1)
                for member in index..<end { events[member].flags.formUnion(linked) }
                index = end + 1
            } else {
                index += 1
            }
        }
        if !events.isEmpty && chance(60) { events[events.count - 1].flags.formUnion(linked) }
    }
}

/// Accounts and transfers both chain with a `linked` flag.
protocol LinkableEvent {
    associatedtype Flags: OptionSet
    var flags: Flags { get set }
}
extension Account: LinkableEvent {}
extension Transfer: LinkableEvent {}

/// Hands out increasing imported timestamps in `(tenantLast, batchTimestamp)`.
struct ImportedClock {
    /// The tenant's newest committed object of the kind being imported when the batch was built.
    let tenantLast: UInt64
    var last: UInt64
    let batchTimestamp: UInt64

    init(tenantLast: UInt64, batchTimestamp: UInt64) {
        self.tenantLast = tenantLast
        last = tenantLast
        self.batchTimestamp = batchTimestamp
    }
}

extension WorkloadGenerator {
    /// The next imported timestamp, or (when `allowMistake`, rarely) one that breaks a rule:
    /// 0 or above 2^63 - 1 (out of range), at or after T (advance), at or before the tenant's
    /// last (regress).
    mutating func importedTimestamp(_ clock: inout ImportedClock, allowMistake: Bool) -> UInt64 {
        if allowMistake {
            switch below(100) {
            case ..<4: return 0
            case ..<7: return (1 << 63) + UInt64(below(3))
            case ..<12: return clock.batchTimestamp + UInt64(below(2))
            case ..<15: return clock.tenantLast - Swift.min(clock.tenantLast, UInt64(below(2)))  // regress
            case ..<18: return clock.last  // regress if the previous event of the batch committed
            // Just after the newest object of this kind: predates any newer object of the other
            // kind (an imported transfer before its account gets `...MustPostdate...`).
            case ..<24: return clock.tenantLast + 1
            default: break
            }
        }
        let next = clock.last + 1 + UInt64(below(3))
        guard next < clock.batchTimestamp else { return clock.batchTimestamp - 1 }
        clock.last = next
        return next
    }
}
