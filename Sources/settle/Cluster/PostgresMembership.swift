import Dispatch
import Logging
import SettleAPI
import SettleEngine
import SettlePostgres
import SettleStorage

/// `settle serve --postgres`: leadership by partition leases in PostgreSQL (`PostgresCluster`);
/// with `--replica`, where a read replica finds the writer and the storage it follows.
///
/// Its PostgreSQL calls block, so they run on a serial queue of their own, never on the
/// cooperative pool. A connection that failed is dropped and made again on the next call.
final class PostgresMembership: ClusterMembership, ReplicaMembership, @unchecked Sendable {
    let settings: PostgresSettings
    let address: NodeAddress
    /// Partitions of a new installation; an existing one keeps its own count.
    let partitions: Int
    let leaseMilliseconds: Int64
    let logger: Logger
    /// What sees every command a replica applies (`--project`).
    let observer: (any ReplicaObserver)?
    private let queue = DispatchQueue(label: "settle.cluster")
    // Touched only on `queue`.
    private var cluster: PostgresCluster?
    private var leases: [PartitionLease] = []
    private var partitionCount: Int?

    init(settings: PostgresSettings, address: NodeAddress, partitions: Int, leaseMilliseconds: Int64,
         observer: (any ReplicaObserver)? = nil, logger: Logger) {
        self.settings = settings
        self.observer = observer
        self.address = address
        self.partitions = partitions
        self.leaseMilliseconds = leaseMilliseconds
        self.logger = logger
    }

    var interval: Duration { .milliseconds(leaseMilliseconds / 3) }

    func tryToLead() async throws -> LeadAttempt {
        try await onQueue { () throws -> LeadAttempt in
            do {
                return try self.attemptToLead()
            } catch {
                self.drop()
                throw error
            }
        }
    }

    private func attemptToLead() throws -> LeadAttempt {
        let cluster = try connected()
        let count = try partitionCount ?? PostgresCluster.partitionCount(settings, creatingWith: partitions, logger: logger)
        partitionCount = count
        if let acquired = try cluster.acquireAll(partitions: count) {
            leases = acquired
            logger.notice("leading: every partition's lease acquired", metadata: [
                "node": "\(address.name)", "epochs": "\(acquired.map(\.epoch))"])
            return .leading(PostgresStorage(settings: settings, leases: acquired, logger: logger))
        }
        return .following(try cluster.writer().map(WriterAddress.init))
    }

    func renew() async -> Bool {
        let start = ContinuousClock.now
        defer {
            let took = ContinuousClock.now - start
            if took > interval { logger.warning("renewing the leases took longer than a third of a lease", metadata: ["took": "\(took)"]) }
        }
        return await onQueue { () -> Bool in
            guard !self.leases.isEmpty else { return false }
            do {
                guard let renewed = try self.connected().renewAll(self.leases) else { return false }
                self.leases = renewed
                return true
            } catch {
                // PostgreSQL unreachable: the leases hold until they expire by the server's
                // clock, which `validUntil` errs early of; writes are fenced regardless.
                self.logger.warning("renewing the leases failed", metadata: ["error": "\(error)"])
                self.drop()
                let deadline = self.leases.map(\.validUntil).min() ?? .now
                return ContinuousClock.now < deadline
            }
        }
    }

    func resign() async {
        await onQueue { () -> Void in
            if let cluster = self.cluster, !self.leases.isEmpty { cluster.releaseAll(self.leases) }
            self.leases = []
        }
    }

    // MARK: Read replica

    var storage: any ReplicaStorage { PostgresReplicaStorage(settings: settings, logger: logger) }

    func writer() async -> WriterAddress? {
        await onQueue { () -> WriterAddress? in
            do {
                return try self.connected().writer().map(WriterAddress.init)
            } catch {
                self.drop()
                return nil
            }
        }
    }

    private func connected() throws(StorageError) -> PostgresCluster {
        if let cluster { return cluster }
        try PostgresSchema.migrate(settings, logger: logger)
        let cluster = try PostgresCluster(settings: settings, node: address.name, leaseMilliseconds: leaseMilliseconds, logger: logger)
        do {
            try cluster.register(address)
        } catch {
            cluster.close()
            throw error
        }
        self.cluster = cluster
        return cluster
    }

    /// Forgets a connection that failed; the next call makes a new one.
    private func drop() {
        cluster?.close()
        cluster = nil
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

extension WriterAddress {
    init(_ node: NodeAddress) {
        self.init(http: node.httpAddress, grpc: node.grpcAddress)
    }
}
