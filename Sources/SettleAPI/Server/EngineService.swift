import Dispatch
import Logging
import SettleCore
import SettleEngine
import SettleStorage
import ServiceLifecycle

/// Recovers the engine, loads the directory, makes the server ready; on shutdown, after the
/// listeners have stopped, drains and syncs the engine. In a cluster it first waits to lead,
/// serving reads as a replica meanwhile (writes are redirected to the writer), and steps down
/// when the leadership is lost or a partition stops on a storage failure: the engine is closed
/// and the node tries to lead again, recovering from storage, which holds the truth.
struct EngineService: Service {
    let configuration: ServerConfiguration
    let state: ServerState

    func run() async throws {
        guard let cluster = configuration.cluster else {
            if let replica = configuration.replica {
                try await follow(replica)
            } else {
                let engine = try await open(configuration.engine)
                try await serve(engine) { _ in try? await gracefulShutdown() }
            }
            return
        }
        while !Task.isShuttingDownGracefully {
            guard let (storage, handover) = try await awaitLeadership(cluster) else { return }
            let lost = try await lead(cluster, on: storage, continuing: handover)
            await cluster.resign()
            guard lost else { return }
            state.follow(nil)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: cluster.interval) }
        }
    }

    /// Tries to lead every `interval` until it does; the storage to write, and what the
    /// replica it served meanwhile had applied (nil on shutdown). Meanwhile it serves reads as
    /// a replica when it has one and can open it, and otherwise sends every request to the
    /// writer.
    private func awaitLeadership(_ cluster: any ClusterMembership) async throws -> (any StorageBackend, ReplicaHandover?)? {
        while !Task.isShuttingDownGracefully {
            switch await attemptToLead(cluster) {
            case .leading(let storage):
                return (storage, nil)
            case .following(let writer):
                if let replica = configuration.replica, let engine = await openReplica(replica) {
                    state.writerMoved(to: writer)
                    if let storage = try await serveReplica(engine, replica, leading: cluster) {
                        state.beginRecovering()
                        // Stopped by now: its states go to the writer, which replays only what
                        // the replica had not applied yet.
                        return (storage, engine.stopAndHandOver())
                    }
                    if !Task.isShuttingDownGracefully { state.beginRecovering() }
                    continue
                }
                state.follow(writer)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: cluster.interval) }
            }
        }
        return nil
    }

    private func attemptToLead(_ cluster: any ClusterMembership) async -> LeadAttempt {
        do {
            return try await cluster.tryToLead()
        } catch {
            configuration.logger.warning("cannot reach the cluster's storage", metadata: ["error": "\(error)"])
            return .following(nil)
        }
    }

    /// Serves as the writer, renewing the leadership beside it from the moment it was won
    /// (recovery may take longer than a lease). True when the leadership was lost, recovery
    /// failed or a partition stopped on a storage failure; false on graceful shutdown.
    private func lead(_ cluster: any ClusterMembership, on storage: any StorageBackend, continuing handover: ReplicaHandover?) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { await renewUntilLost(cluster) }
            group.addTask { try await serveWhileHealthy(on: storage, continuing: handover) }
            let outcome = try await group.next() ?? false
            group.cancelAll()
            try await group.waitForAll()
            return outcome
        }
    }

    private func renewUntilLost(_ cluster: any ClusterMembership) async -> Bool {
        var renewed = ContinuousClock.now
        while true {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: cluster.interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return false }
            if ContinuousClock.now - renewed > cluster.interval * 2 {
                configuration.logger.warning("lease renewal late", metadata: ["since_last": "\(ContinuousClock.now - renewed)"])
            }
            guard await cluster.renew() else {
                configuration.logger.critical("leadership lost; stepping down")
                return true
            }
            renewed = ContinuousClock.now
        }
    }

    /// A read replica: opens the engine on the shared storage (retrying while that fails) and
    /// serves reads until shutdown. A partition that stopped reopens the whole replica.
    private func follow(_ replica: any ReplicaMembership) async throws {
        while !Task.isShuttingDownGracefully {
            state.writerMoved(to: await replica.writer())
            guard let engine = await openReplica(replica) else {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: replica.interval) }
                continue
            }
            _ = try await serveReplica(engine, replica, leading: nil)
            if !Task.isShuttingDownGracefully { state.beginRecovering() }
        }
    }

    private func openReplica(_ replica: any ReplicaMembership) async -> Engine? {
        let engineConfiguration = configuration.engine
        do {
            return try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result {
                        try Engine.openReplica(engineConfiguration, storage: replica.storage, observer: replica.observer)
                    })
                }
            }
        } catch {
            configuration.logger.warning("cannot open the replica; retrying", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Serves reads on the replica `engine`; every `interval` it learns where writes go (from
    /// `leading`'s attempt to lead when given, else from the replica), and every 100 ms it
    /// reloads the tenant directory if partition 0 moved on, so a new key works here soon
    /// after the writer made it. Returns the storage to write once `leading` won (the replica
    /// is stopped by then); nil when a partition stopped or on shutdown.
    private func serveReplica(_ engine: Engine, _ replica: any ReplicaMembership, leading cluster: (any ClusterMembership)?) async throws -> (any StorageBackend)? {
        var won: (any StorageBackend)?
        try await serve(engine) { ledger in
            var directoryOp: UInt64?  // unknown: the first round reloads
            let round = cluster?.interval ?? replica.interval
            var nextRound = ContinuousClock.now + round
            while !Task.isShuttingDownGracefully {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: min(round, .milliseconds(100))) }
                if !engine.stoppedPartitions.isEmpty {
                    configuration.logger.critical("a replica partition stopped; reopening", metadata: ["partitions": "\(engine.stoppedPartitions)"])
                    return
                }
                if ContinuousClock.now >= nextRound {
                    nextRound = ContinuousClock.now + round
                    if let cluster {
                        switch await attemptToLead(cluster) {
                        case .leading(let storage):
                            won = storage
                            return
                        case .following(let writer):
                            state.writerMoved(to: writer)
                        }
                    } else {
                        state.writerMoved(to: await replica.writer())
                    }
                }
                // Tenants and keys live in partition 0: reload only when it moved on.
                let op = engine.metrics.first?.replica?.appliedOp
                guard op != directoryOp else { continue }
                do {
                    try await ledger.directory.reload()
                    directoryOp = op
                } catch {
                    configuration.logger.warning("cannot reload the tenant directory", metadata: ["error": "\(error)"])
                }
            }
        }
        return won
    }

    private func serveWhileHealthy(on storage: any StorageBackend, continuing handover: ReplicaHandover?) async throws -> Bool {
        var engineConfiguration = configuration.engine
        engineConfiguration.storage = storage
        let engine: Engine
        do {
            engine = try await open(engineConfiguration, continuing: handover)
        } catch {
            configuration.logger.error("leading, but recovery failed; stepping down", metadata: ["error": "\(error)"])
            return true
        }
        if Task.isCancelled {  // the leadership was lost during recovery
            await stop(engine)
            return true
        }
        var stopped = false
        try await serve(engine) { _ in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if !engine.stoppedPartitions.isEmpty {
                    configuration.logger.critical("a partition stopped on a storage failure; stepping down to recover", metadata: [
                        "partitions": "\(engine.stoppedPartitions)"])
                    stopped = true
                    return
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(100)) }
            }
        }
        return stopped
    }

    private func open(_ engineConfiguration: EngineConfiguration, continuing handover: ReplicaHandover? = nil) async throws -> Engine {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Engine, any Error>) in
            // Recovery blocks for seconds: keep it off the cooperative pool.
            DispatchQueue.global().async { continuation.resume(with: Result { try Engine.open(engineConfiguration, continuing: handover) }) }
        }
    }

    /// Makes the server ready on `engine`, waits in `until`, then stops serving, drains and
    /// syncs the engine.
    private func serve(_ engine: Engine, until: (LedgerAPI) async -> Void) async throws {
        let logger = configuration.logger
        do {
            for report in engine.recovery {
                logger.info("partition recovered", metadata: [
                    "partition": "\(report.partition)", "checkpoint_op": "\(report.checkpointOp)",
                    "from": "\(report.continuedFromReplica ? "this node's replica" : "the checkpoint")",
                    "replayed_ops": "\(report.replayedOps)", "seconds": "\(report.seconds)"])
            }
            let directory = try await Directory.load(from: engine)
            if !engine.isReplica { try await bootstrapOperatorKey(directory) }
            let ledger = LedgerAPI(engine: engine, directory: directory, metrics: state.metrics,
                                   limiter: RateLimiter(clock: { Clocks.monotonicNanoseconds() }), logger: logger)
            state.becomeReady(ledger)
            logger.notice("ready", metadata: ["storage": "\(engine.configuration.storageDescription)", "partitions": "\(engine.metrics.count)"])
            await until(ledger)
        } catch {
            engine.shutdown()
            throw error
        }
        state.beginDraining()
        await stop(engine)
        logger.notice("engine stopped: queues drained and synced")
    }

    /// Drains and syncs the engine off the cooperative pool (it joins the writer threads).
    private func stop(_ engine: Engine) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                engine.shutdown()
                continuation.resume()
            }
        }
    }

    private func bootstrapOperatorKey(_ directory: Directory) async throws {
        if let key = configuration.operatorKey {
            guard try await directory.register(secret: key, tenant: TenantID.system.rawValue, role: .operator, label: "SETTLE_OPERATOR_KEY") != nil else {
                throw APIError(.invalidField, "SETTLE_OPERATOR_KEY collides with another key; choose another")
            }
        } else if !directory.hasOperatorKey {
            let created = try await directory.createKey(tenant: TenantID.system.rawValue, role: .operator, label: "first start")
            configuration.announceOperatorKey(created.secret)
        }
    }
}
