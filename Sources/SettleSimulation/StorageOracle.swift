import SettleCore
import SettleEngine

/// What the storage fault simulator knows the pipeline holds: every group it applied, in op
/// order, and a shadow `StateMachine` — a fresh one, never the pipeline's — fed exactly those
/// groups.
///
/// Why a shadow in lock step rather than replaying the recovered journal: the journal is what
/// is under test (and checkpoints remove its head), so it cannot be its own oracle. The shadow
/// gives each command the timestamp the pipeline gives it, by the rule docs/LEDGER.md states
/// (`StateMachine.nextTimestamp`, fed the previous command's timestamp within a group); every
/// acknowledged reply's timestamp is checked against it, so the two cannot drift apart
/// unnoticed, and the timestamps of a group whose outcome is unknown (failed sync, power cut)
/// come from the same rule. Only the last group can be unknown (a failed sync stops the
/// pipeline), so keeping the digest from before it is enough to recognise either recovered
/// prefix; dropping it rebuilds the shadow from the recorded groups and timestamps.
final class StorageOracle {
    struct Group {
        var commands: [Command]
        var timestamps: [UInt64]
        /// Acknowledged, or recovered since (recovery syncs what it replays): must survive
        /// every later crash. False while the outcome is unknown.
        var durable: Bool
    }

    private(set) var shadow = StateMachine()
    /// Group `i` is journal op `i + 1`.
    private(set) var groups: [Group] = []
    /// The shadow's digest before the last group, while that group's outcome is unknown.
    private(set) var digestBeforeLast: UInt64?

    /// The number of groups that must be present after any crash.
    var durableCount: Int { groups.lastIndex { $0.durable }.map { $0 + 1 } ?? 0 }

    /// Applies a group the pipeline applied at `wallClock`; returns each command's timestamp.
    /// - Throws: a description, if the shadow refuses the batch or an event does not succeed
    ///   (the workload only makes valid events).
    func apply(_ commands: [Command], wallClock: UInt64, durable: Bool) throws(SimulationProblem) -> [UInt64] {
        digestBeforeLast = durable ? nil : shadow.digest()
        var timestamps: [UInt64] = []
        for command in commands {
            let timestamp = shadow.nextTimestamp(wallClock: wallClock, eventCount: Self.eventCount(command))
            try Self.apply(command, timestamp: timestamp, to: shadow)
            timestamps.append(timestamp)
        }
        groups.append(Group(commands: commands, timestamps: timestamps, durable: durable))
        return timestamps
    }

    /// Keeps the first `count` groups (a crash lost the rest) and marks them durable.
    func keep(_ count: Int) throws(SimulationProblem) {
        precondition(count <= groups.count)
        if count < groups.count {
            groups.removeLast(groups.count - count)
            shadow = StateMachine()
            for group in groups {
                for (command, timestamp) in zip(group.commands, group.timestamps) {
                    try Self.apply(command, timestamp: timestamp, to: shadow)
                }
            }
        }
        for index in groups.indices { groups[index].durable = true }
        digestBeforeLast = nil
    }

    static func eventCount(_ command: Command) -> Int { command.eventCount }

    /// Applies one command at `timestamp`; every event must succeed.
    static func apply(_ command: Command, timestamp: UInt64, to machine: StateMachine) throws(SimulationProblem) {
        do {
            switch command {
            case .createAccounts(let tenant, let events):
                let results = try machine.createAccounts(events, tenant: tenant, timestamp: timestamp)
                if let bad = results.firstIndex(where: { $0 != .ok }) {
                    throw SimulationProblem("workload bug: account \(events[bad].id) of \(tenant) got \(results[bad])")
                }
            case .createTransfers(let tenant, let events):
                let results = try machine.createTransfers(events, tenant: tenant, timestamp: timestamp)
                if let bad = results.firstIndex(where: { $0 != .ok }) {
                    throw SimulationProblem("workload bug: transfer \(events[bad]) of \(tenant) got \(results[bad])")
                }
            case .expirePending, .registerSession, .putSystemRecord:
                try machine.expirePendingTransfers(timestamp: timestamp)
            }
        } catch let error as BatchError {
            throw SimulationProblem("the shadow refused a batch at \(timestamp): \(error)")
        } catch let problem as SimulationProblem {
            throw problem
        } catch {
            throw SimulationProblem("unexpected error \(error)")
        }
    }
}

/// A broken expectation of the storage fault simulator, in words.
struct SimulationProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
