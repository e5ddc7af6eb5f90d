import SettleCore

/// Cuts a failing seeded run down to a few batches and events that still make `StateMachine`
/// and the reference model disagree: what a bug report (or a unit test) needs.
///
/// Delta debugging: drop ever smaller runs of batches while the run still fails, then drop
/// single events. Removing batches or events keeps timestamps increasing, so every candidate
/// is a valid input; it may fail differently, which is still a disagreement worth seeing.
public enum Shrinker {
    /// The batches of `seed`'s run up to and including the first failing one, or nil when the
    /// run passes.
    /// `fault` (tests only) makes the model wrong on purpose.
    public static func failingBatches(
        seed: UInt64, eventCount: Int, fault: ReferenceModel.InjectedFault? = nil
    ) -> [WorkloadGenerator.Batch]? {
        let simulator = Simulator(seed: seed, eventCount: eventCount, model: ReferenceModel(injectedFault: fault))
        var batches: [WorkloadGenerator.Batch] = []
        simulator.onBatch = { batches.append($0) }
        do {
            _ = try simulator.run()
            return nil
        } catch {
            return batches
        }
    }

    /// The disagreement replaying `batches` on fresh state produces, if any.
    public static func failure(
        seed: UInt64, _ batches: [WorkloadGenerator.Batch], fault: ReferenceModel.InjectedFault? = nil
    ) -> SimulationFailure? {
        do {
            _ = try Simulator(seed: seed, replaying: batches, model: ReferenceModel(injectedFault: fault)).run()
            return nil
        } catch {
            return error
        }
    }

    /// A smaller list of batches that still fails.
    public static func shrink(
        seed: UInt64, _ input: [WorkloadGenerator.Batch], fault: ReferenceModel.InjectedFault? = nil
    ) -> [WorkloadGenerator.Batch] {
        var batches = input
        var chunk = Swift.max(1, batches.count / 2)
        while true {
            var start = 0
            var removedAny = false
            while start < batches.count {
                var candidate = batches
                candidate.removeSubrange(start..<Swift.min(start + chunk, candidate.count))
                if failure(seed: seed, candidate, fault: fault) != nil { batches = candidate; removedAny = true } else { start += chunk }
            }
            if chunk == 1 && !removedAny { break }
            if !removedAny { chunk = Swift.max(1, chunk / 2) }
        }
        for index in batches.indices where batches[index].eventCount <= 500 {
            var event = 0
            while event < batches[index].eventCount {
                var candidate = batches
                candidate[index] = batches[index].removingEvent(at: event)
                if failure(seed: seed, candidate, fault: fault) != nil { batches = candidate } else { event += 1 }
            }
        }
        return batches
    }
}

extension WorkloadGenerator.Batch {
    /// The same batch without event `index` (same timestamp).
    func removingEvent(at index: Int) -> Self {
        switch self {
        case .createAccounts(let tenant, var events, let timestamp):
            events.remove(at: index)
            return .createAccounts(tenant: tenant, events: events, timestamp: timestamp)
        case .createTransfers(let tenant, var events, let timestamp):
            events.remove(at: index)
            return .createTransfers(tenant: tenant, events: events, timestamp: timestamp)
        case .expirePendingTransfers:
            return self
        }
    }
}
