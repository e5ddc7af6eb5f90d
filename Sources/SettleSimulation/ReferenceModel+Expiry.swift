import SettleCore

extension ReferenceModel {
    /// When a pending transfer with a timeout expires: `timestamp + timeoutSeconds * 1e9`, or nil
    /// when it has no timeout. Never overflows for a stored transfer (`overflowsTimeout`).
    static func expiresAt(_ transfer: Transfer) -> UInt64? {
        guard transfer.flags.contains(.pending), transfer.timeoutSeconds > 0 else { return nil }
        return transfer.timestamp + UInt64(transfer.timeoutSeconds) * nanosecondsPerSecond
    }

    /// Expires every still-pending transfer of every tenant with `expiresAt <= timestamp`, in
    /// order of (expiresAt, tenant, timestamp) (docs/LEDGER.md "Expiry of pending transfers").
    func expire(through timestamp: UInt64) {
        if injectedFault == .skipExpiry { return }
        var due: [(expiresAt: UInt64, tenant: TenantID, timestamp: UInt64, id: UInt128)] = []
        for tenant in tenants {
            let state = tenantStates[tenant]!
            for id in state.timedPending where state.pendingStatus[id] == .pending {
                let transfer = state.transfer(id)!
                let expiresAt = Self.expiresAt(transfer)!
                if expiresAt <= timestamp { due.append((expiresAt, tenant, transfer.timestamp, id)) }
            }
        }
        due.sort { ($0.expiresAt, $0.tenant.rawValue, $0.timestamp) < ($1.expiresAt, $1.tenant.rawValue, $1.timestamp) }
        for item in due {
            var state = tenantStates.removeValue(forKey: item.tenant)!
            let pending = state.transfer(item.id)!
            state.accounts[pending.debitAccountID]!.debitsPending -= pending.amount
            state.accounts[pending.creditAccountID]!.creditsPending -= pending.amount
            // Expiring a closing transfer reopens the accounts it closed, as a void does.
            if pending.flags.contains(.closingDebit) { state.accounts[pending.debitAccountID]!.flags.remove(.closed) }
            if pending.flags.contains(.closingCredit) { state.accounts[pending.creditAccountID]!.flags.remove(.closed) }
            state.pendingStatus[item.id] = .expired
            tenantStates[item.tenant] = state
        }
        // Forget transfers that are no longer pending, so the next scan is shorter.
        for tenant in tenants {
            var state = tenantStates.removeValue(forKey: tenant)!
            let statuses = state.pendingStatus
            state.timedPending.removeAll { statuses[$0] != .pending }
            tenantStates[tenant] = state
        }
    }

    /// The earliest `expiresAt` of a still-pending transfer in any tenant.
    public func nextExpiry() -> UInt64? {
        var earliest: UInt64?
        for state in tenantStates.values {
            for id in state.timedPending where state.pendingStatus[id] == .pending {
                let expiresAt = Self.expiresAt(state.transfer(id)!)!
                earliest = Swift.min(earliest ?? expiresAt, expiresAt)
            }
        }
        return earliest
    }
}
