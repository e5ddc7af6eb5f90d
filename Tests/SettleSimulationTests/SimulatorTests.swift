import SettleCore
import SettleSimulation
import Testing

/// Fixed seeds with a modest event count (debug builds are 10-50x slower than release;
/// scripts/simulate.sh runs the long workloads).
enum FixedSeeds {
    static let seeds: [UInt64] = [1, 2, 3, 4]
    static let eventCount = 8_000

    /// Each seed is simulated once per test process and shared by the tests below.
    static let runs: [UInt64: Result<SimulationSummary, SimulationFailure>] = {
        var runs: [UInt64: Result<SimulationSummary, SimulationFailure>] = [:]
        for seed in seeds {
            runs[seed] = Result { () throws(SimulationFailure) in try Simulator(seed: seed, eventCount: eventCount).run() }
        }
        return runs
    }()
}

@Suite("Simulator")
struct SimulatorTests {
    @Test("fixed seeds agree with the reference model", arguments: FixedSeeds.seeds)
    func fixedSeedPasses(seed: UInt64) throws {
        switch FixedSeeds.runs[seed]! {
        case let .success(summary):
            #expect(summary.events >= FixedSeeds.eventCount)
            #expect(summary.expiryTicks > 0)
            #expect(summary.queriesCompared > 0)
        case let .failure(failure):
            Issue.record("FAILED \(failure)\nreplay: swift run -c release settle-sim --seed \(seed) --events \(FixedSeeds.eventCount)")
        }
    }

    @Test("the fixed seeds together return every result code")
    func coverage() {
        let summaries = FixedSeeds.runs.values.compactMap { try? $0.get() }
        guard summaries.count == FixedSeeds.seeds.count else {
            Issue.record("a fixed seed failed (see fixedSeedPasses), so coverage is not known")
            return
        }
        let accounts = summaries.reduce(into: Set<CreateAccountResult>()) { $0.formUnion($1.accountResultsSeen) }
        let transfers = summaries.reduce(into: Set<CreateTransferResult>()) { $0.formUnion($1.transferResultsSeen) }
        let missingAccounts = CreateAccountResult.allCases.filter { !accounts.contains($0) }
        let missingTransfers = CreateTransferResult.allCases.filter {
            !transfers.contains($0) && !WorkloadGenerator.unreachableTransferResults.contains($0)
        }
        #expect(summaries.contains { $0.rejectedBatches > 0 }, "whole-batch rejections must be exercised")
        #expect(missingAccounts.isEmpty, "createAccounts codes never returned: \(missingAccounts)")
        #expect(missingTransfers.isEmpty, "createTransfers codes never returned: \(missingTransfers)")
        // If the state machine ever returns an "unreachable" code, the reasoning behind that list is wrong.
        let reached = WorkloadGenerator.unreachableTransferResults.filter(transfers.contains)
        #expect(reached.isEmpty, "codes believed unreachable were returned: \(reached)")
    }

    @Test("the same seed gives the same batches and digest in one process")
    func deterministicInProcess() throws {
        let first = try Simulator(seed: 99, eventCount: 1_500).run()
        let second = try Simulator(seed: 99, eventCount: 1_500).run()
        #expect(first.digest == second.digest)
        #expect(first.transferResults == second.transferResults)
        #expect(first.batches == second.batches)
    }
}

@Suite("Simulator catches mistakes")
struct SimulatorFailureTests {
    @Test("a tampered result code is reported with seed, batch and event")
    func tamperedResult() {
        let simulator = Simulator(seed: 5, eventCount: 3_000)
        simulator.tamperTransferResults = { batch, results in
            guard batch >= 10, !results.isEmpty else { return }
            results[0] = results[0] == .ok ? .exceedsCredits : .ok
        }
        #expect {
            try simulator.run()
        } throws: { error in
            guard let failure = error as? SimulationFailure else { return false }
            return failure.seed == 5 && failure.batch >= 10 && failure.eventIndex == 0
                && failure.description.contains("seed=5") && failure.description.contains("event=0")
        }
    }

    @Test("a model that is wrong about the ledger is caught", arguments: [
        ReferenceModel.InjectedFault.skipExpiry, .ignoreBalancingClamp,
    ])
    func wrongModel(fault: ReferenceModel.InjectedFault) {
        let simulator = Simulator(seed: 6, eventCount: 5_000, model: ReferenceModel(injectedFault: fault))
        #expect {
            try simulator.run()
        } throws: { error in
            (error as? SimulationFailure)?.seed == 6
        }
    }

    @Test("the shrinker cuts a failing run down to a few batches that still fail")
    func shrinker() throws {
        let batches = try #require(Shrinker.failingBatches(seed: 6, eventCount: 5_000, fault: .skipExpiry))
        let small = Shrinker.shrink(seed: 6, batches, fault: .skipExpiry)
        #expect(small.count < batches.count && small.count <= 6, "\(small.count) of \(batches.count) batches left")
        #expect(Shrinker.failure(seed: 6, small, fault: .skipExpiry) != nil)
        #expect(Shrinker.failure(seed: 6, small) == nil, "with a correct model the shrunk input passes")
    }
}
